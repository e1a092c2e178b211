"""The scoring policy: view and edit it, with the version it was based on and a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.web import _, checked_form, guarded, issues_beside_fields, render, require
from service.errors import StaleVersion, ValidationFailed
from service.models import AccessLevel
from service.models import Policy as PolicyRow
from service.usecases.parsing import largest_key, whole_or_none
from service.usecases.setup.policy import (
    NUMBER_FIELDS,
    PEOPLE_FIELDS,
    POLICY_ID,
    load_policy,
    policy_to_data,
)
from service.usecases.setup.policy_change import MovedScorecard, update_policy

# The settings in the order the page shows them, each with its label and a hint.
_NUMBERS: list[tuple[str, str, str]] = [
    (
        "min_evidence_weight",
        "Minimum evidence weight (%)",
        "A score needs the person's own data behind at least this share of the scorecard "
        "weight; below it the score has no total. 0 turns the rule off.",
    ),
    ("stretch_bonus", "Stretch bonus (points)", "What a line earns past its target, at most."),
    ("adjustment_cap", "Adjustment cap (± points)", "The most the adjustments of one score net."),
    ("min_employed_share", "Minimum share of days employed (%)", ""),
    ("quantitative_target", "Quantitative share target (%)", ""),
    ("quantitative_tolerance", "Quantitative share tolerance (points)", ""),
    ("csat_share_min", "Customer-satisfaction share, lowest (%)", ""),
    ("csat_share_max", "Customer-satisfaction share, highest (%)", ""),
    ("single_line_max", "Largest share of one line (%)", ""),
    (
        "leniency_threshold",
        "Calibration: leniency threshold (points)",
        "A reviewer with five or more employees is flagged when their gap differs from the "
        "organisation's by more than this, and clear of chance.",
    ),
    (
        "band_guide_tolerance",
        "Calibration: band guide tolerance (points)",
        "A group of five or more is warned about when its share of a band differs from the "
        "guide by more than this.",
    ),
    (
        "goal_risk_margin",
        "Goals: risk margin (points)",
        "A goal is at risk when the share of its time gone runs ahead of its progress by "
        "more than this.",
    ),
]
assert {name for name, _label, _hint in _NUMBERS} == set(NUMBER_FIELDS)
_EXTRA_BAND_ROWS = 1


@dataclass
class PolicyForm:
    values: dict[str, str]
    bands: list[dict[str, str]]
    version: int
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None


def _form_of(data: dict[str, Any], version: int) -> PolicyForm:
    values = {name: str(data[name]) for name in NUMBER_FIELDS}
    values["csat_kpi_code"] = data.get("csat_kpi_code") or ""
    guide = data.get("band_guide") or {}
    values["band_guide"] = ", ".join(f"{code}={share}" for code, share in guide.items())
    values["timezone"] = str(data.get("timezone") or "UTC")
    values["check_in_interval_days"] = str(data.get("check_in_interval_days", ""))
    values["colleague_feedback_notes"] = "on" if data.get("colleague_feedback_notes") else ""
    values["recognitions_per_colleague_per_week"] = str(
        data.get("recognitions_per_colleague_per_week", "")
    )
    bands = [{k: str(band[k]) for k in ("code", "floor", "multiplier")} for band in data["bands"]]
    return PolicyForm(values, bands, version)


def _posted(form: FormData) -> tuple[dict[str, str], list[dict[str, str]]]:
    values = {
        name: str(form.get(name, "")).strip()
        for name in (
            *NUMBER_FIELDS,
            "csat_kpi_code",
            "timezone",
            "band_guide",
            "check_in_interval_days",
            "colleague_feedback_notes",
            "recognitions_per_colleague_per_week",
        )
    }
    bands = []
    index = 0
    while f"bands-{index}-code" in form:
        band = {
            key: str(form.get(f"bands-{index}-{key}", "")).strip()
            for key in ("code", "floor", "multiplier")
        }
        if any(band.values()):  # an empty row adds nothing
            bands.append(band)
        index += 1
    return values, bands


def _settings(values: dict[str, str], bands: list[dict[str, str]]) -> dict[str, Any]:
    settings: dict[str, Any] = {name: values[name] for name in NUMBER_FIELDS}
    settings["csat_kpi_code"] = values["csat_kpi_code"] or None
    settings["timezone"] = values["timezone"]
    settings["bands"] = bands
    settings["band_guide"] = _guide_of(values["band_guide"])
    if values["check_in_interval_days"]:
        settings["check_in_interval_days"] = values["check_in_interval_days"]
    if values["recognitions_per_colleague_per_week"]:
        settings["recognitions_per_colleague_per_week"] = values[
            "recognitions_per_colleague_per_week"
        ]
    # An unticked box is not posted at all: no means no.
    settings["colleague_feedback_notes"] = values["colleague_feedback_notes"] == "on"
    return settings


def _guide_of(text: str) -> dict[str, str] | None:
    """ "A=20, B=50" as {code: share}; the use case checks codes and shares (an item
    without "=" reaches it with an empty share and is named in its error)."""
    guide: dict[str, str] = {}
    for item in text.replace(";", ",").split(","):
        if item.strip():
            code, _sep, share = item.partition("=")
            guide[code.strip()] = share.strip()
    return guide or None


def _form_field(name: str) -> str:
    """The form's field for a use case's issue: every band's and every guide share's
    issues stand beside their one text box."""
    name = name.removeprefix("policy.")
    for box in ("bands", "band_guide"):
        if name.startswith(box):
            return box
    return name


_ON_FORM = (*NUMBER_FIELDS, *PEOPLE_FIELDS, "csat_kpi_code", "timezone", "bands", "band_guide")


def _page(
    request: Request,
    form: PolicyForm,
    *,
    status: int = 200,
    saved: bool = False,
    moved: list[MovedScorecard] | None = None,
) -> Response:
    rows = [*form.bands, *({"code": "", "floor": "", "multiplier": ""},) * _EXTRA_BAND_ROWS]
    return render(
        request,
        "policy/form.html",
        {
            "form": form,
            "numbers": _NUMBERS,
            "band_rows": rows,
            "saved": saved,
            "moved": moved or [],
        },
        status=status,
    )


async def _stored_version() -> int:
    row = await PolicyRow.get_or_none(id=POLICY_ID)
    return 0 if row is None else row.version


@guarded
async def policy_page(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    return _page(request, await _stored_form())


async def _stored_form() -> PolicyForm:
    policy, version = await load_policy(get_connection("default"))
    return _form_of(policy_to_data(policy), version)


@guarded
async def policy_update(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    posted = await checked_form(request)
    values, bands = _posted(posted)
    version = whole_or_none(posted.get("expected_version", ""), high=largest_key(PolicyRow))
    form = PolicyForm(
        values,
        bands,
        -1 if version is None else version,
        reason=str(posted.get("reason", "")).strip(),
    )
    if version is None:
        form.message = _(request, "The form lacks the version it was based on; reload the page.")
        return _page(request, form, status=400)
    if not form.reason:
        form.errors["reason"] = _(request, "say why the policy changes; it goes to the audit log")
        return _page(request, form, status=400)
    try:
        saved = await update_policy(
            actor=actor,
            settings=_settings(values, bands),
            expected_version=version,
            reason=form.reason,
        )
    except ValidationFailed as failed:
        form.errors, form.message = issues_beside_fields(
            request, failed.issues, _ON_FORM, _form_field
        )
        return _page(request, form, status=400)
    except StaleVersion:
        form.message = _(
            request,
            "Someone saved the policy first (it is now at version {version}). Your input is "
            "kept below; reload the page to see their change, then apply yours again.",
            version=await _stored_version(),
        )
        return _page(request, form, status=409)
    # The stored form: numbers as the policy keeps them (e.g. "50.00").
    return _page(request, await _stored_form(), saved=True, moved=saved.moved)


routes = [
    Route("/policy", policy_page, methods=["GET"]),
    Route("/policy", policy_update, methods=["POST"]),
]

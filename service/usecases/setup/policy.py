"""The scoring policy: stored as exact decimal strings, read into the engine's Policy."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.backends.base.client import BaseDBAsyncClient

from service.errors import Issue, ValidationFailed
from service.models import Policy as PolicyRow
from service.scoring import format_fixed
from service.scoring.types import IncentiveBand, Policy
from service.usecases.parsing import ParseError, parse_decimal

POLICY_ID = 1
NUMBER_FIELDS = (
    "stretch_bonus",
    "adjustment_cap",
    "quantitative_target",
    "quantitative_tolerance",
    "csat_share_min",
    "csat_share_max",
    "single_line_max",
    "min_employed_share",
    "min_evidence_weight",
    "leniency_threshold",
    "band_guide_tolerance",
    "goal_risk_margin",
)
# A policy stored (or a cycle finalised) before the evidence rule existed has no
# min_evidence_weight: it reads as 0, the rule off, so its scores stay as they were.
# A new organisation's policy gets the engine's default (Policy().min_evidence_weight).
LEGACY_MIN_EVIDENCE_WEIGHT = "0"
# The people-side settings (check-ins and feedback notes): whole days and a yes/no, not
# exact decimals. A policy stored before they existed reads the defaults of Policy().
PEOPLE_FIELDS = (
    "check_in_interval_days",
    "colleague_feedback_notes",
    "recognitions_per_colleague_per_week",
)
MAX_CHECK_IN_INTERVAL_DAYS = 366
MAX_RECOGNITIONS_PER_COLLEAGUE_PER_WEEK = 50
# A policy stored before calibration (§12) existed reads the calibration defaults.
_LEGACY_DEFAULTS = {
    "min_evidence_weight": LEGACY_MIN_EVIDENCE_WEIGHT,
    "leniency_threshold": "10",
    "band_guide_tolerance": "10",
    "goal_risk_margin": "25",
}


def _text(value: Fraction, places: int | None) -> str:
    if places is not None:
        return format_fixed(value, places)
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def policy_to_data(
    policy: Policy,
    *,
    fields: tuple[str, ...] = NUMBER_FIELDS,
    places: int | None = None,
    with_band_guide: bool = True,
    with_people_settings: bool = True,
) -> dict[str, Any]:
    """The policy as JSON data: every setting (stored in the policy table), or the
    ``fields`` a finalised cycle's snapshot keeps, written with fixed ``places`` (the
    snapshot leaves out the band guide and the people-side settings: they move no
    score)."""
    data: dict[str, Any] = {name: _text(getattr(policy, name), places) for name in fields}
    data["bands"] = [
        {
            "code": b.code,
            "floor": _text(b.floor, places),
            "multiplier": _text(b.multiplier, places),
        }
        for b in policy.bands
    ]
    if with_band_guide:
        data["band_guide"] = (
            None
            if policy.band_guide is None
            else {code: _text(share, places) for code, share in policy.band_guide}
        )
    data["csat_kpi_code"] = policy.csat_kpi_code
    data["timezone"] = policy.timezone
    if with_people_settings:
        data["check_in_interval_days"] = policy.check_in_interval_days
        data["colleague_feedback_notes"] = policy.colleague_feedback_notes
        data["recognitions_per_colleague_per_week"] = policy.recognitions_per_colleague_per_week
    return data


def policy_from_data(data: dict[str, Any]) -> Policy:
    """Build the engine's Policy from stored (already validated) data or a snapshot; a
    setting the data lacks takes its default, the evidence rule's included: data written
    before that rule existed did not have it, and it reads as off."""
    stored = _LEGACY_DEFAULTS | data
    values: dict[str, Any] = {
        name: Fraction(stored[name]) for name in NUMBER_FIELDS if name in stored
    }
    guide = data.get("band_guide")
    bands = tuple(
        IncentiveBand(str(b["code"]), Fraction(b["floor"]), Fraction(b["multiplier"]))
        for b in data["bands"]
    )
    people: dict[str, Any] = {}
    if "check_in_interval_days" in data:
        people["check_in_interval_days"] = int(data["check_in_interval_days"])
    if "colleague_feedback_notes" in data:
        people["colleague_feedback_notes"] = bool(data["colleague_feedback_notes"])
    if "recognitions_per_colleague_per_week" in data:
        people["recognitions_per_colleague_per_week"] = int(
            data["recognitions_per_colleague_per_week"]
        )
    return Policy(
        bands=bands,
        csat_kpi_code=data.get("csat_kpi_code"),
        timezone=str(data.get("timezone") or "UTC"),
        # In the policy's band order: a stored mapping comes back in any key order
        # (PostgreSQL's jsonb sorts keys its own way).
        band_guide=None
        if guide is None
        else tuple((band.code, Fraction(guide[band.code])) for band in bands if band.code in guide),
        **values,
        **people,
    )


def validate_policy_data(raw: dict[str, Any]) -> dict[str, Any]:
    """Merge raw settings over the defaults, check them, return normalised data."""
    issues: list[Issue] = []
    known = {*NUMBER_FIELDS, *PEOPLE_FIELDS, "bands", "band_guide", "csat_kpi_code", "timezone"}
    for name in sorted(set(raw) - known):
        issues.append(
            Issue.of(
                f"policy.{name}",
                "is not a policy setting; use one of {known}",
                known=sorted(known),
            )
        )
    merged = policy_to_data(Policy()) | {k: v for k, v in raw.items() if k in known}
    for name in NUMBER_FIELDS:
        try:
            # 2 places: the snapshot of a finalised cycle keeps the policy in its
            # reported form, which must be exact.
            value = parse_decimal(merged[name], places=2)
        except ParseError as error:
            issues.append(error.issue(f"policy.{name}"))
            continue
        if value < 0:
            issues.append(Issue(f"policy.{name}", "must not be negative"))
        elif name == "min_evidence_weight" and value > 100:
            issues.append(
                Issue(f"policy.{name}", "is a share of the weight: give 0 to 100 (0 turns it off)")
            )
        merged[name] = format(value, "f")
    bands = merged.get("bands")
    if not isinstance(bands, list) or not bands:
        issues.append(Issue("policy.bands", "list at least one band: code, floor, multiplier"))
    else:
        normalised = []
        previous_floor: Decimal | None = None
        for index, band in enumerate(bands):
            where = f"policy.bands[{index}]"
            if not isinstance(band, dict) or not band.get("code"):
                issues.append(Issue(where, "each band needs a code, a floor and a multiplier"))
                continue
            try:
                floor = parse_decimal(band.get("floor", ""), places=2)
                multiplier = parse_decimal(band.get("multiplier", ""), places=2)
            except ParseError as error:
                issues.append(error.issue(where))
                continue
            if previous_floor is not None and floor >= previous_floor:
                issues.append(Issue(f"{where}.floor", "list bands from the highest floor down"))
            previous_floor = floor
            normalised.append(
                {
                    "code": str(band["code"]),
                    "floor": format(floor, "f"),
                    "multiplier": format(multiplier, "f"),
                }
            )
        if normalised and Decimal(normalised[-1]["floor"]) != 0:
            issues.append(Issue("policy.bands", "the lowest band must start at 0"))
        merged["bands"] = normalised
    merged["check_in_interval_days"] = _interval_days(merged["check_in_interval_days"], issues)
    merged["colleague_feedback_notes"] = _yes_or_no(
        merged["colleague_feedback_notes"], "policy.colleague_feedback_notes", issues
    )
    merged["recognitions_per_colleague_per_week"] = _recognitions_per_week(
        merged["recognitions_per_colleague_per_week"], issues
    )
    merged["band_guide"] = _band_guide(merged.get("band_guide"), merged["bands"], issues)
    try:
        ZoneInfo(str(merged["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        issues.append(
            Issue.of(
                "policy.timezone",
                "{zone} is not a time zone; e.g. Asia/Shanghai",
                zone=repr(merged["timezone"]),
            )
        )
    if issues:
        raise ValidationFailed(issues)
    return merged


def _interval_days(raw: Any, issues: list[Issue]) -> int:
    where = "policy.check_in_interval_days"
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit():
        issues.append(Issue(where, "give a whole number of days, e.g. 14"))
        return 0
    days = int(text)
    if not 1 <= days <= MAX_CHECK_IN_INTERVAL_DAYS:
        issues.append(
            Issue.of(
                where,
                "give 1 to {most} days between two check-ins",
                most=MAX_CHECK_IN_INTERVAL_DAYS,
            )
        )
    return days


def _recognitions_per_week(raw: Any, issues: list[Issue]) -> int:
    where = "policy.recognitions_per_colleague_per_week"
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit():
        issues.append(Issue.of(where, "give a whole number, e.g. {example}", example=3))
        return 0
    most = int(text)
    if not 1 <= most <= MAX_RECOGNITIONS_PER_COLLEAGUE_PER_WEEK:
        issues.append(
            Issue.of(
                where,
                "give 1 to {most} recognitions from one person to another in 7 days",
                "OUT_OF_RANGE",
                most=MAX_RECOGNITIONS_PER_COLLEAGUE_PER_WEEK,
            )
        )
    return most


def _yes_or_no(raw: Any, where: str, issues: list[Issue]) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", ""):
        return False
    issues.append(Issue(where, "give true or false"))
    return False


def _band_guide(raw: Any, bands: Any, issues: list[Issue]) -> dict[str, str] | None:
    """The optional target share per band (§12): codes of the policy's bands, each a
    share 0-100, together at most 100; bands it does not name count as 0 %."""
    if raw is None or raw == {}:
        return None
    if not isinstance(raw, dict):
        issues.append(Issue("policy.band_guide", "give a share per band code, e.g. {A: 20, B: 50}"))
        return None
    codes = {str(b["code"]) for b in bands} if isinstance(bands, list) else set()
    guide: dict[str, str] = {}
    total = Decimal(0)
    for code, value in raw.items():
        where = f"policy.band_guide.{code}"
        if str(code) not in codes:
            issues.append(
                Issue.of(
                    where, "is not a band of the policy; use one of {bands}", bands=sorted(codes)
                )
            )
            continue
        try:
            share = parse_decimal(value, places=2)
        except ParseError as error:
            issues.append(error.issue(where))
            continue
        if share < 0 or share > 100:
            issues.append(Issue(where, "is a share of the people: give 0 to 100"))
            continue
        total += share
        guide[str(code)] = format(share, "f")
    if total > 100:
        issues.append(
            Issue.of(
                "policy.band_guide", "the shares add up to {total}, more than 100", total=total
            )
        )
    return guide


async def load_policy(conn: BaseDBAsyncClient) -> tuple[Policy, int]:
    row = await PolicyRow.get_or_none(id=POLICY_ID, using_db=conn)
    if row is None:
        return Policy(), 0
    return policy_from_data(row.data), row.version

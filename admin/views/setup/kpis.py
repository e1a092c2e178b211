"""The KPI library: list, create, edit; frozen fields shown as such."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.web import _, checked_form, guarded, issues_beside_fields, redirect, render, require
from service.errors import StaleVersion, ValidationFailed
from service.models import AccessLevel, Kpi
from service.scoring.types import Aggregation, Direction, KpiKind
from service.usecases.inputs import KpiInput
from service.usecases.parsing import largest_key, scaled_to_text, whole_or_none
from service.usecases.setup.kpis import FROZEN_FIELDS, cycles_using_kpis, upsert_kpis

# The use case names fields as the API does; the form uses the model's names.
_FORM_FIELD = {
    "aggregationParam": "aggregation_param",
    "rangeMin": "range_min",
    "rangeMax": "range_max",
}
_TEXT_FIELDS = ("code", "name", "name_zh", "unit", "unit_zh", "kind", "direction", "aggregation")
_NUMBER_FIELDS = ("aggregation_param", "range_min", "range_max")
_ON_FORM = (*_TEXT_FIELDS, *_NUMBER_FIELDS, "tags")
# Column sizes (service.models.Kpi): checked here so a long text is a message, not a 500.
_MAX_LENGTH = {"code": 64, "name": 200, "name_zh": 200, "unit": 32, "unit_zh": 32}


@dataclass
class KpiForm:
    """What the form shows: the values as text, the version and the messages per field."""

    values: dict[str, str]
    version: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None


def _values_of(kpi: Kpi) -> dict[str, str]:
    return {
        "code": kpi.code,
        "name": kpi.name,
        "name_zh": kpi.name_zh,
        "unit": kpi.unit,
        "unit_zh": kpi.unit_zh,
        "kind": kpi.kind.value,
        "direction": kpi.direction.value,
        "aggregation": kpi.aggregation.value,
        "aggregation_param": scaled_to_text(kpi.aggregation_param) or "",
        "range_min": scaled_to_text(kpi.range_min) or "",
        "range_max": scaled_to_text(kpi.range_max) or "",
        "tags": ", ".join(kpi.tags or []),
    }


def _empty_values() -> dict[str, str]:
    return {
        "code": "",
        "name": "",
        "name_zh": "",
        "unit": "",
        "unit_zh": "",
        "kind": KpiKind.QUANTITATIVE.value,
        "direction": Direction.HIGHER_IS_BETTER.value,
        "aggregation": Aggregation.MEAN.value,
        "aggregation_param": "",
        "range_min": "",
        "range_max": "",
        "tags": "",
    }


def _posted_values(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in (*_empty_values(),)}


def _tags(text: str) -> tuple[str, ...]:
    return tuple(tag for tag in (part.strip() for part in text.replace(";", ",").split(",")) if tag)


def _kpi_input(code: str, values: dict[str, str], version: int | None) -> KpiInput:
    return KpiInput(
        code=code,
        name=values["name"],
        kind=values["kind"],
        direction=values["direction"],
        aggregation=values["aggregation"],
        unit=values["unit"],
        name_zh=values["name_zh"],
        unit_zh=values["unit_zh"],
        aggregation_param=values["aggregation_param"] or None,
        range_min=values["range_min"] or None,
        range_max=values["range_max"] or None,
        tags=_tags(values["tags"]),
        expected_version=version,
    )


def _length_errors(request: Request, values: dict[str, str]) -> dict[str, str]:
    return {
        name: _(request, "use at most {count} characters", count=limit)
        for name, limit in _MAX_LENGTH.items()
        if len(values[name]) > limit
    }


async def _used_by(kpi: Kpi) -> list[str]:
    """As upsert_kpis decides it: the cycles past DRAFT whose live or shadow lines use it."""
    used = await cycles_using_kpis(get_connection("default"), [kpi.id])
    return sorted(used.get(kpi.id, set()))


def _choices() -> dict[str, list[str]]:
    return {
        "kinds": [k.value for k in KpiKind],
        "directions": [d.value for d in Direction],
        "aggregations": [a.value for a in Aggregation],
    }


def _page(
    request: Request,
    form: KpiForm,
    *,
    kpi: Kpi | None,
    used_by: list[str],
    status: int = 200,
    saved: bool = False,
) -> Response:
    return render(
        request,
        "kpis/form.html",
        {
            "form": form,
            "kpi": kpi,
            "frozen": FROZEN_FIELDS if used_by else (),
            "used_by": used_by,
            "saved": saved,
            **_choices(),
        },
        status=status,
    )


@guarded
async def kpi_list(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    kpis = await Kpi.all().order_by("code")
    used_ids = set(await cycles_using_kpis(get_connection("default")))
    rows = [
        {
            "kpi": kpi,
            "param": scaled_to_text(kpi.aggregation_param),
            "range_min": scaled_to_text(kpi.range_min),
            "range_max": scaled_to_text(kpi.range_max),
            "used": kpi.id in used_ids,
        }
        for kpi in kpis
    ]
    return render(request, "kpis/list.html", {"rows": rows})


@guarded
async def kpi_new(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    return _page(request, KpiForm(_empty_values()), kpi=None, used_by=[])


@guarded
async def kpi_create(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    posted = await checked_form(request)
    values = _posted_values(posted)
    form = KpiForm(values, errors=_length_errors(request, values))
    if not values["code"]:
        form.errors["code"] = _(request, "is required")
    elif await Kpi.exists(code=values["code"]):
        form.errors["code"] = _(
            request, "a KPI with this code exists already; edit it instead or choose another code"
        )
    if form.errors:
        return _page(request, form, kpi=None, used_by=[], status=400)
    try:
        # Version 0 never exists: should someone create the code meanwhile, this is stale.
        await upsert_kpis(actor=actor, kpis=[_kpi_input(values["code"], values, 0)])
    except ValidationFailed as failed:
        form.errors, form.message = issues_beside_fields(
            request, failed.issues, _ON_FORM, lambda name: _FORM_FIELD.get(name, name)
        )
        return _page(request, form, kpi=None, used_by=[], status=400)
    except StaleVersion:
        form.errors["code"] = _(request, "someone created a KPI with this code first")
        return _page(request, form, kpi=None, used_by=[], status=409)
    return redirect(f"/admin/kpis/{quote(values['code'], safe='')}?saved=1")


async def _kpi_or_none(code: str) -> Kpi | None:
    return await Kpi.get_or_none(code=code)


def _not_found(request: Request, code: str) -> Response:
    return render(
        request,
        "error.html",
        {"message": _(request, "No KPI has the code {code}.", code=code)},
        status=404,
    )


@guarded
async def kpi_edit(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    code = request.path_params["code"]
    kpi = await _kpi_or_none(code)
    if kpi is None:
        return _not_found(request, code)
    used_by = await _used_by(kpi)
    form = KpiForm(_values_of(kpi), version=kpi.version)
    return _page(
        request, form, kpi=kpi, used_by=used_by, saved=request.query_params.get("saved") == "1"
    )


def _posted_version(posted: FormData) -> int | None:
    return whole_or_none(posted.get("expected_version", ""), high=largest_key(Kpi))


@guarded
async def kpi_update(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    posted = await checked_form(request)
    code = request.path_params["code"]
    kpi = await _kpi_or_none(code)
    if kpi is None:
        return _not_found(request, code)
    values = _posted_values(posted) | {"code": code}
    used_by = await _used_by(kpi)
    if used_by:
        # Frozen fields are not editable on the page; a post without them keeps them.
        stored = _values_of(kpi)
        for name in FROZEN_FIELDS:
            if name not in posted:
                values[name] = stored[name]
    version = _posted_version(posted)
    form = KpiForm(values, version=version, errors=_length_errors(request, values))
    if version is None:
        form.message = _(request, "The form lacks the version it was based on; reload the page.")
        return _page(request, form, kpi=kpi, used_by=used_by, status=400)
    if form.errors:
        return _page(request, form, kpi=kpi, used_by=used_by, status=400)
    try:
        await upsert_kpis(actor=actor, kpis=[_kpi_input(code, values, version)])
    except ValidationFailed as failed:
        form.errors, form.message = issues_beside_fields(
            request, failed.issues, _ON_FORM, lambda name: _FORM_FIELD.get(name, name)
        )
        return _page(request, form, kpi=kpi, used_by=used_by, status=400)
    except StaleVersion:
        form.message = _(
            request,
            "Someone saved this KPI first (it is now at version {version}). Your input is "
            "kept below; reload the page to see their change, then apply yours again.",
            version=(await Kpi.get(id=kpi.id)).version,
        )
        return _page(request, form, kpi=kpi, used_by=used_by, status=409)
    return redirect(f"/admin/kpis/{quote(code, safe='')}?saved=1")


routes = [
    Route("/kpis", kpi_list, methods=["GET"]),
    Route("/kpis/new", kpi_new, methods=["GET"]),
    Route("/kpis/new", kpi_create, methods=["POST"]),
    Route("/kpis/{code}", kpi_edit, methods=["GET"]),
    Route("/kpis/{code}", kpi_update, methods=["POST"]),
]

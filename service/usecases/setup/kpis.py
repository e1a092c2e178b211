"""KPIs: upserted by code, versioned, and frozen where scores depend on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import Issue, StaleVersion, ValidationFailed
from service.models import USING_CYCLE_STATES, Kpi, ScorecardLine, ShadowScorecardLine
from service.scoring import check_kpi
from service.scoring.types import Aggregation, Direction, KpiKind
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import KpiInput, UpsertReport
from service.usecases.parsing import ParseError, parse_scaled, too_long
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.engine_inputs import kpi_to_engine
from service.usecases.scoring.recompute import recompute_open_cycles

# Changing these would change what past and running scores mean.
FROZEN_FIELDS = ("kind", "direction", "aggregation", "aggregation_param", "range_min", "range_max")
_FIELD_NAMES = {
    "aggregation_param": "aggregationParam",
    "range_min": "rangeMin",
    "range_max": "rangeMax",
}


def _enum(issues: list[Issue], row: int, field: str, raw: str, enum: Any) -> Any:
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        issues.append(
            Issue.of(
                field,
                "{value} is not one of {allowed}",
                "INVALID_CHOICE",
                row=row,
                value=repr(raw),
                allowed=allowed,
            )
        )
        return None


def _scaled(issues: list[Issue], row: int, field: str, raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        return parse_scaled(raw)
    except ParseError as error:
        issues.append(error.issue(field, row))
        return None


def _values(item: KpiInput, row: int, issues: list[Issue]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": item.name.strip(),
        "unit": item.unit,
        "name_zh": item.name_zh.strip(),
        "unit_zh": item.unit_zh,
        "kind": _enum(issues, row, "kind", item.kind, KpiKind),
        "direction": _enum(issues, row, "direction", item.direction, Direction),
        "aggregation": _enum(issues, row, "aggregation", item.aggregation, Aggregation),
        "aggregation_param": _scaled(issues, row, "aggregationParam", item.aggregation_param),
        "range_min": _scaled(issues, row, "rangeMin", item.range_min),
        "range_max": _scaled(issues, row, "rangeMax", item.range_max),
        "tags": sorted(set(item.tags)),
    }
    if not values["name"]:
        issues.append(Issue("name", "is required", "REQUIRED", row))
    if values["kind"] is KpiKind.QUALITATIVE and values["range_min"] is None:
        # A rating scale is 1-5 unless the KPI says otherwise.
        values["range_min"], values["range_max"] = (
            values["range_min"] if values["range_min"] is not None else 10_000,
            values["range_max"] if values["range_max"] is not None else 50_000,
        )
    return values


@retry_when_busy
async def upsert_kpis(*, actor: Actor, kpis: Sequence[KpiInput]) -> UpsertReport:
    require_admin(actor)
    issues: list[Issue] = []
    seen: set[str] = set()
    prepared: list[dict[str, Any]] = []
    for row, item in enumerate(kpis):
        issues += too_long(
            Kpi,
            {
                "code": item.code,
                "name": item.name,
                "unit": item.unit,
                "name_zh": item.name_zh,
                "unit_zh": item.unit_zh,
            },
            row=row,
        )
        if not item.code.strip():
            issues.append(Issue("code", "is required", "REQUIRED", row))
        elif item.code in seen:
            issues.append(
                Issue.of(
                    "code", "{value} appears twice", "DUPLICATE", row=row, value=repr(item.code)
                )
            )
        seen.add(item.code)
        values = _values(item, row, issues)
        prepared.append(values)
        if None not in (values["kind"], values["direction"], values["aggregation"]):
            probe = Kpi(code=item.code, **values)
            for problem in check_kpi(kpi_to_engine(probe)):
                field = _FIELD_NAMES.get(problem.field, problem.field)
                issues.append(
                    Issue.of(field, problem.template, problem.code, row=row, **dict(problem.values))
                )
    if issues:
        raise ValidationFailed(issues)
    created = updated = unchanged = 0
    async with in_transaction() as conn:
        existing = {k.code: k for k in await Kpi.filter(code__in=list(seen)).using_db(conn)}
        used = set(await cycles_using_kpis(conn, [k.id for k in existing.values()]))
        changed: set[int] = set()
        for row, (item, values) in enumerate(zip(kpis, prepared, strict=True)):
            current = existing.get(item.code)
            if current is None:
                await Kpi.create(using_db=conn, code=item.code, **values)
                created += 1
                await write_audit(
                    conn,
                    actor=actor,
                    action="create_kpi",
                    entity="kpi",
                    entity_key=item.code,
                    after=_state(values, 1),
                )
                continue
            if item.expected_version is not None and item.expected_version != current.version:
                raise StaleVersion(
                    "KPI {kpi} is at version {version}, not {expected}: someone saved first. "
                    "Reload it and try again.",
                    kpi=repr(item.code),
                    version=current.version,
                    expected=item.expected_version,
                )
            before = {key: getattr(current, key) for key in values}
            if before == values:
                unchanged += 1
                continue
            if current.id in used:
                for key in FROZEN_FIELDS:
                    if before[key] != values[key]:
                        issues.append(
                            Issue(
                                _FIELD_NAMES.get(key, key),
                                "is frozen: a cycle past its draft uses this KPI; create a new "
                                "KPI with another code instead",
                                "FROZEN",
                                row,
                            )
                        )
                if issues:
                    raise ValidationFailed(issues)
            for key, value in values.items():
                setattr(current, key, value)
            current.version += 1
            await current.save(using_db=conn)
            updated += 1
            changed.add(current.id)
            await write_audit(
                conn,
                actor=actor,
                action="update_kpi",
                entity="kpi",
                entity_key=item.code,
                before=_state(before, current.version - 1),
                after=_state(values, current.version),
            )
        if changed & used:
            await recompute_open_cycles(conn, kpi_ids=changed)
    return UpsertReport(created, updated, unchanged)


def _state(values: dict[str, Any], version: int) -> dict[str, Any]:
    return {
        **{k: (str(v) if v is not None and k != "tags" else v) for k, v in values.items()},
        "version": version,
    }


async def cycles_using_kpis(
    conn: BaseDBAsyncClient, kpi_ids: Iterable[int] | None = None
) -> dict[int, set[str]]:
    """Per KPI, the cycles past DRAFT whose scorecards use it, live or shadow: its kind,
    direction, aggregation and scale are frozen then (SCORING.md "Words", §13). Only the
    KPIs used; with ids, only those."""
    found: dict[int, set[str]] = {}
    ids = None if kpi_ids is None else sorted(set(kpi_ids))
    if ids == []:
        return found
    for model in (ScorecardLine, ShadowScorecardLine):
        query = model.filter(scorecard__cycle__state__in=list(USING_CYCLE_STATES))
        if ids is not None:
            query = query.filter(kpi_id__in=ids)
        rows = await query.using_db(conn).values_list("kpi_id", "scorecard__cycle__code")
        for kpi_id, code in rows:
            found.setdefault(int(kpi_id), set()).add(str(code))
    return found

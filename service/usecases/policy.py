"""The scoring policy: stored as exact decimal strings, read into the engine's Policy."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import Issue, StaleVersion, ValidationFailed
from service.models import Policy as PolicyRow
from service.scoring.types import IncentiveBand, Policy
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.parsing import ParseError, parse_decimal
from service.usecases.retries import retry_when_busy

POLICY_ID = 1
_NUMBER_FIELDS = (
    "stretch_bonus",
    "adjustment_cap",
    "quantitative_target",
    "quantitative_tolerance",
    "csat_share_min",
    "csat_share_max",
    "single_line_max",
    "min_employed_share",
)


def _text(value: Fraction) -> str:
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def policy_to_data(policy: Policy) -> dict[str, Any]:
    data: dict[str, Any] = {name: _text(getattr(policy, name)) for name in _NUMBER_FIELDS}
    data["bands"] = [
        {"code": b.code, "floor": _text(b.floor), "multiplier": _text(b.multiplier)}
        for b in policy.bands
    ]
    data["csat_kpi_code"] = policy.csat_kpi_code
    data["timezone"] = policy.timezone
    return data


def policy_from_data(data: dict[str, Any]) -> Policy:
    """Build the engine's Policy from stored (already validated) data."""
    values: dict[str, Any] = {name: Fraction(data[name]) for name in _NUMBER_FIELDS}
    bands = tuple(
        IncentiveBand(str(b["code"]), Fraction(b["floor"]), Fraction(b["multiplier"]))
        for b in data["bands"]
    )
    return Policy(
        bands=bands,
        csat_kpi_code=data.get("csat_kpi_code"),
        timezone=str(data.get("timezone") or "UTC"),
        **values,
    )


def validate_policy_data(raw: dict[str, Any]) -> dict[str, Any]:
    """Merge raw settings over the defaults, check them, return normalised data."""
    issues: list[Issue] = []
    known = {*_NUMBER_FIELDS, "bands", "csat_kpi_code", "timezone"}
    for name in sorted(set(raw) - known):
        issues.append(
            Issue(f"policy.{name}", f"is not a policy setting; use one of {sorted(known)}")
        )
    merged = policy_to_data(Policy()) | {k: v for k, v in raw.items() if k in known}
    for name in _NUMBER_FIELDS:
        try:
            # 2 places: the snapshot of a finalised cycle keeps the policy in its
            # reported form, which must be exact.
            value = parse_decimal(merged[name], places=2)
        except ParseError as error:
            issues.append(Issue(f"policy.{name}", str(error)))
            continue
        if value < 0:
            issues.append(Issue(f"policy.{name}", "must not be negative"))
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
                issues.append(Issue(where, str(error)))
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
    try:
        ZoneInfo(str(merged["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        issues.append(
            Issue(
                "policy.timezone", f"{merged['timezone']!r} is not a time zone; e.g. Asia/Shanghai"
            )
        )
    if issues:
        raise ValidationFailed(issues)
    return merged


async def load_policy(conn: BaseDBAsyncClient) -> tuple[Policy, int]:
    row = await PolicyRow.get_or_none(id=POLICY_ID, using_db=conn)
    if row is None:
        return Policy(), 0
    return policy_from_data(row.data), row.version


@retry_when_busy
async def update_policy(
    *,
    actor: Actor,
    settings: dict[str, Any],
    expected_version: int | None,
    reason: str | None = None,
) -> tuple[int, bool]:
    """Save the policy; returns (version, changed). Provisional scores follow it."""
    from service.usecases.recompute import recompute_open_cycles

    data = validate_policy_data(settings)
    async with in_transaction() as conn:
        row = await PolicyRow.select_for_update().using_db(conn).get_or_none(id=POLICY_ID)
        current = row.version if row else 0
        if expected_version is not None and expected_version != current:
            raise StaleVersion(
                f"The policy is at version {current}, not {expected_version}: someone saved "
                "first. Reload it, re-apply your change and save again."
            )
        if row is not None and row.data == data:
            return row.version, False
        before = row.data if row else None
        if row is None:
            row = await PolicyRow.create(using_db=conn, id=POLICY_ID, data=data, version=1)
        else:
            row.data = data
            row.version += 1
            await row.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="update_policy",
            entity="policy",
            entity_key="1",
            before=before,
            after=data,
            reason=reason,
        )
        await recompute_open_cycles(conn)
        return row.version, True

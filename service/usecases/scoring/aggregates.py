"""Raw values in SQL (SCORING.md §1), read-only: the GROUP BY and nearest-rank queries
over observations that the score recompute and the goals' current values share.

Nothing here writes; a module that may not write scores (the people side) may read
through it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.models import Cycle
from service.scoring import cycle_window_utc, nearest_rank_terms
from service.scoring.types import Aggregate, Aggregation, Policy
from service.scoring.types import ScorecardLine as EngineLine
from service.sql import exact_sum, fetch_rows, placeholders, summed
from service.usecases.parsing import epoch_microseconds, from_scaled


def cycle_window_us(cycle: Cycle, policy: Policy) -> tuple[int, int]:
    start, end = cycle_window_utc(
        starts_on=cycle.starts_on, ends_on=cycle.ends_on, timezone=policy.timezone
    )
    return epoch_microseconds(start), epoch_microseconds(end)


Aggregates = dict[tuple[int, int], Aggregate]


async def observation_aggregates(
    conn: BaseDBAsyncClient,
    group_column: str,
    kpis: dict[int, EngineLine],
    group_ids: list[int] | None,
    start_us: int,
    end_us: int,
) -> Aggregates:
    """n, exact sum and the SHARE_* count per (group, KPI) in one GROUP BY, plus the
    PERCENTILE values at their nearest ranks in one window query."""
    found, _sources = await _aggregated(
        conn, group_column, kpis, group_ids, start_us, end_us, by_source=False
    )
    return found


# Per (group, KPI): how many observations each (source, channel) gave, in the order
# ``ORDER BY source, channel`` gives on the database at hand (its collation; SQLite puts
# a null channel first, PostgreSQL last).
SourceCounts = dict[tuple[int, int], list[tuple[str, str | None, int]]]


async def observation_aggregates_by_source(
    conn: BaseDBAsyncClient,
    group_column: str,
    kpis: dict[int, EngineLine],
    group_ids: list[int] | None,
    start_us: int,
    end_us: int,
) -> tuple[Aggregates, SourceCounts]:
    """What :func:`observation_aggregates` gives, and the counts by source and channel,
    from the same single scan: one GROUP BY by (group, KPI, source, channel) whose n,
    sums and SHARE_* counts add up per (group, KPI) here (all three are sums)."""
    return await _aggregated(conn, group_column, kpis, group_ids, start_us, end_us, by_source=True)


async def _aggregated(
    conn: BaseDBAsyncClient,
    group_column: str,
    kpis: dict[int, EngineLine],
    group_ids: list[int] | None,
    start_us: int,
    end_us: int,
    *,
    by_source: bool,
) -> tuple[Aggregates, SourceCounts]:
    if not kpis or group_ids == []:
        return {}, {}
    kpi_ids = sorted(kpis)
    where, params = observation_filter(group_column, kpi_ids, group_ids, start_us, end_us)
    meeting = []
    for kpi_id in kpi_ids:
        kpi = kpis[kpi_id].kpi
        if kpi.aggregation in (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST):
            assert kpi.aggregation_param is not None
            op = ">=" if kpi.aggregation is Aggregation.SHARE_AT_LEAST else "<="
            bound = int(kpi.aggregation_param * 10_000)
            meeting.append(
                f"WHEN o.kpi_id = {kpi_id} THEN CASE WHEN o.value {op} {bound} THEN 1 ELSE 0 END"
            )
    meeting_sql = f"CASE {' '.join(meeting)} ELSE 0 END" if meeting else "0"
    grouping = f"o.{group_column}, o.kpi_id"
    selected = f"o.{group_column} AS grp, o.kpi_id AS kpi_id"
    ordering = ""
    if by_source:
        # The group and KPI lead the key and the order: a key's rows come in source and
        # channel order all the same, but PostgreSQL's sorted grouping then compares two
        # integers per row and the texts only between rows of one (group, KPI); led by
        # the texts (ORDER BY source, channel alone) it compared them for every row, and
        # that sort was ≈ 1 s of a 1,000,000-observation recompute.
        grouping += ", o.source, o.channel"
        selected += ", o.source AS source, o.channel AS channel"
        ordering = f" ORDER BY {grouping}"
    rows = await fetch_rows(
        conn,
        f"SELECT {selected}, COUNT(*) AS n, "
        f"{exact_sum(conn, 'o.value', 'total')}, SUM({meeting_sql}) AS meeting "
        f"FROM observation o WHERE {where} GROUP BY {grouping}{ordering}",
        params,
    )
    sources: SourceCounts = {}
    if by_source:
        # Added up per (group, KPI) as integers, then made Aggregates once each.
        sums: dict[tuple[int, int], list[int]] = {}
        for r in rows:
            key = (int(r["grp"]), int(r["kpi_id"]))
            n = int(r["n"])
            total = summed(conn, r, "total")
            met = int(r["meeting"] or 0)
            acc = sums.get(key)
            if acc is None:
                sums[key] = [n, total, met]
                sources[key] = [(r["source"], r["channel"], n)]
            else:
                acc[0] += n
                acc[1] += total
                acc[2] += met
                sources[key].append((r["source"], r["channel"], n))
        found: Aggregates = {
            key: Aggregate(n=n, value_sum=from_scaled(total), meeting=met)
            for key, (n, total, met) in sums.items()
        }
    else:
        found = {
            (int(r["grp"]), int(r["kpi_id"])): Aggregate(
                n=int(r["n"]),
                value_sum=from_scaled(summed(conn, r, "total")),
                meeting=int(r["meeting"] or 0),
            )
            for r in rows
        }
    percentiles = [k for k in kpi_ids if kpis[k].kpi.aggregation is Aggregation.PERCENTILE]
    if percentiles:
        for key, value in (
            await _values_at_rank(
                conn, group_column, kpis, percentiles, group_ids, start_us, end_us
            )
        ).items():
            agg = found[key]
            found[key] = Aggregate(agg.n, agg.value_sum, agg.meeting, value)
    return found, sources


def observation_filter(
    group_column: str,
    kpi_ids: list[int],
    group_ids: list[int] | None,
    start_us: int,
    end_us: int,
) -> tuple[str, list[Any]]:
    where = (
        f"o.kpi_id IN ({placeholders(len(kpi_ids))}) AND o.voided_at IS NULL "
        f"AND o.occurred_at_us >= ? AND o.occurred_at_us < ? "
        f"AND o.{group_column} IS NOT NULL"
    )
    params: list[Any] = [*kpi_ids, start_us, end_us]
    if group_ids is not None:
        where += f" AND o.{group_column} IN ({placeholders(len(group_ids))})"
        params.extend(group_ids)
    return where, params


async def _values_at_rank(
    conn: BaseDBAsyncClient,
    group_column: str,
    kpis: dict[int, EngineLine],
    kpi_ids: list[int],
    group_ids: list[int] | None,
    start_us: int,
    end_us: int,
) -> dict[tuple[int, int], Fraction]:
    # The rank's integer terms come from the engine's one nearest-rank definition.
    rank_cases = []
    for kpi_id in kpi_ids:
        p = kpis[kpi_id].kpi.aggregation_param
        assert p is not None
        num, den = nearest_rank_terms(p)
        rank_cases.append(f"WHEN {kpi_id} THEN ({num} * cnt + {den - 1}) / {den}")
    where, params = observation_filter(group_column, kpi_ids, group_ids, start_us, end_us)
    # The row number and the group's count over one window (its frame the whole group,
    # which the row number ignores): PostgreSQL numbers and counts in one pass over the
    # sorted rows, where two windows took a second pass (≈ 0.2 s at 215,000 rows).
    rows = await fetch_rows(
        conn,
        "SELECT grp, kpi_id, value FROM ("
        f"SELECT o.{group_column} AS grp, o.kpi_id AS kpi_id, o.value AS value, "
        "ROW_NUMBER() OVER w AS rn, COUNT(*) OVER w AS cnt "
        f"FROM observation o WHERE {where} "
        f"WINDOW w AS (PARTITION BY o.{group_column}, o.kpi_id ORDER BY o.value "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) ranked "
        f"WHERE rn = CASE kpi_id {' '.join(rank_cases)} END",
        params,
    )
    return {(int(r["grp"]), int(r["kpi_id"])): from_scaled(int(r["value"])) for r in rows}

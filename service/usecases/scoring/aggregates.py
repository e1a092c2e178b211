"""Raw values in SQL (SCORING.md §1), read-only: the GROUP BY and nearest-rank queries
over observations that the score recompute and the goals' current values share.

Nothing here writes; a module that may not write scores (the people side) may read
through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress
from fractions import Fraction
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.models import Cycle
from service.scoring import cycle_window_utc, nearest_rank_terms
from service.scoring.types import Aggregate, Aggregation, Policy
from service.scoring.types import ScorecardLine as EngineLine
from service.sql import Row, exact_sum, fetch_rows, placeholders, sum_scale, values_at_rank
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
    PERCENTILE values at their nearest ranks in one more statement (sql.values_at_rank)."""
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
    percentiles = [k for k in kpi_ids if kpis[k].kpi.aggregation is Aggregation.PERCENTILE]
    ranked: asyncio.Future[dict[tuple[int, int], Fraction]] | None = None
    if percentiles:
        # Sent before the rows above are added up (≈ 0.1 s of Python at 59,411 rows), so
        # the database ranks meanwhile: the first await hands it over once sent.
        ranked = asyncio.ensure_future(
            _values_at_rank(conn, group_column, kpis, percentiles, group_ids, start_us, end_us)
        )
    try:
        if ranked is not None:
            await asyncio.sleep(0)
        found, sources = _added_up(rows, sum_scale(conn), by_source=by_source)
        if ranked is not None:
            for key, value in (await ranked).items():
                agg = found[key]
                found[key] = Aggregate(agg.n, agg.value_sum, agg.meeting, value)
    except BaseException:
        # Failed or cancelled here: the statement does not outlive this call (nor leave
        # its own error unread), and the first error is the one raised.
        if ranked is not None:
            ranked.cancel()
            with suppress(Exception, asyncio.CancelledError):
                await ranked
        raise
    return found, sources


def _added_up(
    rows: Sequence[Row], scale: int, *, by_source: bool
) -> tuple[Aggregates, SourceCounts]:
    """The Aggregates (and counts by source) of the GROUP BY's rows, read by position in
    its select list's order: once per row (59,411 at 1,000,000 observations), so nothing
    is looked up or added twice. ``scale``: :func:`sum_scale`."""
    found: Aggregates = {}
    sources: SourceCounts = {}
    if not by_source:
        for grp, kpi_id, count, high, low, meeting_count in rows:
            found[(grp, kpi_id)] = Aggregate(
                count, from_scaled(int(high) * scale + low), meeting_count
            )
        return found, sources
    # A (group, KPI)'s rows come one after the other (the ORDER BY leads with both): their
    # n, sums and counts are added up as integers until the key changes, then made one
    # Aggregate; most keys have a single row.
    current: tuple[int, int] | None = None
    n = total = met = 0
    listed: list[tuple[str, str | None, int]] = []
    for grp, kpi_id, source, channel, count, high, low, meeting_count in rows:
        key = (grp, kpi_id)
        if key != current:
            if current is not None:
                found[current] = Aggregate(n, from_scaled(total), met)
            current, n, total, met = key, 0, 0, 0
            listed = sources[key] = []
        n += count
        total += int(high) * scale + low
        met += meeting_count
        listed.append((source, channel, count))
    if current is not None:
        found[current] = Aggregate(n, from_scaled(total), met)
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
    terms: dict[int, tuple[int, int]] = {}
    for kpi_id in kpi_ids:
        p = kpis[kpi_id].kpi.aggregation_param
        assert p is not None
        terms[kpi_id] = nearest_rank_terms(p)

    def rank(kpi: str, count: str) -> str:
        cases = " ".join(
            f"WHEN {kpi_id} THEN ({num} * {count} + {den - 1}) / {den}"
            for kpi_id, (num, den) in terms.items()
        )
        return f"CASE {kpi} {cases} END"

    where, params = observation_filter(group_column, kpi_ids, group_ids, start_us, end_us)
    rows = await fetch_rows(
        conn,
        values_at_rank(
            conn,
            f"observation o WHERE {where}",
            [f"o.{group_column}", "o.kpi_id"],
            "o.value",
            rank,
        ),
        params,
    )
    # (group, KPI, value): a group whose rank is past its values has none (not reached:
    # 0 < p <= 100 puts the rank between 1 and the count).
    return {(grp, kpi_id): from_scaled(value) for grp, kpi_id, value in rows if value is not None}

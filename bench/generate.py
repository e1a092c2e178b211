"""Deterministic data for the scoring benchmark: an organisation and a cycle's observations.

Everything comes from one ``random.Random(seed)``, so two runs with the same sizes see
the same rows. Observations are produced twice over from the same numbers: as the
``ObservationInput`` text an integration would send, and as the pre-validated tuple a
plain ``executemany`` inserts (ids resolved by the caller once the organisation exists).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    KpiInput,
    ObservationInput,
    PositionInput,
    ScorecardLineInput,
    TeamInput,
)

CYCLE = CycleInput("2026-Q1", "Q1 2026", date(2026, 1, 1), date(2026, 3, 31))
TIMEZONE = "Asia/Shanghai"
OFFSET_MINUTES = 480
_LOCAL = timezone(timedelta(minutes=OFFSET_MINUTES))
_CYCLE_START_S = int(datetime(2026, 1, 1, tzinfo=_LOCAL).timestamp())
_CYCLE_END_S = int(datetime(2026, 4, 1, tzinfo=_LOCAL).timestamp())
POSITION = PositionInput("agent", "Agent")
TEAM_KPI = "sla"

# Eight KPIs: means, shares, a percentile, a count, one measured per team, one rated.
KPIS = [
    KpiInput(
        code="csat",
        name="Customer satisfaction",
        kind="QUANTITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="SHARE_AT_LEAST",
        aggregation_param="4",
        range_min="1",
        range_max="5",
        unit="%",
        tags=("customer_satisfaction",),
    ),
    KpiInput(
        code="fcr",
        name="First-contact resolution",
        kind="QUANTITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="SHARE_AT_LEAST",
        aggregation_param="1",
        range_min="0",
        range_max="1",
        unit="%",
    ),
    KpiInput(
        code="aht",
        name="Average handling time",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="MEAN",
        range_min="0",
        unit="min",
    ),
    KpiInput(
        code="qa",
        name="Quality audit",
        kind="QUANTITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="MEAN",
        range_min="0",
        range_max="100",
        unit="pts",
    ),
    KpiInput(
        code="frt",
        name="First response time",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="PERCENTILE",
        aggregation_param="90",
        range_min="0",
        unit="min",
    ),
    KpiInput(
        code="complaints",
        name="Complaints",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="COUNT",
    ),
    KpiInput(
        code=TEAM_KPI,
        name="Service level (team)",
        kind="QUANTITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="MEAN",
        range_min="0",
        range_max="100",
        unit="%",
    ),
    KpiInput(
        code="quality",
        name="Service quality",
        kind="QUALITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="REVIEW_MEAN",
    ),
]

# One line per KPI (a KPI may appear once per scope): the team's service level is the
# one TEAM line, the manager-rated quality the one REVIEW_MEAN line.
LINES = [
    ScorecardLineInput(kpi_code="csat", weight="20", threshold="70", target="90", stretch="97"),
    ScorecardLineInput(kpi_code="fcr", weight="10", threshold="60", target="80", stretch="90"),
    ScorecardLineInput(kpi_code="aht", weight="10", threshold="12", target="7", stretch="5"),
    ScorecardLineInput(kpi_code="qa", weight="15", threshold="70", target="90", stretch="96"),
    ScorecardLineInput(kpi_code="frt", weight="10", threshold="30", target="10", stretch="5"),
    ScorecardLineInput(
        kpi_code="complaints",
        weight="5",
        method="BANDS",
        bands=(("0", "100"), ("1", "80"), ("3", "40")),
    ),
    ScorecardLineInput(
        kpi_code=TEAM_KPI, scope="TEAM", weight="10", threshold="80", target="95", stretch="99"
    ),
    ScorecardLineInput(kpi_code="quality", weight="20"),
]

# Share of the employees' observations per KPI (the team KPI is handled apart).
_MIX = (("csat", 30), ("fcr", 20), ("aht", 20), ("qa", 5), ("frt", 22), ("complaints", 3))
_SOURCES = {
    "csat": "survey-tool",
    "fcr": "ticketing",
    "aht": "telephony",
    "qa": "qa-audit",
    "frt": "ticketing",
    "complaints": "crm",
    TEAM_KPI: "wfm",
}
TEAM_SHARE = 0.02  # of all observations, recorded per team


@dataclass(frozen=True, slots=True)
class Sizes:
    employees: int
    teams: int
    observations: int
    seed: int = 20260101


@dataclass(frozen=True, slots=True)
class Observation:
    """One observation before it is turned into text or into an insert row."""

    kpi_code: str
    employee: int | None  # index into the employees, or None for a team-level measure
    team: int  # index into the teams
    value: int  # x 10,000
    occurred_at_s: int  # UTC epoch seconds
    source: str
    external_id: str


def team_code(index: int) -> str:
    return f"T{index:04d}"


def employee_code(index: int) -> str:
    return f"E{index:06d}"


def teams(sizes: Sizes) -> list[TeamInput]:
    return [TeamInput("ORG", "Service organisation")] + [
        TeamInput(team_code(t), f"Team {t}", "ORG") for t in range(sizes.teams)
    ]


def team_of(employee: int, sizes: Sizes) -> int:
    return employee % sizes.teams


def employees(sizes: Sizes) -> list[EmployeeInput]:
    """Everyone an agent; about 1% joined too late in the cycle to be scored."""
    rng = random.Random(sizes.seed)
    people = []
    for e in range(sizes.employees):
        late = rng.random() < 0.01
        hired = (
            date(2026, 3, 20) if late else date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
        )
        people.append(
            EmployeeInput(
                employee_code(e),
                f"Agent {e}",
                hired,
                team_code=team_code(team_of(e, sizes)),
                position_code=POSITION.code,
            )
        )
    return people


def _value_maker(rng: random.Random) -> dict[str, Callable[[float], int]]:
    """Per KPI, a value from an agent's skill in [0, 1) (x 10,000)."""

    def csat(skill: float) -> int:
        return 10_000 * (5 if rng.random() < 0.45 + 0.5 * skill else rng.randint(1, 4))

    def fcr(skill: float) -> int:
        return 10_000 if rng.random() < 0.55 + 0.4 * skill else 0

    def aht(skill: float) -> int:
        return max(0, round(rng.gauss(11 - 5 * skill, 2.5) * 100)) * 100

    def qa(skill: float) -> int:
        return min(100, max(0, round(rng.gauss(75 + 20 * skill, 8)))) * 10_000

    def frt(skill: float) -> int:
        return round(rng.expovariate(1 / (4 + 12 * (1 - skill))) * 10) * 1_000

    def complaints(_skill: float) -> int:
        return 10_000

    def sla(skill: float) -> int:
        return min(1000, max(0, round(rng.gauss(88 + 10 * skill, 4) * 10))) * 1_000

    return {
        "csat": csat,
        "fcr": fcr,
        "aht": aht,
        "qa": qa,
        "frt": frt,
        "complaints": complaints,
        TEAM_KPI: sla,
    }


def observations(
    sizes: Sizes, progress: Callable[[int, int], None] | None = None
) -> list[Observation]:
    rng = random.Random(sizes.seed + 1)
    make = _value_maker(rng)
    skills = [rng.random() for _ in range(sizes.employees)]
    team_skills = [rng.random() for _ in range(sizes.teams)]
    team_rows = round(sizes.observations * TEAM_SHARE)
    codes = [code for code, _weight in _MIX]
    weights = [weight for _code, weight in _MIX]
    total = sizes.observations
    picks = rng.choices(codes, weights=weights, k=total - team_rows)
    rows: list[Observation] = []
    for i, code in enumerate(picks):
        e = rng.randrange(sizes.employees)
        rows.append(
            Observation(
                code,
                e,
                team_of(e, sizes),
                make[code](skills[e]),
                rng.randrange(_CYCLE_START_S, _CYCLE_END_S),
                _SOURCES[code],
                f"{code}-{i}",
            )
        )
        if progress is not None and (i + 1) % 100_000 == 0:
            progress(i + 1, total)
    for j in range(team_rows):
        t = j % sizes.teams
        rows.append(
            Observation(
                TEAM_KPI,
                None,
                t,
                make[TEAM_KPI](team_skills[t]),
                rng.randrange(_CYCLE_START_S, _CYCLE_END_S),
                _SOURCES[TEAM_KPI],
                f"{TEAM_KPI}-{j}",
            )
        )
    if progress is not None:
        progress(total, total)
    return rows


def value_text(scaled: int) -> str:
    whole, fraction = divmod(scaled, 10_000)
    return str(whole) if fraction == 0 else f"{whole}.{fraction:04d}".rstrip("0")


def moment_text(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, _LOCAL).isoformat()


def as_input(row: Observation) -> ObservationInput:
    return ObservationInput(
        kpi_code=row.kpi_code,
        value=value_text(row.value),
        occurred_at=moment_text(row.occurred_at_s),
        source=row.source,
        employee_external_id=None if row.employee is None else employee_code(row.employee),
        team_code=team_code(row.team) if row.employee is None else None,
        external_id=row.external_id,
    )


INSERT_OBSERVATION = (
    "INSERT INTO observation (kpi_id, employee_id, team_id, value, occurred_at_us, "
    "utc_offset_minutes, source, external_id, channel, comment, recorded_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def as_insert_row(
    row: Observation,
    *,
    kpi_ids: dict[str, int],
    employee_ids: list[int],
    team_ids: list[int],
    recorded_at: datetime,
) -> list[Any]:
    """The row `record_observations` would insert for ``row``, already validated."""
    return [
        kpi_ids[row.kpi_code],
        None if row.employee is None else employee_ids[row.employee],
        team_ids[row.team],
        row.value,
        row.occurred_at_s * 1_000_000,
        OFFSET_MINUTES,
        row.source,
        row.external_id,
        None,
        None,
        recorded_at,
    ]


def utc_now() -> datetime:
    return datetime.now(UTC)

"""A demo organisation: a customer-service department with three teams, one active cycle,
tens of thousands of observations and the reviews that go with them.

Everything goes through the use cases, like real data would. The data is generated
from a fixed seed and a fixed "today" (2026-11-28), so every run builds the same
organisation and the same scores. Run again, it leaves an existing demo alone.
"""

from __future__ import annotations

import math
import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import Progress
from tortoise.connection import get_connection

from service.demo_recognition import demo_recognition
from service.demo_role_models import demo_role_models
from service.models import (
    ActionItem,
    Cycle,
    CycleState,
    DevelopmentItem,
    DevelopmentPlan,
    Goal,
    ImportChannel,
    ImportFailure,
    Observation,
    User,
)
from service.scoring.goals import GoalClock, GoalState
from service.settings import Settings
from service.usecases.accounts.auth import actor_for
from service.usecases.accounts.users import create_user
from service.usecases.actor import Actor
from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    FeedbackInput,
    IngestMode,
    KpiInput,
    ObservationInput,
    PositionInput,
    ReviewInput,
    ScorecardLineInput,
    TeamInput,
)
from service.usecases.people.checkins import ActionItemInput, record_check_in
from service.usecases.people.development import (
    ItemChanges,
    ItemInput,
    add_development_item,
    set_development_plan,
    suggestions_for,
    update_development_item,
)
from service.usecases.people.feedback_notes import give_feedback_note
from service.usecases.people.goals import (
    GoalInput,
    MeasureInput,
    apply_goal_template,
    report_goal_value,
    set_goal,
)
from service.usecases.people.training import CourseInput, record_attendance, save_course
from service.usecases.review.shadow import save_shadow_scorecard
from service.usecases.scoring.appeals import file_appeal
from service.usecases.scoring.corrections import adjust_score, void_observation
from service.usecases.scoring.idempotency import ingest_once
from service.usecases.scoring.ingest import record_feedback, record_observations, submit_reviews
from service.usecases.setup.config_file import CycleConfig, OrgConfig, apply_config
from service.usecases.setup.csv_import import RecordKind, import_records, read_records
from service.usecases.setup.cycles import transition_cycle

DEMO_CYCLE_CODE = "2026-Q4"
# The quarter before, finalised: history to compare with and a frozen payroll record.
PAST_CYCLE_CODE = "2026-Q3"
PAST_STARTS_ON = date(2026, 7, 1)
PAST_ENDS_ON = date(2026, 9, 30)
# Two months inside the quarter (SCORING §13): October finalised, November piloting the
# hotline team, so the pilot report has a comparable previous cycle (§11).
OCTOBER_CODE = "2026-10"
PILOT_CYCLE_CODE = "2026-11"
PILOT_TEAM = "hotline"
# Two finalised months before October, on the Q3 data: with October they are the chain of
# comparable previous cycles (SCORING §11) that November's trends run over.
TREND_MONTHS = (
    ("2026-08", "August 2026", date(2026, 8, 1), date(2026, 8, 31)),
    ("2026-09", "September 2026", date(2026, 9, 1), date(2026, 9, 30)),
)
DEMO_SEED = 20261128
BATCH_SIZE = 10_000
CYCLE_STARTS_ON = date(2026, 10, 1)
CYCLE_ENDS_ON = date(2026, 12, 31)
# The data runs up to the day before the demo's "today", whatever the clock says.
DATA_ENDS_ON = date(2026, 11, 27)
UTC_OFFSET = "+08:00"
DOMAIN = "demo.fairscore.example"


@dataclass(frozen=True, slots=True)
class DemoSignIn:
    email: str
    password: str
    access: str
    employee_external_id: str | None
    who: str


DEMO_SIGN_INS = (
    DemoSignIn(f"admin@{DOMAIN}", "fairscore-admin", "ADMIN", None, "HR admin (not an employee)"),
    DemoSignIn(
        f"manager@{DOMAIN}",
        "fairscore-manager",
        "MANAGER",
        "E1001",
        "陈静, lead of the Hotline team",
    ),
    DemoSignIn(
        f"employee@{DOMAIN}", "fairscore-employee", "EMPLOYEE", "E1101", "李娜, hotline agent"
    ),
    DemoSignIn(
        f"field.lead@{DOMAIN}",
        "fairscore-manager",
        "MANAGER",
        "E1002",
        "Daniel Wong, lead of the Field Technicians",
    ),
    DemoSignIn(
        f"frontdesk.lead@{DOMAIN}",
        "fairscore-manager",
        "MANAGER",
        "E1003",
        "林晓梅, lead of the Front Desk",
    ),
)
# Calibration (SCORING §12) has something to find in the running quarter: the field
# lead rates a point more generously than the others would.
LENIENT_REVIEWER = f"field.lead@{DOMAIN}"
_LENIENCY = 1.0
_REVIEWER_OF_TEAM = {
    "hotline": f"manager@{DOMAIN}",
    "field": f"field.lead@{DOMAIN}",
    "front-desk": f"frontdesk.lead@{DOMAIN}",
}


@dataclass(frozen=True, slots=True)
class _Person:
    external_id: str
    name: str
    team: str
    position: str
    hired_on: date
    left_on: date | None = None

    def employed_during(self, cycle_code: str) -> bool:
        first, last = (
            (PAST_STARTS_ON, PAST_ENDS_ON)
            if cycle_code == PAST_CYCLE_CODE
            else (CYCLE_STARTS_ON, CYCLE_ENDS_ON)
        )
        return self.hired_on <= last and (self.left_on is None or self.left_on >= first)


_HOTLINE = [
    "李娜",
    "Emily Zhang",
    "王强",
    "Kevin Liu",
    "张伟",
    "Sophie Chen",
    "刘洋",
    "Jason Huang",
    "杨秀英",
    "Michelle Zhou",
    "黄磊",
    "Ryan Xu",
    "周婷",
    "Amanda Sun",
    "吴昊",
    "Tony Ma",
]
_FIELD = [
    "赵刚",
    "Peter Guo",
    "孙涛",
    "Mark He",
    "马超",
    "Leo Luo",
    "朱军",
    "Eric Liang",
    "胡斌",
    "Steven Song",
]
_FRONT_DESK = [
    "赵敏",
    "Grace Lin",
    "郭静",
    "Cindy Tang",
    "何丽",
    "Vivian Feng",
    "高洁",
    "Alice Deng",
    "罗琳",
    "Helen Cao",
]


def demo_people() -> list[_Person]:
    rng = random.Random(DEMO_SEED)

    def hired() -> date:
        return date(2019, 1, 7) + timedelta(days=rng.randrange(0, 6 * 365))

    people = [
        _Person("E1001", "陈静", "hotline", "team_lead", date(2018, 4, 2)),
        _Person("E1002", "Daniel Wong", "field", "team_lead", date(2019, 8, 19)),
        _Person("E1003", "林晓梅", "front-desk", "team_lead", date(2020, 3, 9)),
    ]
    people += [
        _Person(f"E{1101 + i}", name, "hotline", "agent", hired())
        for i, name in enumerate(_HOTLINE)
    ]
    # Joined too late in the cycle to be scored in it (fewer than half of its days).
    people.append(_Person("E1117", "徐丽", "hotline", "agent", date(2026, 11, 20)))
    people += [
        _Person(f"E{1201 + i}", name, "field", "technician", hired())
        for i, name in enumerate(_FIELD[:-1])
    ]
    # Leaving before the cycle ends, but employed long enough to be scored.
    people.append(_Person("E1210", _FIELD[-1], "field", "technician", hired(), date(2026, 11, 20)))
    people += [
        _Person(f"E{1301 + i}", name, "front-desk", "front_desk", hired())
        for i, name in enumerate(_FRONT_DESK)
    ]
    return people


def _line(
    kpi: str,
    weight: int,
    *,
    scope: str = "INDIVIDUAL",
    threshold: str | None = None,
    target: str | None = None,
    stretch: str | None = None,
    min_samples: int = 1,
    method: str = "LINEAR",
    bands: tuple[tuple[str, str], ...] = (),
) -> ScorecardLineInput:
    return ScorecardLineInput(
        kpi_code=kpi,
        weight=weight,
        scope=scope,
        method=method,
        threshold=threshold,
        target=target,
        stretch=stretch,
        bands=bands,
        min_samples=min_samples,
    )


def demo_config() -> OrgConfig:
    csat = _line("csat", 35, threshold="70", target="90", stretch="97", min_samples=10)
    team_csat = _line("csat", 10, scope="TEAM", threshold="75", target="90", min_samples=30)
    complaints = _line("complaints", 10, threshold="6", target="1", stretch="0")
    quality = _line("service_quality", 15)
    communication = _line("communication", 15)
    scorecards = (
        (
            "agent",
            (
                csat,
                team_csat,
                _line(
                    "first_response_minutes",
                    15,
                    threshold="30",
                    target="10",
                    stretch="5",
                    min_samples=20,
                ),
                complaints,
                quality,
                communication,
            ),
        ),
        (
            "technician",
            (
                _line("csat", 30, threshold="70", target="90", stretch="97", min_samples=10),
                team_csat,
                _line(
                    "task_completion", 25, threshold="80", target="95", stretch="99", min_samples=10
                ),
                _line("complaints", 5, threshold="6", target="1", stretch="0"),
                quality,
                communication,
            ),
        ),
        (
            "front_desk",
            (
                csat,
                team_csat,
                _line(
                    "order_accuracy",
                    15,
                    method="BANDS",
                    bands=(
                        ("99.5", "120"),
                        ("99", "100"),
                        ("98", "80"),
                        ("97", "50"),
                        ("95", "20"),
                    ),
                ),
                complaints,
                quality,
                communication,
            ),
        ),
        (
            "team_lead",
            (
                _line(
                    "csat",
                    45,
                    scope="TEAM",
                    threshold="75",
                    target="90",
                    stretch="95",
                    min_samples=30,
                ),
                # A team's complaints add up over its members: a hotline of 17
                # sees a few dozen a quarter.
                _line("complaints", 25, scope="TEAM", threshold="60", target="15", stretch="5"),
                quality,
                communication,
            ),
        ),
    )
    monthly = (
        CycleConfig(
            cycle=CycleInput(OCTOBER_CODE, "October 2026", date(2026, 10, 1), date(2026, 10, 31)),
            state=None,
            scorecards=scorecards,
        ),
        CycleConfig(
            cycle=CycleInput(
                PILOT_CYCLE_CODE,
                "November 2026 (hotline pilot)",
                date(2026, 11, 1),
                date(2026, 11, 30),
                pilot_team_codes=(PILOT_TEAM,),
            ),
            state=None,
            scorecards=scorecards,
        ),
        *(
            CycleConfig(
                cycle=CycleInput(code, name, starts_on, ends_on), state=None, scorecards=scorecards
            )
            for code, name, starts_on, ends_on in TREND_MONTHS
        ),
    )
    return OrgConfig(
        policy={"timezone": "Asia/Shanghai", "csat_kpi_code": "csat", "check_in_interval_days": 14},
        positions=(
            PositionInput("agent", "Hotline agent", "热线客服"),
            PositionInput("technician", "Field technician", "外勤技术员"),
            PositionInput("front_desk", "Front-desk agent", "前台接待"),
            PositionInput("team_lead", "Team lead", "组长"),
        ),
        teams=(
            TeamInput("service", "Customer Service Department", name_zh="客户服务部"),
            TeamInput("hotline", "Hotline", "service", "E1001", "热线组"),
            TeamInput("field", "Field Technicians", "service", "E1002", "外勤技术组"),
            TeamInput("front-desk", "Front Desk", "service", "E1003", "前台组"),
        ),
        employees=tuple(
            EmployeeInput(
                external_id=p.external_id,
                name=p.name,
                hired_on=p.hired_on,
                email=f"{p.external_id.lower()}@{DOMAIN}",
                team_code=p.team,
                position_code=p.position,
                left_on=p.left_on,
            )
            for p in demo_people()
        ),
        kpis=(
            KpiInput(
                "csat",
                "Customer satisfaction",
                "QUANTITATIVE",
                "HIGHER_IS_BETTER",
                "SHARE_AT_LEAST",
                unit="%",
                aggregation_param="4",
                range_min="1",
                range_max="5",
                tags=("customer_satisfaction",),
                name_zh="客户满意度",
            ),
            KpiInput(
                "first_response_minutes",
                "First response time",
                "QUANTITATIVE",
                "LOWER_IS_BETTER",
                "PERCENTILE",
                unit="min",
                aggregation_param="90",
                range_min="0",
                range_max="1440",
                name_zh="首次响应时间",
                unit_zh="分钟",
            ),
            KpiInput(
                "task_completion",
                "Task completion",
                "QUANTITATIVE",
                "HIGHER_IS_BETTER",
                "MEAN",
                unit="%",
                range_min="0",
                range_max="100",
                name_zh="任务完成率",
            ),
            KpiInput(
                "complaints",
                "Complaints",
                "QUANTITATIVE",
                "LOWER_IS_BETTER",
                "COUNT",
                name_zh="投诉",
            ),
            KpiInput(
                "order_accuracy",
                "Order accuracy",
                "QUANTITATIVE",
                "HIGHER_IS_BETTER",
                "SHARE_AT_LEAST",
                unit="%",
                aggregation_param="1",
                range_min="0",
                range_max="1",
                name_zh="订单准确率",
            ),
            KpiInput(
                "service_quality",
                "Service quality",
                "QUALITATIVE",
                "HIGHER_IS_BETTER",
                "REVIEW_MEAN",
                range_min="1",
                range_max="5",
                name_zh="服务质量",
            ),
            KpiInput(
                "communication",
                "Communication",
                "QUALITATIVE",
                "HIGHER_IS_BETTER",
                "REVIEW_MEAN",
                range_min="1",
                range_max="5",
                name_zh="沟通",
            ),
        ),
        cycles=(
            CycleConfig(
                cycle=CycleInput(PAST_CYCLE_CODE, "Q3 2026", PAST_STARTS_ON, PAST_ENDS_ON),
                state=None,
                scorecards=scorecards,
            ),
            CycleConfig(
                cycle=CycleInput(DEMO_CYCLE_CODE, "Q4 2026", CYCLE_STARTS_ON, CYCLE_ENDS_ON),
                state=None,
                scorecards=scorecards,
            ),
            *monthly,
        ),
    )


def shadow_agent_lines() -> tuple[ScorecardLineInput, ...]:
    """The agents' next rules, tried in shadow on the quarter (SCORING §13): their own
    CSAT at 45 % instead of 35 %, the two qualitative lines at 10 % each instead of 15 %."""
    return (
        _line("csat", 45, threshold="70", target="90", stretch="97", min_samples=10),
        _line("csat", 10, scope="TEAM", threshold="75", target="90", min_samples=30),
        _line(
            "first_response_minutes", 15, threshold="30", target="10", stretch="5", min_samples=20
        ),
        _line("complaints", 10, threshold="6", target="1", stretch="0"),
        _line("service_quality", 10),
        _line("communication", 10),
    )


# --- generated data ------------------------------------------------------------------

_LOW_RATING_COMMENTS = [
    "Waited too long on hold.",
    "问题没有解决。",
    "Had to explain twice.",
    "态度一般。",
    "The technician arrived late.",
    "回复太慢了。",
]
_HIGH_RATING_COMMENTS = [
    "Very patient and helpful!",
    "非常专业，谢谢！",
    "Solved it in one call.",
    "服务很周到。",
    "Friendly and quick.",
]
_REVIEW_COMMENTS = {
    "high": [
        "Consistently calm with difficult customers.",
        "主动帮助同事，值得表扬。",
        "Clear, friendly explanations.",
    ],
    "mid": [
        "Solid work; follow up on open tickets sooner.",
        "沟通清楚，可以更主动一些。",
        "Good with customers, keep notes more complete.",
    ],
    "low": [
        "Needs coaching on call structure.",
        "需要加强产品知识。",
        "Often misses follow-ups; let's set a plan.",
    ],
}


@dataclass(slots=True)
class DemoData:
    feedback: list[FeedbackInput] = field(default_factory=list)
    observations: list[ObservationInput] = field(default_factory=list)
    skill: dict[str, float] = field(default_factory=dict)
    id_prefix: str = ""
    _counters: dict[str, int] = field(default_factory=dict)

    def next_id(self, source: str) -> str:
        self._counters[source] = self._counters.get(source, 0) + 1
        return f"{self.id_prefix}{source}-{self._counters[source]:06d}"


def _moment(rng: random.Random, day: date) -> str:
    return (
        f"{day.isoformat()}T{rng.randint(8, 20):02d}:{rng.randrange(60):02d}:"
        f"{rng.randrange(60):02d}{UTC_OFFSET}"
    )


def _rating(rng: random.Random, skill: float) -> int:
    top = min(0.30 + 0.45 * skill, 0.68)
    good = 0.30
    draw = rng.random()
    if draw < top:
        return 5
    if draw < top + good:
        return 4
    rest = (draw - top - good) / max(1 - top - good, 1e-9)
    return 3 if rest < 0.6 else 2 if rest < 0.85 else 1


def _comment(rng: random.Random, rating: int) -> str | None:
    if rating <= 2 and rng.random() < 0.6:
        return rng.choice(_LOW_RATING_COMMENTS)
    if rating == 5 and rng.random() < 0.1:
        return rng.choice(_HIGH_RATING_COMMENTS)
    return None


def _working_days(rng: random.Random, person: _Person, first: date, last: date) -> list[date]:
    days = []
    day = first
    while day <= last:
        employed = person.hired_on <= day and (person.left_on is None or day <= person.left_on)
        if employed and rng.random() < 5 / 7:
            days.append(day)
        day += timedelta(days=1)
    return days


def generate_demo_data(
    people: Sequence[_Person],
    *,
    first: date = CYCLE_STARTS_ON,
    last: date = DATA_ENDS_ON,
    seed: int = DEMO_SEED,
    id_prefix: str = "",
) -> DemoData:
    """Deterministic: the same seed gives the same rows, ids and values every time."""
    rng = random.Random(seed)
    data = DemoData(id_prefix=id_prefix)
    for person in people:
        # Spread people over the bands: most are solid, a few struggle, a few shine.
        skill = rng.betavariate(2.6, 1.7)
        data.skill[person.external_id] = skill
        if person.position == "team_lead":
            continue
        for day in _working_days(rng, person, first, last):
            _one_day(rng, data, person, skill, day)
    return data


def _feedback(
    data: DemoData,
    rng: random.Random,
    person: _Person,
    skill: float,
    day: date,
    channel: str,
    source: str,
) -> None:
    rating = _rating(rng, skill)
    data.feedback.append(
        FeedbackInput(
            rating=rating,
            channel=channel,
            occurred_at=_moment(rng, day),
            source=source,
            employee_external_id=person.external_id,
            external_id=data.next_id(source),
            comment=_comment(rng, rating),
        )
    )


def _observation(
    data: DemoData,
    rng: random.Random,
    person: _Person,
    day: date,
    kpi: str,
    value: str,
    source: str,
) -> None:
    data.observations.append(
        ObservationInput(
            kpi_code=kpi,
            value=value,
            occurred_at=_moment(rng, day),
            source=source,
            employee_external_id=person.external_id,
            external_id=data.next_id(source),
        )
    )


def _one_day(rng: random.Random, data: DemoData, person: _Person, skill: float, day: date) -> None:
    if person.position == "agent":
        for _ in range(rng.randint(6, 12)):
            phone = rng.random() < 0.55
            _feedback(
                data,
                rng,
                person,
                skill,
                day,
                "PHONE_CALLBACK" if phone else "ONLINE_SURVEY",
                "callback-center" if phone else "survey-tool",
            )
        median = 3 + 6 * (1 - skill)
        for _ in range(rng.randint(10, 18)):
            minutes = min(rng.lognormvariate(math.log(median), 0.6), 240.0)
            _observation(
                data, rng, person, day, "first_response_minutes", f"{minutes:.1f}", "ticketing"
            )
    elif person.position == "technician":
        assigned = rng.randint(3, 6)
        done = sum(rng.random() < 0.84 + 0.15 * skill for _ in range(assigned))
        _observation(
            data, rng, person, day, "task_completion", f"{100 * done / assigned:.2f}", "field-app"
        )
        for _ in range(rng.randint(2, 4)):
            onsite = rng.random() < 0.6
            _feedback(
                data,
                rng,
                person,
                skill,
                day,
                "FACE_TO_FACE" if onsite else "ONLINE_SURVEY",
                "field-app" if onsite else "survey-tool",
            )
    else:
        for _ in range(rng.randint(5, 9)):
            desk = rng.random() < 0.8
            _feedback(
                data,
                rng,
                person,
                skill,
                day,
                "FACE_TO_FACE" if desk else "ONLINE_SURVEY",
                "front-desk-tablet" if desk else "survey-tool",
            )
        for _ in range(rng.randint(12, 20)):
            right = rng.random() < 0.975 + 0.024 * skill
            _observation(data, rng, person, day, "order_accuracy", "1" if right else "0", "pos")
    if rng.random() < 0.02 + 0.07 * (1 - skill):
        _observation(data, rng, person, day, "complaints", "1", "complaints-desk")


def demo_reviews(
    people: Sequence[_Person],
    skill: dict[str, float],
    *,
    cycle_code: str = DEMO_CYCLE_CODE,
    not_yet_reviewed: tuple[str, ...] = ("E1117", "E1116"),
) -> list[ReviewInput]:
    """Manager reviews of everyone scored (one agent not reviewed yet), a few self reviews."""
    rng = random.Random(DEMO_SEED + 1 + (cycle_code != DEMO_CYCLE_CODE))
    reviews = []
    self_reviewers = {
        s.employee_external_id: s.email for s in DEMO_SIGN_INS if s.employee_external_id
    }
    for person in people:
        if person.external_id in not_yet_reviewed or not person.employed_during(cycle_code):
            continue  # E1117 joined too late to be scored; E1116's lead has not got to it
        # The department has no lead above the team leads: the HR admin reviews them.
        reviewer = (
            f"admin@{DOMAIN}" if person.position == "team_lead" else _REVIEWER_OF_TEAM[person.team]
        )
        for kpi in ("service_quality", "communication"):
            raw = 2.4 + 2.6 * skill[person.external_id] + rng.gauss(0, 0.45)
            if reviewer == LENIENT_REVIEWER and cycle_code == DEMO_CYCLE_CODE:
                raw += _LENIENCY
            rating = min(5.0, max(1.0, round(raw * 2) / 2))
            tone = "high" if rating >= 4.5 else "mid" if rating >= 3 else "low"
            reviews.append(
                ReviewInput(
                    cycle_code=cycle_code,
                    employee_external_id=person.external_id,
                    kpi_code=kpi,
                    reviewer_email=reviewer,
                    kind="MANAGER",
                    rating=f"{rating:g}",
                    comment=rng.choice(_REVIEW_COMMENTS[tone]),
                )
            )
            if person.external_id in self_reviewers:
                reviews.append(
                    ReviewInput(
                        cycle_code=cycle_code,
                        employee_external_id=person.external_id,
                        kpi_code=kpi,
                        reviewer_email=self_reviewers[person.external_id],
                        kind="SELF",
                        rating=f"{min(5.0, rating + 0.5):g}",
                        comment="I think I did well this quarter.",
                    )
                )
    return reviews


# --- building it -------------------------------------------------------------------------


async def _ingest(
    records: Sequence[Any], *, feedback: bool, actor: Actor, progress: Progress, label: str
) -> int:
    task = progress.add_task(label, total=len(records))
    accepted = 0
    for start in range(0, len(records), BATCH_SIZE):
        batch = records[start : start + BATCH_SIZE]
        if feedback:
            report = await record_feedback(
                actor=actor, feedback=batch, mode=IngestMode.ALL_OR_NOTHING
            )
        else:
            report = await record_observations(
                actor=actor, observations=batch, mode=IngestMode.ALL_OR_NOTHING
            )
        if report.rejected:
            first = report.rejected[0]
            raise RuntimeError(
                f"demo data rejected at row {start + first.index}: {first.field}: {first.message}"
            )
        accepted += report.accepted + report.duplicates
        progress.advance(task, len(batch))
    return accepted


async def _past_quarter(
    *, actor: Actor, people: Sequence[_Person], progress: Progress, say: Callable[[str], None]
) -> int:
    """Q3: recorded, reviewed by every manager and finalised into its frozen record."""
    past = await Cycle.get(code=PAST_CYCLE_CODE)
    if past.state is CycleState.FINALIZED:
        return 0
    data = generate_demo_data(
        people, first=PAST_STARTS_ON, last=PAST_ENDS_ON, seed=DEMO_SEED - 1, id_prefix="q3-"
    )
    # Recorded while both cycles are DRAFT: nothing to recompute per batch.
    rows = await _ingest(
        data.feedback, feedback=True, actor=actor, progress=progress, label="Q3 customer feedback"
    )
    rows += await _ingest(
        data.observations, feedback=False, actor=actor, progress=progress, label="Q3 observations"
    )
    say(f"Finalising {PAST_CYCLE_CODE}...")
    for state in (CycleState.ACTIVE, CycleState.REVIEW):
        if (await Cycle.get(code=PAST_CYCLE_CODE)).state is not state:
            await transition_cycle(
                actor=actor,
                cycle_code=PAST_CYCLE_CODE,
                to=state.value,
                reason="Demo: the past quarter.",
            )
        if state is CycleState.ACTIVE:
            report = await submit_reviews(
                actor=actor,
                reviews=demo_reviews(
                    people, data.skill, cycle_code=PAST_CYCLE_CODE, not_yet_reviewed=()
                ),
            )
            _no_rejections(report, "Q3 review")
    await transition_cycle(
        actor=actor, cycle_code=PAST_CYCLE_CODE, to="FINALIZED", reason="Demo: Q3 payroll closed."
    )
    return rows


async def _trials(*, actor: Actor, say: Callable[[str], None]) -> str:
    """SCORING §13: a shadow scorecard for the agents on the running quarter, and the two
    monthly cycles: October finalised (without its reviews: a monthly check, not a
    payroll), November piloting the hotline."""
    await save_shadow_scorecard(
        actor=actor,
        cycle_code=DEMO_CYCLE_CODE,
        position_code="agent",
        lines=shadow_agent_lines(),
    )
    say(f"Finalising {OCTOBER_CODE}, activating the {PILOT_CYCLE_CODE} pilot...")
    for to in (CycleState.ACTIVE, CycleState.REVIEW, CycleState.FINALIZED):
        if (await Cycle.get(code=OCTOBER_CODE)).state is to:
            continue
        await transition_cycle(
            actor=actor,
            cycle_code=OCTOBER_CODE,
            to=to.value,
            reason="Demo: a monthly check.",
            override_reason="Demo: monthly figures only, reviewed with the quarter."
            if to is CycleState.FINALIZED
            else None,
        )
    if (await Cycle.get(code=PILOT_CYCLE_CODE)).state is CycleState.DRAFT:
        await transition_cycle(
            actor=actor,
            cycle_code=PILOT_CYCLE_CODE,
            to=CycleState.ACTIVE.value,
            reason="Demo: the hotline pilots the rules for a month.",
        )
    return (
        f"a shadow agent scorecard on {DEMO_CYCLE_CODE}; {OCTOBER_CODE} FINALIZED, "
        f"{PILOT_CYCLE_CODE} piloting {PILOT_TEAM}"
    )


async def _trend_months(*, actor: Actor, say: Callable[[str], None]) -> str:
    """August and September finalised on the Q3 data already recorded, without reviews
    (a monthly check, as October): history for the trends (docs/heatmap-and-trends.md)."""
    say("Finalising August and September 2026 for the trends...")
    for code, *_dates in TREND_MONTHS:
        for to in (CycleState.ACTIVE, CycleState.REVIEW, CycleState.FINALIZED):
            if (await Cycle.get(code=code)).state is to:
                continue
            await transition_cycle(
                actor=actor,
                cycle_code=code,
                to=to.value,
                reason="Demo: a monthly check.",
                override_reason="Demo: monthly figures only, reviewed with the quarter."
                if to is CycleState.FINALIZED
                else None,
            )
    return ", ".join(code for code, *_dates in TREND_MONTHS) + " FINALIZED"


# Goals are set on the cycle's first day and values reported a week before "today":
# with FAIRSCORE_TODAY=2026-11-28 the hotline shows every status (SCORING.md §11).
_GOALS_SET_ON = CYCLE_STARTS_ON
_VALUES_REPORTED_ON = date(2026, 11, 20)


def _goal_clock(day: date) -> GoalClock:
    return GoalClock(now=datetime.now(UTC), pinned_today=day)


# Per hotline agent in turn: (title, unit, target, reported value, due day). With "today"
# 2026-11-28: achieved (3 of 3), on track (10 of 12, 83 % against 63 % of the time
# gone), at risk (2 of 12, 17 %) and missed (3 of 5 by 15 November).
_MANUAL_GOALS = (
    ("Share three call scripts that work", "scripts", "3", "3", CYCLE_ENDS_ON),
    ("Call back twelve unhappy customers", "call-backs", "12", "10", CYCLE_ENDS_ON),
    ("Visit twelve key customers in person", "visits", "12", "2", CYCLE_ENDS_ON),
    ("Finish the five new-product modules", "modules", "5", "3", date(2026, 11, 15)),
)


async def _goals(*, actor: Actor, people: Sequence[_Person]) -> int:
    """Two hotline team goals; for every hotline agent a CSAT goal (one template) and a
    manual goal serving the team's CSAT goal, values reported for the manual ones."""
    set_clock = _goal_clock(_GOALS_SET_ON)

    def team_goal(title: str, kpi: str, target: str) -> GoalInput:
        return GoalInput(
            cycle_code=DEMO_CYCLE_CODE,
            title=title,
            measure=MeasureInput(kpi_code=kpi, scope="TEAM"),
            target=target,
            due_on=CYCLE_ENDS_ON,
            team_code="hotline",
        )

    csat_team = await set_goal(
        actor=actor, goal=team_goal("Hotline CSAT to 90 %", "csat", "90"), clock=set_clock
    )
    await set_goal(
        actor=actor,
        goal=team_goal("Keep hotline complaints to 15 this quarter", "complaints", "15"),
        clock=set_clock,
    )
    template = await apply_goal_template(
        actor=actor,
        template=GoalInput(
            cycle_code=DEMO_CYCLE_CODE,
            title="Raise my CSAT to 92 %",
            description="Share of customer ratings of 4 or 5.",
            measure=MeasureInput(kpi_code="csat", scope="INDIVIDUAL"),
            target="92",
            due_on=CYCLE_ENDS_ON,
        ),
        position_code="agent",
        clock=set_clock,
    )
    agents = [
        p
        for p in people
        if p.team == "hotline" and p.position == "agent" and p.hired_on <= _GOALS_SET_ON
    ]
    for index, person in enumerate(agents):
        title, unit, target, value, due = _MANUAL_GOALS[index % len(_MANUAL_GOALS)]
        saved = await set_goal(
            actor=actor,
            goal=GoalInput(
                cycle_code=DEMO_CYCLE_CODE,
                title=title,
                measure=MeasureInput(
                    unit=unit, direction="HIGHER_IS_BETTER", range_min="0", range_max="100"
                ),
                target=target,
                baseline="0",
                due_on=due,
                employee_external_id=person.external_id,
                parent_goal_id=csat_team.goal.id,
            ),
            clock=set_clock,
        )
        await report_goal_value(
            actor=actor,
            goal_id=saved.goal.id,
            value=value,
            note="From the team's weekly log.",
            clock=_goal_clock(_VALUES_REPORTED_ON),
        )
    return 2 + len(template.created) + len(agents)


async def _corrections(*, people: Sequence[_Person]) -> str:
    """What a running quarter looks like: an adjustment, a voided observation, an appeal."""
    manager = actor_for(await User.get(email=f"manager@{DOMAIN}"))
    employee = actor_for(await User.get(email=f"employee@{DOMAIN}"))
    agent = next(
        p
        for p in people
        if p.team == "hotline" and p.position == "agent" and p.external_id != "E1101"
    )
    await adjust_score(
        actor=manager,
        cycle_code=DEMO_CYCLE_CODE,
        employee_external_id=agent.external_id,
        points="2",
        reason="Covered the Double 11 evening peak on short notice.",
    )
    complaint = (
        await Observation.filter(
            employee__external_id="E1101", kpi__code="complaints", voided_at__isnull=True
        )
        .order_by("id")
        .first()
    )
    if complaint is None:  # the generator gave E1101 no complaint: void a slow ticket
        complaint = (
            await Observation.filter(
                employee__external_id="E1101", kpi__code="first_response_minutes"
            )
            .order_by("-value")
            .first()
        )
    assert complaint is not None
    await void_observation(
        actor=manager,
        observation_id=complaint.id,
        reason="Logged against the wrong agent: the caller was transferred.",
    )
    await file_appeal(
        actor=employee,
        cycle_code=DEMO_CYCLE_CODE,
        employee_external_id="E1101",
        line=1,
        reason="Several low survey ratings were about the billing "
        "system outage on 12 November, not about my service.",
    )
    return f"{agent.external_id} adjusted +2, observation {complaint.id} voided, one open appeal"


# The hotline lead holds a check-in with each agent every two weeks of the quarter.
CHECK_IN_EVERY = timedelta(days=14)
_CHECK_IN_NOTES = [
    "Went through the survey comments of the last two weeks together.",
    "Talked about the evening queue and first-response times.",
    "Reviewed two calls with low ratings and what to say differently.",
    "Good progress; agreed to keep the callback habit.",
    "Looked at the Double 11 peak and how the team shared the load.",
]
_ACTION_ITEMS = [
    "Listen back to two of your calls rated 3 or lower",
    "Offer a callback when the queue passes 10 minutes",
    "Share one customer compliment in the team meeting",
    "Finish the refund-process refresher",
    "Pair with a senior agent for one evening shift",
]


async def _check_ins(*, people: Sequence[_Person]) -> int:
    """Check-ins every two weeks for the hotline agents: each raises an action item and
    closes the one before, so one stays open; the lead also leaves a feedback note."""
    lead = actor_for(await User.get(email=f"manager@{DOMAIN}"))
    recorded = 0
    for index, person in enumerate(
        p for p in people if p.team == "hotline" and p.position == "agent"
    ):
        open_item: int | None = None
        day = CYCLE_STARTS_ON + timedelta(days=1 + index % 5)
        number = 0
        # Every other check-in discusses the person's first goal (docs/checkins.md).
        first_goal = (
            await Goal.filter(employee__external_id=person.external_id, state=GoalState.ACCEPTED)
            .order_by("id")
            .first()
        )
        while day <= DATA_ENDS_ON:
            if day >= person.hired_on:
                check_in = await record_check_in(
                    actor=lead,
                    employee_external_id=person.external_id,
                    held_on=day,
                    shared_notes=_CHECK_IN_NOTES[(index + number) % len(_CHECK_IN_NOTES)],
                    private_notes="Interested in the team-lead track." if number == 1 else "",
                    discussed_lines=[1] if number % 2 == 0 else [1, 3],
                    discussed_goals=[first_goal.id] if first_goal and number % 2 else [],
                    action_items=[
                        ActionItemInput(
                            _ACTION_ITEMS[(index + number) % len(_ACTION_ITEMS)],
                            person.external_id,
                            day + timedelta(days=10),
                        )
                    ],
                    close_action_item_ids=[] if open_item is None else [open_item],
                    # Goals as they stood on the day: status at that day's clock.
                    clock=_goal_clock(day),
                )
                open_item = (await ActionItem.get(raised_in_id=check_in.id)).id
                recorded += 1
                number += 1
            day += CHECK_IN_EVERY
        if index % 4 == 0:
            await give_feedback_note(
                actor=lead,
                employee_external_id=person.external_id,
                kind="PRAISE",
                text="Calm and clear with a difficult caller; the customer wrote to thank us.",
            )
    return recorded


DEMO_COURSES = (
    CourseInput(
        "listening",
        "Active listening on the phone",
        "电话中的积极倾听",
        ("csat", "service_quality"),
        90,
        "WORKSHOP",
    ),
    CourseInput(
        "de-escalation",
        "Calming an angry caller",
        "安抚情绪激动的来电者",
        ("csat", "complaints"),
        120,
        "CLASSROOM",
    ),
    CourseInput(
        "fast-first-reply",
        "The first reply in five minutes",
        "五分钟内首次响应",
        ("first_response_minutes",),
        45,
        "ONLINE",
    ),
    CourseInput(
        "ticket-hygiene",
        "Tickets that close themselves",
        "工单一次办结",
        ("task_completion",),
        60,
        "SELF_PACED",
    ),
    CourseInput(
        "order-checks", "Checking an order twice", "订单双重核对", ("order_accuracy",), 30, "ONLINE"
    ),
    CourseInput(
        "plain-words",
        "Explaining in plain words",
        "用通俗的话解释",
        ("communication", "service_quality"),
        60,
        "WORKSHOP",
    ),
    CourseInput("product-basics", "Know the product", "产品基础知识", (), 180, "CLASSROOM"),
)
# The demo's "today" for plan dates, whatever the clock says.
DEMO_TODAY = date(2026, 11, 28)


async def _goal_links() -> str:
    """A feedback note tied to a goal for every other hotline agent with one, and 李娜's
    (E1101) first plan item serving her CSAT goal (issues 14 and 15)."""
    manager = actor_for(await User.get(email=f"manager@{DOMAIN}"))
    goals = (
        await Goal.filter(
            employee__team__code="hotline", state=GoalState.ACCEPTED, kpi_id__isnull=True
        )
        .select_related("employee")
        .order_by("employee_id", "id")
    )
    noted = 0
    for index, goal in enumerate(goals):
        if index % 2 == 0 and goal.employee is not None:
            await give_feedback_note(
                actor=manager,
                employee_external_id=goal.employee.external_id,
                kind="SUGGESTION" if index % 4 else "PRAISE",
                text="Good steady progress on this one; keep the weekly rhythm.",
                goal_id=goal.id,
            )
            noted += 1
    csat = await Goal.filter(
        employee__external_id="E1101", state=GoalState.ACCEPTED, kpi_id__isnull=False
    ).first()
    item = await DevelopmentItem.filter(plan__employee__external_id="E1101").order_by("id").first()
    if csat is not None and item is not None and item.goal_id is None:
        await update_development_item(
            actor=manager,
            item_id=item.id,
            changes=ItemChanges(goal_id=csat.id),
            expected_version=item.version,
            today=DEMO_TODAY,
        )
    return f"{noted} feedback notes tied to goals"


async def _development(*, actor: Actor) -> str:
    """The catalogue, and plans for two hotline agents: 李娜 (E1101) took her first
    suggestion and a course she attended; the manager planned shadowing for another."""
    for course in DEMO_COURSES:
        await save_course(actor=actor, course=course)
    if await DevelopmentPlan.exists(employee__external_id="E1101"):
        return f"{len(DEMO_COURSES)} courses"
    manager = actor_for(await User.get(email=f"manager@{DOMAIN}"))
    employee = actor_for(await User.get(email=f"employee@{DOMAIN}"))
    await set_development_plan(
        actor=employee,
        employee_external_id="E1101",
        aim="Fewer callers waiting, and calmer calls when the billing system acts up.",
        expected_version=0,
    )
    view = await suggestions_for(
        get_connection("default"), actor=employee, employee_external_id="E1101"
    )
    for suggestion in view.suggestions[:1]:
        courses = suggestion.courses
        await add_development_item(
            actor=employee,
            employee_external_id="E1101",
            item=ItemInput(
                action="COURSE" if courses else "COACHING",
                course_code=courses[0].code if courses else None,
                focus_kpi_code=suggestion.kpi.code,
                due_on=date(2026, 12, 20),
            ),
            today=DEMO_TODAY,
        )
    coaching = await add_development_item(
        actor=manager,
        employee_external_id="E1101",
        item=ItemInput(
            action="COACHING",
            focus_skill="Explaining a bill line by line",
            owner_external_id="E1001",
            due_on=date(2026, 12, 31),
            notes="Weekly 20 minutes with 陈静 after the Monday stand-up.",
        ),
        today=DEMO_TODAY,
    )
    await update_development_item(
        actor=manager,
        item_id=coaching.id,
        changes=ItemChanges(status="IN_PROGRESS"),
        expected_version=1,
        today=DEMO_TODAY,
    )
    await record_attendance(
        actor=manager,
        course_code="de-escalation",
        employee_external_id="E1101",
        attended_on=date(2026, 10, 15),
        note="Half-day session at the Shanghai office.",
    )
    await add_development_item(
        actor=manager,
        employee_external_id="E1102",
        item=ItemInput(
            action="SHADOWING",
            focus_kpi_code="first_response_minutes",
            shadowing_external_id="E1101",
            owner_external_id="E1001",
            due_on=date(2026, 12, 15),
        ),
        today=DEMO_TODAY,
    )
    return f"{len(DEMO_COURSES)} courses, development plans for E1101 and E1102"


# The admin's home lists failed imports: a CSV upload refused whole (all or nothing) and
# an API batch refused. Neither writes a row; only their records are kept.
_FAILED_CSV = (
    "employee_external_id,channel,rating,occurred_at,source,external_id,comment\n"
    "E1101,ONLINE_SURVEY,5,2026-11-27T10:15:00+08:00,survey-tool,late-export-1,\n"
    "E1102,ONLINE_SURVEY,6,2026-11-27T10:20:00+08:00,survey-tool,late-export-2,\n"
    "E9999,PHONE_CALLBACK,4,2026-11-27T10:25:00+08:00,callback-center,late-export-3,\n"
)


async def _failed_imports() -> str:
    if await ImportFailure.exists():
        return "failed imports already recorded"
    admin = actor_for(await User.get(email=f"admin@{DOMAIN}"))
    with tempfile.TemporaryDirectory(prefix="fairscore-demo-") as folder:
        path = Path(folder) / "survey-export-2026-11-27.csv"
        path.write_text(_FAILED_CSV, encoding="utf-8")
        records = read_records(RecordKind.FEEDBACK, path)
    await import_records(
        actor=admin,
        records=records,
        keep_valid=False,
        channel=ImportChannel.ADMIN_CSV,
        name=path.name,
    )
    batch = [
        FeedbackInput(
            rating=4,
            channel="EMAIL",
            occurred_at="2026-11-27T11:00:00+08:00",
            source="callback-center",
            employee_external_id="E1103",
            external_id="cb-batch-7-1",
        )
    ]
    await ingest_once(
        actor=admin,
        kind="feedback",
        mode=IngestMode.ALL_OR_NOTHING.value,
        rows=batch,
        idempotency_key="callback-center-2026-11-27-7",
        ingest=lambda: record_feedback(actor=admin, feedback=batch, mode=IngestMode.ALL_OR_NOTHING),
    )
    return "two failed imports recorded"


def _no_rejections(report: Any, what: str) -> None:
    if report.rejected:
        first = report.rejected[0]
        raise RuntimeError(
            f"demo {what} rejected at row {first.index}: {first.field}: {first.message}"
        )


async def build_demo(
    *, actor: Actor, settings: Settings, progress: Progress, say: Callable[[str], None]
) -> str:
    """Build the demo in the configured (migrated) database; returns what happened."""
    existing = await Cycle.get_or_none(code=DEMO_CYCLE_CODE)
    if existing is not None and existing.state is not CycleState.DRAFT:
        return (
            f"A demo is already there (cycle {DEMO_CYCLE_CODE} is "
            f"{existing.state.value}); it was left as it is."
        )
    # A DRAFT demo cycle means an earlier run stopped half-way: every step below is
    # idempotent, so finishing it is the same as starting again.
    say("Organisation, KPIs and the cycle's scorecards...")
    await apply_config(actor=actor, config=demo_config())
    say("Sign-ins...")
    for sign_in in DEMO_SIGN_INS:
        if not await User.exists(email=sign_in.email):
            await create_user(
                actor=actor,
                email=sign_in.email,
                access=sign_in.access,
                password=sign_in.password,
                settings=settings,
                employee_external_id=sign_in.employee_external_id,
            )
    people = demo_people()
    past_rows = await _past_quarter(actor=actor, people=people, progress=progress, say=say)
    data = generate_demo_data(people)
    # Recorded while the cycle is DRAFT: no scores yet, so nothing is recomputed per batch;
    # activating the cycle then scores everyone once.
    feedback = await _ingest(
        data.feedback, feedback=True, actor=actor, progress=progress, label="customer feedback"
    )
    observations = await _ingest(
        data.observations, feedback=False, actor=actor, progress=progress, label="observations"
    )
    say(f"Activating {DEMO_CYCLE_CODE}...")
    await transition_cycle(
        actor=actor,
        cycle_code=DEMO_CYCLE_CODE,
        to=CycleState.ACTIVE.value,
        reason="Demo quarter starts.",
    )
    reviews = demo_reviews(people, data.skill)
    _no_rejections(await submit_reviews(actor=actor, reviews=reviews), "review")
    trials = await _trials(actor=actor, say=say)
    trials += "; " + await _trend_months(actor=actor, say=say)
    corrections = await _corrections(people=people)
    say("Goals...")
    goals = await _goals(actor=actor, people=people)
    say("Check-ins...")
    check_ins = await _check_ins(people=people)
    say("Development plans...")
    development = await _development(actor=actor)
    development += "; " + await _goal_links()
    say(await demo_recognition())
    say("Role models, best practice and sessions...")
    development += "; " + await demo_role_models(actor=actor, open_cycle_code=DEMO_CYCLE_CODE)
    failures = await _failed_imports()
    return (
        f"Demo organisation ready: {len(people)} employees in 3 teams, "
        f"{feedback:,} customer ratings and {observations:,} other observations, "
        f"{len(reviews)} reviews, {goals} goals, {check_ins} check-ins on the hotline every "
        f"two weeks; cycle {DEMO_CYCLE_CODE} is ACTIVE ({corrections}); "
        f"{PAST_CYCLE_CODE} is FINALIZED with {past_rows:,} rows of its own; {trials}; "
        f"{development}; {failures}."
    )

"""The demo's role models, best-practice notes and knowledge-sharing sessions
(docs/role-models.md), called once by service/demo.py `build_demo`.

For each team, the two people who are role models on the most lines of the finalised
quarter (the comparable previous cycle of the running one) take turns writing a note on
each line they lead; on a line neither leads, its first role model writes one (so every agent finds
a note beside each of their lines). The first of the two chooses to be named to
colleagues, the second does not. One session has taken place (a week and a half ago, the
demo employee attended it and put it in their plan) and one is still to come.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.connection import get_connection

from service.models import AccessLevel, BestPracticeNote, Cycle, Employee, KnowledgeSession, Team
from service.usecases.actor import Actor
from service.usecases.people.best_practice import share_best_practice
from service.usecases.people.development import ItemInput, add_development_item
from service.usecases.people.role_models import ranked_role_models, set_role_model_opt_in
from service.usecases.people.sessions import SessionInput, attend_session, schedule_session
from service.usecases.periods import comparable_previous

# Which of each KPI's texts a team's role models write (the hotline's, the field's, the
# front desk's).
VOICE = {"hotline": 0, "field": 1, "front-desk": 2}
# What role models say, per KPI, in each team's voice; other KPIs get the general ones.
NOTES = {
    "csat": (
        "每通电话结束前，我都会用客户自己的话复述一遍问题，确认已经解决了再挂断。",
        "Before I leave a site I show the customer what I fixed and how to spot it early.",
        "客人离开前台前，我会再问一句“还有什么我能帮您的吗？”",
    ),
    "first_response_minutes": (
        "我把最常见的十个问题做成了快捷回复模板，先回一句再细查，客户不用干等。",
        "I answer the dispatch message first, then check the parts list.",
        "排队的客人我先打个招呼，告诉他们大概要等多久。",
    ),
    "complaints": (
        "遇到账单问题，我先逐行和客户一起看账单，再解释原因，很少有人还要投诉。",
        "When a visit runs late I call ahead myself instead of letting the customer wait.",
        "客人不满意时，我先道歉，再当场给出一个能做到的解决办法。",
    ),
    "task_completion": (
        "出门前我会按工单再核对一次备件清单，到现场尽量一次修好。",
        "I check the parts list against the ticket before I drive out: one visit, one fix.",
        "每天下班前我把没办完的事写在交接本上。",
    ),
    "order_accuracy": (
        "每张单子交出去之前，我都会和客户当面把内容念一遍。",
        "I read the order back to the customer before I close it.",
        "每张单子交出去之前，我都会和客人当面把内容念一遍。",
    ),
}
GENERAL = (
    "我每周五花十分钟回看本周的记录，挑一件做得不好的事，下周专门改进。",
    "Every Friday I look back at one job that went badly and plan how to do it better.",
    "我每周五花十分钟回看本周的记录，挑一件事下周改进。",
)
ZONE = ZoneInfo("Asia/Shanghai")


def _employee_actor(employee: Employee) -> Actor:
    return Actor(label=f"demo:{employee.external_id}", access=AccessLevel.EMPLOYEE,
                 employee_id=employee.id)  # fmt: skip


async def _notes(*, actor: Actor, open_cycle: Cycle) -> int:
    conn = get_connection("default")
    previous = await comparable_previous(conn, open_cycle)
    if previous is None:
        return 0
    written = 0
    for team in await Team.all().order_by("code"):
        turn = VOICE.get(team.code, 0)
        ranked = await ranked_role_models(conn, team_id=team.id, cycle_id=previous.id)
        if not ranked:
            continue
        lines = Counter(m.employee_id for found in ranked.values() for m in found)
        chosen = [pk for pk, _n in sorted(lines.items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
        people = {e.id: e for e in await Employee.filter(id__in=[
            m.employee_id for found in ranked.values() for m in found])}  # fmt: skip
        by_author: Counter[int] = Counter()
        for code, found in ranked.items():
            ids = [m.employee_id for m in found]
            # The two take turns: whichever of them leads this line and wrote fewer.
            leading = sorted((pk for pk in chosen if pk in ids), key=lambda pk: by_author[pk])
            author = leading[0] if leading else (ids[0] if ids else None)
            if author is None:
                continue
            by_author[author] += 1
            await share_best_practice(
                actor=actor,
                kpi_code=code,
                text=NOTES.get(code, GENERAL)[turn % 3],
                author_external_id=people[author].external_id,
            )
            written += 1
        if chosen:
            await set_role_model_opt_in(actor=_employee_actor(people[chosen[0]]), opted_in=True)
    return written


async def _sessions(*, actor: Actor) -> str:
    today = datetime.now(UTC).astimezone(ZONE).date()
    presenters = ("E1101",)
    past = await schedule_session(
        actor=actor,
        session=SessionInput(
            title="How we keep callers from waiting",
            description="Quick replies first, details after: the hotline's role models show "
            "their templates.",
            starts_at=datetime.combine(today - timedelta(days=10), time(14), tzinfo=ZONE),
            presenter_external_ids=presenters,
            kpi_codes=("first_response_minutes",),
            place="Shanghai office, room 3",
        ),
    )
    await schedule_session(
        actor=actor,
        session=SessionInput(
            title="Explaining a bill line by line",
            starts_at=datetime.combine(today + timedelta(days=12), time(15), tzinfo=ZONE),
            presenter_external_ids=("E1102",),
            kpi_codes=("complaints",),
            link="https://meet.example.com/bills",
            length_minutes=45,
        ),
    )
    await attend_session(actor=actor, session_id=past.id, employee_external_id="E1103")
    await add_development_item(
        actor=actor,
        employee_external_id="E1103",
        item=ItemInput(
            action="SESSION",
            focus_kpi_code="first_response_minutes",
            session_id=past.id,
            due_on=today + timedelta(days=30),
            status="DONE",
        ),
        today=today,
    )
    return "one past and one upcoming knowledge-sharing session"


async def demo_role_models(*, actor: Actor, open_cycle_code: str) -> str:
    """Idempotent: nothing is added once the demo has notes."""
    if await BestPracticeNote.exists():
        return "role models' notes were there already"
    cycle = await Cycle.get(code=open_cycle_code)
    written = await _notes(actor=actor, open_cycle=cycle)
    sessions = "" if await KnowledgeSession.exists() else await _sessions(actor=actor)
    return f"{written} best-practice notes by two role models per team; {sessions}"

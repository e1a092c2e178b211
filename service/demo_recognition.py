"""The demo's recognition (docs/recognition.md): eight weeks of colleagues thanking each
other in every team, the hotline busiest; some made private by their receivers; one pair
on the front desk who mostly thank each other (the admins' trading flag); and one
customer's praise the hotline lead turned into a recognition.

Deterministic (a seeded generator) and built through the use cases, like the rest of the
demo (service/demo.py calls `demo_recognition` once).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from tortoise.connection import get_connection

from service.errors import ValidationFailed
from service.models import AccessLevel, Employee, Kpi, Recognition, Team, User
from service.usecases.accounts.auth import actor_for
from service.usecases.actor import Actor
from service.usecases.people.recognition import (
    customer_praise_of,
    give_recognition,
    recognize_customer_praise,
    set_recognition_visibility,
)

SEED = 20261207
FIRST_WEEK = date(2026, 10, 5)
WEEKS = 8
PER_WEEK = {"hotline": 6, "field": 3, "front-desk": 3}
MESSAGES = (
    ("Took three of my callbacks when the queue spiked.", None, "teamwork"),
    ("Explained the new refund rule so clearly the whole team uses your wording.", None, "clarity"),
    ("Stayed calm with a very upset caller and solved it first time.", "csat", None),
    ("Answered every ticket within minutes during the outage.", "first_response_minutes", None),
    ("Showed me how to close a ticket without a second visit.", None, "mentoring"),
    ("Double-checked my order and caught a wrong address.", None, "care"),
    ("Covered my shift at short notice.", None, "teamwork"),
    ("Your notes on the tricky case saved me an hour.", None, "knowledge sharing"),
)
TRADING_PAIR = ("E1301", "E1302")
MARKER = "Thank you for the tip on the booking screen!"


def _actor(person: Employee, users: dict[int, User]) -> Actor:
    user = users.get(person.id)
    if user is not None:
        return actor_for(user)
    return Actor(label=person.name, access=AccessLevel.EMPLOYEE, employee_id=person.id)


async def demo_recognition() -> str:
    """Idempotent: a demo that has it already is left as it is."""
    if await Recognition.exists():
        return "Recognition was there already."
    rng = random.Random(SEED)
    users = {
        u.employee_id: u
        for u in await User.filter(employee_id__isnull=False)
        if u.employee_id is not None
    }
    kpis = {k.code for k in await Kpi.all()}
    teams = {t.code: t for t in await Team.all()}
    # Drawn first, then given in time order: ids follow time, as they do when people
    # give them at the moment they write them.
    planned: list[tuple[datetime, Employee, Employee, str, str | None, str | None, bool]] = []
    for team_code, per_week in PER_WEEK.items():
        team = teams.get(team_code)
        if team is None:
            continue
        members = [
            e
            for e in await Employee.filter(team_id=team.id).order_by("external_id")
            if e.hired_on <= FIRST_WEEK and (e.left_on is None or e.left_on > FIRST_WEEK)
        ]
        if len(members) < 2:
            continue
        for week in range(WEEKS):
            for n in range(per_week):
                giver, receiver = rng.sample(members, 2)
                message, kpi, tag = MESSAGES[rng.randrange(len(MESSAGES))]
                moment = datetime.combine(
                    FIRST_WEEK + timedelta(days=7 * week + n % 5), datetime.min.time(), UTC
                ) + timedelta(hours=2 + n)
                kept_private = rng.random() < 0.15
                planned.append((moment, giver, receiver, message, kpi, tag, kept_private))
    people = {e.external_id: e for e in await Employee.filter(external_id__in=TRADING_PAIR)}
    if len(people) == 2:
        first, second = (people[code] for code in TRADING_PAIR)
        for week in range(4):
            moment = datetime(2026, 11, 2, 3, tzinfo=UTC) + timedelta(days=7 * week)
            planned.append((moment, first, second, MARKER, None, "helpful", False))
            planned.append((moment, second, first, MARKER, None, "helpful", False))
    given = private = 0
    for moment, giver, receiver, message, kpi, tag, kept_private in sorted(
        planned, key=lambda p: (p[0], p[1].id, p[2].id)
    ):
        try:
            row = await give_recognition(
                actor=_actor(giver, users),
                receiver_external_id=receiver.external_id,
                message=message,
                kpi_code=kpi if kpi in kpis else None,
                value_tag=tag,
                now=moment,
            )
        except ValidationFailed:  # the weekly limit: the generator drew a pair again
            continue
        given += 1
        if kept_private:
            await set_recognition_visibility(
                actor=_actor(receiver, users), recognition_id=row.id, visibility="PRIVATE"
            )
            private += 1
    praise = 0
    lead = await Employee.get_or_none(external_id="E1001")
    agent = await Employee.get_or_none(external_id="E1101")
    if lead is not None and agent is not None:
        offered = await customer_praise_of(get_connection("default"), agent)
        if offered:
            await recognize_customer_praise(
                actor=_actor(lead, users),
                observation_id=offered[0].id,
                now=datetime(2026, 11, 27, 10, tzinfo=UTC),
            )
            praise = 1
    return (
        f"Recognition: {given} given over {WEEKS} weeks ({private} made private), "
        f"{praise} from a customer's praise."
    )

"""Recognition: anyone with an employee record thanks a colleague, with a message and an
optional KPI or value tag. The receiver keeps it public (their team sees it) or makes it
private; admins hide an abusive one, with a reason. A manager turns a customer's
top-of-scale comment into a recognition with one click. Recognition never changes a
score: nothing here reads or writes one.

Who sees a recognition is service/usecases/accounts/access.py's `may_see_recognition`
and `wall_view`; the weekly limit and the trading rule are the pure functions of
service/usecases/people/recognition_rules.py. docs/recognition.md says it in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, Issue, NotFound, PermissionDenied, ValidationFailed
from service.models import (
    AccessLevel,
    Cycle,
    Employee,
    Kpi,
    Observation,
    Recognition,
    RecognitionVisibility,
)
from service.models.scaled import DEFAULT_RATING_SCALE
from service.sql import fetch_all, int_values, placeholders
from service.usecases.accounts.access import (
    WallView,
    led_team_ids,
    manager_ids_of,
    wall_view,
)
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.parsing import epoch_microseconds
from service.usecases.people.recognition_rules import (
    LIMIT_WINDOW_DAYS,
    MICROSECONDS_PER_DAY,
    TRADING_WINDOW_DAYS,
    TradingPair,
    limit_window_start_us,
    trading_pairs,
    within_weekly_limit,
)
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.aggregates import cycle_window_us
from service.usecases.setup.policy import load_policy

MAX_MESSAGE = 1_000
MAX_TAG = 40
MAX_REASON = 2_000


def given_at(row: Recognition) -> datetime:
    """When it was given, in UTC."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=row.given_at_us)


def _require_giver(actor: Actor) -> int:
    if actor.access is AccessLevel.INTEGRATION or actor.employee_id is None:
        raise PermissionDenied(
            "Recognition is given by a person: your account needs an employee record."
        )
    return actor.employee_id


def _checked_message(message: str, issues: list[Issue]) -> str:
    body = message.strip()
    if not body:
        issues.append(Issue.of("message", "say what you recognise them for", "REQUIRED"))
    elif len(body) > MAX_MESSAGE:
        issues.append(
            Issue.of(
                "message",
                "is {length} characters long; at most {most} fit",
                "TOO_LONG",
                length=len(body),
                most=MAX_MESSAGE,
            )
        )
    return body


def _checked_tag(value_tag: str | None, issues: list[Issue]) -> str | None:
    if value_tag is None or not value_tag.strip():
        return None
    tag = " ".join(value_tag.split()).lower()
    if len(tag) > MAX_TAG:
        issues.append(
            Issue.of(
                "valueTag",
                "is {length} characters long; a tag is a word or two, at most {most}",
                "TOO_LONG",
                length=len(tag),
                most=MAX_TAG,
            )
        )
    return tag


async def _employee(conn: BaseDBAsyncClient, external_id: str) -> Employee:
    employee = await Employee.get_or_none(external_id=external_id, using_db=conn)
    if employee is None:
        raise NotFound("No employee has the external id {id}.", id=external_id)
    return employee


async def _check_weekly_limit(
    conn: BaseDBAsyncClient, *, giver_id: int, receiver: Employee, now_us: int
) -> None:
    policy, _version = await load_policy(conn)
    most = policy.recognitions_per_colleague_per_week
    earlier = await int_values(
        Recognition.filter(
            giver_employee_id=giver_id,
            receiver_id=receiver.id,
            given_at_us__gte=limit_window_start_us(now_us),
        )
        .using_db(conn)
        .values_list("given_at_us", flat=True)
    )
    if not within_weekly_limit(earlier, now_us=now_us, most=most):
        raise ValidationFailed(
            [
                Issue.of(
                    "employeeExternalId",
                    "you have recognised {id} {most} times in the last {days} days, the "
                    "policy's most (recognitions_per_colleague_per_week); try again later",
                    "LIMIT_REACHED",
                    id=receiver.external_id,
                    most=most,
                    days=LIMIT_WINDOW_DAYS,
                )
            ]
        )


@retry_when_busy
async def give_recognition(
    *,
    actor: Actor,
    receiver_external_id: str,
    message: str,
    kpi_code: str | None = None,
    value_tag: str | None = None,
    now: datetime | None = None,
) -> Recognition:
    """Recognise a colleague: never oneself, at most the policy's number from one giver to
    one receiver in any rolling 7 days. Public (the receiver's team sees it) until the
    receiver makes it private."""
    giver_id = _require_giver(actor)
    issues: list[Issue] = []
    body = _checked_message(message, issues)
    tag = _checked_tag(value_tag, issues)
    if issues:
        raise ValidationFailed(issues)
    moment = now or datetime.now(UTC)
    now_us = epoch_microseconds(moment)
    async with in_transaction() as conn:
        receiver = await _employee(conn, receiver_external_id)
        if receiver.id == giver_id:
            raise ValidationFailed(
                [
                    Issue.of(
                        "employeeExternalId",
                        "you cannot recognise yourself; recognise a colleague",
                        "SELF",
                    )
                ]
            )
        kpi_id = None
        if kpi_code is not None and kpi_code.strip():
            kpi = await Kpi.get_or_none(code=kpi_code.strip(), using_db=conn)
            if kpi is None:
                raise ValidationFailed(
                    [Issue.of("kpiCode", "no KPI has the code {kpi}", "UNKNOWN_KPI", kpi=kpi_code)]
                )
            kpi_id = kpi.id
        # The giver's row, locked: two recognitions sent at once by one giver are counted
        # one after the other, so neither slips past the weekly limit.
        await Employee.select_for_update().using_db(conn).get(id=giver_id)
        await _check_weekly_limit(conn, giver_id=giver_id, receiver=receiver, now_us=now_us)
        row = await Recognition.create(
            using_db=conn,
            receiver_id=receiver.id,
            giver_employee_id=giver_id,
            giver_id=actor.user_id,
            giver_label=actor.label,
            message=body,
            kpi_id=kpi_id,
            value_tag=tag,
            visibility=RecognitionVisibility.PUBLIC,
            given_at_us=now_us,
        )
        await write_audit(
            conn,
            actor=actor,
            action="give_recognition",
            entity="recognition",
            entity_key=str(row.id),
            after={
                "receiver": receiver.external_id,
                "kpi": kpi_code,
                "value_tag": tag,
                "visibility": row.visibility.value,
            },
        )
        return row


def top_of_scale(kpi: Kpi) -> int:
    """The highest rating on the KPI's scale, scaled (1-5 when the KPI names none)."""
    if kpi.range_max is not None:
        return int(kpi.range_max)
    return DEFAULT_RATING_SCALE[1]


def is_customer_praise(observation: Observation, kpi: Kpi) -> bool:
    """A customer's rating (recorded by recordFeedback: it has a channel) at the top of
    the scale, with a comment, not voided."""
    return (
        observation.channel is not None
        and observation.employee_id is not None
        and observation.voided_at is None
        and bool((observation.comment or "").strip())
        and int(observation.value) == top_of_scale(kpi)
    )


@retry_when_busy
async def recognize_customer_praise(
    *, actor: Actor, observation_id: int, now: datetime | None = None
) -> Recognition:
    """A manager of the person (or an admin with an employee record) turns a customer's
    top-of-scale comment into a recognition, once. It carries the comment only, never the
    rating or the customer's details, and starts private."""
    giver_id = _require_giver(actor)
    now_us = epoch_microseconds(now or datetime.now(UTC))
    async with in_transaction() as conn:
        observation = await Observation.get_or_none(id=observation_id, using_db=conn)
        receiver = None
        if observation is not None and observation.employee_id is not None:
            receiver = await Employee.get_or_none(id=observation.employee_id, using_db=conn)
        managers = set() if receiver is None else await manager_ids_of(conn, receiver)
        manages = actor.is_admin or (
            actor.access is AccessLevel.MANAGER and actor.employee_id in managers
        )
        if observation is None or receiver is None or not manages:
            # One answer whether it is someone else's or does not exist: nothing leaks.
            raise PermissionDenied(
                "Customer feedback {id} is not a rating of someone you manage.", id=observation_id
            )
        if receiver.id == giver_id:
            raise PermissionDenied("Nobody turns praise of themselves into a recognition.")
        kpi = await Kpi.get(id=observation.kpi_id, using_db=conn)
        if observation.channel is None:
            raise ValidationFailed(
                [
                    Issue.of(
                        "observationId",
                        "is not customer feedback; only a customer's rating can be praise",
                        "NOT_FEEDBACK",
                    )
                ]
            )
        if not (observation.comment or "").strip():
            raise ValidationFailed(
                [Issue.of("observationId", "the rating has no comment to carry", "NO_COMMENT")]
            )
        if not is_customer_praise(observation, kpi):
            raise ValidationFailed(
                [
                    Issue.of(
                        "observationId",
                        "only a rating at the top of the scale is praise",
                        "NOT_TOP_OF_SCALE",
                    )
                ]
            )
        if await Recognition.filter(observation_id=observation.id).using_db(conn).exists():
            raise InvalidTransition(
                "This customer comment is a recognition already; it is made once."
            )
        try:
            row = await Recognition.create(
                using_db=conn,
                receiver_id=receiver.id,
                giver_employee_id=giver_id,
                giver_id=actor.user_id,
                giver_label=actor.label,
                message=(observation.comment or "").strip()[:MAX_MESSAGE],
                kpi_id=None,
                value_tag=None,
                visibility=RecognitionVisibility.PRIVATE,
                observation_id=observation.id,
                given_at_us=now_us,
            )
        except IntegrityError:  # the same comment, turned at the same moment elsewhere
            raise InvalidTransition(
                "This customer comment is a recognition already; it is made once."
            ) from None
        await write_audit(
            conn,
            actor=actor,
            action="recognize_customer_praise",
            entity="recognition",
            entity_key=str(row.id),
            after={"receiver": receiver.external_id, "observation": observation.id},
        )
        return row


async def _recognition_for_update(conn: BaseDBAsyncClient, recognition_id: int) -> Recognition:
    row = await Recognition.select_for_update().using_db(conn).get_or_none(id=recognition_id)
    if row is None:
        raise NotFound("No recognition has the id {id}.", id=recognition_id)
    return row


@retry_when_busy
async def set_recognition_visibility(
    *, actor: Actor, recognition_id: int, visibility: str
) -> Recognition:
    """The receiver keeps a recognition public (their team sees it) or makes it private."""
    try:
        wanted = RecognitionVisibility(visibility)
    except ValueError:
        raise ValidationFailed(
            [Issue.of("visibility", "must be PUBLIC or PRIVATE", "INVALID_CHOICE")]
        ) from None
    async with in_transaction() as conn:
        row = await _recognition_for_update(conn, recognition_id)
        if actor.employee_id is None or actor.employee_id != row.receiver_id:
            raise PermissionDenied("Only the person recognised decides whether their team sees it.")
        if row.hidden_at is not None:
            raise InvalidTransition("An admin hid this recognition; it stays hidden.")
        before = row.visibility
        if before is wanted:
            return row
        row.visibility = wanted
        await row.save(using_db=conn, update_fields=["visibility"])
        await write_audit(
            conn,
            actor=actor,
            action="set_recognition_visibility",
            entity="recognition",
            entity_key=str(row.id),
            before={"visibility": before.value},
            after={"visibility": wanted.value},
        )
        return row


@retry_when_busy
async def hide_recognition(
    *, actor: Actor, recognition_id: int, reason: str, now: datetime | None = None
) -> Recognition:
    """An admin hides a recognition, with a reason: only admins see it afterwards."""
    require_admin(actor)
    why = reason.strip()
    if not why:
        raise ValidationFailed([Issue.of("reason", "say why it is hidden", "REQUIRED")])
    if len(why) > MAX_REASON:
        raise ValidationFailed(
            [
                Issue.of(
                    "reason",
                    "is {length} characters long; at most {most} fit",
                    "TOO_LONG",
                    length=len(why),
                    most=MAX_REASON,
                )
            ]
        )
    async with in_transaction() as conn:
        row = await _recognition_for_update(conn, recognition_id)
        if row.hidden_at is not None:
            raise InvalidTransition("Recognition {id} is hidden already.", id=recognition_id)
        row.hidden_at = now or datetime.now(UTC)
        row.hidden_reason = why
        row.hidden_by_label = actor.label
        await row.save(
            using_db=conn, update_fields=["hidden_at", "hidden_reason", "hidden_by_label"]
        )
        await write_audit(
            conn,
            actor=actor,
            action="hide_recognition",
            entity="recognition",
            entity_key=str(row.id),
            before={"hidden": False},
            after={"hidden": True},
            reason=why,
        )
        return row


# --- reads: the wall, the counts, trading ---------------------------------------------


async def viewer_wall_view(conn: BaseDBAsyncClient, actor: Actor, team_id: int) -> WallView:
    viewer_team_id = None
    if actor.employee_id is not None:
        me = await Employee.get_or_none(id=actor.employee_id, using_db=conn)
        viewer_team_id = None if me is None else me.team_id
    led = set() if actor.is_admin else await led_team_ids(conn, actor.employee_id)
    return wall_view(actor, team_id=team_id, led_team_ids=led, viewer_team_id=viewer_team_id)


def wall_filter(view: WallView, viewer_id: int | None) -> tuple[str, list[object]]:
    """The SQL condition on `recognition r` that keeps what `view` shows (one rule with
    access.may_see_recognition, for the members of one team)."""
    if view is WallView.ADMIN:
        return "1 = 1", []
    if view is WallView.MANAGER:
        return "r.hidden_at IS NULL", []
    if view is WallView.MEMBER:
        return (
            "r.hidden_at IS NULL AND (r.visibility = ? OR r.giver_employee_id = ? "
            "OR r.receiver_id = ?)",
            [RecognitionVisibility.PUBLIC.value, viewer_id, viewer_id],
        )
    return "1 = 0", []


# (team id, rows wanted, the id the page starts after or None, view, viewer's employee id)
WallKey = tuple[int, int, int | None, WallView, int | None]


async def wall_pages(conn: BaseDBAsyncClient, keys: Iterable[WallKey]) -> dict[WallKey, list[int]]:
    """The ids on each team's wall page, newest first: one statement for every team that
    shares a page size, cursor and view (a window function pages each team's list)."""
    groups: dict[tuple[int, int | None, WallView, int | None], set[int]] = {}
    for team_id, size, after, view, viewer in keys:
        groups.setdefault((size, after, view, viewer), set()).add(team_id)
    found: dict[WallKey, list[int]] = {}
    for (size, after, view, viewer), team_set in groups.items():
        teams = sorted(team_set)
        condition, params = wall_filter(view, viewer)
        where = f"e.team_id IN ({placeholders(len(teams))}) AND {condition}"
        values: list[object] = [*teams, *params]
        if after is not None:
            where += " AND r.id < ?"
            values.append(after)
        rows = await fetch_all(
            conn,
            "SELECT id, team_id FROM (SELECT r.id AS id, e.team_id AS team_id, ROW_NUMBER() "
            "OVER (PARTITION BY e.team_id ORDER BY r.id DESC) AS place FROM recognition r "
            f"JOIN employee e ON e.id = r.receiver_id WHERE {where}) ranked "
            "WHERE place <= ? ORDER BY id DESC",
            [*values, size],
        )
        by_team: dict[int, list[int]] = {}
        for row in rows:
            by_team.setdefault(int(row["team_id"]), []).append(int(row["id"]))
        for team_id in teams:
            found[(team_id, size, after, view, viewer)] = by_team.get(team_id, [])
    return found


async def wall_page(
    conn: BaseDBAsyncClient, *, actor: Actor, team_id: int, size: int, after: int | None
) -> tuple[WallView, list[Recognition]]:
    """One page of a team's wall as the actor sees it (`size` + 1 rows tell whether more
    follow); refused to anyone outside the team who does not manage it."""
    view = await viewer_wall_view(conn, actor, team_id)
    if view is WallView.NONE:
        raise PermissionDenied(
            "A team's recognition wall is seen by its members, its managers and admins."
        )
    key: WallKey = (team_id, size, after, view, actor.employee_id)
    ids = (await wall_pages(conn, [key]))[key]
    rows = await Recognition.filter(id__in=ids).using_db(conn).order_by("-id") if ids else []
    return view, list(rows)


async def recognition_counts(
    conn: BaseDBAsyncClient, *, actor: Actor, team_id: int, cycle: Cycle
) -> dict[int, int]:
    """Recognitions each member of the team received in the cycle's days, counting only
    what the actor may see on the wall (a colleague's private ones are not counted)."""
    view = await viewer_wall_view(conn, actor, team_id)
    if view is WallView.NONE:
        return {}
    policy, _version = await load_policy(conn)
    start_us, end_us = cycle_window_us(cycle, policy)
    condition, params = wall_filter(view, actor.employee_id)
    rows = await fetch_all(
        conn,
        "SELECT r.receiver_id AS receiver_id, COUNT(*) AS n FROM recognition r "
        "JOIN employee e ON e.id = r.receiver_id "
        f"WHERE e.team_id = ? AND r.given_at_us >= ? AND r.given_at_us < ? AND {condition} "
        "GROUP BY r.receiver_id",
        [team_id, start_us, end_us, *params],
    )
    return {int(row["receiver_id"]): int(row["n"]) for row in rows}


@dataclass(frozen=True, slots=True)
class TradingFlag:
    pair: TradingPair
    first: Employee
    second: Employee


async def trading_flags(*, actor: Actor, now: datetime | None = None) -> list[TradingFlag]:
    """Pairs who mostly recognise each other over the last TRADING_WINDOW_DAYS (the rule
    in recognition_rules.trading_pairs), for admins. Customer praise is the customer's
    word, not the giver's choice, and hidden ones are out: neither counts."""
    require_admin(actor)
    now_us = epoch_microseconds(now or datetime.now(UTC))
    start_us = now_us - TRADING_WINDOW_DAYS * MICROSECONDS_PER_DAY
    async with in_transaction() as conn:
        given = await (
            Recognition.filter(
                given_at_us__gt=start_us,
                given_at_us__lte=now_us,
                observation_id__isnull=True,
                hidden_at__isnull=True,
            )
            .using_db(conn)
            .values_list("giver_employee_id", "receiver_id")
        )
        pairs = trading_pairs((int(g), int(r)) for g, r in given)
        ids = {p.first for p in pairs} | {p.second for p in pairs}
        people = {e.id: e for e in await Employee.filter(id__in=list(ids)).using_db(conn)}
    return [TradingFlag(pair, people[pair.first], people[pair.second]) for pair in pairs]


async def customer_praise_of(conn: BaseDBAsyncClient, employee: Employee) -> list[Observation]:
    """The person's customer comments at the top of the scale not yet made a recognition,
    newest first: what a manager may turn into one."""
    made = set(
        await int_values(
            Recognition.filter(receiver_id=employee.id, observation_id__isnull=False)
            .using_db(conn)
            .values_list("observation_id", flat=True)
        )
    )
    rows = [
        row
        for row in await Observation.filter(
            employee_id=employee.id,
            channel__isnull=False,
            comment__isnull=False,
            voided_at__isnull=True,
        )
        .using_db(conn)
        .order_by("-occurred_at_us", "-id")
        .limit(200)
        if row.id not in made
    ]
    kpis = {k.id: k for k in await Kpi.filter(id__in=list({r.kpi_id for r in rows})).using_db(conn)}
    return [r for r in rows if is_customer_praise(r, kpis[r.kpi_id])]

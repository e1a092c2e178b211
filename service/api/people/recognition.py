"""Recognition in GraphQL: `Team.recognitions` (the team's wall), `Employee.recognitions`,
`Employee.recognitionsGiven`, `recognitionTradingFlags` (admins), `giveRecognition`,
`setRecognitionVisibility`, `hideRecognition` and `recognizeCustomerPraise`. Who sees one is
service/usecases/accounts/access.py's `may_see_recognition` and `wall_view`;
nothing here carries a score."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from service.api.context import Info, admins, readers
from service.api.enums import describe_values
from service.api.errors import UNION_DESCRIPTION, CommonError, errors_as_data
from service.api.ids import ClientError, Node, encode_cursor, global_id, parse_global_id
from service.api.pagination import Keyset, PageInfo, connection, desc, page_size
from service.api.people.checkins import ID_DESCRIPTION, manager_ids
from service.api.setup.people import Employee, Team, person_seen
from service.errors import PermissionDenied
from service.models import Recognition as RecognitionRow
from service.models import RecognitionVisibility
from service.usecases.accounts.access import (
    WallView,
    may_see_recognition,
    team_and_descendants,
    wall_view,
)
from service.usecases.people import recognition as recognition_cases
from service.usecases.people.recognition_rules import TRADING_MIN_EACH_WAY, TRADING_WINDOW_DAYS

RECOGNITION_ORDER = Keyset(desc("id"))  # newest first

strawberry.enum(
    RecognitionVisibility,
    name="RecognitionVisibility",
    description="Who sees a recognition besides the giver, the receiver, the receiver's "
    "managers and admins.",
)
describe_values(
    RecognitionVisibility,
    {
        "PUBLIC": "The receiver's team sees it too (the default).",
        "PRIVATE": "Only the giver, the receiver, the receiver's managers and admins.",
    },
)


@strawberry.type(
    description="A colleague's thanks: a message with an optional KPI or value tag. It never "
    "changes a score and carries none. Seen by the giver, the receiver, the receiver's "
    "managers and admins, and by the receiver's team while it is PUBLIC."
)
class Recognition(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    message: str = strawberry.field(
        description="What the giver says (for customer praise: the customer's comment only)."
    )
    value_tag: str | None = strawberry.field(
        description="A short free tag, e.g. `teamwork`; null when none."
    )
    visibility: RecognitionVisibility = strawberry.field(
        description="PUBLIC (the receiver's team sees it) or PRIVATE; the receiver decides."
    )
    from_customer_praise: bool = strawberry.field(
        description="Whether a manager made it from a customer's top rating (the rating and "
        "the customer are never shown)."
    )
    given_at: datetime = strawberry.field(description="When it was given.")
    hidden: bool = strawberry.field(
        description="Whether an admin hid it (then only admins see it)."
    )
    row: strawberry.Private[RecognitionRow]

    @classmethod
    def from_row(cls, row: RecognitionRow) -> Recognition:
        return cls(
            id=strawberry.ID(global_id("Recognition", row.id)),
            message=row.message,
            value_tag=row.value_tag,
            visibility=row.visibility,
            from_customer_praise=row.observation_id is not None,
            given_at=recognition_cases.given_at(row),
            hidden=row.hidden_at is not None,
            row=row,
        )

    @strawberry.field(description="The receiver's name (names are shown on the team's wall).")
    async def receiver_name(self, info: Info) -> str:
        row = await info.context.loaders.employee.load(self.row.receiver_id)
        return "" if row is None else row.name

    @strawberry.field(description="The giver's name.")
    async def giver_name(self, info: Info) -> str:
        row = await info.context.loaders.employee.load(self.row.giver_employee_id)
        return self.row.giver_label if row is None else row.name

    @strawberry.field(
        description="The receiver as an Employee; null unless you may see their record "
        "(yourself, people you manage, anyone for an admin)."
    )
    async def receiver(self, info: Info) -> Employee | None:
        return await person_seen(
            info, await info.context.loaders.employee.load(self.row.receiver_id)
        )

    @strawberry.field(description="The giver as an Employee; null unless you may see their record.")
    async def giver(self, info: Info) -> Employee | None:
        return await person_seen(
            info, await info.context.loaders.employee.load(self.row.giver_employee_id)
        )

    @strawberry.field(description="The KPI it is tagged with, by code; null when none.")
    async def kpi_code(self, info: Info) -> str | None:
        if self.row.kpi_id is None:
            return None
        row = await info.context.loaders.kpi.load(self.row.kpi_id)
        return None if row is None else row.code

    @strawberry.field(description="Why an admin hid it: for admins only, null for anyone else.")
    def hidden_reason(self, info: Info) -> str | None:
        return self.row.hidden_reason if info.context.actor_checked.is_admin else None


@strawberry.type(description="A recognition and its cursor.")
class RecognitionEdge:
    node: Recognition = strawberry.field(description="The recognition.")
    cursor: str = strawberry.field(description="Pass it as `after` for the rows that follow.")


@strawberry.type(description="A page of recognitions, newest first.")
class RecognitionConnection:
    edges: list[RecognitionEdge] = strawberry.field(
        description="The recognitions with their cursors."
    )
    page_info: PageInfo = strawberry.field(description="Where the page sits in the list.")

    @strawberry.field(description="The recognitions alone.")
    def nodes(self) -> list[Recognition]:
        return [edge.node for edge in self.edges]


def _page(rows: list[RecognitionRow], size: int) -> RecognitionConnection:
    page = connection(rows, size, RECOGNITION_ORDER.key, Recognition.from_row)
    return RecognitionConnection(
        edges=[RecognitionEdge(node=e.node, cursor=e.cursor) for e in page.edges],
        page_info=page.page_info,
    )


def _after_id(after: str | None) -> int | None:
    return None if after is None else int(RECOGNITION_ORDER.decode(after)[0])


async def _viewer_team(info: Info) -> int | None:
    employee_id = info.context.actor_checked.employee_id
    if employee_id is None:
        return None
    me = await info.context.loaders.employee.load(employee_id)
    return None if me is None else me.team_id


async def team_recognitions(
    info: Info, team: Team, first: int | None, after: str | None
) -> RecognitionConnection:
    """The team's wall: its members' recognitions the viewer may see, newest first."""
    actor = info.context.actor_checked
    size = page_size(first, info.context.settings.max_page_size)
    teams = await info.context.loaders.all_teams.load(0)
    led = {t.id for t in teams if t.lead_id is not None and t.lead_id == actor.employee_id}
    view = wall_view(
        actor,
        team_id=team.pk,
        led_team_ids=team_and_descendants(led, {t.id: t.parent_id for t in teams}),
        viewer_team_id=await _viewer_team(info),
    )
    if view is WallView.NONE:
        raise ClientError(
            "A team's recognition wall is seen by its members, its managers and admins.",
            "FORBIDDEN",
        )
    rows = await info.context.loaders.recognition.wall.load(
        (team.pk, size + 1, _after_id(after), view, actor.employee_id)
    )
    return _page(rows, size)


async def employee_recognitions(
    info: Info, employee: Employee, first: int | None, after: str | None
) -> RecognitionConnection:
    """What the person received: for themselves, their managers and admins (who alone may
    reach the Employee); hidden ones for admins only."""
    actor = info.context.actor_checked
    size = page_size(first, info.context.settings.max_page_size)
    managers = await manager_ids(info, employee.pk, employee.team_pk)
    rows = await info.context.loaders.recognition.received.load(
        (employee.pk, size + 1, _after_id(after), actor.is_admin)
    )
    viewer_team = await _viewer_team(info)
    for row in rows:
        if not may_see_recognition(
            actor,
            receiver_id=row.receiver_id,
            receiver_team_id=employee.team_pk,
            giver_employee_id=row.giver_employee_id,
            manager_ids=managers,
            public=row.visibility is RecognitionVisibility.PUBLIC,
            hidden=row.hidden_at is not None,
            viewer_team_id=viewer_team,
        ):
            raise ClientError("You may not see this person's recognitions.", "FORBIDDEN")
    return _page(rows, size)


async def employee_recognitions_given(
    info: Info, employee: Employee, first: int | None, after: str | None
) -> RecognitionConnection:
    """What the person gave, newest first: the Employee is reached only by the person,
    their managers and admins; each row is then shown as `may_see_recognition` lets the
    viewer see it (a receiver's private one stays with its readers), so a page may hold
    fewer than `first` rows while `hasNextPage` and `endCursor` still page through all."""
    actor = info.context.actor_checked
    size = page_size(first, info.context.settings.max_page_size)
    rows = await info.context.loaders.recognition.given.load(
        (employee.pk, size + 1, _after_id(after), actor.is_admin)
    )
    viewer_team = await _viewer_team(info)
    scanned = rows[:size]
    receivers = await info.context.loaders.employee.load_many([r.receiver_id for r in scanned])
    shown: list[RecognitionRow] = []
    for row, receiver in zip(scanned, receivers, strict=True):
        team_id = None if receiver is None else receiver.team_id
        if may_see_recognition(
            actor,
            receiver_id=row.receiver_id,
            receiver_team_id=team_id,
            giver_employee_id=row.giver_employee_id,
            manager_ids=await manager_ids(info, row.receiver_id, team_id),
            public=row.visibility is RecognitionVisibility.PUBLIC,
            hidden=row.hidden_at is not None,
            viewer_team_id=viewer_team,
        ):
            shown.append(row)
    page = _page(shown, len(shown))
    page.page_info = PageInfo(
        has_next_page=len(rows) > size,
        end_cursor=encode_cursor(RECOGNITION_ORDER.key(scanned[-1])) if scanned else None,
        has_previous_page=False,
        start_cursor=page.page_info.start_cursor,
    )
    return page


async def recognition_node(info: Info, pk: int) -> Recognition | None:
    row = await RecognitionRow.get_or_none(id=pk)
    if row is None:
        return None
    receiver = await info.context.loaders.employee.load(row.receiver_id)
    assert receiver is not None
    if not may_see_recognition(
        info.context.actor_checked,
        receiver_id=row.receiver_id,
        receiver_team_id=receiver.team_id,
        giver_employee_id=row.giver_employee_id,
        manager_ids=await manager_ids(info, receiver.id, receiver.team_id),
        public=row.visibility is RecognitionVisibility.PUBLIC,
        hidden=row.hidden_at is not None,
        viewer_team_id=await _viewer_team(info),
    ):
        raise ClientError("You may not see this recognition.", "FORBIDDEN")
    return Recognition.from_row(row)


@strawberry.type(
    description="Two people who mostly recognise each other (docs/recognition.md, Trading): "
    f"over the last {TRADING_WINDOW_DAYS} days, leaving out hidden recognitions and customer "
    f"praise, each gave the other at least {TRADING_MIN_EACH_WAY} and more than half of "
    "everything they gave. Information for admins; it changes nothing by itself."
)
class RecognitionTradingFlag:
    first: Employee = strawberry.field(description="The one of the pair with the lower id.")
    second: Employee = strawberry.field(description="The other one.")
    first_to_second: int = strawberry.field(description="How many `first` gave `second`.")
    second_to_first: int = strawberry.field(description="How many `second` gave `first`.")
    first_gave: int = strawberry.field(description="Everything `first` gave in the window.")
    second_gave: int = strawberry.field(description="Everything `second` gave in the window.")


@strawberry.type
class RecognitionQuery:
    @strawberry.field(
        description="The pairs who mostly recognise each other, lower employee id first "
        "(the rule on the admin's Recognition page). Admins only: FORBIDDEN to anyone else.",
        extensions=[admins()],
    )
    async def recognition_trading_flags(self, info: Info) -> list[RecognitionTradingFlag]:
        try:
            flags = await recognition_cases.trading_flags(actor=info.context.actor_checked)
        except PermissionDenied as refused:
            raise ClientError(refused.message, "FORBIDDEN") from None
        return [
            RecognitionTradingFlag(
                first=Employee.from_row(flag.first),
                second=Employee.from_row(flag.second),
                first_to_second=flag.pair.first_to_second,
                second_to_first=flag.pair.second_to_first,
                first_gave=flag.pair.first_gave,
                second_gave=flag.pair.second_gave,
            )
            for flag in flags
        ]


GiveRecognitionResult = Annotated[
    Recognition | CommonError,
    strawberry.union("GiveRecognitionResult", description=UNION_DESCRIPTION),
]
SetRecognitionVisibilityResult = Annotated[
    Recognition | CommonError,
    strawberry.union("SetRecognitionVisibilityResult", description=UNION_DESCRIPTION),
]
HideRecognitionResult = Annotated[
    Recognition | CommonError,
    strawberry.union("HideRecognitionResult", description=UNION_DESCRIPTION),
]
RecognizeCustomerPraiseResult = Annotated[
    Recognition | CommonError,
    strawberry.union("RecognizeCustomerPraiseResult", description=UNION_DESCRIPTION),
]


@strawberry.type
class RecognitionMutations:
    @strawberry.mutation(
        description="Recognise a colleague with a message and an optional KPI or value tag. "
        "Never yourself; at most the policy's `recognitionsPerColleaguePerWeek` (default 3) "
        "to one person in any rolling 7 days. Public to the receiver's team until they make "
        "it private. It never changes a score.",
        extensions=[readers()],
    )
    @errors_as_data
    async def give_recognition(
        self,
        info: Info,
        employee_external_id: Annotated[
            str, strawberry.argument(description="The colleague you recognise.")
        ],
        message: Annotated[
            str, strawberry.argument(description="What for, at most 1,000 characters.")
        ],
        kpi_code: Annotated[
            str | None, strawberry.argument(description="A KPI it is about, by code.")
        ] = None,
        value_tag: Annotated[
            str | None,
            strawberry.argument(description="A short free tag, e.g. `teamwork` (at most 40)."),
        ] = None,
    ) -> GiveRecognitionResult:
        row = await recognition_cases.give_recognition(
            actor=info.context.actor_checked,
            receiver_external_id=employee_external_id,
            message=message,
            kpi_code=kpi_code,
            value_tag=value_tag,
        )
        return Recognition.from_row(row)

    @strawberry.mutation(
        description="The receiver keeps a recognition PUBLIC (their team sees it) or makes it "
        "PRIVATE.",
        extensions=[readers()],
    )
    @errors_as_data
    async def set_recognition_visibility(
        self,
        info: Info,
        recognition_id: Annotated[
            strawberry.ID, strawberry.argument(description="A recognition you received.")
        ],
        visibility: Annotated[
            RecognitionVisibility, strawberry.argument(description="PUBLIC or PRIVATE.")
        ],
    ) -> SetRecognitionVisibilityResult:
        _type, pk = parse_global_id(recognition_id, "Recognition")
        row = await recognition_cases.set_recognition_visibility(
            actor=info.context.actor_checked, recognition_id=pk, visibility=visibility.value
        )
        return Recognition.from_row(row)

    @strawberry.mutation(
        description="An admin hides a recognition, with a reason (audited); then only admins "
        "see it.",
        extensions=[admins()],
    )
    @errors_as_data
    async def hide_recognition(
        self,
        info: Info,
        recognition_id: Annotated[
            strawberry.ID, strawberry.argument(description="The recognition to hide.")
        ],
        reason: Annotated[str, strawberry.argument(description="Why; it goes to the audit log.")],
    ) -> HideRecognitionResult:
        _type, pk = parse_global_id(recognition_id, "Recognition")
        row = await recognition_cases.hide_recognition(
            actor=info.context.actor_checked, recognition_id=pk, reason=reason
        )
        return Recognition.from_row(row)

    @strawberry.mutation(
        description="A manager of the person turns a customer's top-of-scale rating with a "
        "comment into a recognition, once. It carries the comment only, never the rating or "
        "the customer's details, and starts PRIVATE.",
        extensions=[readers()],
    )
    @errors_as_data
    async def recognize_customer_praise(
        self,
        info: Info,
        observation_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The customer's rating (an Observation)."),
        ],
    ) -> RecognizeCustomerPraiseResult:
        _type, pk = parse_global_id(observation_id, "Observation")
        row = await recognition_cases.recognize_customer_praise(
            actor=info.context.actor_checked, observation_id=pk
        )
        return Recognition.from_row(row)

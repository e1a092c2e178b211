"""Feedback notes in GraphQL (`FeedbackNote`: not customer feedback, which is
`recordFeedback`): `Employee.feedbackNotes`, `giveFeedbackNote`, `hideFeedbackNote`.
Who sees a note is service/usecases/accounts/access.py `may_see_feedback_note`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from service.api.context import Info, admins, readers
from service.api.enums import describe_values
from service.api.errors import UNION_DESCRIPTION, CommonError, errors_as_data
from service.api.ids import ClientError, Node, global_id, parse_global_id
from service.api.pagination import Keyset, PageInfo, connection, desc, page_size
from service.api.people.checkins import ID_DESCRIPTION, manager_ids
from service.api.people.goals import Goal, goal_seen
from service.api.scoring.scores import ObservationNode, observation_node
from service.api.setup.people import Employee, person_seen
from service.models import FeedbackKind
from service.models import FeedbackNote as FeedbackNoteRow
from service.usecases.accounts.access import may_see_feedback_note
from service.usecases.people import feedback_notes

NOTE_ORDER = Keyset(desc("id"))  # newest first

strawberry.enum(
    FeedbackKind,
    name="FeedbackKind",
    description="What a feedback note says: PRAISE (what went well) or SUGGESTION (what to "
    "improve).",
)
describe_values(
    FeedbackKind,
    {"PRAISE": "What went well.", "SUGGESTION": "What to improve."},
)


@strawberry.type(
    description="Short feedback on a person between check-ins, from a manager or (where the "
    "policy allows it) a colleague of the same team. Not customer feedback; it never changes "
    "a score. Seen by the person, the giver, the person's managers and admins."
)
class FeedbackNote(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    kind: FeedbackKind = strawberry.field(description="PRAISE or SUGGESTION.")
    text: str = strawberry.field(description="What the giver says.")
    line: int | None = strawberry.field(
        description="The score line it is about (1-based, in `cycle`), if any."
    )
    created_at: datetime = strawberry.field(description="When it was given.")
    hidden: bool = strawberry.field(
        description="Whether an admin hid it (then only admins see it)."
    )
    row: strawberry.Private[FeedbackNoteRow]

    @classmethod
    def from_row(cls, row: FeedbackNoteRow) -> FeedbackNote:
        return cls(
            id=strawberry.ID(global_id("FeedbackNote", row.id)),
            kind=row.kind,
            text=row.text,
            line=None if row.line_ordinal is None else row.line_ordinal + 1,
            created_at=row.created_at,
            hidden=row.hidden_at is not None,
            row=row,
        )

    @strawberry.field(description="The person the note is about; null if you may not see them.")
    async def employee(self, info: Info) -> Employee | None:
        return await person_seen(
            info, await info.context.loaders.employee.load(self.row.employee_id)
        )

    @strawberry.field(description="Who gave it; null if you may not see them.")
    async def giver(self, info: Info) -> Employee | None:
        if self.row.giver_employee_id is None:
            return None
        row = await info.context.loaders.employee.load(self.row.giver_employee_id)
        return await person_seen(info, row)

    @strawberry.field(description="The cycle of the score line it is about, if any.")
    async def cycle_code(self, info: Info) -> str | None:
        if self.row.cycle_id is None:
            return None
        row = await info.context.loaders.cycle.load(self.row.cycle_id)
        return None if row is None else row.code

    @strawberry.field(
        description="The customer comment (observation) it is about; null if none or if you may "
        "not see the person's observations."
    )
    async def observation(self, info: Info) -> ObservationNode | None:
        if self.row.observation_id is None or not await info.context.may_see(self.row.employee_id):
            return None
        row = await info.context.loaders.people.observation.load(self.row.observation_id)
        return None if row is None else observation_node(row)

    @strawberry.field(
        description="The goal it is about (the person's or their team's); null if none or if "
        "you may not see that goal.",
        extensions=[readers()],
    )
    async def goal(self, info: Info) -> Goal | None:
        if self.row.goal_id is None:
            return None
        return await goal_seen(info, self.row.goal_id)

    @strawberry.field(description="Why an admin hid it: for admins only, null for anyone else.")
    def hidden_reason(self, info: Info) -> str | None:
        return self.row.hidden_reason if info.context.actor_checked.is_admin else None


@strawberry.type(description="A feedback note and its cursor.")
class FeedbackNoteEdge:
    node: FeedbackNote = strawberry.field(description="The note.")
    cursor: str = strawberry.field(description="Pass it as `after` for the rows that follow.")


@strawberry.type(description="A page of feedback notes, newest first.")
class FeedbackNoteConnection:
    edges: list[FeedbackNoteEdge] = strawberry.field(description="The notes with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where the page sits in the list.")

    @strawberry.field(description="The notes alone.")
    def nodes(self) -> list[FeedbackNote]:
        return [edge.node for edge in self.edges]


async def feedback_notes_of(
    info: Info, employee: Employee, first: int | None, after: str | None
) -> FeedbackNoteConnection:
    size = page_size(first, info.context.settings.max_page_size)
    actor = info.context.actor_checked
    managers = await manager_ids(info, employee.pk, employee.team_pk)
    after_id = None if after is None else int(NOTE_ORDER.decode(after)[0])
    rows = await info.context.loaders.people.feedback_note_pages.load(
        (employee.pk, size + 1, after_id, actor.is_admin)
    )
    for row in rows:
        # Employee objects are built only for people the viewer may see; held here too.
        if not may_see_feedback_note(
            actor,
            employee_id=row.employee_id,
            giver_employee_id=row.giver_employee_id,
            manager_ids=managers,
            hidden=row.hidden_at is not None,
        ):
            raise ClientError("You may not see this person's feedback notes.", "FORBIDDEN")
    page = connection(rows, size, NOTE_ORDER.key, FeedbackNote.from_row)
    return FeedbackNoteConnection(
        edges=[FeedbackNoteEdge(node=e.node, cursor=e.cursor) for e in page.edges],
        page_info=page.page_info,
    )


async def feedback_note_node(info: Info, pk: int) -> FeedbackNote | None:
    row = await FeedbackNoteRow.get_or_none(id=pk)
    if row is None:
        return None
    employee = await info.context.loaders.employee.load(row.employee_id)
    assert employee is not None
    if not may_see_feedback_note(
        info.context.actor_checked,
        employee_id=row.employee_id,
        giver_employee_id=row.giver_employee_id,
        manager_ids=await manager_ids(info, employee.id, employee.team_id),
        hidden=row.hidden_at is not None,
    ):
        raise ClientError("You may not see this feedback note.", "FORBIDDEN")
    return FeedbackNote.from_row(row)


GiveFeedbackNoteResult = Annotated[
    FeedbackNote | CommonError,
    strawberry.union("GiveFeedbackNoteResult", description=UNION_DESCRIPTION),
]
HideFeedbackNoteResult = Annotated[
    FeedbackNote | CommonError,
    strawberry.union("HideFeedbackNoteResult", description=UNION_DESCRIPTION),
]


@strawberry.type
class FeedbackNoteMutations:
    @strawberry.mutation(
        description="Leave a short PRAISE or SUGGESTION on a person: as their manager, or as a "
        "colleague of the same team where the policy allows it. Tie it to one of their score "
        "lines, customer comments or goals (or their team's) only if you may see it. It never "
        "changes a score.",
        extensions=[readers()],
    )
    @errors_as_data
    async def give_feedback_note(
        self,
        info: Info,
        employee_external_id: Annotated[
            str, strawberry.argument(description="The person the note is about.")
        ],
        kind: Annotated[FeedbackKind, strawberry.argument(description="PRAISE or SUGGESTION.")],
        text: Annotated[
            str, strawberry.argument(description="What to say, at most 1,000 characters.")
        ],
        cycle_code: Annotated[
            str | None, strawberry.argument(description="With `line`: the score's cycle.")
        ] = None,
        line: Annotated[
            int | None, strawberry.argument(description="With `cycleCode`: the 1-based line.")
        ] = None,
        observation_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="A customer comment (Observation) of the person."),
        ] = None,
        goal_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="A goal of the person or of their team that you may see."
            ),
        ] = None,
    ) -> GiveFeedbackNoteResult:
        observation_pk = (
            None if observation_id is None else parse_global_id(observation_id, "Observation")[1]
        )
        row = await feedback_notes.give_feedback_note(
            actor=info.context.actor_checked,
            employee_external_id=employee_external_id,
            kind=kind.value,
            text=text,
            cycle_code=cycle_code,
            line=line,
            observation_id=observation_pk,
            goal_id=None if goal_id is None else parse_global_id(goal_id, "Goal")[1],
        )
        return FeedbackNote.from_row(row)

    @strawberry.mutation(
        description="An admin hides an abusive feedback note, with a reason (audited).",
        extensions=[admins()],
    )
    @errors_as_data
    async def hide_feedback_note(
        self,
        info: Info,
        feedback_note_id: Annotated[
            strawberry.ID, strawberry.argument(description="The note to hide.")
        ],
        reason: Annotated[str, strawberry.argument(description="Why; it goes to the audit log.")],
    ) -> HideFeedbackNoteResult:
        _type, pk = parse_global_id(feedback_note_id, "FeedbackNote")
        row = await feedback_notes.hide_feedback_note(
            actor=info.context.actor_checked, note_id=pk, reason=reason
        )
        return FeedbackNote.from_row(row)

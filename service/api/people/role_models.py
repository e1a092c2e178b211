"""Role models, best-practice notes and knowledge-sharing sessions in GraphQL
(docs/role-models.md): `Team.roleModels`, `bestPractice`, `sessions`, `roleModelOptIn`,
and `shareBestPractice`, `thankBestPractice`, `hideBestPractice`, `setRoleModelOptIn`,
`scheduleSession`, `attendSession`. Who sees whom is decided by
service/usecases/accounts/access.py; a colleague never gets a number from any of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info, admins, readers
from service.api.enums import describe_values
from service.api.errors import UNION_DESCRIPTION, CommonError, errors_as_data
from service.api.ids import ClientError, Node, global_id, parse_global_id
from service.api.scalars import Decimal
from service.api.setup.kpis import Kpi
from service.api.setup.people import Employee, person_seen
from service.models import BestPracticeNote as NoteRow
from service.models import Employee as EmployeeRow
from service.models import KnowledgeSession as SessionRow
from service.scoring import format_fixed
from service.usecases.accounts.access import (
    RoleModelView,
    manager_ids_in,
    may_name_role_model,
    may_see_scores_of,
)
from service.usecases.people import best_practice, role_models, sessions
from service.usecases.people.sessions import SessionInput

NOTES_DEFAULT = 20
SESSIONS_DEFAULT = 20

strawberry.enum(
    RoleModelView,
    name="RoleModelView",
    description="How much of a team's role models you see.",
)
describe_values(
    RoleModelView,
    {
        "NONE": "Nothing (not used in answers: you are refused instead).",
        "FULL": "Everyone, ranked, with their normalised points: admins and the team's managers.",
        "COLLEAGUE": "A member of the team: only the role models who chose to be named (and "
        "you), by name, with no number and in the order of their names.",
    },
)


@strawberry.type(
    description="A person's name and external id, nothing else: how a colleague is named "
    "as a role model or a note's author when they chose to be."
)
class PersonName:
    external_id: str = strawberry.field(description="Their external id.")
    name: str = strawberry.field(description="Their name, as entered.")

    @classmethod
    def of(cls, row: EmployeeRow) -> PersonName:
        return cls(external_id=row.external_id, name=row.name)


@strawberry.type(description="A role model on one line of the team's scorecard.")
class RoleModel:
    person: PersonName = strawberry.field(description="Who it is.")
    points: Decimal | None = strawberry.field(
        description="Their normalised points on the line in the cycle the role models come "
        "from; null unless you may see their score."
    )
    rank: int | None = strawberry.field(
        description="1 for the best (ties share a rank); null unless you may see their score."
    )
    pk: strawberry.Private[int]

    @strawberry.field(description="The employee, if you may see them; else null.")
    async def employee(self, info: Info) -> Employee | None:
        return await person_seen(info, await info.context.loaders.employee.load(self.pk))


@strawberry.type(
    description="One INDIVIDUAL quantitative line and its role models: the top three "
    "scored members on its normalised points and everyone tied with the third."
)
class RoleModelLine:
    kpi: Kpi = strawberry.field(description="The line's KPI.")
    role_models: list[RoleModel] = strawberry.field(
        description="Ranked with points for who may see the members' scores; for colleagues "
        "only those who opted in (and you), by name."
    )


@strawberry.type(description="A team's role models for a cycle.")
class RoleModelBoard:
    team_code: str = strawberry.field(description="The team.")
    cycle_code: str = strawberry.field(description="The cycle asked about (usually the open one).")
    from_cycle_code: str | None = strawberry.field(
        description="The comparable previous cycle (SCORING §11) the role models come from; "
        "null when there is none (then there are no lines)."
    )
    view: RoleModelView = strawberry.field(description="How much of it you see.")
    lines: list[RoleModelLine] = strawberry.field(description="One per line, by KPI code.")


async def role_models_of(info: Info, team_pk: int, cycle_code: str) -> RoleModelBoard:
    """One team's board, batched with every other team's asked in the same request
    (`teams { roleModels(cycleCode) }` costs the same reads for 2 teams as for 20).
    A refusal answers FORBIDDEN and an unknown cycle BAD_USER_INPUT, as for every query
    field (service/api/errors.py `error_code`)."""
    actor = info.context.actor_checked
    board = await info.context.loaders.best_practice.role_model_boards.load(
        (actor, team_pk, cycle_code)
    )
    return RoleModelBoard(
        team_code=board.team.code,
        cycle_code=board.cycle.code,
        from_cycle_code=None if board.previous is None else board.previous.code,
        view=board.view,
        lines=[
            RoleModelLine(
                kpi=Kpi.from_row(line.kpi),
                role_models=[
                    RoleModel(
                        person=PersonName.of(entry.employee),
                        points=None
                        if entry.points is None
                        else Decimal(format_fixed(entry.points, 2)),
                        rank=entry.rank,
                        pk=entry.employee.id,
                    )
                    for entry in line.role_models
                ],
            )
            for line in board.lines
        ],
    )


@strawberry.type(
    description="How a role model works on one KPI, in their words (or their manager's): "
    "seen by everyone, beside the line of that KPI. The author is named to those who may see "
    "their score and, if they opted in, to everyone; otherwise it is 'by a role model'. It "
    "carries no number."
)
class BestPracticeNote(Node):
    text: str = strawberry.field(description="How they work.")
    thanks: int = strawberry.field(description="How many readers thanked it.")
    created_at: datetime = strawberry.field(description="When it was shared.")
    hidden: bool = strawberry.field(description="Whether an admin hid it (then admins only).")
    row: strawberry.Private[NoteRow]

    @classmethod
    def from_row(cls, row: NoteRow) -> BestPracticeNote:
        return cls(
            id=strawberry.ID(global_id("BestPracticeNote", row.id)),
            text=row.text,
            thanks=row.thanks,
            created_at=row.created_at,
            hidden=row.hidden_at is not None,
            row=row,
        )

    @strawberry.field(description="The KPI it is about.")
    async def kpi(self, info: Info) -> Kpi:
        row = await info.context.loaders.kpi.load(self.row.kpi_id)
        assert row is not None
        return Kpi.from_row(row)

    @strawberry.field(
        description="The role model who wrote it; null when they did not opt in to be named "
        "and you may not see their score (the note is then by 'a role model')."
    )
    async def author(self, info: Info) -> PersonName | None:
        loaders = info.context.loaders
        author = await loaders.employee.load(self.row.author_id)
        assert author is not None
        teams = await loaders.all_teams.load(0)
        parents = {t.id: t.parent_id for t in teams}
        leads = {t.id: t.lead_id for t in teams if t.lead_id is not None}
        named = may_name_role_model(
            info.context.actor_checked,
            employee_id=author.id,
            manager_ids=manager_ids_in(author.id, author.team_id, parents, leads),
            opted_in=await loaders.best_practice.opted_in.load(author.id),
        )
        return PersonName.of(author) if named else None

    @strawberry.field(description="Whether you thanked it already (a note is thanked once).")
    async def thanked_by_me(self, info: Info) -> bool:
        user = info.context.actor_checked.user_id
        if user is None:
            return False
        return await info.context.loaders.best_practice.thanked.load((user, self.row.id))

    @strawberry.field(description="Why an admin hid it: for admins only, null for anyone else.")
    def hidden_reason(self, info: Info) -> str | None:
        return self.row.hidden_reason if info.context.actor_checked.is_admin else None


async def best_practice_note_node(info: Info, pk: int) -> BestPracticeNote | None:
    row = await NoteRow.get_or_none(id=pk)
    if row is None or (row.hidden_at is not None and not info.context.actor_checked.is_admin):
        return None
    return BestPracticeNote.from_row(row)


@strawberry.type(
    description="A knowledge-sharing session: presenters show how they work on some KPIs. "
    "Seen by everyone; who attended, by each attendee, their managers and admins."
)
class KnowledgeSession(Node):
    title: str = strawberry.field(description="What it is called.")
    description: str = strawberry.field(description="What it is about.")
    starts_at: datetime = strawberry.field(description="When it starts.")
    length_minutes: int = strawberry.field(description="How long it lasts, in minutes.")
    place: str = strawberry.field(description="Where it is held; empty when online only.")
    link: str = strawberry.field(description="The link to join; empty when in a room only.")
    kpi_codes: list[str] = strawberry.field(description="The KPIs it is tagged with.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: SessionRow) -> KnowledgeSession:
        return cls(
            id=strawberry.ID(global_id("KnowledgeSession", row.id)),
            title=row.title,
            description=row.description,
            starts_at=row.starts_at,
            length_minutes=row.length_minutes,
            place=row.place,
            link=row.link,
            kpi_codes=list(row.kpi_codes),
            pk=row.id,
        )

    @strawberry.field(description="Who presents it (names only).")
    async def presenters(self, info: Info) -> list[PersonName]:
        ids = await info.context.loaders.best_practice.presenters.load(self.pk)
        rows = await info.context.loaders.employee.load_many(ids)
        return [PersonName.of(r) for r in rows if r is not None]

    @strawberry.field(description="How many attended.")
    async def attended_count(self, info: Info) -> int:
        return len(await info.context.loaders.best_practice.attendees.load(self.pk))

    @strawberry.field(description="Whether you are recorded as attending.")
    async def attended_by_me(self, info: Info) -> bool:
        me = info.context.actor_checked.employee_id
        return me is not None and me in await info.context.loaders.best_practice.attendees.load(
            self.pk
        )

    @strawberry.field(
        description="Who attended, those you may see (yourself, your teams; everyone for admins)."
    )
    async def attendees(self, info: Info) -> list[Employee]:
        actor = info.context.actor_checked
        ids = await info.context.loaders.best_practice.attendees.load(self.pk)
        rows = await info.context.loaders.employee.load_many(ids)
        teams = await info.context.loaders.all_teams.load(0)
        parents = {t.id: t.parent_id for t in teams}
        leads = {t.id: t.lead_id for t in teams if t.lead_id is not None}
        seen = [
            r
            for r in rows
            if r is not None
            and may_see_scores_of(
                actor,
                employee_id=r.id,
                manager_ids=manager_ids_in(r.id, r.team_id, parents, leads),
            )
        ]
        return await _people(info, seen)


async def _people(info: Info, rows: list[EmployeeRow]) -> list[Employee]:
    from service.api.setup.people import people_seen

    return await people_seen(info, rows)


async def knowledge_session_node(info: Info, pk: int) -> KnowledgeSession | None:
    row = await SessionRow.get_or_none(id=pk)
    return None if row is None else KnowledgeSession.from_row(row)


def _size(info: Info, first: int | None, default: int) -> int:
    cap = info.context.settings.max_page_size
    size = default if first is None else first
    if not 1 <= size <= cap:
        raise ClientError(f"`first` must be between 1 and {cap}.")
    return size


@strawberry.type
class RoleModelQuery:
    @strawberry.field(
        extensions=[readers()],
        description="Best-practice notes on one KPI (everyone), most-thanked first, then "
        "newest; hidden ones for admins only.",
    )
    async def best_practice(
        self,
        info: Info,
        kpi_code: Annotated[str, strawberry.argument(description="The KPI's code.")],
        first: Annotated[
            int | None,
            strawberry.argument(description="How many: 20 when omitted, at most the cap."),
        ] = None,
    ) -> list[BestPracticeNote]:
        size = _size(info, first, NOTES_DEFAULT)
        kpi = await info.context.loaders.kpi_by_code.load(kpi_code)
        if kpi is None:
            raise ClientError(f"No KPI has the code {kpi_code!r}.", "BAD_USER_INPUT")
        rows = await info.context.loaders.best_practice.notes_by_kpi.load(
            (kpi.id, size, info.context.actor_checked.is_admin)
        )
        return [BestPracticeNote.from_row(r) for r in rows]

    @strawberry.field(
        extensions=[readers()],
        description="Knowledge-sharing sessions (everyone): upcoming soonest first, past "
        "newest first, or all newest first.",
    )
    async def sessions(
        self,
        info: Info,
        upcoming: Annotated[
            bool | None,
            strawberry.argument(description="true: still to come; false: past; omitted: all."),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(description="How many: 20 when omitted, at most the cap."),
        ] = None,
    ) -> list[KnowledgeSession]:
        size = _size(info, first, SESSIONS_DEFAULT)
        rows = await sessions.session_rows(get_connection("default"), upcoming=upcoming, limit=size)
        return [KnowledgeSession.from_row(row) for row in rows]

    @strawberry.field(
        extensions=[readers()],
        description="Whether you chose to be named to colleagues as a role model and as the "
        "author of your notes (default false); false for someone who is not an employee.",
    )
    async def role_model_opt_in(self, info: Info) -> bool:
        me = info.context.actor_checked.employee_id
        return me is not None and await info.context.loaders.best_practice.opted_in.load(me)


@strawberry.type(description="Your role-model setting after the change.")
class RoleModelOptIn:
    opted_in: bool = strawberry.field(
        description="Whether colleagues see you named as a role model."
    )


@strawberry.input(description="A knowledge-sharing session to schedule.")
class ScheduleSessionInput:
    title: str = strawberry.field(description="What it is called.")
    starts_at: datetime = strawberry.field(description="When it starts.")
    presenter_external_ids: list[str] = strawberry.field(
        description="Who presents it (1 to 10 employees)."
    )
    kpi_codes: list[str] = strawberry.field(
        default_factory=list, description="The KPIs it is about."
    )
    length_minutes: int = strawberry.field(default=60, description="5 to 480 minutes.")
    place: str = strawberry.field(default="", description="A room (or give a link).")
    link: str = strawberry.field(default="", description="A https:// link (or give a place).")
    description: str = strawberry.field(default="", description="What it is about.")

    def to_usecase(self) -> SessionInput:
        return SessionInput(
            title=self.title,
            starts_at=self.starts_at,
            presenter_external_ids=tuple(self.presenter_external_ids),
            kpi_codes=tuple(self.kpi_codes),
            length_minutes=self.length_minutes,
            place=self.place,
            link=self.link,
            description=self.description,
        )


BestPracticeNoteResult = Annotated[
    BestPracticeNote | CommonError,
    strawberry.union("BestPracticeNoteResult", description=UNION_DESCRIPTION),
]
RoleModelOptInResult = Annotated[
    RoleModelOptIn | CommonError,
    strawberry.union("RoleModelOptInResult", description=UNION_DESCRIPTION),
]
KnowledgeSessionResult = Annotated[
    KnowledgeSession | CommonError,
    strawberry.union("KnowledgeSessionResult", description=UNION_DESCRIPTION),
]


def _note_pk(note_id: strawberry.ID) -> int:
    return parse_global_id(note_id, "BestPracticeNote")[1]


@strawberry.type
class RoleModelMutations:
    @strawberry.mutation(
        extensions=[readers()],
        description="A role model shares how they work on a quantitative KPI (they are one "
        "on its line in the comparable previous cycle of an open cycle); their manager or an "
        "admin may write it on their behalf by naming them. Everyone reads it.",
    )
    @errors_as_data
    async def share_best_practice(
        self,
        info: Info,
        kpi_code: Annotated[str, strawberry.argument(description="The KPI it is about.")],
        text: Annotated[
            str, strawberry.argument(description="How they work, at most 2,000 characters.")
        ],
        author_external_id: Annotated[
            str | None,
            strawberry.argument(description="The role model, when you write on their behalf."),
        ] = None,
    ) -> BestPracticeNoteResult:
        row = await best_practice.share_best_practice(
            actor=info.context.actor_checked,
            kpi_code=kpi_code,
            text=text,
            author_external_id=author_external_id,
        )
        return BestPracticeNote.from_row(row)

    @strawberry.mutation(
        extensions=[readers()],
        description="Thank a note, once (a second thanks is refused); not your own.",
    )
    @errors_as_data
    async def thank_best_practice(
        self,
        info: Info,
        note_id: Annotated[strawberry.ID, strawberry.argument(description="The note.")],
    ) -> BestPracticeNoteResult:
        row = await best_practice.thank_best_practice(
            actor=info.context.actor_checked, note_id=_note_pk(note_id)
        )
        return BestPracticeNote.from_row(row)

    @strawberry.mutation(
        extensions=[admins()],
        description="An admin hides a note, with a reason (audited).",
    )
    @errors_as_data
    async def hide_best_practice(
        self,
        info: Info,
        note_id: Annotated[strawberry.ID, strawberry.argument(description="The note.")],
        reason: Annotated[str, strawberry.argument(description="Why; it goes to the audit log.")],
    ) -> BestPracticeNoteResult:
        row = await best_practice.hide_best_practice(
            actor=info.context.actor_checked, note_id=_note_pk(note_id), reason=reason
        )
        return BestPracticeNote.from_row(row)

    @strawberry.mutation(
        extensions=[readers()],
        description="Choose whether colleagues see you named as a role model and as the "
        "author of your notes (default: not). Only you decide; audited.",
    )
    @errors_as_data
    async def set_role_model_opt_in(
        self,
        info: Info,
        opted_in: Annotated[bool, strawberry.argument(description="true to be named.")],
    ) -> RoleModelOptInResult:
        value = await role_models.set_role_model_opt_in(
            actor=info.context.actor_checked, opted_in=opted_in
        )
        return RoleModelOptIn(opted_in=value)

    @strawberry.mutation(
        extensions=[readers()],
        description="A manager or an admin schedules a knowledge-sharing session.",
    )
    @errors_as_data
    async def schedule_session(
        self,
        info: Info,
        session: Annotated[ScheduleSessionInput, strawberry.argument(description="The session.")],
    ) -> KnowledgeSessionResult:
        row = await sessions.schedule_session(
            actor=info.context.actor_checked, session=session.to_usecase()
        )
        return KnowledgeSession.from_row(row)

    @strawberry.mutation(
        extensions=[readers()],
        description="Record that someone attended a session: yourself once it has started, "
        "or someone you manage (admins: anyone). Recorded once.",
    )
    @errors_as_data
    async def attend_session(
        self,
        info: Info,
        session_id: Annotated[strawberry.ID, strawberry.argument(description="The session.")],
        employee_external_id: Annotated[
            str | None, strawberry.argument(description="Who attended; default you.")
        ] = None,
    ) -> KnowledgeSessionResult:
        pk = parse_global_id(session_id, "KnowledgeSession")[1]
        await sessions.attend_session(
            actor=info.context.actor_checked,
            session_id=pk,
            employee_external_id=employee_external_id,
        )
        row = await SessionRow.get(id=pk)
        return KnowledgeSession.from_row(row)

"""Every mutation: parse input, call one use case, return its result or its error as data.

Grouped by who calls them: setup (admins and automation scripts), ingest (survey tools
and ticket systems with an INTEGRATION token), people (managers and employees).
"""

from __future__ import annotations

from typing import Annotated, Any, cast

import strawberry
from tortoise.connection import get_connection

from service.api.accounts.auth import Done, LoginResult, resolve_login, resolve_logout
from service.api.context import Info, admins, ingesters, readers, signed_in
from service.api.enums import AppealOutcome, ReviewKind
from service.api.errors import (
    UNION_DESCRIPTION,
    CommonError,
    FieldError,
    errors_as_data,
    rejected_rows,
    row_errors,
)
from service.api.ids import ClientError, parse_global_id
from service.api.inputs import (
    CycleInput,
    EmployeeInput,
    FeedbackInput,
    KpiInput,
    ObservationInput,
    PolicyInput,
    PositionInput,
    ScorecardLineInput,
    TeamInput,
)
from service.api.people.development import DevelopmentMutation
from service.api.scalars import Decimal
from service.api.scoring.scores import Appeal, ObservationNode, Score, observation_node
from service.api.setup.cycles import Cycle
from service.models import Cycle as CycleRow
from service.models import CycleState as CycleStateEnum
from service.models import Employee
from service.models import Score as ScoreRow
from service.usecases.accounts.auth import revoke_token
from service.usecases.inputs import IngestMode as IngestModeEnum
from service.usecases.inputs import ReviewInput
from service.usecases.review.calibration import save_calibration_record
from service.usecases.scoring import appeals, corrections, ingest
from service.usecases.scoring.idempotency import ingest_once
from service.usecases.setup import cycles, kpis, organisation
from service.usecases.setup.policy_change import update_policy


@strawberry.type(description="How many rows a bulk upsert created, updated and left unchanged.")
class UpsertReport:
    created: int
    updated: int
    unchanged: int


@strawberry.type(
    description="What a batch of observations or feedback did: accepted, duplicates, late and "
    "refused rows."
)
class IngestReport:
    accepted: int
    duplicates: int
    late: int
    rejected: list[FieldError] = strawberry.field(
        description="The rows refused, by `row` (0-based) and field; none written under "
        "ALL_OR_NOTHING when there is one."
    )


@strawberry.type(description="The saved scorecard's version, whether it changed, and its warnings.")
class ScorecardSaved:
    version: int
    changed: bool
    warnings: list[str]


@strawberry.type(description="A scorecard whose scores the policy change moved (SCORING §8).")
class MovedScorecard:
    cycle_code: str
    position_code: str
    to_no_data: int = strawberry.field(description="Scores that had a total and now have none.")
    from_no_data: int = strawberry.field(description="Scores that had none and now have a total.")


@strawberry.type(description="The saved policy's version and the scorecards whose scores it moved.")
class PolicySaved:
    version: int
    changed: bool
    moved_scorecards: list[MovedScorecard] = strawberry.field(
        description="Scorecards of open cycles whose scores moved to or from NO_DATA."
    )


@strawberry.type(
    description="The answer to `voidObservation`. It has no id of its own: the voided "
    "observation is `observation` (its `voidedAt` and `voidReason` now set), so a cache "
    "updates the Observation it already holds."
)
class VoidedObservation:
    observation: ObservationNode = strawberry.field(description="The observation, now voided.")
    reason: str = strawberry.field(description="Why it was voided.")


UpsertResult = Annotated[
    UpsertReport | CommonError, strawberry.union("UpsertResult", description=UNION_DESCRIPTION)
]
CycleResult = Annotated[
    Cycle | CommonError, strawberry.union("CycleResult", description=UNION_DESCRIPTION)
]
ScorecardResult = Annotated[
    ScorecardSaved | CommonError, strawberry.union("ScorecardResult", description=UNION_DESCRIPTION)
]
PolicyResult = Annotated[
    PolicySaved | CommonError, strawberry.union("PolicyResult", description=UNION_DESCRIPTION)
]
IngestResult = Annotated[
    IngestReport | CommonError, strawberry.union("IngestResult", description=UNION_DESCRIPTION)
]
ScoreResult = Annotated[
    Score | CommonError, strawberry.union("ScoreResult", description=UNION_DESCRIPTION)
]
VoidResult = Annotated[
    VoidedObservation | CommonError, strawberry.union("VoidResult", description=UNION_DESCRIPTION)
]
AppealResult = Annotated[
    Appeal | CommonError, strawberry.union("AppealResult", description=UNION_DESCRIPTION)
]
DoneResult = Annotated[
    Done | CommonError, strawberry.union("DoneResult", description=UNION_DESCRIPTION)
]


@strawberry.type(description="The calibration record as saved.")
class CalibrationRecordSaved:
    version: int = strawberry.field(description="The record's version after the save.")
    changed: bool = strawberry.field(description="False when the record was already so.")


CalibrationRecordResult = Annotated[
    CalibrationRecordSaved | CommonError,
    strawberry.union("CalibrationRecordResult", description=UNION_DESCRIPTION),
]


def _report(report: Any) -> IngestReport:
    return IngestReport(
        accepted=report.accepted,
        duplicates=report.duplicates,
        late=report.late,
        rejected=row_errors(report.rejected),
    )


def _upserted(report: Any) -> UpsertReport:
    return UpsertReport(created=report.created, updated=report.updated, unchanged=report.unchanged)


async def _score_of(cycle_code: str, employee_external_id: str, lang: str) -> Score:
    row = await ScoreRow.get(cycle__code=cycle_code, employee__external_id=employee_external_id)
    return Score.from_row(row, lang)


@strawberry.type(
    description="Writes: setup (admins), ingest (integration tokens), people (managers and "
    "employees). Refusals come back as data."
)
class Mutation(DevelopmentMutation):
    @strawberry.mutation(description="Sign in: returns a bearer token (30 days).")
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        return await resolve_login(info, email, password)

    @strawberry.mutation(
        description="Revoke the token this request was made with.", extensions=[signed_in()]
    )
    async def logout(self, info: Info) -> Done:
        return await resolve_logout(info)

    @strawberry.mutation(
        description="Revoke one of your tokens (an admin: anyone's).", extensions=[signed_in()]
    )
    @errors_as_data
    async def revoke_token(self, info: Info, id: strawberry.ID) -> DoneResult:
        actor = info.context.actor_checked
        _type, pk = parse_global_id(id, "Token")
        await revoke_token(actor=actor, token_id=pk)
        return Done(ok=True)

    # --- setup (admin) -------------------------------------------------------------

    @strawberry.mutation(extensions=[readers()])
    @errors_as_data
    async def upsert_teams(self, info: Info, teams: list[TeamInput]) -> UpsertResult:
        actor = info.context.actor_checked
        return _upserted(
            await organisation.upsert_teams(actor=actor, teams=[t.to_usecase() for t in teams])
        )

    @strawberry.mutation(extensions=[readers()])
    @errors_as_data
    async def upsert_positions(self, info: Info, positions: list[PositionInput]) -> UpsertResult:
        actor = info.context.actor_checked
        return _upserted(
            await organisation.upsert_positions(
                actor=actor, positions=[p.to_usecase() for p in positions]
            )
        )

    @strawberry.mutation(extensions=[readers()])
    @errors_as_data
    async def upsert_employees(self, info: Info, employees: list[EmployeeInput]) -> UpsertResult:
        actor = info.context.actor_checked
        return _upserted(
            await organisation.upsert_employees(
                actor=actor, employees=[e.to_usecase() for e in employees]
            )
        )

    @strawberry.mutation(
        description="Each KPI may carry the version it was based on.", extensions=[readers()]
    )
    @errors_as_data
    async def upsert_kpis(
        self, info: Info, kpis_: Annotated[list[KpiInput], strawberry.argument(name="kpis")]
    ) -> UpsertResult:
        actor = info.context.actor_checked
        return _upserted(await kpis.upsert_kpis(actor=actor, kpis=[k.to_usecase() for k in kpis_]))

    @strawberry.mutation(extensions=[readers()])
    @errors_as_data
    async def create_cycle(self, info: Info, cycle: CycleInput) -> CycleResult:
        actor = info.context.actor_checked
        row, _created = await cycles.create_cycle(actor=actor, cycle=cycle.to_usecase())
        return Cycle.from_row(row)

    @strawberry.mutation(
        description="Save a position's scorecard in a cycle; in ACTIVE only "
        "with a reason. Refused when someone saved after `expectedVersion`.",
        extensions=[readers()],
    )
    @errors_as_data
    async def set_scorecard(
        self,
        info: Info,
        cycle_code: str,
        position_code: str,
        lines: list[ScorecardLineInput],
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> ScorecardResult:
        actor = info.context.actor_checked
        saved = await cycles.save_scorecard(
            actor=actor,
            cycle_code=cycle_code,
            position_code=position_code,
            lines=[line.to_usecase() for line in lines],
            expected_version=expected_version,
            reason=reason,
        )
        return ScorecardSaved(
            version=saved.version,
            changed=saved.changed,
            warnings=[w.message for w in saved.warnings],
        )

    @strawberry.mutation(
        description="One step forward: DRAFT → ACTIVE → REVIEW → FINALIZED. "
        "An admin may finalise despite open appeals or missing reviews with "
        "`overrideReason`.",
        extensions=[readers()],
    )
    @errors_as_data
    async def transition_cycle(
        self,
        info: Info,
        cycle_code: str,
        to: CycleStateEnum,
        reason: str | None = None,
        override_reason: str | None = None,
    ) -> CycleResult:
        actor = info.context.actor_checked
        row = await cycles.transition_cycle(
            actor=actor,
            cycle_code=cycle_code,
            to=to,
            reason=reason,
            override_reason=override_reason,
        )
        return Cycle.from_row(row)

    @strawberry.mutation(
        description="Create or update a REVIEW cycle's calibration record (SCORING §12): who "
        "met, notes, decisions. Admins; expectedVersion 0 when there is none yet.",
        extensions=[admins()],
    )
    @errors_as_data
    async def save_calibration_record(
        self,
        info: Info,
        cycle_code: Annotated[str, strawberry.argument(description="A cycle in REVIEW.")],
        attendees: Annotated[str, strawberry.argument(description="Who met.")],
        notes: Annotated[str, strawberry.argument(description="What was discussed.")],
        decisions: Annotated[str, strawberry.argument(description="What was decided.")],
        expected_version: Annotated[
            int, strawberry.argument(description="The version read; 0 when there is none yet.")
        ],
    ) -> CalibrationRecordResult:
        actor = info.context.actor_checked
        saved = await save_calibration_record(
            actor=actor,
            cycle_code=cycle_code,
            attendees=attendees,
            notes=notes,
            decisions=decisions,
            expected_version=expected_version,
        )
        return CalibrationRecordSaved(version=saved.version, changed=saved.changed)

    @strawberry.mutation(
        description="Change policy settings (the others stay as they are).", extensions=[admins()]
    )
    @errors_as_data
    async def update_policy(
        self,
        info: Info,
        policy: PolicyInput,
        expected_version: int | None = None,
        reason: str | None = None,
    ) -> PolicyResult:
        actor = info.context.actor_checked
        from service.usecases.setup.policy import load_policy, policy_to_data

        current, _version = await load_policy(get_connection("default"))
        settings = policy_to_data(current)
        for name, value in strawberry.asdict(policy).items():
            if name == "band_guide" and value is not None:
                shares = cast(list[dict[str, Any]], value)
                settings[name] = {share["band"]: share["share"] for share in shares}
            elif value is not None:
                settings[name] = value
        saved = await update_policy(
            actor=actor, settings=settings, expected_version=expected_version, reason=reason
        )
        return PolicySaved(
            version=saved.version,
            changed=saved.changed,
            moved_scorecards=[
                MovedScorecard(
                    cycle_code=m.cycle_code,
                    position_code=m.position_code,
                    to_no_data=m.to_no_data,
                    from_no_data=m.from_no_data,
                )
                for m in saved.moved
            ],
        )

    # --- ingest (integration tokens, admins) --------------------------------------

    @strawberry.mutation(
        description="Record operational data in bulk. The same "
        "`idempotencyKey` with the same payload returns the first report.",
        extensions=[ingesters()],
    )
    @errors_as_data
    async def record_observations(
        self,
        info: Info,
        observations: list[ObservationInput],
        idempotency_key: str | None = None,
        mode: IngestModeEnum = IngestModeEnum.ALL_OR_NOTHING,
    ) -> IngestResult:
        actor = info.context.actor_checked
        rows = [o.to_usecase() for o in observations]
        report = await ingest_once(
            actor=actor,
            kind="observations",
            mode=mode.value,
            rows=rows,
            idempotency_key=idempotency_key,
            ingest=lambda: ingest.record_observations(
                actor=actor,
                observations=rows,
                mode=mode,
                max_clock_skew=info.context.settings.max_clock_skew,
            ),
        )
        return _report(report)

    @strawberry.mutation(
        description="Record customer ratings (online survey, phone "
        "call-back, face to face) in bulk, safely retried.",
        extensions=[ingesters()],
    )
    @errors_as_data
    async def record_feedback(
        self,
        info: Info,
        feedback: list[FeedbackInput],
        idempotency_key: str | None = None,
        mode: IngestModeEnum = IngestModeEnum.ALL_OR_NOTHING,
    ) -> IngestResult:
        actor = info.context.actor_checked
        rows = [f.to_usecase() for f in feedback]
        report = await ingest_once(
            actor=actor,
            kind="feedback",
            mode=mode.value,
            rows=rows,
            idempotency_key=idempotency_key,
            ingest=lambda: ingest.record_feedback(
                actor=actor,
                feedback=rows,
                mode=mode,
                max_clock_skew=info.context.settings.max_clock_skew,
            ),
        )
        return _report(report)

    # --- people (managers and employees) ------------------------------------------

    @strawberry.mutation(
        description="Rate a qualitative line: MANAGER (a manager of the "
        "employee) or SELF (the employee). A newer rating replaces yours.",
        extensions=[readers()],
    )
    @errors_as_data
    async def submit_review(
        self,
        info: Info,
        cycle_code: str,
        employee_external_id: str,
        kpi_code: str,
        kind: ReviewKind,
        rating: Decimal,
        comment: str = "",
    ) -> ScoreResult:
        actor = info.context.actor_checked
        viewer = info.context.actor
        assert viewer is not None
        assert viewer.user_id is not None
        from service.models import User

        me = await User.get(id=viewer.user_id)
        report = await ingest.submit_reviews(
            actor=actor,
            reviews=[
                ReviewInput(
                    cycle_code, employee_external_id, kpi_code, me.email, kind, rating, comment
                )
            ],
        )
        if report.rejected:
            return rejected_rows(report.rejected)
        return await _score_of(cycle_code, employee_external_id, info.context.lang)

    @strawberry.mutation(
        description="Add signed points with a reason, within the cap.", extensions=[readers()]
    )
    @errors_as_data
    async def adjust_score(
        self,
        info: Info,
        cycle_code: str,
        employee_external_id: str,
        points: Decimal,
        reason: str,
    ) -> ScoreResult:
        actor = info.context.actor_checked
        await corrections.adjust_score(
            actor=actor,
            cycle_code=cycle_code,
            employee_external_id=employee_external_id,
            points=points,
            reason=reason,
        )
        return await _score_of(cycle_code, employee_external_id, info.context.lang)

    @strawberry.mutation(
        description="Void a wrong observation (it is kept, never deleted).", extensions=[readers()]
    )
    @errors_as_data
    async def void_observation(self, info: Info, id: strawberry.ID, reason: str) -> VoidResult:
        actor = info.context.actor_checked
        _type, pk = parse_global_id(id, "Observation")
        row = await corrections.void_observation(actor=actor, observation_id=pk, reason=reason)
        return VoidedObservation(
            observation=observation_node(row), reason=row.void_reason or reason
        )

    @strawberry.mutation(
        description="Question your score: one line (1-based) or the whole.", extensions=[readers()]
    )
    @errors_as_data
    async def file_appeal(
        self,
        info: Info,
        cycle_code: str,
        reason: str,
        line: int | None = None,
        employee_external_id: str | None = None,
    ) -> AppealResult:
        actor = info.context.actor_checked
        external_id = employee_external_id
        if external_id is None:
            if actor.employee_id is None:
                raise ClientError("Name the employee: you are not one yourself.")
            external_id = (await Employee.get(id=actor.employee_id)).external_id
        row = await appeals.file_appeal(
            actor=actor,
            cycle_code=cycle_code,
            employee_external_id=external_id,
            reason=reason,
            line=line,
        )
        return Appeal.from_row(row)

    @strawberry.mutation(
        description="ACCEPTED with an adjustment or a voided observation (or, for an appeal "
        "against a NO_DATA score, with neither and a note naming the data added since), "
        "or REJECTED, always with a note.",
        extensions=[readers()],
    )
    @errors_as_data
    async def resolve_appeal(
        self,
        info: Info,
        id: strawberry.ID,
        outcome: AppealOutcome,
        note: str,
        adjustment_points: Decimal | None = None,
        void_observation_id: strawberry.ID | None = None,
    ) -> AppealResult:
        actor = info.context.actor_checked
        _type, pk = parse_global_id(id, "Appeal")
        void_pk = None
        if void_observation_id is not None:
            _t, void_pk = parse_global_id(void_observation_id, "Observation")
        row = await appeals.resolve_appeal(
            actor=actor,
            appeal_id=pk,
            outcome=outcome.value,
            note=note,
            adjustment_points=adjustment_points,
            void_observation_id=void_pk,
        )
        return Appeal.from_row(row)


__all__ = ["CycleRow", "Mutation"]

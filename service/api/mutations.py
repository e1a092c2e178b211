"""Every mutation: parse input, call one use case, return its result or its error as data.

Grouped by who calls them: setup (admins and automation scripts), ingest (survey tools
and ticket systems with an INTEGRATION token), people (managers and employees).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

import strawberry
from tortoise.connection import get_connection

from service.api.accounts.auth import Done, LoginResult, resolve_login, resolve_logout
from service.api.arguments import (
    NewCycleCodeArg,
    NewCycleEndsOnArg,
    NewCycleNameArg,
    NewCycleStartsOnArg,
)
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
from service.api.people.checkins import CheckInMutations
from service.api.people.development import DevelopmentMutation
from service.api.people.feedback_notes import FeedbackNoteMutations
from service.api.people.goals import GoalMutations
from service.api.people.recognition import RecognitionMutations
from service.api.people.role_models import RoleModelMutations
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
from service.usecases.review import pilot, shadow
from service.usecases.review.calibration import save_calibration_record
from service.usecases.scoring import appeals, corrections, ingest
from service.usecases.scoring.idempotency import ingest_once
from service.usecases.setup import cycles, kpis, organisation
from service.usecases.setup.policy_change import update_policy


@strawberry.type(description="How many rows a bulk upsert created, updated and left unchanged.")
class UpsertReport:
    created: int = strawberry.field(description="Rows that were new.")
    updated: int = strawberry.field(description="Rows that existed and changed.")
    unchanged: int = strawberry.field(
        description="Rows that existed and were already so (nothing written)."
    )


@strawberry.type(
    description="What a batch of observations or feedback did: accepted, duplicates, late and "
    "refused rows."
)
class IngestReport:
    accepted: int = strawberry.field(
        description="Rows written (under KEEP_VALID the good ones; under ALL_OR_NOTHING all"
        " or 0). Late rows are among them."
    )
    duplicates: int = strawberry.field(
        description="Rows already recorded (same source, KPI and externalId, same values): "
        "not counted again."
    )
    late: int = strawberry.field(
        description="Accepted rows that fall on a day of a FINALIZED cycle that covered "
        "their employee or team: they do not change it, but count in any open "
        "cycle."
    )
    rejected: list[FieldError] = strawberry.field(
        description="The rows refused, by `row` (0-based) and field; none written under "
        "ALL_OR_NOTHING when there is one."
    )


@strawberry.type(description="The saved scorecard's version, whether it changed, and its warnings.")
class ScorecardSaved:
    version: int = strawberry.field(
        description="The scorecard's version after the save; send it as `expectedVersion` "
        "next time."
    )
    changed: bool = strawberry.field(
        description="False when the scorecard was already so (nothing written)."
    )
    warnings: list[str] = strawberry.field(
        description="The SCORING §8 warnings of the saved scorecard, as sentences; saved "
        "all the same."
    )


@strawberry.type(description="A scorecard whose scores the policy change moved (SCORING §8).")
class MovedScorecard:
    cycle_code: str = strawberry.field(description="The cycle's code.")
    position_code: str = strawberry.field(description="The position's code.")
    to_no_data: int = strawberry.field(description="Scores that had a total and now have none.")
    from_no_data: int = strawberry.field(description="Scores that had none and now have a total.")


@strawberry.type(description="The saved policy's version and the scorecards whose scores it moved.")
class PolicySaved:
    version: int = strawberry.field(
        description="The policy's version after the save; send it as `expectedVersion` next time."
    )
    changed: bool = strawberry.field(
        description="False when the policy was already so (nothing written, no score moved)."
    )
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


# The arguments of the shadow scorecard's mutations.
OpenCycleArg = Annotated[str, strawberry.argument(description="A cycle in ACTIVE or REVIEW.")]
PositionArg = Annotated[str, strawberry.argument(description="The position.")]
ShadowVersionArg = Annotated[
    int | None, strawberry.argument(description="The shadow scorecard's version read, if any.")
]


async def _scorecard_saved(
    save: Callable[..., Awaitable[cycles.ScorecardSaved]],
    info: Info,
    lines: list[ScorecardLineInput],
    **fields: Any,
) -> ScorecardSaved:
    """Save a live or a shadow scorecard (`save`: the use case) from the API's lines."""
    saved = await save(
        actor=info.context.actor_checked, lines=[line.to_usecase() for line in lines], **fields
    )
    return ScorecardSaved(
        version=saved.version,
        changed=saved.changed,
        warnings=[w.message for w in saved.warnings],
    )


async def _score_of(cycle_code: str, employee_external_id: str, lang: str) -> Score:
    row = await ScoreRow.get(cycle__code=cycle_code, employee__external_id=employee_external_id)
    return Score.from_row(row, lang)


@strawberry.type(
    description="Writes: setup (admins), ingest (integration tokens), people (managers and "
    "employees). Refusals come back as data."
)
class Mutation(
    GoalMutations,
    CheckInMutations,
    FeedbackNoteMutations,
    DevelopmentMutation,
    RecognitionMutations,
    RoleModelMutations,
):
    @strawberry.mutation(description="Sign in: returns a bearer token (30 days).")
    async def login(
        self,
        info: Info,
        email: Annotated[
            str,
            strawberry.argument(description="The account's email (compared case-insensitively)."),
        ],
        password: Annotated[str, strawberry.argument(description="The account's password.")],
    ) -> LoginResult:
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
    async def revoke_token(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The token's global id (`Token.id`, from `viewer.tokens`)."
            ),
        ],
    ) -> DoneResult:
        actor = info.context.actor_checked
        _type, pk = parse_global_id(id, "Token")
        await revoke_token(actor=actor, token_id=pk)
        return Done(ok=True)

    # --- setup (admin) -------------------------------------------------------------

    @strawberry.mutation(
        description="Admins: create or update teams by code, in one transaction (all or "
        "nothing). A parent may be listed in the same batch, before or after "
        "its children.",
        extensions=[readers()],
    )
    @errors_as_data
    async def upsert_teams(
        self,
        info: Info,
        teams: Annotated[
            list[TeamInput],
            strawberry.argument(description="The teams; each one's fields are set as given."),
        ],
    ) -> UpsertResult:
        actor = info.context.actor_checked
        return _upserted(
            await organisation.upsert_teams(actor=actor, teams=[t.to_usecase() for t in teams])
        )

    @strawberry.mutation(
        description="Admins: create or update positions by code, in one transaction (all or"
        " nothing).",
        extensions=[readers()],
    )
    @errors_as_data
    async def upsert_positions(
        self,
        info: Info,
        positions: Annotated[
            list[PositionInput], strawberry.argument(description="The positions.")
        ],
    ) -> UpsertResult:
        actor = info.context.actor_checked
        return _upserted(
            await organisation.upsert_positions(
                actor=actor, positions=[p.to_usecase() for p in positions]
            )
        )

    @strawberry.mutation(
        description="Admins: create or update employees by external id, in one transaction "
        "(all or nothing). Scores follow a change of team, position or dates.",
        extensions=[readers()],
    )
    @errors_as_data
    async def upsert_employees(
        self,
        info: Info,
        employees: Annotated[
            list[EmployeeInput],
            strawberry.argument(
                description="The employees; each one's fields are set as given (a field left out is"
                " cleared)."
            ),
        ],
    ) -> UpsertResult:
        actor = info.context.actor_checked
        return _upserted(
            await organisation.upsert_employees(
                actor=actor, employees=[e.to_usecase() for e in employees]
            )
        )

    @strawberry.mutation(
        description="Admins: create or update KPIs by code, in one transaction (all or "
        "nothing). Each KPI may carry the version it was based on; changing the kind, direction, "
        "aggregation or range of a KPI a cycle past DRAFT uses is refused.",
        extensions=[readers()],
    )
    @errors_as_data
    async def upsert_kpis(
        self,
        info: Info,
        kpis_: Annotated[
            list[KpiInput],
            strawberry.argument(
                name="kpis",
                description="The KPIs; each may carry the `expectedVersion` it is based on.",
            ),
        ],
    ) -> UpsertResult:
        actor = info.context.actor_checked
        return _upserted(await kpis.upsert_kpis(actor=actor, kpis=[k.to_usecase() for k in kpis_]))

    @strawberry.mutation(
        description="Admins: create a DRAFT cycle, or update the DRAFT cycle with this code (sent "
        "again unchanged, it is returned as it is; a cycle past DRAFT keeps its dates and "
        "scope: InvalidStateError).",
        extensions=[readers()],
    )
    @errors_as_data
    async def create_cycle(
        self,
        info: Info,
        cycle: Annotated[CycleInput, strawberry.argument(description="The new cycle.")],
    ) -> CycleResult:
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
        cycle_code: Annotated[
            str, strawberry.argument(description="The cycle, in DRAFT or ACTIVE.")
        ],
        position_code: Annotated[str, strawberry.argument(description="The position it scores.")],
        lines: Annotated[
            list[ScorecardLineInput],
            strawberry.argument(
                description="Every line of the scorecard (it is replaced whole); weights add up to "
                "exactly 100."
            ),
        ],
        reason: Annotated[
            str | None,
            strawberry.argument(
                description="Why it changes; required in ACTIVE (the scores follow) and written to "
                "the audit log."
            ),
        ] = None,
        expected_version: Annotated[
            int | None,
            strawberry.argument(
                description="The `Scorecard.version` your edit is based on; refused as a "
                "ConflictError when someone saved since. Null: no check."
            ),
        ] = None,
    ) -> ScorecardResult:
        return await _scorecard_saved(
            cycles.save_scorecard,
            info,
            lines,
            cycle_code=cycle_code,
            position_code=position_code,
            expected_version=expected_version,
            reason=reason,
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
        cycle_code: Annotated[str, strawberry.argument(description="The cycle to move.")],
        to: Annotated[
            CycleStateEnum,
            strawberry.argument(
                description="The next state: ACTIVE from DRAFT, REVIEW from ACTIVE, FINALIZED from "
                "REVIEW."
            ),
        ],
        reason: Annotated[
            str | None, strawberry.argument(description="Why, for the audit log; optional.")
        ] = None,
        override_reason: Annotated[
            str | None,
            strawberry.argument(
                description="To FINALIZED only: finalise despite open appeals or missing MANAGER "
                "reviews, with this reason (audited)."
            ),
        ] = None,
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
        description="Save a position's shadow scorecard on a cycle in ACTIVE or REVIEW "
        "(SCORING §13), checked like a live one (§8); no score moves. Refused when someone "
        "saved after `expectedVersion`.",
        extensions=[admins()],
    )
    @errors_as_data
    async def set_shadow_scorecard(
        self,
        info: Info,
        cycle_code: OpenCycleArg,
        position_code: PositionArg,
        lines: Annotated[
            list[ScorecardLineInput], strawberry.argument(description="The shadow lines.")
        ],
        expected_version: ShadowVersionArg = None,
    ) -> ScorecardResult:
        return await _scorecard_saved(
            shadow.save_shadow_scorecard,
            info,
            lines,
            cycle_code=cycle_code,
            position_code=position_code,
            expected_version=expected_version,
        )

    @strawberry.mutation(
        description="Delete a position's shadow scorecard on a cycle in ACTIVE or REVIEW "
        "(SCORING §13); no score moves. Audited. Refused when someone saved after "
        "`expectedVersion`. Returns the cycle.",
        extensions=[admins()],
    )
    @errors_as_data
    async def delete_shadow_scorecard(
        self,
        info: Info,
        cycle_code: OpenCycleArg,
        position_code: PositionArg,
        expected_version: ShadowVersionArg = None,
    ) -> CycleResult:
        await shadow.delete_shadow_scorecard(
            actor=info.context.actor_checked,
            cycle_code=cycle_code,
            position_code=position_code,
            expected_version=expected_version,
        )
        return Cycle.from_row(await CycleRow.get(code=cycle_code))

    @strawberry.mutation(
        description="Promote every position's shadow scorecard at once (SCORING §13): a new "
        "DRAFT cycle whose scorecards are the shadow ones where a position has one and the "
        "live ones elsewhere, with the same pilot scope. Audited.",
        extensions=[admins()],
    )
    @errors_as_data
    async def promote_shadow_scorecard(
        self,
        info: Info,
        cycle_code: Annotated[str, strawberry.argument(description="The cycle with shadows.")],
        new_cycle_code: NewCycleCodeArg,
        name: NewCycleNameArg,
        starts_on: NewCycleStartsOnArg,
        ends_on: NewCycleEndsOnArg,
    ) -> CycleResult:
        row = await shadow.promote_shadow_scorecards(
            actor=info.context.actor_checked,
            cycle_code=cycle_code,
            new_cycle_code=new_cycle_code,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        return Cycle.from_row(row)

    @strawberry.mutation(
        description="Roll a pilot out (SCORING §13): a new DRAFT cycle with the pilot "
        "cycle's scorecards and no pilot scope. Audited.",
        extensions=[admins()],
    )
    @errors_as_data
    async def roll_out_pilot(
        self,
        info: Info,
        cycle_code: Annotated[str, strawberry.argument(description="A cycle with a pilot scope.")],
        new_cycle_code: NewCycleCodeArg,
        name: NewCycleNameArg,
        starts_on: NewCycleStartsOnArg,
        ends_on: NewCycleEndsOnArg,
    ) -> CycleResult:
        row = await pilot.roll_out_pilot(
            actor=info.context.actor_checked,
            cycle_code=cycle_code,
            new_cycle_code=new_cycle_code,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        return Cycle.from_row(row)

    @strawberry.mutation(
        description="Change policy settings (the others stay as they are).", extensions=[admins()]
    )
    @errors_as_data
    async def update_policy(
        self,
        info: Info,
        policy: Annotated[
            PolicyInput,
            strawberry.argument(
                description="The settings to change; those left out stay as they are."
            ),
        ],
        expected_version: Annotated[
            int | None,
            strawberry.argument(
                description="The policy version your edit is based on (`PolicySaved.version`); "
                "refused as a ConflictError when someone saved since. Null: no check."
            ),
        ] = None,
        reason: Annotated[
            str | None, strawberry.argument(description="Why, for the audit log.")
        ] = None,
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
        observations: Annotated[
            list[ObservationInput],
            strawberry.argument(
                description="The rows; bad ones come back in `rejected` by 0-based index."
            ),
        ],
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="1 to 128 characters, e.g. a UUID per batch: the same key with the same"
                " payload (same caller, kept 7 days) returns the first report and "
                "writes nothing; with another payload it is a ConflictError. Null: no key; "
                "a retried batch is then held back only by each row's externalId (a row "
                "seen before is a duplicate)."
            ),
        ] = None,
        mode: Annotated[
            IngestModeEnum,
            strawberry.argument(description="ALL_OR_NOTHING (the default) or KEEP_VALID."),
        ] = IngestModeEnum.ALL_OR_NOTHING,
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
        feedback: Annotated[
            list[FeedbackInput],
            strawberry.argument(
                description="The ratings; bad ones come back in `rejected` by 0-based index."
            ),
        ],
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="1 to 128 characters, e.g. a UUID per batch: the same key with the same"
                " payload (same caller, kept 7 days) returns the first report and "
                "writes nothing; with another payload it is a ConflictError."
            ),
        ] = None,
        mode: Annotated[
            IngestModeEnum,
            strawberry.argument(description="ALL_OR_NOTHING (the default) or KEEP_VALID."),
        ] = IngestModeEnum.ALL_OR_NOTHING,
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
        cycle_code: Annotated[str, strawberry.argument(description="A cycle in ACTIVE or REVIEW.")],
        employee_external_id: Annotated[
            str, strawberry.argument(description="Whom you rate (yourself for SELF).")
        ],
        kpi_code: Annotated[
            str, strawberry.argument(description="A QUALITATIVE KPI on their scorecard.")
        ],
        kind: Annotated[
            ReviewKind,
            strawberry.argument(
                description="MANAGER (you manage them, or are an admin; never yourself) or SELF "
                "(your own, shown and not counted)."
            ),
        ],
        rating: Annotated[
            Decimal,
            strawberry.argument(
                description="On the KPI's scale (1-5 by default), at most 4 places."
            ),
        ],
        comment: Annotated[
            str,
            strawberry.argument(
                description="Why; shown with the rating to whoever may see the score."
            ),
        ] = "",
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
        cycle_code: Annotated[
            str, strawberry.argument(description="The cycle of the score, open (ACTIVE or REVIEW).")
        ],
        employee_external_id: Annotated[
            str,
            strawberry.argument(
                description="Whose score: someone you manage (admins: anyone), never yourself."
            ),
        ],
        points: Annotated[
            Decimal,
            strawberry.argument(
                description="Signed points, at most 2 places; the score's net adjustments must stay"
                " within the policy's cap. Not on a NO_DATA score."
            ),
        ],
        reason: Annotated[
            str,
            strawberry.argument(description="Why; required, shown to the employee and audited."),
        ],
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
    async def void_observation(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The observation's global id (`Observation.id`)."),
        ],
        reason: Annotated[
            str,
            strawberry.argument(description="Why it is wrong; required, kept with it and audited."),
        ],
    ) -> VoidResult:
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
        cycle_code: Annotated[
            str, strawberry.argument(description="The cycle of the score, in ACTIVE or REVIEW.")
        ],
        reason: Annotated[str, strawberry.argument(description="What you question and why.")],
        line: Annotated[
            int | None,
            strawberry.argument(
                description="The line's 1-based number in `Score.lines`; null: the whole score."
            ),
        ] = None,
        employee_external_id: Annotated[
            str | None,
            strawberry.argument(
                description="Whose score; null: your own (admins may name anyone)."
            ),
        ] = None,
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
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The appeal's global id (`Appeal.id`).")
        ],
        outcome: Annotated[AppealOutcome, strawberry.argument(description="ACCEPTED or REJECTED.")],
        note: Annotated[
            str, strawberry.argument(description="The answer to the employee; required.")
        ],
        adjustment_points: Annotated[
            Decimal | None,
            strawberry.argument(
                description="ACCEPTED: signed points to adjust the score by, within the cap. Give "
                "this or `voidObservationId`, not both."
            ),
        ] = None,
        void_observation_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="ACCEPTED: the global id of an observation of the score to void."
            ),
        ] = None,
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

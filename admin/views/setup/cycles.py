"""Cycles: create, state bar and transitions, warnings, scorecard editor, payroll CSV."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import cast
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from admin.web import _, checked_form, guarded, redirect, render, require, say, signed_in, state
from service.errors import (
    InvalidTransition,
    Issue,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from service.models import (
    OPEN_CYCLE_STATES,
    AccessLevel,
    Appeal,
    AppealState,
    CalibrationRecord,
    Cycle,
    CyclePilotTeam,
    CycleState,
    Employee,
    Kpi,
    Position,
    Scorecard,
    ScorecardLine,
    ShadowScorecard,
    ShadowScorecardLine,
    Team,
)
from service.scoring import is_customer_satisfaction
from service.scoring.types import KpiKind, Method, Policy, Scope
from service.sql import int_values
from service.usecases.csv_export import csv_text
from service.usecases.inputs import CycleInput, ScorecardLineInput
from service.usecases.parsing import (
    ParseError,
    largest_key,
    parse_decimal,
    scaled_to_text,
    whole_or_none,
)
from service.usecases.review.shadow import save_shadow_scorecard
from service.usecases.scoring.engine_inputs import kpi_to_engine
from service.usecases.scoring.finalize import finalisation_problems
from service.usecases.scoring.results import payroll_results
from service.usecases.setup.cycles import (
    activation_blockers,
    create_cycle,
    cycle_warnings,
    save_scorecard,
    scorecard_errors,
    transition_cycle,
)
from service.usecases.setup.policy import load_policy

VIEWERS = (AccessLevel.ADMIN, AccessLevel.MANAGER)
# The columns `fairscore results` prints, in its order.
RESULT_COLUMNS = [
    "employee_external_id",
    "employee_name",
    "status",
    "state",
    "total",
    "band",
    "multiplier",
    "status_reason",
]
_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.([A-Za-z_]+)")
_ROW_KEY = re.compile(r"^lines-([0-9]{1,4})-")
_ROW_FIELDS = (
    "kpi",
    "scope",
    "weight",
    "method",
    "threshold",
    "target",
    "stretch",
    "bands",
    "min_samples",
)
# Issue attributes (engine or use case) -> the row's input.
_ROW_ATTRIBUTE = {"minSamples": "min_samples", "kpiCode": "kpi"}
MAX_LINES = 40


def _conn() -> BaseDBAsyncClient:
    connection: BaseDBAsyncClient = get_connection("default")
    return connection


def _not_found(request: Request, message: str) -> Response:
    return render(request, "error.html", {"message": message}, status=404)


def _url(*parts: str) -> str:
    return "/admin/cycles/" + "/".join(quote(part, safe="") for part in parts)


# --- the list and creating a cycle ---------------------------------------------------


@guarded
async def cycle_list(request: Request) -> Response:
    require(request, *VIEWERS)
    cycles = await Cycle.all().order_by("-starts_on", "code")
    counts = Counter(await int_values(Scorecard.all().values_list("cycle_id", flat=True)))
    return render(request, "cycles/list.html", {"cycles": cycles, "card_counts": counts})


@dataclass
class CycleForm:
    values: dict[str, str]
    pilot_teams: list[str]
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None


async def _new_page(request: Request, form: CycleForm, status: int = 200) -> Response:
    teams = await Team.all().order_by("code")
    return render(request, "cycles/new.html", {"form": form, "teams": teams}, status=status)


@guarded
async def cycle_new(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    empty = {"code": "", "name": "", "starts_on": "", "ends_on": ""}
    return await _new_page(request, CycleForm(empty, []))


def _parse_day(request: Request, form: CycleForm, name: str) -> date | None:
    raw = form.values[name]
    if not raw:
        form.errors[name] = _(request, "is required")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        form.errors[name] = _(request, "write the date like 2026-03-31")
        return None


_CYCLE_FIELD = {"code": "code", "name": "name", "endsOn": "ends_on", "startsOn": "starts_on"}


@guarded
async def cycle_create(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    posted = await checked_form(request)
    values = {
        name: str(posted.get(name, "")).strip() for name in ("code", "name", "starts_on", "ends_on")
    }
    form = CycleForm(values, [str(v) for v in posted.getlist("pilot_teams") if str(v)])
    starts_on = _parse_day(request, form, "starts_on")
    ends_on = _parse_day(request, form, "ends_on")
    for name, limit in (("code", 64), ("name", 200)):
        if not values[name]:
            form.errors[name] = _(request, "is required")
        elif len(values[name]) > limit:
            form.errors[name] = _(request, "use at most {count} characters", count=limit)
    if values["code"] and await Cycle.exists(code=values["code"]):
        form.errors["code"] = _(request, "a cycle with this code exists already")
    if form.errors or starts_on is None or ends_on is None:
        return await _new_page(request, form, status=400)
    try:
        await create_cycle(
            actor=actor,
            cycle=CycleInput(
                code=values["code"],
                name=values["name"],
                starts_on=starts_on,
                ends_on=ends_on,
                pilot_team_codes=tuple(form.pilot_teams),
            ),
        )
    except ValidationFailed as failed:
        for issue in failed.issues:
            name = _CYCLE_FIELD.get(issue.field, "pilot_teams")
            form.errors[name] = say(request, issue)
        return await _new_page(request, form, status=400)
    except InvalidTransition as refused:  # created meanwhile by someone else and moved on
        form.message = say(request, refused)
        return await _new_page(request, form, status=409)
    return redirect(_url(values["code"]))


# --- the cycle page ------------------------------------------------------------------


@dataclass
class CardSummary:
    position: Position
    employees: int
    card: Scorecard | None = None
    lines: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def _cards(request: Request, cycle: Cycle, policy: Policy) -> list[CardSummary]:
    positions = await Position.all().order_by("code")
    cards = {
        card.position_id: card
        for card in await Scorecard.filter(cycle_id=cycle.id).prefetch_related(
            "lines", "lines__kpi"
        )
    }
    staffed = Counter(
        await int_values(
            Employee.filter(position_id__isnull=False).values_list("position_id", flat=True)
        )
    )
    summaries = []
    for position in positions:
        summary = CardSummary(position, staffed.get(position.id, 0), cards.get(position.id))
        if summary.card is not None:
            rows = sorted(summary.card.lines, key=lambda r: r.ordinal)
            summary.lines = len(rows)
            summary.errors = [say(request, e) for e in scorecard_errors(summary.card, policy)]
            summary.warnings = [say(request, w) for w in summary.card.warnings or []]
        if summary.card is not None or summary.employees:
            summaries.append(summary)
    return summaries


@dataclass
class Step:
    state: CycleState
    status: str  # done | current | next | later
    needs: list[str]
    blockers: list[str]
    checked: bool = True  # whether the blockers were looked for (Ready. means something)


async def _steps(request: Request, cycle: Cycle, policy: Policy) -> tuple[list[Step], list[str]]:
    """The state bar, and what stands in the way of the next transition: to ACTIVE, what
    `transition_cycle` refuses on (`activation_blockers`), grouped by position."""
    blockers: list[str] = []
    nxt = cycle.state.next
    if nxt is CycleState.ACTIVE:
        found = await activation_blockers(_conn(), cycle, policy)
        for position, group in groupby(found, key=lambda b: b.position):
            said = [say(request, b.issue) for b in group]
            if position is None:  # no scorecard is saved
                blockers += said
                continue
            blockers.append(
                _(
                    request,
                    "The scorecard of {position} has errors: {errors}",
                    position=position,
                    errors="; ".join(said),
                )
            )
    finalising: list[str] = []
    # The problems name employees (any team): only admins, who may finalise, see them.
    actor = state(request).actor
    sees_problems = actor is not None and actor.is_admin
    if sees_problems and cycle.state in OPEN_CYCLE_STATES:
        finalising = [say(request, p) for p in await finalisation_problems(_conn(), cycle)]
    if nxt is CycleState.FINALIZED:
        blockers = finalising
    needs = {
        CycleState.DRAFT: [_(request, "Scorecards are edited; there are no scores yet.")],
        CycleState.ACTIVE: [
            _(request, "At least one scorecard, and every scorecard valid."),
            _(request, "Scorecards change from here on only with a reason."),
        ],
        CycleState.REVIEW: [
            _(request, "Nothing more: scores stay provisional and follow the data."),
        ],
        CycleState.FINALIZED: [
            _(request, "No open appeals."),
            _(request, "A manager's rating on every rated line of every scored employee."),
            _(request, "Otherwise an admin may finalise with an override reason."),
        ],
    }
    lifecycle = list(CycleState)
    position = lifecycle.index(cycle.state)
    steps = []
    for index, step_state in enumerate(lifecycle):
        if index < position:
            status = "done"
        elif index == position:
            status = "current"
        elif index == position + 1:
            status = "next"
        else:
            status = "later"
        shown = blockers if status == "next" else []
        if step_state is CycleState.FINALIZED and status == "later":
            shown = finalising  # what would stop it today, so nobody is surprised in REVIEW
        checked = sees_problems or step_state is not CycleState.FINALIZED
        steps.append(Step(step_state, status, needs[step_state], shown, checked))
    return steps, blockers


async def _cycle_page(
    request: Request,
    cycle: Cycle,
    *,
    status: int = 200,
    error: str | None = None,
    error_items: list[str] | None = None,
    posted: dict[str, str] | None = None,
) -> Response:
    policy, _version = await load_policy(_conn())
    cards = await _cards(request, cycle, policy)
    steps, blockers = await _steps(request, cycle, policy)
    pilots = [
        p.team for p in await CyclePilotTeam.filter(cycle_id=cycle.id).prefetch_related("team")
    ]
    return render(
        request,
        "cycles/detail.html",
        {
            "cycle": cycle,
            "steps": steps,
            "next_state": cycle.state.next,
            "blockers": blockers,
            "cards": cards,
            "pilots": sorted(pilots, key=lambda t: t.code),
            "warnings": [
                say(request, w)
                for w in await cycle_warnings(_conn(), cycle, actor=signed_in(request))
            ],
            "open_appeals": await Appeal.filter(cycle_id=cycle.id, state=AppealState.OPEN).count(),
            "record": await CalibrationRecord.get_or_none(cycle_id=cycle.id),
            "shadows": {
                s.position_id: s.version for s in await ShadowScorecard.filter(cycle_id=cycle.id)
            },
            "error": error,
            "error_items": error_items or [],
            "posted": posted or {"reason": "", "override_reason": ""},
            "done": request.query_params.get("moved"),
        },
        status=status,
    )


@guarded
async def cycle_detail(request: Request) -> Response:
    require(request, *VIEWERS)
    code = request.path_params["code"]
    cycle = await Cycle.get_or_none(code=code)
    if cycle is None:
        return _not_found(request, _(request, "No cycle has the code {code}.", code=code))
    return await _cycle_page(request, cycle)


@guarded
async def cycle_transition(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    posted = await checked_form(request)
    code = request.path_params["code"]
    cycle = await Cycle.get_or_none(code=code)
    if cycle is None:
        return _not_found(request, _(request, "No cycle has the code {code}.", code=code))
    target = str(posted.get("to", ""))
    reason = str(posted.get("reason", "")).strip()
    override = str(posted.get("override_reason", "")).strip()
    kept = {"reason": reason, "override_reason": override}
    try:
        await transition_cycle(
            actor=actor,
            cycle_code=code,
            to=target,
            reason=reason or None,
            override_reason=override or None,
        )
    except ValidationFailed as failed:
        current = await Cycle.get(id=cycle.id)
        return await _cycle_page(
            request,
            current,
            status=400,
            error=_(request, "The cycle did not move."),
            error_items=[_(request, i.describe()) for i in failed.issues],
            posted=kept,
        )
    except (InvalidTransition, NotFound, PermissionDenied) as refused:
        current = await Cycle.get(id=cycle.id)
        status = 403 if isinstance(refused, PermissionDenied) else 409
        return await _cycle_page(
            request, current, status=status, error=say(request, refused), posted=kept
        )
    return redirect(_url(code) + "?moved=" + quote(target))


@guarded
async def results_csv(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    code = request.path_params["code"]
    cycle = await Cycle.get_or_none(code=code)
    if cycle is None:
        return _not_found(request, _(request, "No cycle has the code {code}.", code=code))
    if cycle.state is not CycleState.FINALIZED:
        return render(
            request,
            "error.html",
            {"message": _(request, "Payroll results are ready once the cycle is FINALIZED.")},
            status=409,
        )
    rows = await payroll_results(_conn(), cycle_code=code)
    text = csv_text(
        RESULT_COLUMNS,
        [[getattr(row, name) for name in RESULT_COLUMNS] for row in rows],
        numeric=("total", "multiplier"),
    )
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", code) + "-results.csv"
    return Response(
        # With a byte-order mark so spreadsheets read Chinese names as UTF-8.
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- the scorecard editor ------------------------------------------------------------


@dataclass
class Row:
    """One line as the form holds it: text as typed, and the messages per input."""

    kpi: str = ""
    scope: str = Scope.INDIVIDUAL.value
    weight: str = ""
    method: str = Method.LINEAR.value
    threshold: str = ""
    target: str = ""
    stretch: str = ""
    bands: str = ""
    min_samples: str = "1"
    errors: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not any(
            (self.kpi, self.weight, self.threshold, self.target, self.stretch, self.bands)
        )


def _rows_from_form(form: FormData) -> list[Row]:
    indices = sorted({int(found.group(1)) for key in form if (found := _ROW_KEY.match(key))})[
        :MAX_LINES
    ]
    rows = []
    for index in indices:

        def get(name: str, default: str = "", index: int = index) -> str:
            return str(form.get(f"lines-{index}-{name}", default)).strip()

        rows.append(
            Row(
                kpi=get("kpi"),
                scope=get("scope", Scope.INDIVIDUAL.value),
                weight=get("weight"),
                method=get("method", Method.LINEAR.value),
                threshold=get("threshold"),
                target=get("target"),
                stretch=get("stretch"),
                bands=get("bands"),
                min_samples=get("min_samples", "1"),
            )
        )
    return rows


def _rows_from_card(card: Scorecard | ShadowScorecard | None) -> list[Row]:
    if card is None:
        return [Row()]
    rows = []
    lines = cast(list[ScorecardLine | ShadowScorecardLine], list(card.lines))
    for line in sorted(lines, key=lambda r: r.ordinal):
        rows.append(
            Row(
                kpi=line.kpi.code,
                scope=line.scope.value,
                weight=scaled_to_text(line.weight) or "",
                method=line.method.value,
                threshold=scaled_to_text(line.threshold) or "",
                target=scaled_to_text(line.target) or "",
                stretch=scaled_to_text(line.stretch) or "",
                bands=", ".join(f"{bound}:{points}" for bound, points in line.bands),
                min_samples=str(line.min_samples),
            )
        )
    return rows or [Row()]


def _bands(text: str) -> tuple[tuple[str, str], ...] | None:
    pairs = []
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        bound, colon, points = part.partition(":")
        if not colon or not bound or not points or ":" in points:
            return None
        pairs.append((bound, points))
    return tuple(pairs)


def _line_inputs(request: Request, rows: list[Row]) -> list[ScorecardLineInput] | None:
    """The use case's input, or None with the rows' messages set where the text is not a line."""
    lines = []
    for row in rows:
        if not row.kpi:
            row.errors["kpi"] = _(request, "choose a KPI")
        bands = _bands(row.bands)
        if bands is None:
            row.errors["bands"] = _(
                request, "write the bands as bound:points pairs, e.g. 0:100, 1:80, 3:40"
            )
        # Any whole number: the use case says what range it must be in.
        found = whole_or_none(row.min_samples or "1", low=-(2**63))
        if found is None:
            row.errors["min_samples"] = _(request, "must be a whole number")
        min_samples = 1 if found is None else found
        lines.append(
            ScorecardLineInput(
                kpi_code=row.kpi,
                weight=row.weight,
                scope=row.scope,
                method=row.method,
                threshold=row.threshold or None,
                target=row.target or None,
                stretch=row.stretch or None,
                bands=bands or (),
                min_samples=min_samples,
            )
        )
    return None if any(row.errors for row in rows) else lines


def _place_issues(request: Request, rows: list[Row], issues: list[Issue]) -> dict[str, list[str]]:
    """Line issues onto their row's input; the rest by where they belong on the page."""
    placed: dict[str, list[str]] = {"total": [], "reason": [], "other": []}
    for issue in issues:
        message = say(request, issue)
        found = _LINE_FIELD.match(issue.field)
        if found and int(found.group(1)) < len(rows):
            attribute = _ROW_ATTRIBUTE.get(found.group(2), found.group(2))
            if attribute not in _ROW_FIELDS:
                attribute = "kpi"
            row = rows[int(found.group(1))]
            row.errors[attribute] = (
                f"{row.errors[attribute]}; {message}" if attribute in row.errors else message
            )
        elif issue.field == "lines":
            placed["total"].append(message)
        elif issue.field == "reason":
            placed["reason"].append(message)
        else:
            placed["other"].append(message)
    return placed


def _decimal(text: str) -> Decimal:
    # The live totals count what the use case would take; anything else counts 0.
    try:
        return parse_decimal(text, places=2)
    except ParseError:
        return Decimal(0)


@dataclass
class KpiChoice:
    code: str
    name: str
    kind: str
    csat: bool
    name_zh: str = ""


def _totals(rows: list[Row], kpis: dict[str, KpiChoice]) -> dict[str, Decimal]:
    # As admin.js computes them live: a line without a quantitative KPI counts as qualitative.
    total = quantitative = satisfaction = Decimal(0)
    for row in rows:
        weight = _decimal(row.weight)
        choice = kpis.get(row.kpi)
        total += weight
        if choice is not None and choice.kind == KpiKind.QUANTITATIVE.value:
            quantitative += weight
        if choice is not None and choice.csat:
            satisfaction += weight
    return {
        "weight": total,
        "quantitative": quantitative,
        "qualitative": total - quantitative,
        "satisfaction": satisfaction,
    }


@dataclass
class Editor:
    cycle: Cycle
    position: Position
    card: Scorecard | ShadowScorecard | None
    shadow: bool = False  # the position's shadow scorecard (SCORING.md §13)

    @property
    def url(self) -> str:
        if self.shadow:
            return _url(self.cycle.code, "shadow", self.position.code, "scorecard")
        return _url(self.cycle.code, "scorecards", self.position.code)

    @property
    def editable(self) -> bool:
        if self.shadow:
            return self.cycle.state in OPEN_CYCLE_STATES
        return self.cycle.state in (CycleState.DRAFT, CycleState.ACTIVE)


async def _editor(request: Request, *, shadow: bool = False) -> Editor | Response:
    code = request.path_params["code"]
    position_code = request.path_params["position"]
    cycle = await Cycle.get_or_none(code=code)
    if cycle is None:
        return _not_found(request, _(request, "No cycle has the code {code}.", code=code))
    position = await Position.get_or_none(code=position_code)
    if position is None:
        return _not_found(
            request, _(request, "No position has the code {code}.", code=position_code)
        )
    card: Scorecard | ShadowScorecard | None = await (
        ShadowScorecard if shadow else Scorecard
    ).get_or_none(cycle_id=cycle.id, position_id=position.id)
    if card is not None:
        await card.fetch_related("lines", "lines__kpi")
    return Editor(cycle, position, card, shadow)


async def _editor_page(
    request: Request,
    editor: Editor,
    rows: list[Row],
    *,
    version: int | None,
    reason: str = "",
    placed: dict[str, list[str]] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    policy, _policy_version = await load_policy(_conn())
    kpis = {
        k.code: KpiChoice(
            k.code,
            k.name,
            k.kind.value,
            is_customer_satisfaction(kpi_to_engine(k), policy),
            k.name_zh,
        )
        for k in await Kpi.all().order_by("code")
    }
    notice = None
    if editor.shadow and request.query_params.get("saved") == "1" and editor.card is not None:
        notice = _(
            request,
            "Saved: the shadow scorecard is now at version {v}. No score moved; the shadow "
            "report shows what it would do.",
            v=editor.card.version,
        )
    elif editor.shadow and request.query_params.get("deleted") == "1" and editor.card is None:
        notice = _(request, "Deleted: the shadow scorecard is gone. No score moved.")
    elif request.query_params.get("saved") == "1" and status == 200 and editor.card is not None:
        notice = _(request, "Saved: the scorecard is now at version {v}.", v=editor.card.version)
    elif request.query_params.get("saved") == "0" and status == 200:
        notice = _(request, "Nothing changed; the scorecard is as it was.")
    return render(
        request,
        "cycles/scorecard.html",
        {
            "cycle": editor.cycle,
            "position": editor.position,
            "card": editor.card,
            "rows": rows,
            "kpis": kpis,
            "scopes": [s.value for s in Scope],
            "methods": [m.value for m in Method],
            "totals": _totals(rows, kpis),
            "version": version,
            "reason": reason,
            "placed": placed or {"total": [], "reason": [], "other": []},
            "message": message,
            "notice": notice,
            "editable": editor.editable,
            "needs_reason": editor.cycle.state is CycleState.ACTIVE and not editor.shadow,
            "shadow": editor.shadow,
            "editor_url": editor.url,
            "warnings": [say(request, w) for w in (editor.card.warnings or [])]
            if editor.card is not None
            else [],
            "max_lines": MAX_LINES,
        },
        status=status,
    )


@guarded
async def scorecard_page(request: Request) -> Response:
    return await scorecard_editor(request, shadow=False)


async def scorecard_editor(request: Request, *, shadow: bool) -> Response:
    """The scorecard editor, for a position's live scorecard or its shadow one (§13)."""
    require(request, AccessLevel.ADMIN)
    editor = await _editor(request, shadow=shadow)
    if isinstance(editor, Response):
        return editor
    return await _editor_page(
        request,
        editor,
        _rows_from_card(editor.card),
        version=editor.card.version if editor.card is not None else None,
    )


def _rearranged(action: str, rows: list[Row]) -> list[Row] | None:
    """The rows after add / remove-N / up-N / down-N; None for any other action."""
    if action == "refresh":
        return rows
    if action == "add":
        return [*rows, Row()] if len(rows) < MAX_LINES else rows
    verb, _dash, number = action.partition("-")
    index = whole_or_none(number, low=0, high=MAX_LINES)
    if verb not in ("remove", "up", "down") or index is None:
        return None
    if not 0 <= index < len(rows):
        return rows
    rows = list(rows)
    if verb == "remove":
        del rows[index]
        return rows or [Row()]
    other = index - 1 if verb == "up" else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    return rows


@guarded
async def scorecard_post(request: Request) -> Response:
    return await scorecard_editor_post(request, shadow=False)


async def scorecard_editor_post(request: Request, *, shadow: bool) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    posted = await checked_form(request)
    editor = await _editor(request, shadow=shadow)
    if isinstance(editor, Response):
        return editor
    rows = _rows_from_form(posted)
    raw_version = str(posted.get("expected_version", ""))
    version = whole_or_none(raw_version, high=largest_key(ShadowScorecard if shadow else Scorecard))
    reason = str(posted.get("reason", "")).strip()
    action = str(posted.get("action", "save"))
    rearranged = _rearranged(action, rows)
    if rearranged is not None:  # nothing is saved: the page comes back with the change
        return await _editor_page(request, editor, rearranged, version=version, reason=reason)
    rows = [row for row in rows if not row.is_empty()]
    lines = _line_inputs(request, rows)
    if lines is None:
        return await _editor_page(
            request,
            editor,
            rows or [Row()],
            version=version,
            reason=reason,
            message=_(request, "Nothing was saved: correct the marked fields."),
            status=400,
        )
    try:
        if shadow:
            saved = await save_shadow_scorecard(
                actor=actor,
                cycle_code=editor.cycle.code,
                position_code=editor.position.code,
                lines=lines,
                expected_version=version,
            )
        else:
            saved = await save_scorecard(
                actor=actor,
                cycle_code=editor.cycle.code,
                position_code=editor.position.code,
                lines=lines,
                expected_version=version,
                reason=reason or None,
            )
    except ValidationFailed as failed:
        placed = _place_issues(request, rows, failed.issues)
        return await _editor_page(
            request,
            editor,
            rows or [Row()],
            version=version,
            reason=reason,
            placed=placed,
            message=_(request, "Nothing was saved: correct the marked fields."),
            status=400,
        )
    except StaleVersion:
        current = editor.card.version if editor.card is not None else None
        return await _editor_page(
            request,
            editor,
            rows or [Row()],
            version=version,
            reason=reason,
            message=_(
                request,
                "Someone saved this scorecard first (it is now at version {current}); nothing "
                "was saved. Your lines are kept below: reload the page to see the saved "
                "version, then apply your change again.",
                current=current,
            ),
            status=409,
        )
    except InvalidTransition as refused:
        return await _editor_page(
            request,
            editor,
            rows or [Row()],
            version=version,
            reason=reason,
            message=say(request, refused),
            status=409,
        )
    return redirect(f"{editor.url}?saved={1 if saved.changed else 0}")


routes = [
    Route("/cycles", cycle_list, methods=["GET"]),
    Route("/cycles/new", cycle_new, methods=["GET"]),
    Route("/cycles/new", cycle_create, methods=["POST"]),
    Route("/cycles/{code}", cycle_detail, methods=["GET"]),
    Route("/cycles/{code}/transition", cycle_transition, methods=["POST"]),
    Route("/cycles/{code}/results.csv", results_csv, methods=["GET"]),
    Route("/cycles/{code}/scorecards/{position}", scorecard_page, methods=["GET"]),
    Route("/cycles/{code}/scorecards/{position}", scorecard_post, methods=["POST"]),
]

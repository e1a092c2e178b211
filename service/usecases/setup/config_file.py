"""Configuration as code: a YAML file describing the organisation, applied (docs/config.md).

The whole file is parsed and checked before anything is written, every problem named
by its path in the file (``kpis[3].direction``). It is then applied through the
ordinary use cases, in dependency order, inside one outer transaction: the use
cases' own transactions nest in it as savepoints, so a failure anywhere leaves the
database as it was. Applying the same file again changes nothing. Apply never
deletes: what the file does not mention is left alone.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml
from tortoise.transactions import in_transaction

from service.errors import Issue, Refusal, ValidationFailed
from service.models import Cycle, CycleState, Employee, Policy
from service.scoring.types import Aggregation, Direction, KpiKind, Method, Scope
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    KpiInput,
    PositionInput,
    ScorecardLineInput,
    TeamInput,
    UpsertReport,
)
from service.usecases.parsing import (
    MAX_NUMBER_TEXT,
    ParseError,
    parse_decimal,
    read_utf8_file,
)
from service.usecases.retries import retry_when_busy
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.kpis import upsert_kpis
from service.usecases.setup.organisation import upsert_employees, upsert_positions, upsert_teams
from service.usecases.setup.policy import validate_policy_data
from service.usecases.setup.policy_change import update_policy

T = TypeVar("T")

SECTIONS = ("policy", "positions", "teams", "employees", "kpis", "cycles")
_TEAM_KEYS = ("code", "name", "name_zh", "parent", "lead")
_POSITION_KEYS = ("code", "name", "name_zh")
_EMPLOYEE_KEYS = ("external_id", "name", "email", "team", "position", "hired_on", "left_on")
_KPI_KEYS = (
    "code",
    "name",
    "name_zh",
    "kind",
    "unit",
    "unit_zh",
    "direction",
    "aggregation",
    "param",
    "range",
    "scale",
    "tags",
)
_CYCLE_KEYS = ("code", "name", "starts_on", "ends_on", "pilot_teams", "state", "scorecards")
_LINE_KEYS = (
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
# A file may put a cycle in one of these; FINALIZED is a decision made in the admin.
_FILE_STATES = (CycleState.DRAFT, CycleState.ACTIVE, CycleState.REVIEW)


@dataclass(frozen=True, slots=True)
class CycleConfig:
    cycle: CycleInput
    state: CycleState | None  # None: leave the state as it is
    scorecards: tuple[tuple[str, tuple[ScorecardLineInput, ...]], ...]


@dataclass(frozen=True, slots=True)
class OrgConfig:
    policy: dict[str, Any] | None = None
    positions: tuple[PositionInput, ...] = ()
    teams: tuple[TeamInput, ...] = ()
    employees: tuple[EmployeeInput, ...] = ()
    kpis: tuple[KpiInput, ...] = ()
    cycles: tuple[CycleConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class SectionSummary:
    section: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(slots=True)
class ApplyReport:
    sections: list[SectionSummary] = field(default_factory=list)
    transitions: list[str] = field(default_factory=list)  # "2026-Q4: DRAFT -> ACTIVE"
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.transitions) or any(s.created or s.updated for s in self.sections)


class ApplyFailed(Refusal):
    """A step of the apply was refused; the message starts with the path in the file."""

    code = "APPLY_FAILED"


# --- reading the file ------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """Refuses a key given twice in one mapping (plain YAML keeps the last silently)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"the key {key!r} appears twice in one mapping; keep one",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node)


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # An impossible date such as 2026-13-01 stays text, so the check names its path.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # int() of thousands of digits is slow and then refused in Python's own words: a
    # "number" that long stays text, and the number check names its path.
    if len(str(node.value)) > MAX_NUMBER_TEXT:
        return loader.construct_scalar(node)
    return loader.construct_yaml_int(node)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


class _Reader:
    """Walks the parsed YAML, collecting every problem with its path."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def fail(self, path: str, message: str, code: str = "INVALID") -> None:
        self.issues.append(Issue(path, message, code))

    def mapping(self, raw: Any, path: str, keys: Sequence[str]) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.fail(
                path, f"must be a mapping of {', '.join(keys)}, not {_kind_of(raw)}", "WRONG_TYPE"
            )
            return None
        for key in raw:
            if key not in keys:
                hint = difflib.get_close_matches(str(key), keys, n=1)
                advice = f"did you mean {hint[0]!r}?" if hint else f"the keys are {', '.join(keys)}"
                self.fail(
                    f"{path}.{key}" if path else str(key),
                    f"is not a known key; {advice}",
                    "UNKNOWN_KEY",
                )
        return raw

    def each(
        self,
        raw: Any,
        path: str,
        keys: Sequence[str],
        read: Callable[[_Reader, Mapping[str, Any], str], T | None],
    ) -> tuple[T, ...]:
        """A list of mappings (``teams``, ``employees``, ...), each ``read`` at its path
        (``teams[2]``); an item with problems is left out, its problems named."""
        found = []
        for index, item in enumerate(self.items(raw, path)):
            where = f"{path}[{index}]"
            data = self.mapping(item, where, keys)
            if data is None:
                continue
            value = read(self, data, where)
            if value is not None:
                found.append(value)
        return tuple(found)

    def items(self, raw: Any, path: str) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.fail(path, f"must be a list, not {_kind_of(raw)}", "WRONG_TYPE")
            return []
        return raw

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        allow_int: bool = False,
    ) -> str | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                self.fail(where, "is required", "REQUIRED")
            return None
        if allow_int and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.fail(where, f"must be text, not {_kind_of(value)}; put it in quotes", "WRONG_TYPE")
            return None
        if required and not value.strip():
            self.fail(where, "is required", "REQUIRED")
            return None
        return value.strip()

    def number(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> str | None:
        return self.number_value(data.get(key), f"{path}.{key}", required=required)

    def number_value(self, value: Any, where: str, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.fail(where, "is required", "REQUIRED")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            self.fail(where, f"must be a number, not {_kind_of(value)}", "WRONG_TYPE")
            return None
        # repr of a float is the shortest text that reads back the same: 92.5 stays 92.5.
        text = repr(value) if isinstance(value, float) else str(value).strip()
        try:
            parse_decimal(text)
        except ParseError as error:
            self.issues.append(error.issue(where))
            return None
        return text

    def whole(self, data: Mapping[str, Any], key: str, path: str, default: int) -> int:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(f"{path}.{key}", "must be a whole number of at least 1", "WRONG_TYPE")
            return default
        return value

    def day(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> date | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                self.fail(where, "is required; write it like 2026-10-01", "REQUIRED")
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(where, f"{value!r} is not a date; write it like 2026-10-01", "INVALID_DATE")
        return None

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        allowed: Sequence[str],
        *,
        default: str | None = None,
    ) -> str | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None:
            if default is None:
                self.fail(where, f"is required; one of {', '.join(allowed)}", "REQUIRED")
            return default
        if not isinstance(value, str) or value.strip().upper() not in allowed:
            self.fail(where, f"{value!r} is not one of {', '.join(allowed)}", "INVALID_CHOICE")
            return None
        return value.strip().upper()

    def codes(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        found: list[str] = []
        for index, value in enumerate(self.items(data.get(key), f"{path}.{key}")):
            if not isinstance(value, str) or not value.strip():
                self.fail(f"{path}.{key}[{index}]", "must be text", "WRONG_TYPE")
                continue
            found.append(value.strip())
        return tuple(found)


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return f"{type(value).__name__} {value!r}"


def _enum_values(enum: Any) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _policy(reader: _Reader, raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        reader.fail(
            "policy", f"must be a mapping of policy settings, not {_kind_of(raw)}", "WRONG_TYPE"
        )
        return None

    def plain(value: Any) -> Any:
        # Policy numbers are exact decimals: hand them over as text, never as floats.
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    data = plain(raw)
    try:
        validate_policy_data(data)
    except ValidationFailed as failure:
        reader.issues.extend(failure.issues)
    return dict(data)


def _position(reader: _Reader, data: Mapping[str, Any], path: str) -> PositionInput | None:
    code = reader.text(data, "code", path, required=True)
    name = reader.text(data, "name", path, required=True)
    name_zh = reader.text(data, "name_zh", path) or ""
    if code and name:
        return PositionInput(code=code, name=name, name_zh=name_zh)
    return None


def _team(reader: _Reader, data: Mapping[str, Any], path: str) -> TeamInput | None:
    code = reader.text(data, "code", path, required=True)
    name = reader.text(data, "name", path, required=True)
    parent = reader.text(data, "parent", path)
    lead = reader.text(data, "lead", path, allow_int=True)
    name_zh = reader.text(data, "name_zh", path) or ""
    if code and name:
        return TeamInput(
            code=code,
            name=name,
            parent_code=parent,
            lead_external_id=lead,
            name_zh=name_zh,
        )
    return None


def _employee(reader: _Reader, data: Mapping[str, Any], path: str) -> EmployeeInput | None:
    external_id = reader.text(data, "external_id", path, required=True, allow_int=True)
    name = reader.text(data, "name", path, required=True)
    email = reader.text(data, "email", path)
    team = reader.text(data, "team", path)
    position = reader.text(data, "position", path)
    hired_on = reader.day(data, "hired_on", path, required=True)
    left_on = reader.day(data, "left_on", path)
    if external_id and name and hired_on:
        return EmployeeInput(
            external_id=external_id,
            name=name,
            hired_on=hired_on,
            email=email,
            team_code=team,
            position_code=position,
            left_on=left_on,
        )
    return None


def _kpi(reader: _Reader, data: Mapping[str, Any], path: str) -> KpiInput | None:
    code = reader.text(data, "code", path, required=True)
    name = reader.text(data, "name", path, required=True)
    kind = reader.choice(data, "kind", path, _enum_values(KpiKind))
    qualitative = kind == KpiKind.QUALITATIVE.value
    # A qualitative KPI is always rated higher-is-better and averaged over reviews.
    direction = reader.choice(
        data,
        "direction",
        path,
        _enum_values(Direction),
        default=Direction.HIGHER_IS_BETTER.value if qualitative else None,
    )
    aggregation = reader.choice(
        data,
        "aggregation",
        path,
        _enum_values(Aggregation),
        default=Aggregation.REVIEW_MEAN.value if qualitative else None,
    )
    unit = reader.text(data, "unit", path) or ""
    name_zh = reader.text(data, "name_zh", path) or ""
    unit_zh = reader.text(data, "unit_zh", path) or ""
    param = reader.number(data, "param", path)
    range_min, range_max = _range(reader, data, path)
    tags = reader.codes(data, "tags", path)
    if code and name and kind and direction and aggregation:
        return KpiInput(
            code=code,
            name=name,
            kind=kind,
            direction=direction,
            aggregation=aggregation,
            unit=unit,
            name_zh=name_zh,
            unit_zh=unit_zh,
            aggregation_param=param,
            range_min=range_min,
            range_max=range_max,
            tags=tags,
        )
    return None


def _range(reader: _Reader, data: Mapping[str, Any], path: str) -> tuple[str | None, str | None]:
    if data.get("range") is not None and data.get("scale") is not None:
        reader.fail(f"{path}.scale", "give either range or scale, not both", "CONFLICT")
        return None, None
    scale = data.get("scale")
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2:
            reader.fail(
                f"{path}.scale",
                "must be the top of a 1-to-N rating scale, a whole number of at least 2 (e.g. 5)",
                "WRONG_TYPE",
            )
            return None, None
        return "1", str(scale)
    value = data.get("range")
    if value is None:
        return None, None
    if not isinstance(value, list) or len(value) != 2:
        reader.fail(f"{path}.range", "must be [min, max] (either may be null)", "WRONG_TYPE")
        return None, None
    low = reader.number_value(value[0], f"{path}.range[0]")
    high = reader.number_value(value[1], f"{path}.range[1]")
    return low, high


def _line(reader: _Reader, data: Mapping[str, Any], where: str) -> ScorecardLineInput | None:
    kpi = reader.text(data, "kpi", where, required=True)
    scope = reader.choice(data, "scope", where, _enum_values(Scope), default=Scope.INDIVIDUAL.value)
    method = reader.choice(data, "method", where, _enum_values(Method), default=Method.LINEAR.value)
    weight = reader.number(data, "weight", where, required=True)
    threshold = reader.number(data, "threshold", where)
    target = reader.number(data, "target", where)
    stretch = reader.number(data, "stretch", where)
    min_samples = reader.whole(data, "min_samples", where, 1)
    bands: list[tuple[str, str]] = []
    for band_index, band in enumerate(reader.items(data.get("bands"), f"{where}.bands")):
        band_path = f"{where}.bands[{band_index}]"
        if not isinstance(band, list) or len(band) != 2:
            reader.fail(band_path, "must be a [bound, points] pair", "WRONG_TYPE")
            continue
        bound = reader.number_value(band[0], f"{band_path}[0]", required=True)
        points = reader.number_value(band[1], f"{band_path}[1]", required=True)
        if bound is not None and points is not None:
            bands.append((bound, points))
    if kpi and scope and method and weight:
        return ScorecardLineInput(
            kpi_code=kpi,
            weight=weight,
            scope=scope,
            method=method,
            threshold=threshold,
            target=target,
            stretch=stretch,
            bands=tuple(bands),
            min_samples=min_samples,
        )
    return None


def _cycle(reader: _Reader, data: Mapping[str, Any], path: str) -> CycleConfig | None:
    code = reader.text(data, "code", path, required=True)
    name = reader.text(data, "name", path, required=True)
    starts_on = reader.day(data, "starts_on", path, required=True)
    ends_on = reader.day(data, "ends_on", path, required=True)
    pilots = reader.codes(data, "pilot_teams", path)
    state_text = reader.choice(data, "state", path, [s.value for s in _FILE_STATES], default="")
    cards: list[tuple[str, tuple[ScorecardLineInput, ...]]] = []
    raw_cards = data.get("scorecards")
    if raw_cards is not None and not isinstance(raw_cards, dict):
        reader.fail(f"{path}.scorecards", "must map each position code to its lines", "WRONG_TYPE")
    elif raw_cards:
        for position, lines in raw_cards.items():
            if not isinstance(position, str):
                reader.fail(
                    f"{path}.scorecards",
                    f"{position!r} is not a position code; put it in quotes",
                    "WRONG_TYPE",
                )
                continue
            where = f"{path}.scorecards.{position}"
            cards.append((position, reader.each(lines, where, _LINE_KEYS, _line)))
    if code and name and starts_on and ends_on:
        return CycleConfig(
            cycle=CycleInput(
                code=code,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                pilot_team_codes=pilots,
            ),
            state=CycleState(state_text) if state_text else None,
            scorecards=tuple(cards),
        )
    return None


def _duplicates(reader: _Reader, section: str, keys: Sequence[str], name: str) -> None:
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in seen:
            reader.fail(
                f"{section}[{index}].{name}",
                f"{key!r} is already given at {section}[{seen[key]}]; keep one",
                "DUPLICATE",
            )
        seen.setdefault(key, index)


def parse_config(text: str) -> OrgConfig:
    """Parse and check a whole file; raises ValidationFailed listing every problem."""
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the file"
        problem = error.problem or str(error)
        raise ValidationFailed(
            [Issue.of(where, "is not valid YAML: {problem}", "YAML_SYNTAX", problem=problem)]
        ) from None
    except yaml.YAMLError as error:
        raise ValidationFailed(
            [Issue.of("file", "is not valid YAML: {problem}", "YAML_SYNTAX", problem=str(error))]
        ) from None
    reader = _Reader()
    if raw is None:
        raw = {}
    data = reader.mapping(raw, "", SECTIONS)
    if data is None:
        raise ValidationFailed(reader.issues)
    config = OrgConfig(
        policy=_policy(reader, data.get("policy")),
        positions=reader.each(data.get("positions"), "positions", _POSITION_KEYS, _position),
        teams=reader.each(data.get("teams"), "teams", _TEAM_KEYS, _team),
        employees=reader.each(data.get("employees"), "employees", _EMPLOYEE_KEYS, _employee),
        kpis=reader.each(data.get("kpis"), "kpis", _KPI_KEYS, _kpi),
        cycles=reader.each(data.get("cycles"), "cycles", _CYCLE_KEYS, _cycle),
    )
    if not reader.issues:
        _duplicates(reader, "positions", [p.code for p in config.positions], "code")
        _duplicates(reader, "teams", [t.code for t in config.teams], "code")
        _duplicates(reader, "employees", [e.external_id for e in config.employees], "external_id")
        _duplicates(reader, "kpis", [k.code for k in config.kpis], "code")
        _duplicates(reader, "cycles", [c.cycle.code for c in config.cycles], "code")
    if reader.issues:
        raise ValidationFailed(reader.issues)
    return config


def load_config_file(path: Path) -> OrgConfig:
    return parse_config(
        read_utf8_file(path, save_as="UTF-8 (in most editors: Save As, encoding UTF-8)")
    )


# --- applying it -------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z])([A-Z])")
# Use cases name some fields as the API does; the file has its own names for a few.
_FILE_FIELD = {
    "aggregation_param": "param",
    "range_min": "range[0]",
    "range_max": "range[1]",
    "pilot_teams": "pilot_teams",
    "lead_external_id": "lead",
}


def _file_field(name: str) -> str:
    snake = _CAMEL.sub(r"_\1", name).lower()
    head, dot, rest = snake.partition(".")
    base, bracket, index = head.partition("[")
    return _FILE_FIELD.get(base, base) + bracket + index + dot + rest


def _rebase(failure: ValidationFailed, where: Callable[[Issue], str]) -> ValidationFailed:
    return ValidationFailed([_in_file(where(issue), issue) for issue in failure.issues])


def _in_file(where: str, issue: Issue) -> Issue:
    """The issue at its place in the file, its template and values kept for translation."""
    if issue.code == "REASON_REQUIRED":
        # The file cannot carry a reason: it is given with the apply.
        return Issue.of(
            where,
            "{message}; apply the file again with a reason (fairscore apply --reason)",
            issue.code,
            message=issue,
        )
    return Issue(where, issue.message, issue.code, None, issue.template, issue.values)


async def _step(where: Callable[[Issue], str], path: str, action: Awaitable[T]) -> T:
    """Run one use case, naming the place in the file its errors are about."""
    try:
        return await action
    except ValidationFailed as failure:
        raise _rebase(failure, where) from None
    except Refusal as error:
        # Only refusals are the file's fault; a busy database passes through as itself,
        # so the caller says "try again" rather than naming a place in the file.
        raise ApplyFailed("{path}: {message}", path=path, message=error) from None


def _in_section(section: str, rows: Sequence[int] | None = None) -> Callable[[Issue], str]:
    def where(issue: Issue) -> str:
        if issue.row is None:
            return f"{section}.{_file_field(issue.field)}"
        row = rows[issue.row] if rows is not None else issue.row
        return f"{section}[{row}].{_file_field(issue.field)}"

    return where


# A scorecard line's fields as the API names them -> the file's keys.
_FILE_LINE_FIELD = {"kpi_code": "kpi"}
_LINE_ISSUE = re.compile(r"^lines(\[\d+\])\.([A-Za-z]+)(.*)$")


def _in_scorecard(where: str) -> Callable[[Issue], str]:
    """save_scorecard names lines as lines[2].kpiCode; the file has them under the
    position, with its own keys (kpi, min_samples)."""

    def place(issue: Issue) -> str:
        found = _LINE_ISSUE.match(issue.field)
        if found:
            index, attribute, rest = found.groups()
            snake = _CAMEL.sub(r"_\1", attribute).lower()
            return f"{where}{index}.{_FILE_LINE_FIELD.get(snake, snake)}{rest}"
        if issue.field.startswith("lines"):
            return where + issue.field[len("lines") :]
        return f"{where}.{_file_field(issue.field)}"

    return place


def _summary(section: str, report: UpsertReport) -> SectionSummary:
    return SectionSummary(section, report.created, report.updated, report.unchanged)


class _DryRun(Exception):
    """Unwinds the outer transaction after a trial apply."""


@retry_when_busy
async def apply_config(
    *, actor: Actor, config: OrgConfig, reason: str | None = None, dry_run: bool = False
) -> ApplyReport:
    """Apply a parsed file in dependency order, all or nothing.

    reason is required when a scorecard of an ACTIVE cycle changes, and goes to the
    audit log with that change and with any state transition.
    """
    require_admin(actor)
    report = ApplyReport(dry_run=dry_run)
    try:
        async with in_transaction():
            await _apply(actor, config, reason, report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


async def _apply(actor: Actor, config: OrgConfig, reason: str | None, report: ApplyReport) -> None:
    sections = report.sections
    if config.policy is not None:
        had_policy = await Policy.exists()
        saved = await _step(
            lambda issue: issue.field,
            "policy",
            update_policy(
                actor=actor, settings=config.policy, expected_version=None, reason=reason
            ),
        )
        changed = saved.changed
        sections.append(
            SectionSummary(
                "policy",
                created=int(changed and not had_policy),
                updated=int(changed and had_policy),
                unchanged=int(not changed),
            )
        )
    if config.positions:
        sections.append(
            _summary(
                "positions",
                await _step(
                    _in_section("positions"),
                    "positions",
                    upsert_positions(actor=actor, positions=config.positions),
                ),
            )
        )
    # A lead is an employee, and employees belong to teams: teams come first with the
    # leads that already exist, and the other leads are set once employees are in.
    existing: set[str] = {
        str(external_id)
        for external_id in await Employee.filter(
            external_id__in=[t.lead_external_id for t in config.teams if t.lead_external_id]
        ).values_list("external_id", flat=True)
    }
    later = [
        index
        for index, team in enumerate(config.teams)
        if team.lead_external_id and team.lead_external_id not in existing
    ]
    if config.teams:
        first = [
            replace(t, lead_external_id=None if index in later else t.lead_external_id)
            for index, t in enumerate(config.teams)
        ]
        sections.append(
            _summary(
                "teams",
                await _step(_in_section("teams"), "teams", upsert_teams(actor=actor, teams=first)),
            )
        )
    if config.employees:
        sections.append(
            _summary(
                "employees",
                await _step(
                    _in_section("employees"),
                    "employees",
                    upsert_employees(actor=actor, employees=config.employees),
                ),
            )
        )
    if later:
        leads = await _step(
            _in_section("teams", later),
            "teams",
            upsert_teams(actor=actor, teams=[config.teams[index] for index in later]),
        )
        sections.append(
            SectionSummary("team leads", updated=leads.updated, unchanged=leads.unchanged)
        )
    if config.kpis:
        sections.append(
            _summary(
                "kpis",
                await _step(
                    _in_section("kpis"), "kpis", upsert_kpis(actor=actor, kpis=config.kpis)
                ),
            )
        )
    if config.cycles:
        await _apply_cycles(actor, config.cycles, reason, report)


async def _apply_cycles(
    actor: Actor, cycles: Sequence[CycleConfig], reason: str | None, report: ApplyReport
) -> None:
    cycle_counts = [0, 0, 0]
    card_counts = [0, 0, 0]
    for index, item in enumerate(cycles):
        path = f"cycles[{index}]"
        existed = await Cycle.exists(code=item.cycle.code)
        _cycle, changed = await _step(
            _in_section(path), path, create_cycle(actor=actor, cycle=item.cycle)
        )
        cycle_counts[0 if changed and not existed else 1 if changed else 2] += 1
        for position, lines in item.scorecards:
            where = f"{path}.scorecards.{position}"
            saved = await _step(
                _in_scorecard(where),
                where,
                save_scorecard(
                    actor=actor,
                    cycle_code=item.cycle.code,
                    position_code=position,
                    lines=lines,
                    reason=reason,
                ),
            )
            if not saved.changed:
                card_counts[2] += 1
            else:
                card_counts[0 if saved.version == 1 else 1] += 1
        if item.state is not None:
            await _move_forward(actor, item, path, reason, report)
    report.sections.append(SectionSummary("cycles", *cycle_counts))
    if card_counts != [0, 0, 0]:
        report.sections.append(SectionSummary("scorecards", *card_counts))


# A cycle already past the state its file gives: what to change in the file.
NOT_BACKWARDS = {
    True: "{path}.state: cycle {cycle} is already {state} and states only move forward; "
    "leave state out",
    False: "{path}.state: cycle {cycle} is already {state} and states only move forward; "
    "set state: {state} in the file (or leave state out)",
}


async def _move_forward(
    actor: Actor, item: CycleConfig, path: str, reason: str | None, report: ApplyReport
) -> None:
    assert item.state is not None
    cycle = await Cycle.get(code=item.cycle.code)
    lifecycle = list(CycleState)
    current = lifecycle.index(cycle.state)
    wanted = lifecycle.index(item.state)
    if current > wanted:
        # A file may not say FINALIZED, so for a finalised cycle the only fix is to drop it.
        raise ApplyFailed(
            NOT_BACKWARDS[cycle.state is CycleState.FINALIZED],
            path=path,
            cycle=repr(item.cycle.code),
            state=cycle.state.value,
        )
    for step in lifecycle[current + 1 : wanted + 1]:
        before = (await Cycle.get(code=item.cycle.code)).state
        await _step(
            lambda issue: f"{path}.{issue.field}",
            f"{path}.state",
            transition_cycle(actor=actor, cycle_code=item.cycle.code, to=step.value, reason=reason),
        )
        report.transitions.append(f"{item.cycle.code}: {before.value} -> {step.value}")

"""CSV files -> ingest inputs, and their import in batches (docs/import.md).

A CSV row is named by its line in the file (the header is line 1), because that is
what a person opens the file at. Structural problems (unknown or missing columns)
stop the import before anything is read; a row with the wrong number of fields is
rejected like any other bad row. Values stay text: the ingest use cases parse them
and name the field that is wrong.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from service.errors import Issue, ValidationFailed, fill
from service.models import ImportChannel
from service.settings import DEFAULT_MAX_CLOCK_SKEW
from service.usecases.actor import Actor
from service.usecases.inputs import (
    FeedbackInput,
    IngestMode,
    IngestReport,
    ObservationInput,
    ReviewInput,
)
from service.usecases.parsing import read_utf8_file
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.import_failures import (
    ImportProblem,
    ProblemPlace,
    problems_of_issues,
    record_import_failure,
)
from service.usecases.scoring.ingest import record_feedback, record_observations, submit_reviews

DEFAULT_BATCH_SIZE = 5_000
# Every kind has about ten columns: a longer header line is not one of our files, and
# is refused before it is parsed (a header of megabytes of commas once became a
# 660 MB list of errors).
MAX_HEADER_CHARACTERS = 2_000
MAX_HEADER_COLUMNS = 50


class RecordKind(StrEnum):
    OBSERVATIONS = "observations"
    FEEDBACK = "feedback"
    REVIEWS = "reviews"


@dataclass(frozen=True, slots=True)
class _Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    # At least one of these must be a column (an employee's or a team's record).
    one_of: tuple[str, ...] = ()

    @property
    def known(self) -> tuple[str, ...]:
        return (*self.required, *self.one_of, *self.optional)


COLUMNS: dict[RecordKind, _Columns] = {
    RecordKind.OBSERVATIONS: _Columns(
        required=("kpi_code", "value", "occurred_at", "source"),
        optional=("external_id",),
        one_of=("employee_external_id", "team_code"),
    ),
    RecordKind.FEEDBACK: _Columns(
        required=("channel", "rating", "occurred_at", "source"),
        optional=("kpi_code", "external_id", "comment"),
        one_of=("employee_external_id", "team_code"),
    ),
    RecordKind.REVIEWS: _Columns(
        required=(
            "cycle_code",
            "employee_external_id",
            "kpi_code",
            "reviewer_email",
            "kind",
            "rating",
        ),
        optional=("comment",),
    ),
}

# The ingest use cases name fields as the API does; a CSV user reads column names.
_COLUMN_OF_FIELD = {
    "kpiCode": "kpi_code",
    "employeeExternalId": "employee_external_id",
    "teamCode": "team_code",
    "occurredAt": "occurred_at",
    "externalId": "external_id",
    "cycleCode": "cycle_code",
    "reviewerEmail": "reviewer_email",
}


def column_of(field_name: str) -> str:
    return _COLUMN_OF_FIELD.get(field_name, field_name)


@dataclass(frozen=True, slots=True)
class CsvRowProblem:
    """A problem with one line of the file. `message` is the English text; `template`
    and `values`, when known, say it in the reader's language (`as_message`)."""

    line: int  # line in the file; the header is line 1
    column: str
    message: str
    template: str | None = None
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict, hash=False)

    def as_message(self) -> dict[str, object]:
        """The problem as a stored message (admin/i18n.py `said` reads it)."""
        return {"message": self.message, "template": self.template, "values": self.values}


@dataclass(slots=True)
class CsvRecords:
    path: str
    kind: RecordKind
    items: list[Any]  # ObservationInput | FeedbackInput | ReviewInput, in file order
    lines: list[int]  # the file line of each item
    problems: list[CsvRowProblem]  # rows that could not become an item


@dataclass(slots=True)
class CsvImportReport:
    rows: int
    accepted: int = 0
    duplicates: int = 0
    late: int = 0
    rejected: list[CsvRowProblem] = field(default_factory=list)
    # False when a rejected row made an ALL_OR_NOTHING import write nothing.
    written: bool = True


def _text(row: dict[str, str], name: str) -> str:
    return row.get(name, "").strip()


def _optional(row: dict[str, str], name: str) -> str | None:
    return _text(row, name) or None


def _observation(row: dict[str, str]) -> ObservationInput:
    return ObservationInput(
        kpi_code=_text(row, "kpi_code"),
        value=_text(row, "value"),
        occurred_at=_text(row, "occurred_at"),
        source=_text(row, "source"),
        employee_external_id=_optional(row, "employee_external_id"),
        team_code=_optional(row, "team_code"),
        external_id=_optional(row, "external_id"),
    )


def _feedback(row: dict[str, str]) -> FeedbackInput:
    return FeedbackInput(
        rating=_text(row, "rating"),
        channel=_text(row, "channel"),
        occurred_at=_text(row, "occurred_at"),
        source=_text(row, "source"),
        employee_external_id=_optional(row, "employee_external_id"),
        team_code=_optional(row, "team_code"),
        kpi_code=_optional(row, "kpi_code"),
        external_id=_optional(row, "external_id"),
        # A comment is the customer's own words: kept as written, only trimmed.
        comment=_optional(row, "comment"),
    )


def _review(row: dict[str, str]) -> ReviewInput:
    return ReviewInput(
        cycle_code=_text(row, "cycle_code"),
        employee_external_id=_text(row, "employee_external_id"),
        kpi_code=_text(row, "kpi_code"),
        reviewer_email=_text(row, "reviewer_email"),
        kind=_text(row, "kind").upper(),
        rating=_text(row, "rating"),
        comment=_text(row, "comment"),
    )


_BUILDERS: dict[RecordKind, Callable[[dict[str, str]], Any]] = {
    RecordKind.OBSERVATIONS: _observation,
    RecordKind.FEEDBACK: _feedback,
    RecordKind.REVIEWS: _review,
}


def _check_header(kind: RecordKind, header: list[str]) -> list[Issue]:
    columns = COLUMNS[kind]
    issues: list[Issue] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            issues.append(
                Issue(f"column {name}", "appears twice in the header; keep one", "DUPLICATE_COLUMN")
            )
        seen.add(name)
        if name not in columns.known:
            issues.append(
                Issue.of(
                    f"column {name or '(empty)'}",
                    "is not a column of a {kind} file; the columns are {columns}",
                    "UNKNOWN_COLUMN",
                    kind=str(kind),
                    columns=", ".join(columns.known),
                )
            )
    for name in columns.required:
        if name not in seen:
            issues.append(
                Issue(f"column {name}", "is missing from the header; add it", "MISSING_COLUMN")
            )
    if columns.one_of and not seen & set(columns.one_of):
        issues.append(
            Issue.of(
                f"column {columns.one_of[0]}",
                "is missing: give {columns} (or both)",
                "MISSING_COLUMN",
                columns=" or ".join(columns.one_of),
            )
        )
    return issues


# Too many columns, or one line too long to be a header (a file without line breaks).
HEADER_TOO_LONG = {
    "columns": "the first line has {count} columns, too many for a header; "
    "a {kind} file names its columns there: {columns}",
    "characters": "the first line has {count} characters, too many for a header; "
    "a {kind} file names its columns there: {columns}",
}


def _check_header_size(kind: RecordKind, text: str, columns: int = 0) -> None:
    end = text.find("\n")
    length = len(text) if end < 0 else end
    if length > MAX_HEADER_CHARACTERS or columns > MAX_HEADER_COLUMNS:
        unit = "columns" if columns > MAX_HEADER_COLUMNS else "characters"
        raise ValidationFailed(
            [
                Issue.of(
                    "header",
                    HEADER_TOO_LONG[unit],
                    "HEADER_TOO_LONG",
                    count=columns if unit == "columns" else length,
                    kind=str(kind),
                    columns=", ".join(COLUMNS[kind].known),
                )
            ]
        )


def read_records(kind: RecordKind, path: Path) -> CsvRecords:
    """Read a whole CSV file; raises ValidationFailed when its header is unusable."""
    text = read_utf8_file(path, save_as="CSV UTF-8")
    _check_header_size(kind, text)
    reader = csv.reader(text.splitlines(keepends=True))
    records = CsvRecords(path=str(path), kind=kind, items=[], lines=[], problems=[])
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ValidationFailed(
            [Issue("header", "the file is empty; the first line must name the columns", "EMPTY")]
        ) from None
    _check_header_size(kind, text, columns=len(header))
    issues = _check_header(kind, header)
    if issues:
        raise ValidationFailed(issues)
    build = _BUILDERS[kind]
    last_line = reader.line_num
    try:
        for fields in reader:
            # A quoted field may span lines: the record starts after the previous one.
            line, last_line = last_line + 1, reader.line_num
            if not fields or all(not value.strip() for value in fields):
                continue
            if len(fields) != len(header):
                template = (
                    "has {fields} fields but the header has {columns}; "
                    "check the commas and quotes on this line"
                )
                values = {"fields": len(fields), "columns": len(header)}
                records.problems.append(
                    CsvRowProblem(line, "(row)", fill(template, values), template, values)
                )
                continue
            records.items.append(build(dict(zip(header, fields, strict=True))))
            records.lines.append(line)
    except csv.Error as error:
        raise ValidationFailed(
            [
                Issue.of(
                    "file",
                    "line {line}: {error}; check the quotes on this line",
                    "CSV_SYNTAX",
                    line=reader.line_num,
                    error=str(error),
                )
            ]
        ) from None
    return records


class _RollBack(Exception):
    """Leaves the outer transaction without writing anything."""


async def _submit(
    actor: Actor,
    kind: RecordKind,
    batch: Sequence[Any],
    mode: IngestMode,
    max_clock_skew: timedelta,
) -> IngestReport:
    if kind is RecordKind.OBSERVATIONS:
        return await record_observations(
            actor=actor, observations=batch, mode=mode, max_clock_skew=max_clock_skew
        )
    if kind is RecordKind.FEEDBACK:
        return await record_feedback(
            actor=actor, feedback=batch, mode=mode, max_clock_skew=max_clock_skew
        )
    return await submit_reviews(actor=actor, reviews=batch, mode=mode)


@retry_when_busy
async def import_records(
    *,
    actor: Actor,
    records: CsvRecords,
    keep_valid: bool,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW,
    channel: ImportChannel | None = None,
    name: str = "",
) -> CsvImportReport:
    """Record the rows batch by batch; on_batch gets the number of rows each batch held.

    With a `channel` (the admin, the CLI), an import with rejected rows is recorded as a
    failed import (service/usecases/scoring/import_failures.py), in its own transaction
    after this one has ended.

    Without keep_valid the file is all or nothing: every batch runs inside one outer
    transaction (the use cases' own transactions nest as savepoints), and any rejected
    row rolls the whole file back. Later batches are still checked so the report lists
    every bad row at once.
    """
    report = CsvImportReport(
        rows=len(records.items) + len(records.problems), rejected=list(records.problems)
    )

    async def run_batches(mode: IngestMode) -> None:
        for start in range(0, len(records.items), batch_size):
            batch = records.items[start : start + batch_size]
            result = await _submit(actor, records.kind, batch, mode, max_clock_skew)
            report.accepted += result.accepted
            report.duplicates += result.duplicates
            report.late += result.late
            report.rejected.extend(
                CsvRowProblem(
                    records.lines[start + error.index],
                    column_of(error.field),
                    error.message,
                    error.template,
                    error.values,
                )
                for error in result.rejected
            )
            if on_batch is not None:
                on_batch(len(batch))

    if keep_valid:
        await run_batches(IngestMode.KEEP_VALID)
    else:
        try:
            async with in_transaction():
                await run_batches(IngestMode.ALL_OR_NOTHING)
                if report.rejected:
                    raise _RollBack
        except _RollBack:
            report.accepted = report.duplicates = report.late = 0
            report.written = False
    report.rejected.sort(key=lambda problem: (problem.line, problem.column))
    if channel is not None and report.rejected:
        await record_import_failure(
            actor=actor,
            channel=channel,
            kind=records.kind.value,
            name=name or Path(records.path).name,
            rows=report.rows,
            rejected_rows=len({problem.line for problem in report.rejected}),
            written=report.written,
            problems=[
                ImportProblem(
                    ProblemPlace.LINE,
                    p.line,
                    p.column,
                    p.message,
                    template=p.template,
                    values=p.values,
                )
                for p in report.rejected
            ],
        )
    return report


async def record_refused_file(
    *, actor: Actor, channel: ImportChannel, kind: RecordKind, name: str, failed: ValidationFailed
) -> None:
    """A file refused before any row was read (its header, its encoding): recorded as a
    failed import with the reasons, in its own transaction."""
    await record_import_failure(
        actor=actor,
        channel=channel,
        kind=kind.value,
        name=name,
        rows=0,
        rejected_rows=0,
        written=False,
        problems=problems_of_issues(failed.issues),
    )

"""Failed imports, kept for the admin's home page (docs/day-with-fairscore.md).

An import fails when the file is refused (its header, its encoding) or when rows are
rejected: a CSV file in the admin or through `fairscore import`, or a batch sent to
`recordObservations` / `recordFeedback`. Each failure is one `ImportFailure` row with who,
when and the first problems, written in a transaction of its own once the import's has
ended: the refused import still writes nothing else, and its record survives the rollback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tortoise.transactions import in_transaction

from service.errors import Issue
from service.models import ImportChannel, ImportFailure
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import RowError

# How many problems a record keeps: enough to see what went wrong, not the whole file.
FIRST_PROBLEMS = 5


class ProblemPlace(StrEnum):
    """What a problem's number counts: a line of a CSV file (the header is line 1), a
    row of an API batch (1-based), or nothing (the whole file)."""

    LINE = "LINE"
    ROW = "ROW"
    FILE = "FILE"


@dataclass(frozen=True, slots=True)
class ImportProblem:
    place: ProblemPlace
    number: int | None
    field: str
    message: str

    def to_row(self) -> dict[str, object]:
        return {
            "place": self.place.value,
            "number": self.number,
            "field": self.field,
            "message": self.message,
        }

    @staticmethod
    def from_row(data: object) -> ImportProblem:
        row = data if isinstance(data, dict) else {}
        number = row.get("number")
        try:
            place = ProblemPlace(str(row.get("place", "FILE")))
        except ValueError:
            place = ProblemPlace.FILE
        return ImportProblem(
            place=place,
            number=None if number is None else int(number),
            field=str(row.get("field", "")),
            message=str(row.get("message", "")),
        )


def problems_of_issues(issues: Sequence[Issue]) -> list[ImportProblem]:
    """A refused file (bad header, not UTF-8): its issues, about the whole file."""
    return [ImportProblem(ProblemPlace.FILE, None, i.field, i.message) for i in issues]


def problems_of_lines(problems: Sequence[tuple[int, str, str]]) -> list[ImportProblem]:
    """A CSV file's rejected rows as (line, column, message)."""
    return [ImportProblem(ProblemPlace.LINE, line, column, msg) for line, column, msg in problems]


def problems_of_rows(errors: Sequence[RowError]) -> list[ImportProblem]:
    """An API batch's rejected rows (0-based indexes, shown 1-based)."""
    return [ImportProblem(ProblemPlace.ROW, e.index + 1, e.field, e.message) for e in errors]


async def record_import_failure(
    *,
    actor: Actor,
    channel: ImportChannel,
    kind: str,
    name: str,
    rows: int,
    rejected_rows: int,
    written: bool,
    problems: Sequence[ImportProblem],
) -> ImportFailure:
    """Record one failed import, in its own transaction (call it after the import's has
    ended, never inside it: a rollback of the import must not take the record along)."""
    first = [p.to_row() for p in problems[:FIRST_PROBLEMS]]
    async with in_transaction() as conn:
        failure = await ImportFailure.create(
            using_db=conn,
            channel=channel,
            kind=kind[:32],
            name=name[:200],
            user_id=actor.user_id,
            actor_label=actor.label[:254],
            rows=rows,
            rejected_rows=rejected_rows,
            written=written,
            problems=first,
        )
        await write_audit(
            conn,
            actor=actor,
            action="record_import_failure",
            entity="import_failure",
            entity_key=str(failure.id),
            after={
                "channel": channel.value,
                "kind": kind,
                "name": name,
                "rows": rows,
                "rejected_rows": rejected_rows,
                "written": written,
            },
        )
    return failure


@dataclass(frozen=True, slots=True)
class FailedImport:
    failure: ImportFailure
    problems: list[ImportProblem]


async def recent_import_failures(*, limit: int = 10) -> list[FailedImport]:
    """The latest failed imports, newest first (for admins: callers check access)."""
    rows = await ImportFailure.all().order_by("-created_at", "-id").limit(limit)
    return [
        FailedImport(row, [ImportProblem.from_row(p) for p in (row.problems or [])]) for row in rows
    ]

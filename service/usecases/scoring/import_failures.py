"""Failed imports, kept for the admin's home page (docs/day-with-fairscore.md).

An import fails when the file is refused (its header, its encoding) or when rows are
rejected: a CSV file in the admin or through `fairscore import`, or a batch sent to
`recordObservations` / `recordFeedback`. Each failure is one `ImportFailure` row with who,
when and the first problems, written in a transaction of its own once the import's has
ended: the refused import still writes nothing else, and its record survives the rollback.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any

from tortoise.transactions import in_transaction

from service.errors import DomainError, Issue
from service.labels import label
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
    """One problem of a failed import. `message` is the English text; `template` and
    `values`, when known, let the admin show it in the reader's language. A problem
    without a template (a row error, a record stored before templates were) is shown
    as its message."""

    place: ProblemPlace
    number: int | None
    field: str
    message: str
    code: str = ""
    template: str | None = None
    values: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    def to_row(self) -> dict[str, object]:
        row: dict[str, object] = {
            "place": self.place.value,
            "number": self.number,
            "field": self.field,
            "message": self.message,
            "code": self.code,
        }
        if self.template is not None:
            row["template"] = self.template
            row["values"] = {name: _storable(value) for name, value in self.values.items()}
        return row

    @staticmethod
    def from_row(data: object) -> ImportProblem:
        """A stored problem; also the oldest form, a plain string (about the file)."""
        if isinstance(data, str):
            return ImportProblem(ProblemPlace.FILE, None, "", data)
        row = data if isinstance(data, dict) else {}
        number = row.get("number")
        try:
            place = ProblemPlace(str(row.get("place", "FILE")))
        except ValueError:
            place = ProblemPlace.FILE
        template = row.get("template")
        values = row.get("values")
        return ImportProblem(
            place=place,
            number=None if number is None else int(number),
            field=str(row.get("field", "")),
            message=str(row.get("message", "")),
            code=str(row.get("code", "")),
            template=template if isinstance(template, str) else None,
            values=MappingProxyType(dict(values) if isinstance(values, dict) else {}),
        )

    def as_message(self) -> dict[str, object]:
        """The problem as a stored message (admin/i18n.py `said` reads it)."""
        return {"message": self.message, "template": self.template, "values": self.values}


def _storable(value: Any) -> Any:
    """A message's value as JSON: a message inside it keeps its own template and values
    (it is said in the reader's language too); a code is kept as its English label."""
    if isinstance(value, Enum):  # before str: a StrEnum is a str
        return label(value, "en")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Issue | DomainError):
        return {
            "message": value.message,
            "template": value.template or value.message,
            "values": {name: _storable(inner) for name, inner in value.values.items()},
        }
    if isinstance(value, Mapping):
        return {str(name): _storable(inner) for name, inner in value.items()}
    return str(value)


def problems_of_issues(issues: Sequence[Issue]) -> list[ImportProblem]:
    """A refused file (bad header, not UTF-8): its issues, about the whole file. An
    issue without values is its own template."""
    return [
        ImportProblem(
            ProblemPlace.FILE,
            None,
            i.field,
            i.message,
            i.code,
            i.template or i.message,
            i.values,
        )
        for i in issues
    ]


def problems_of_rows(errors: Sequence[RowError]) -> list[ImportProblem]:
    """An API batch's rejected rows (0-based indexes, shown 1-based)."""
    return [
        ImportProblem(
            ProblemPlace.ROW,
            e.index + 1,
            e.field,
            e.message,
            e.code,
            template=e.template,
            values=e.values,
        )
        for e in errors
    ]


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

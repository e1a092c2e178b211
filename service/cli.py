"""The `fairscore` command: set up, import, score, explain, correct, finalise, serve.

Each command parses its arguments, calls use cases, and prints the result. Expected
failures (bad input, a refused change, a missing database) end with a message on
standard error and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.exceptions import ConfigurationError, DBConnectionError, OperationalError
from tortoise.migrations.api import migrate as run_migrations

from service.errors import DomainError, NotFound, Refusal, ValidationFailed
from service.labels import label
from service.models import (
    Appeal,
    Cycle,
    CycleState,
    Employee,
    ImportChannel,
    Observation,
    Score,
    ScoreLine,
    tortoise_config,
)
from service.scoring import LANGUAGES, line_text, score_text, what_it_would_take_text
from service.scoring.stored import StoredLine, StoredScore
from service.server import HEADER_TIMEOUT_VARIABLE
from service.settings import SERVE_WORKERS_VARIABLE, Settings, SettingsError
from service.usecases.accounts.auth import create_token_for
from service.usecases.accounts.purge import PurgeReport, purge_expired
from service.usecases.accounts.users import create_user
from service.usecases.actor import Actor, command_line_admin
from service.usecases.csv_export import write_csv
from service.usecases.parsing import largest_key
from service.usecases.review.calibration import (
    CSV_COLUMNS,
    CSV_NUMERIC,
    calibration_csv_rows,
    calibration_document,
    calibration_for_cycle,
)
from service.usecases.review.pilot import CSV_COLUMNS as PILOT_CSV_COLUMNS
from service.usecases.review.pilot import CSV_NUMERIC as PILOT_NUMERIC
from service.usecases.review.pilot import (
    pilot_csv_rows,
    pilot_document,
    pilot_report,
    roll_out_pilot,
)
from service.usecases.review.shadow import CSV_COLUMNS as SHADOW_CSV_COLUMNS
from service.usecases.review.shadow import CSV_NUMERIC as SHADOW_NUMERIC
from service.usecases.review.shadow import (
    promote_shadow_scorecards,
    shadow_csv_rows,
    shadow_document,
    shadow_report,
)
from service.usecases.scoring.appeals import file_appeal, resolve_appeal
from service.usecases.scoring.corrections import adjust_score, void_observation
from service.usecases.scoring.ranking import ranking_key
from service.usecases.scoring.results import PayrollRow, payroll_results
from service.usecases.setup.config_file import ApplyReport, apply_config, load_config_file
from service.usecases.setup.csv_import import (
    DEFAULT_BATCH_SIZE,
    CsvImportReport,
    RecordKind,
    import_records,
    read_records,
    record_refused_file,
)
from service.usecases.setup.cycles import transition_cycle

T = TypeVar("T")

EXIT_FAILED = 1
# Ids as the tables hold them: click names a number past the column, not the database.
_OBSERVATION_ID = click.IntRange(1, largest_key(Observation))
_APPEAL_ID = click.IntRange(1, largest_key(Appeal))


# --- running a command ------------------------------------------------------------


class _Failed(Exception):
    """Carries the lines to print on standard error before exiting non-zero."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def _fail(*lines: str) -> NoReturn:
    raise _Failed(list(lines))


def _actor() -> Actor:
    # The audit log names who ran the command; a container may have no user name.
    try:
        return command_line_admin(f"cli:{getpass.getuser()}")
    except (KeyError, OSError):
        return command_line_admin()


def _settings() -> Settings:
    try:
        return Settings.from_environment()
    except SettingsError as error:
        _fail(f"error: {error}")


def _check_database_url(settings: Settings) -> None:
    # Checked before Tortoise.init: a failed init leaves Tortoise's global context half
    # set up, and the next init in the same process (tests) would inherit it.
    try:
        expand_db_url(settings.database_url)
    except ConfigurationError as error:
        _fail(f"error: DATABASE_URL cannot be used: {error}; check DATABASE_URL.")


def ensure_sqlite_folder(database_url: str) -> None:
    """SQLite creates the file but not the folder it lives in."""
    if not database_url.startswith("sqlite://"):
        return
    location = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if location and location != ":memory:":
        Path(location).parent.mkdir(parents=True, exist_ok=True)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    ensure_sqlite_folder(settings.database_url)
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


def _issue_lines(failure: ValidationFailed, source: str | None) -> list[str]:
    prefix = f"{source}: " if source else ""
    lines = []
    for issue in failure.issues:
        where = f"row {issue.row + 1}, " if issue.row is not None else ""
        lines.append(f"{prefix}{where}{issue.field}: {issue.message}")
    return lines or [f"{prefix}{failure.message}"]


def _run(
    work: Callable[[Settings], Awaitable[T]],
    *,
    source: str | None = None,
    with_database: bool = True,
) -> T:
    """Run one command's work on a fresh event loop, turning expected errors into messages."""

    async def guarded(settings: Settings) -> T:
        if not with_database:
            return await work(settings)
        async with database(settings):
            return await work(settings)

    try:
        settings = _settings()
        _check_database_url(settings)
        return asyncio.run(guarded(settings))
    except _Failed as failed:
        _exit(failed.lines)
    except ValidationFailed as failure:
        _exit(_issue_lines(failure, source))
    except Refusal as error:
        _exit([f"{source}: {error.message}" if source else f"error: {error.message}"])
    except DomainError as error:
        # A busy database is the moment's state, not the input file's fault.
        _exit([f"error: {error.message}"])
    except (DBConnectionError, ConnectionError) as error:
        _exit([f"error: could not reach the database: {error}; check DATABASE_URL."])
    except OperationalError as error:
        _exit(
            [
                f"error: the database refused the operation: {error}",
                "If the tables are missing, run `fairscore migrate` first; check DATABASE_URL.",
            ]
        )


def _exit(lines: list[str]) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(EXIT_FAILED)


def _stdout() -> Console:
    # No markup: messages and codes contain brackets like kpis[3] that rich would eat.
    # Soft wrap: a sentence stays one line when piped, and the terminal folds it.
    return Console(markup=False, highlight=False, soft_wrap=True)


def _stderr() -> Console:
    return Console(stderr=True, markup=False, highlight=False)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )


# --- the commands -------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """fairscore: performance scores for service staff, explained line by line.

    The database is read from DATABASE_URL (default: a SQLite file under var/).
    """


def main() -> None:
    cli(prog_name="fairscore")


@cli.command()
def migrate() -> None:
    """Create or update the database tables."""

    async def work(settings: Settings) -> list[str]:
        ensure_sqlite_folder(settings.database_url)
        applied: list[str] = []

        def progress(event: str, app_label: str, name: str) -> None:
            if event == "apply_done":
                applied.append(f"{app_label}.{name}")

        try:
            await run_migrations(config=tortoise_config(settings.database_url), progress=progress)
        finally:
            await Tortoise.close_connections()
        return applied

    applied = _run(work, with_database=False)
    for name in applied:
        click.echo(f"applied {name}")
    click.echo("The database is up to date." if applied else "The database was already up to date.")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--reason",
    help="Why: required when a scorecard of an ACTIVE cycle changes; goes to the audit log.",
)
@click.option("--dry-run", is_flag=True, help="Check and apply, then roll everything back.")
def apply(file: Path, reason: str | None, dry_run: bool) -> None:
    """Apply a configuration file (YAML; see docs/config.md).

    The whole file is checked first; it is then applied in one transaction, so a
    failure changes nothing. Applying the same file again changes nothing.
    """

    async def work(_settings: Settings) -> ApplyReport:
        config = load_config_file(file)
        return await apply_config(actor=_actor(), config=config, reason=reason, dry_run=dry_run)

    report = _run(work, source=str(file))
    table = Table(title=f"{file}{' (dry run: nothing was saved)' if dry_run else ''}")
    table.add_column("section")
    for name in ("created", "updated", "unchanged"):
        table.add_column(name, justify="right")
    for section in report.sections:
        table.add_row(
            section.section, str(section.created), str(section.updated), str(section.unchanged)
        )
    console = _stdout()
    console.print(table)
    for transition in report.transitions:
        console.print(f"cycle {transition}")
    if not report.changed:
        console.print("Nothing changed: the database already matches the file.")
    elif dry_run:
        console.print("The file would change the database as shown; nothing was saved (dry run).")
    else:
        console.print("Saved: the database now matches the file.")


@cli.command("import")
@click.argument("kind", type=click.Choice([k.value for k in RecordKind]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--keep-valid",
    is_flag=True,
    help="Write the valid rows even when some are rejected (default: all or nothing).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Rows per use-case call.",
)
def import_file(kind: str, file: Path, keep_valid: bool, batch_size: int) -> None:
    """Import observations, feedback or reviews from a CSV file (see docs/import.md).

    Without --keep-valid one bad row means nothing is written. Rows are named by
    their line in the file (the header is line 1).
    """
    errors = _stderr()

    async def work(settings: Settings) -> CsvImportReport:
        actor = _actor()
        try:
            records = read_records(RecordKind(kind), file)
        except ValidationFailed as failed:
            await record_refused_file(
                actor=actor,
                channel=ImportChannel.CLI_CSV,
                kind=RecordKind(kind),
                name=file.name,
                failed=failed,
            )
            raise
        with _progress(errors) as progress:
            task = progress.add_task(f"{kind}", total=len(records.items))
            return await import_records(
                actor=actor,
                records=records,
                keep_valid=keep_valid,
                batch_size=batch_size,
                on_batch=lambda count: progress.advance(task, count),
                max_clock_skew=settings.max_clock_skew,
                channel=ImportChannel.CLI_CSV,
                name=file.name,
            )

    report = _run(work, source=str(file))
    bad_rows = len({problem.line for problem in report.rejected})
    click.echo(
        f"{file}: {report.rows} rows: {report.accepted} accepted, "
        f"{report.duplicates} duplicates, {report.late} late, "
        f"{bad_rows} rejected ({len(report.rejected)} problems)."
    )
    for problem in report.rejected:
        click.echo(f"{file}:{problem.line}: {problem.column}: {problem.message}", err=True)
    if report.rejected:
        if not report.written:
            click.echo(
                "Nothing was written: without --keep-valid every row must be valid. "
                "Fix the rows above, or pass --keep-valid to write the others.",
                err=True,
            )
        sys.exit(EXIT_FAILED)


# --- reading scores ---------------------------------------------------------------


def _fixed(value: int | None, places: int) -> str | None:
    if value is None:
        return None
    scaled = Decimal(value) / Decimal(10) ** places
    return f"{scaled:.{places}f}"


async def _cycle(code: str) -> Cycle:
    cycle = await Cycle.get_or_none(code=code)
    if cycle is None:
        raise NotFound(f"No cycle has the code {code!r}; check the code (e.g. 2026-Q4).")
    return cycle


def _wit_document(line: StoredLine, lang: str) -> dict[str, Any] | None:
    """A line's "what it would take", in the API's field names."""
    wit = line.what_it_would_take
    if wit is None:
        return None
    return {
        "kind": wit.kind,
        "band": wit.band,
        "rawValue": wit.raw_value,
        "maxPoints": wit.max_points,
        "observationsNeeded": wit.observations_needed,
        "sentence": what_it_would_take_text(line, lang=lang),
    }


async def scores_of_cycle(cycle: Cycle, lang: str = "en") -> list[dict[str, Any]]:
    """Every stored score of a cycle, best first, as plain deterministic data."""
    rows = await Score.filter(cycle_id=cycle.id).values(
        "id",
        "employee_id",
        "employee__external_id",
        "employee__name",
        "team__code",
        "position__code",
        "state",
        "status",
        "status_reason",
        "total_cents",
        "band_code",
        "explanation",
    )
    line_rows = (
        await ScoreLine.filter(score__cycle_id=cycle.id)
        .order_by("score_id", "ordinal")
        .values("score_id", "ordinal", "kpi__code", "scope", "status", "sample_size", "raw_value")
    )
    lines_of: dict[int, list[dict[str, Any]]] = {}
    for line in line_rows:
        lines_of.setdefault(int(line["score_id"]), []).append(line)
    found = []
    for row in sorted(rows, key=lambda r: ranking_key(r["total_cents"], r["employee_id"])):
        stored = StoredScore.from_row(row["explanation"])
        explained = stored.lines
        lines = []
        for line in lines_of.get(int(row["id"]), []):
            ordinal = line["ordinal"]
            detail = explained[ordinal] if ordinal < len(explained) else None
            lines.append(
                {
                    "kpi": line["kpi__code"],
                    "scope": str(_value(line["scope"])),
                    "status": str(_value(line["status"])),
                    "sample_size": int(line["sample_size"]),
                    "raw_value": _fixed(line["raw_value"], 4),
                    "normalized": None if detail is None else detail.normalized,
                    "weight": None if detail is None else detail.weight,
                    "effective_weight": None if detail is None else detail.effective_weight,
                    "contribution": None if detail is None else detail.contribution,
                    "whatItWouldTake": None if detail is None else _wit_document(detail, lang),
                }
            )
        found.append(
            {
                "employee": row["employee__external_id"],
                "name": row["employee__name"],
                "team": row["team__code"],
                "position": row["position__code"],
                "state": str(_value(row["state"])),
                "status": str(_value(row["status"])),
                "status_reason": row["status_reason"],
                "total": _fixed(row["total_cents"], 2),
                "band": row["band_code"],
                "multiplier": stored.multiplier,
                "nextBand": (
                    None
                    if stored.next_band is None
                    else {
                        "code": stored.next_band.code,
                        "pointsNeeded": stored.next_band.points_needed,
                    }
                ),
                "lines": lines,
            }
        )
    return found


def _value(member: Any) -> Any:
    return getattr(member, "value", member)


@cli.command()
@click.option("--cycle", "cycle_code", required=True, help="The cycle's code, e.g. 2026-Q4.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="The language of the sentences in --format json.",
)
def scores(cycle_code: str, output: str, lang: str) -> None:
    """Every employee of a cycle with status, total and band, best first."""

    async def work(_settings: Settings) -> tuple[Cycle, list[dict[str, Any]]]:
        cycle = await _cycle(cycle_code)
        return cycle, await scores_of_cycle(cycle, lang)

    cycle, found = _run(work)
    if output == "json":
        document = {"cycle": cycle.code, "state": cycle.state.value, "scores": found}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    if output == "csv":
        write_csv(
            sys.stdout,
            [
                "rank",
                "employee_external_id",
                "name",
                "team",
                "position",
                "status",
                "total",
                "band",
                "multiplier",
                "status_reason",
            ],
            [
                [
                    rank,
                    score["employee"],
                    score["name"],
                    score["team"],
                    score["position"],
                    score["status"],
                    score["total"],
                    score["band"],
                    score["multiplier"],
                    score["status_reason"],
                ]
                for rank, score in enumerate(found, start=1)
            ],
            numeric=("total", "multiplier"),
        )
        return
    if not found:
        click.echo(
            f"Cycle {cycle.code} is {cycle.state.value} and has no scores yet"
            f"{' (scores appear once it is ACTIVE)' if cycle.state.value == 'DRAFT' else ''}."
        )
        return
    table = Table(title=f"{cycle.code} ({cycle.state.value})")
    for name, justify in (
        ("#", "right"),
        ("employee", "left"),
        ("name", "left"),
        ("team", "left"),
        ("status", "left"),
        ("total", "right"),
        ("band", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for rank, score in enumerate(found, start=1):
        status = score["status"]
        if score["status_reason"]:
            status += f" ({score['status_reason']})"
        table.add_row(
            str(rank),
            score["employee"],
            score["name"],
            score["team"] or "",
            status,
            score["total"] or "",
            score["band"] or "",
        )
    _stdout().print(table)


_LABELS = {
    "en": {
        "total": "Total",
        "band": "Band",
        "multiplier": "Multiplier",
        "next": "Next band",
        "points": "points to go",
        "top": "none, this is the top band",
        "lines": "Lines",
        "take": "What it would take",
        "sources": "Sources",
        "none": "none",
        "state": "state",
    },
    "zh-CN": {
        "total": "总分",
        "band": "档位",
        "multiplier": "系数",
        "next": "下一档",
        "points": "分差",
        "top": "已是最高档",
        "lines": "各项指标",
        "take": "如何提升",
        "sources": "数据来源",
        "none": "无",
        "state": "状态",
    },
}


@cli.command()
@click.option("--employee", "external_id", required=True, help="The employee's external id.")
@click.option("--cycle", "cycle_code", required=True, help="The cycle's code, e.g. 2026-Q4.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True)
def explain(external_id: str, cycle_code: str, lang: str) -> None:
    """How an employee's score came about, line by line, and what it would take."""

    async def work(_settings: Settings) -> tuple[Employee, Score]:
        cycle = await _cycle(cycle_code)
        employee = await Employee.get_or_none(external_id=external_id)
        if employee is None:
            raise NotFound(f"No employee has the external id {external_id!r}.")
        score = await Score.get_or_none(cycle_id=cycle.id, employee_id=employee.id)
        if score is None:
            raise NotFound(
                f"{external_id} has no score in {cycle_code} (the cycle is "
                f"{label(cycle.state, 'en').lower()}): scores exist once a cycle is "
                f"{label(CycleState.ACTIVE, 'en').lower()}, for people employed during it."
            )
        return employee, score

    employee, score = _run(work)
    labels = _LABELS[lang]
    stored = StoredScore.from_row(score.explanation)
    out = _stdout()
    reason = (
        f" ({label(score.status_reason, lang, group='StatusReason')})"
        if score.status_reason
        else ""
    )
    out.print(
        f"{employee.name} ({employee.external_id}), {cycle_code}: "
        f"{label(score.status, lang)}{reason}, {labels['state']} {label(score.state, lang)}"
    )
    out.print(score_text(stored, lang=lang))
    if stored.total is not None:
        next_band = stored.next_band
        following = (
            f"{next_band.code} ({next_band.points_needed} {labels['points']})"
            if next_band
            else labels["top"]
        )
        out.print(
            f"{labels['total']}: {stored.total} | {labels['band']}: {stored.band} | "
            f"{labels['multiplier']}: {stored.multiplier} | {labels['next']}: "
            f"{following}"
        )
    if stored.lines:
        out.print("")
        out.print(f"{labels['lines']}:")
    for index, line in enumerate(stored.lines):
        out.print(f"{index + 1}. {line_text(line, lang=lang, weighted=stored.scored)}")
        take = what_it_would_take_text(line, lang=lang)
        if take:
            out.print(f"   {labels['take']}: {take}")
        listed = (
            ", ".join(
                f"{s.source}{' / ' + label(s.channel, lang, group='Channel') if s.channel else ''}"
                f": {s.count}"
                for s in line.sources
            )
            or labels["none"]
        )
        out.print(f"   {labels['sources']}: {listed}")


@cli.command()
def cycles() -> None:
    """List the cycles, newest first."""

    async def work(_settings: Settings) -> list[Cycle]:
        return await Cycle.all().order_by("-starts_on", "code")

    found = _run(work)
    if not found:
        click.echo("No cycles yet; create one with `fairscore apply` (see docs/config.md).")
        return
    table = Table()
    for name in ("code", "name", "starts on", "ends on", "state"):
        table.add_column(name)
    for cycle in found:
        table.add_row(
            cycle.code,
            cycle.name,
            cycle.starts_on.isoformat(),
            cycle.ends_on.isoformat(),
            cycle.state.value,
        )
    _stdout().print(table)


@cli.command()
@click.option("--cycle", "cycle_code", required=True, help="The cycle's code.")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Choice(["ACTIVE", "REVIEW", "FINALIZED"], case_sensitive=False),
)
@click.option("--reason", help="Why; goes to the audit log.")
@click.option(
    "--override-reason",
    help="Finalise despite open appeals or missing manager reviews, and say why (audited).",
)
def transition(
    cycle_code: str, target: str, reason: str | None, override_reason: str | None
) -> None:
    """Move a cycle to its next state (DRAFT -> ACTIVE -> REVIEW -> FINALIZED)."""

    async def work(_settings: Settings) -> tuple[str, str]:
        before = (await _cycle(cycle_code)).state.value
        cycle = await transition_cycle(
            actor=_actor(),
            cycle_code=cycle_code,
            to=target.upper(),
            reason=reason,
            override_reason=override_reason,
        )
        return before, cycle.state.value

    before, after = _run(work)
    click.echo(f"Cycle {cycle_code}: {before} -> {after}.")


@cli.group()
def user() -> None:
    """Sign-in accounts."""


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    # Piped in (scripts, tests): the first line is the password.
    return sys.stdin.readline().rstrip("\r\n")


@user.command("create")
@click.argument("email")
@click.option(
    "--access",
    required=True,
    type=click.Choice(["ADMIN", "MANAGER", "EMPLOYEE", "INTEGRATION"], case_sensitive=False),
)
@click.option(
    "--employee",
    "employee_external_id",
    help="The employee the account belongs to (required for MANAGER and EMPLOYEE).",
)
def create_user_command(email: str, access: str, employee_external_id: str | None) -> None:
    """Create an account. The password is asked twice, or read from standard input."""
    password = _read_password()

    async def work(settings: Settings) -> str:
        created = await create_user(
            actor=_actor(),
            email=email,
            access=access.upper(),
            password=password,
            settings=settings,
            employee_external_id=employee_external_id,
        )
        return created.email

    address = _run(work)
    linked = f", linked to employee {employee_external_id}" if employee_external_id else ""
    click.echo(f"Created {access.upper()} account {address}{linked}.")


@cli.command()
@click.argument("observation_id", type=_OBSERVATION_ID, required=False)
@click.option("--source", help="The system the observation came from (with --external-id).")
@click.option("--external-id", "external_id", help="Its id in that system (with --source).")
@click.option("--kpi", "kpi_code", help="Its KPI, when the source used the id for several.")
@click.option("--reason", required=True, help="Why it is wrong; shown to the employee.")
def void(
    observation_id: int | None,
    source: str | None,
    external_id: str | None,
    kpi_code: str | None,
    reason: str,
) -> None:
    """Void a wrong observation (it is kept, never deleted); the scores follow.

    Name it by its id (shown on the admin's score and line pages), or by --source and
    --external-id as the system that sent it knows it."""
    if observation_id is not None and (source or external_id or kpi_code):
        raise click.UsageError("name the observation by its id or by --source and --external-id")

    async def work(_settings: Settings) -> int:
        voided = await void_observation(
            actor=_actor(),
            observation_id=observation_id,
            source=source,
            external_id=external_id,
            kpi_code=kpi_code,
            reason=reason,
        )
        return int(voided.id)

    voided_id = _run(work)
    click.echo(f"Voided observation {voided_id}.")


@cli.command()
@click.option("--cycle", "cycle_code", required=True)
@click.option("--employee", "external_id", required=True, help="The employee's external id.")
@click.option("--points", required=True, help="Signed points, e.g. 2.5 or -3.")
@click.option("--reason", required=True, help="Why; shown to the employee and audited.")
def adjust(cycle_code: str, external_id: str, points: str, reason: str) -> None:
    """Adjust a score by signed points, within the policy's cap."""

    async def work(_settings: Settings) -> str:
        await adjust_score(
            actor=_actor(),
            cycle_code=cycle_code,
            employee_external_id=external_id,
            points=points,
            reason=reason,
        )
        score = await Score.get(cycle__code=cycle_code, employee__external_id=external_id)
        return str(StoredScore.from_row(score.explanation).total)

    total = _run(work)
    click.echo(f"Adjusted {external_id} in {cycle_code} by {points}; total now {total}.")


@cli.group()
def appeal() -> None:
    """Appeals against a score or one of its lines."""


@appeal.command("file")
@click.option("--cycle", "cycle_code", required=True)
@click.option("--employee", "external_id", required=True)
@click.option(
    "--line", type=click.IntRange(min=1), help="The line number; omit for the whole score."
)
@click.option("--reason", required=True)
def appeal_file(cycle_code: str, external_id: str, line: int | None, reason: str) -> None:
    """File an appeal for an employee (the CLI acts as an admin on their behalf)."""

    async def work(_settings: Settings) -> int:
        row = await file_appeal(
            actor=_actor(),
            cycle_code=cycle_code,
            employee_external_id=external_id,
            reason=reason,
            line=line,
        )
        return row.id

    appeal_id = _run(work)
    click.echo(f"Filed appeal {appeal_id}.")


@appeal.command("resolve")
@click.argument("appeal_id", type=_APPEAL_ID)
@click.option(
    "--outcome", required=True, type=click.Choice(["ACCEPTED", "REJECTED"], case_sensitive=False)
)
@click.option("--note", required=True, help="How it ended and why; shown to the employee.")
@click.option("--points", help="ACCEPTED with an adjustment of these signed points.")
@click.option(
    "--void", "void_id", type=_OBSERVATION_ID, help="ACCEPTED by voiding this observation."
)
def appeal_resolve(
    appeal_id: int, outcome: str, note: str, points: str | None, void_id: int | None
) -> None:
    """Resolve an appeal: ACCEPTED (with --points or --void; against a NO_DATA score, with
    neither and a --note naming the data added since) or REJECTED."""

    async def work(_settings: Settings) -> str:
        row = await resolve_appeal(
            actor=_actor(),
            appeal_id=appeal_id,
            outcome=outcome.upper(),
            note=note,
            adjustment_points=points,
            void_observation_id=void_id,
        )
        return row.state.value

    state = _run(work)
    click.echo(f"Appeal {appeal_id} {state}.")


@cli.command()
@click.option("--cycle", "cycle_code", required=True)
@click.option(
    "--format", "output", default="csv", show_default=True, type=click.Choice(["csv", "json"])
)
def results(cycle_code: str, output: str) -> None:
    """Payroll results: every employee, with total, band and multiplier when scored."""

    async def work(_settings: Settings) -> list[PayrollRow]:
        return await payroll_results(get_connection("default"), cycle_code=cycle_code)

    rows = _run(work)
    fields = [
        "employee_external_id",
        "employee_name",
        "status",
        "state",
        "total",
        "band",
        "multiplier",
        "status_reason",
    ]
    if output == "json":
        click.echo(
            json.dumps(
                [{f: getattr(r, f) for f in fields} for r in rows], ensure_ascii=False, indent=2
            )
        )
        return
    write_csv(
        sys.stdout,
        fields,
        [[getattr(r, f) for f in fields] for r in rows],
        numeric=("total", "multiplier"),
    )


@cli.command()
@click.option("--cycle", "cycle_code", required=True, help="A cycle in REVIEW, e.g. 2026-Q4.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
def calibration(cycle_code: str, output: str) -> None:
    """Calibration of a cycle in REVIEW (SCORING §12): each reviewer's gap, its standard
    error and flag, and the employees behind it."""

    async def work(_settings: Settings) -> dict[str, Any]:
        view = await calibration_for_cycle(
            get_connection("default"), actor=_actor(), cycle_code=cycle_code
        )
        return calibration_document(view)

    document = _run(work)
    if output == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    if output == "csv":
        write_csv(sys.stdout, CSV_COLUMNS, calibration_csv_rows(document), numeric=CSV_NUMERIC)
        return
    if not document["reviewers"]:
        click.echo(f"Cycle {document['cycle']} has no MANAGER ratings of scored employees yet.")
        return
    table = Table(
        title=f"{document['cycle']}: organisation's gap {document['organisation_gap'] or '—'} "
        f"(flagged beyond ±{document['leniency_threshold']} points)"
    )
    for name in ("reviewer", "n", "gap", "standard error", "flag"):
        table.add_column(name, justify="left" if name in ("reviewer", "flag") else "right")
    for r in document["reviewers"]:
        table.add_row(
            r["reviewer"], str(r["n"]), r["gap"] or "—", r["standard_error"] or "—", r["flag"]
        )
    _stdout().print(table)


@cli.command()
@click.option("--cycle", "cycle_code", required=True, help="A cycle in ACTIVE or REVIEW.")
@click.option("--position", "position_code", required=True, help="The position's code.")
@click.option("--team", "team_code", help="Only this team and the teams under it.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
def shadow(cycle_code: str, position_code: str, team_code: str | None, output: str) -> None:
    """What a position's shadow scorecard would do (SCORING §13): live and shadow totals,
    bands and the change per person, the band shift matrix, the mean change and the
    bonus budget both ways. Computed now, stored nowhere."""

    async def work(_settings: Settings) -> dict[str, Any]:
        report = await shadow_report(
            get_connection("default"),
            actor=_actor(),
            cycle_code=cycle_code,
            position_code=position_code,
            team_code=team_code,
        )
        return shadow_document(report)

    document = _run(work)
    if output == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    if output == "csv":
        write_csv(sys.stdout, SHADOW_CSV_COLUMNS, shadow_csv_rows(document), numeric=SHADOW_NUMERIC)
        return
    console = _stdout()
    table = Table(
        title=f"{document['cycle']} / {document['position']}: shadow version "
        f"{document['shadow_version']}, {document['moving']} would move"
    )
    for name in ("employee", "live", "shadow", "change", "moves"):
        table.add_column(name, justify="right" if name == "change" else "left")
    for row in document["rows"]:
        table.add_row(
            row["employee"],
            _side_text(row["live"]),
            _side_text(row["shadow"]),
            row["change"] or "—",
            "yes" if row["moves"] else "",
        )
    console.print(table)
    categories = document["categories"]
    counts = {(c["from"], c["to"]): c["count"] for c in document["shift_matrix"]}
    matrix = Table(title="Band shift matrix (rows: live, columns: shadow)")
    matrix.add_column("live \\ shadow")
    for code in categories:
        matrix.add_column(code, justify="right")
    for live in categories:
        matrix.add_row(live, *(str(counts.get((live, to), 0) or "") for to in categories))
    console.print(matrix)
    console.print(
        f"Mean change: {document['mean_change'] or '—'}; bonus budget (sum of multipliers): "
        f"live {document['live_multiplier_sum']}, shadow {document['shadow_multiplier_sum']}."
    )


def _side_text(side: dict[str, Any]) -> str:
    if side["status"] == "SCORED":
        return f"{side['total']} {side['band']}"
    return f"{side['status']} ({side['reason']})" if side["reason"] else side["status"]


@cli.command("pilot-report")
@click.option("--cycle", "cycle_code", required=True, help="A cycle with a pilot scope.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
def pilot_report_command(cycle_code: str, output: str) -> None:
    """The pilot teams against all other teams (SCORING §13), per quantitative KPI, now
    and in the comparable previous cycle, with the changes and the gap."""

    async def work(_settings: Settings) -> dict[str, Any]:
        report = await pilot_report(
            get_connection("default"), actor=_actor(), cycle_code=cycle_code
        )
        return pilot_document(report)

    document = _run(work)
    if output == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    if output == "csv":
        write_csv(sys.stdout, PILOT_CSV_COLUMNS, pilot_csv_rows(document), numeric=PILOT_NUMERIC)
        return
    previous = document["previous_cycle"] or "none"
    table = Table(
        title=f"{document['cycle']}: pilot {', '.join(document['pilot_teams'])} against the "
        f"other teams; previous cycle {previous}"
    )
    for name in ("kpi", "pilot (n)", "others (n)", "pilot before", "others before", "gap"):
        table.add_column(name, justify="left" if name == "kpi" else "right")

    def with_n(value: str | None, n: int | None) -> str:
        return "—" if value is None else f"{value} ({n})"

    for line in document["lines"]:
        table.add_row(
            line["kpi"],
            with_n(line["pilot_value"], line["pilot_n"]),
            with_n(line["outside_value"], line["outside_n"]),
            with_n(line["pilot_previous"], line["pilot_previous_n"]),
            with_n(line["outside_previous"], line["outside_previous_n"]),
            line["gap"] or "—",
        )
    _stdout().print(table)


@cli.command()
@click.option("--cycle", "cycle_code", required=True, help="The cycle to promote from.")
@click.option("--to", "new_cycle_code", required=True, help="The new DRAFT cycle's code.")
@click.option("--starts", "starts_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--ends", "ends_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--name", help="The new cycle's name (default: its code).")
@click.option(
    "--roll-out",
    is_flag=True,
    help="Roll a pilot out: the cycle's live scorecards, no pilot scope.",
)
def promote(
    cycle_code: str,
    new_cycle_code: str,
    starts_on: Any,
    ends_on: Any,
    name: str | None,
    roll_out: bool,
) -> None:
    """Create a DRAFT cycle from a cycle's shadow scorecards (the live ones where a
    position has none), or with --roll-out from a pilot's scorecards (SCORING §13)."""

    async def work(_settings: Settings) -> str:
        step = roll_out_pilot if roll_out else promote_shadow_scorecards
        created = await step(
            actor=_actor(),
            cycle_code=cycle_code,
            new_cycle_code=new_cycle_code,
            name=name or new_cycle_code,
            starts_on=starts_on.date(),
            ends_on=ends_on.date(),
        )
        return created.code

    code = _run(work)
    click.echo(f"Cycle {code} created as DRAFT from {cycle_code}.")


@cli.group()
def token() -> None:
    """API tokens, e.g. for a survey tool or ticket system."""


@token.command("create")
@click.option("--user", "email", required=True, help="The account the token acts as.")
@click.option(
    "--expires",
    "days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 365),
    help="Days until it expires (at most a year).",
)
@click.option("--name", default="", help="What it is for, e.g. survey-tool.")
@click.option(
    "--source",
    default=None,
    help="Bind an INTEGRATION token to one source: rows claiming another are refused.",
)
def token_create(email: str, days: int, name: str, source: str | None) -> None:
    """Issue a bearer token; it is shown once and stored only as a hash."""

    async def work(_settings: Settings) -> tuple[str, str]:
        issued = await create_token_for(
            actor=_actor(), email=email, days=days, name=name, source=source
        )
        return issued.token, issued.expires_at.date().isoformat()

    value, expires = _run(work)
    click.echo(value)
    bound = "" if source is None else f", rows of source {source.strip()!r} only"
    click.echo(
        f"(for {email}{bound}, expires {expires}; store it now, it is not shown again)", err=True
    )


@cli.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the SDL here instead of standard output.",
)
def schema(output: Path | None) -> None:
    """Print the GraphQL schema (SDL) the code serves; graphql/schema.graphql holds it."""
    from service.api.schema import create_schema

    text = create_schema(_settings()).as_str() + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        folder = "create the folder first, or " if isinstance(error, FileNotFoundError) else ""
        _exit([f"error: cannot write {output}: {error.strerror}; {folder}choose another path."])
    click.echo(f"Wrote {output}.", err=True)


@cli.command()
def demo() -> None:
    """Fill the configured database with a demo organisation (migrates first).

    Run again, it leaves an existing demo as it is.
    """
    from service.demo import DEMO_SIGN_INS, build_demo

    console = _stderr()

    async def migrate_first(settings: Settings) -> None:
        ensure_sqlite_folder(settings.database_url)
        try:
            await run_migrations(config=tortoise_config(settings.database_url))
        finally:
            await Tortoise.close_connections()

    _run(migrate_first, with_database=False)

    async def work(settings: Settings) -> str:
        with _progress(console) as progress:
            return await build_demo(
                actor=_actor(),
                settings=settings,
                progress=progress,
                say=lambda text: console.print(text),
            )

    outcome = _run(work)
    click.echo(outcome)
    click.echo("Sign in with (email / password, access, who):")
    for sign_in in DEMO_SIGN_INS:
        click.echo(f"  {sign_in.email} / {sign_in.password}  {sign_in.access}  {sign_in.who}")


@cli.command()
def purge() -> None:
    """Delete ended admin sessions, sign-in attempts older than a day and idempotency
    records older than a week (also done at every start of the server)."""

    async def work(_settings: Settings) -> PurgeReport:
        return await purge_expired()

    report = _run(work)
    click.echo(
        f"Purged {report.sessions} admin sessions, {report.sign_in_attempts} sign-in "
        f"attempts and {report.idempotency_records} idempotency records."
    )


def uvicorn_options(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    timeout_keep_alive: int,
    limit_concurrency: int,
    max_header_bytes: int,
    timeout_graceful_shutdown: int,
) -> dict[str, Any]:
    """What `serve` hands uvicorn: its timeouts and limits, and X-Forwarded-For believed
    only from FAIRSCORE_TRUSTED_PROXIES (uvicorn alone would believe 127.0.0.1)."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "factory": True,
        # h11 with a deadline for headers (service/server.py), so the header size limit
        # and the deadline apply even where httptools is installed.
        "http": "service.server:HeaderDeadlineProtocol",
        "timeout_keep_alive": timeout_keep_alive,
        "limit_concurrency": limit_concurrency,
        "h11_max_incomplete_event_size": max_header_bytes,
        "timeout_graceful_shutdown": timeout_graceful_shutdown,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
        "server_header": False,
        # A live connection's messages are bounded like a /graphql body.
        "ws_max_size": settings.max_body_bytes,
    }


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes; they share nothing but the database.",
)
@click.option(
    "--timeout-keep-alive",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds an idle kept-alive connection stays open.",
)
@click.option(
    "--limit-concurrency",
    default=512,
    show_default=True,
    type=click.IntRange(min=1),
    help="Connections and requests at once per worker; past it, 503 Service Unavailable.",
)
@click.option(
    "--max-header-bytes",
    default=16 * 1024,
    show_default=True,
    type=click.IntRange(min=1024),
    help="Largest request line and headers a connection may buffer.",
)
@click.option(
    "--timeout-headers",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds a request's line and headers may take to arrive; then the connection ends.",
)
@click.option(
    "--timeout-graceful-shutdown",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds running requests get to finish when the server stops.",
)
def serve(
    host: str,
    port: int,
    workers: int,
    timeout_keep_alive: int,
    limit_concurrency: int,
    max_header_bytes: int,
    timeout_headers: int,
    timeout_graceful_shutdown: int,
) -> None:
    """Run the web application (GraphQL, admin) with uvicorn (docs/operations.md)."""
    import uvicorn

    # Each worker process reads the settings itself; fail here, once, if they are wrong.
    try:
        settings = Settings.from_environment()
    except SettingsError as error:
        _exit([f"error: {error}"])
    options = uvicorn_options(
        settings,
        host=host,
        port=port,
        workers=workers,
        timeout_keep_alive=timeout_keep_alive,
        limit_concurrency=limit_concurrency,
        max_header_bytes=max_header_bytes,
        timeout_graceful_shutdown=timeout_graceful_shutdown,
    )
    os.environ[HEADER_TIMEOUT_VARIABLE] = str(timeout_headers)  # read by every worker
    os.environ[SERVE_WORKERS_VARIABLE] = str(workers)
    if settings.is_sqlite and workers > 1:
        click.echo(
            f"note: on SQLite a score change is heard only by the process that made it, so "
            f"with --workers {workers} live subscriptions (/graphql over WebSocket) are "
            "refused; serve with --workers 1, or use PostgreSQL, to offer them.",
            err=True,
        )
    uvicorn.run("service.app:create_app", **options)


if __name__ == "__main__":
    main()

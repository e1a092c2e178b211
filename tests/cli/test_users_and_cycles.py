"""`fairscore user create`, `fairscore transition`, `fairscore cycles`, `fairscore migrate`."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Fairscore

DRAFT_CYCLE = (
    "positions:\n  - {code: agent, name: Agent}\n"
    "kpis:\n  - {code: service_quality, name: Service quality, kind: QUALITATIVE, scale: 5}\n"
    "cycles:\n  - {code: 2027-Q1, name: Q1 2027, starts_on: 2027-01-01, ends_on: 2027-03-31}\n"
)


def test_user_create_reads_the_password_from_standard_input(organisation: Fairscore) -> None:
    result = organisation.ok(
        "user", "create", "Chen.Jing@Example.com", "--access", "manager", "--employee", "E1001",
        input="correct horse battery\n",
    )  # fmt: skip

    assert "Created MANAGER account chen.jing@example.com" in result.stdout
    stored = organisation.value(
        "SELECT password_hash FROM app_user WHERE email = 'chen.jing@example.com'"
    )
    assert isinstance(stored, str)
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert organisation.count("audit_entry", "action = 'create_user'") == 1


def test_a_second_account_with_the_same_email_is_refused(organisation: Fairscore) -> None:
    organisation.ok("user", "create", "ops@example.com", "--access", "ADMIN", input="pw-123456\n")

    result = organisation.run(
        "user", "create", "OPS@example.com", "--access", "ADMIN", input="pw-123456\n"
    )

    assert result.exit_code == 1
    assert "email: ops@example.com already has an account" in result.stderr
    assert organisation.count("app_user") == 1


def test_a_short_password_and_a_missing_employee_are_refused(organisation: Fairscore) -> None:
    result = organisation.run(
        "user", "create", "agent@example.com", "--access", "EMPLOYEE", input="short\n"
    )

    assert result.exit_code == 1
    assert "password: is too short" in result.stderr
    assert "employee: an account with Employee access belongs to an employee" in result.stderr
    assert organisation.count("app_user") == 0


def test_transition_moves_a_cycle_one_state_forward(organisation: Fairscore) -> None:
    result = organisation.ok("transition", "--cycle", "2026-Q4", "--to", "REVIEW",
                             "--reason", "Quarter closed")  # fmt: skip

    assert "Cycle 2026-Q4: ACTIVE -> REVIEW." in result.stdout
    assert organisation.value("SELECT state FROM cycle WHERE code = '2026-Q4'") == "REVIEW"
    assert (
        organisation.value("SELECT reason FROM audit_entry WHERE action = 'transition_cycle' "
                           "ORDER BY id DESC LIMIT 1")
        == "Quarter closed"
    )  # fmt: skip


def test_transition_that_skips_a_state_is_refused(organisation: Fairscore, tmp_path: Path) -> None:
    config = tmp_path / "draft.yaml"
    config.write_text(DRAFT_CYCLE, encoding="utf-8")
    organisation.ok("apply", str(config))

    result = organisation.run("transition", "--cycle", "2027-Q1", "--to", "REVIEW")

    assert result.exit_code == 1
    assert "Cycle '2027-Q1' is Draft and cannot go to Review" in result.stderr
    assert "the next state is Active" in result.stderr
    assert "Traceback" not in result.output


def test_activating_a_cycle_without_scorecards_is_refused(
    organisation: Fairscore, tmp_path: Path
) -> None:
    config = tmp_path / "draft.yaml"
    config.write_text(DRAFT_CYCLE, encoding="utf-8")
    organisation.ok("apply", str(config))

    result = organisation.run("transition", "--cycle", "2027-Q1", "--to", "active")

    assert result.exit_code == 1
    assert "has no scorecard" in result.stderr
    assert organisation.value("SELECT state FROM cycle WHERE code = '2027-Q1'") == "DRAFT"


def test_transition_of_an_unknown_cycle_is_a_clear_error(organisation: Fairscore) -> None:
    result = organisation.run("transition", "--cycle", "1999-Q1", "--to", "ACTIVE")

    assert result.exit_code == 1
    assert "No cycle has the code '1999-Q1'" in result.stderr


def test_cycles_lists_every_cycle_with_its_state(organisation: Fairscore) -> None:
    result = organisation.ok("cycles")

    assert "2026-Q4" in result.stdout
    assert "ACTIVE" in result.stdout


def test_a_command_on_an_empty_database_says_to_migrate(tmp_path: Path) -> None:
    empty = Fairscore(tmp_path / "empty" / "never-migrated.sqlite3")

    result = empty.run("cycles")

    assert result.exit_code == 1
    assert "run `fairscore migrate` first" in result.stderr
    assert "Traceback" not in result.output


def test_migrate_creates_the_folder_and_is_idempotent(tmp_path: Path) -> None:
    fresh = Fairscore(tmp_path / "var" / "nested" / "fairscore.sqlite3")

    first = fresh.ok("migrate")
    again = fresh.ok("migrate")

    assert "applied models.0001_initial" in first.stdout
    assert "already up to date" in again.stdout


def test_finalising_without_manager_reviews_needs_an_override(organisation: Fairscore) -> None:
    organisation.ok("transition", "--cycle", "2026-Q4", "--to", "REVIEW")

    refused = organisation.run("transition", "--cycle", "2026-Q4", "--to", "FINALIZED")
    finalised = organisation.ok(
        "transition", "--cycle", "2026-Q4", "--to", "FINALIZED",
        "--override-reason", "Reviews were done on paper this quarter",
    )  # fmt: skip

    assert refused.exit_code == 1
    assert "Traceback" not in refused.output
    assert "Cycle 2026-Q4: REVIEW -> FINALIZED." in finalised.stdout
    assert organisation.value("SELECT state FROM cycle WHERE code = '2026-Q4'") == "FINALIZED"

"""`fairscore token create --source`: an INTEGRATION token bound to one source."""

from __future__ import annotations

from tests.cli.conftest import Fairscore


def _integration(fairscore: Fairscore) -> None:
    fairscore.ok(
        "user", "create", "tickets@example.com", "--access", "INTEGRATION",
        input="a long password\n",
    )  # fmt: skip


def test_a_token_created_with_a_source_is_bound_to_it(organisation: Fairscore) -> None:
    _integration(organisation)

    made = organisation.ok(
        "token", "create", "--user", "tickets@example.com", "--source", " ticket-system "
    )  # fmt: skip

    assert made.stdout.strip().startswith("fs_")
    assert "rows of source 'ticket-system' only" in made.stderr
    assert organisation.value("SELECT source FROM api_token") == "ticket-system"


def test_a_token_without_a_source_records_any(organisation: Fairscore) -> None:
    _integration(organisation)
    organisation.ok("token", "create", "--user", "tickets@example.com")
    assert organisation.value("SELECT source FROM api_token") is None


def test_binding_a_token_of_a_person_to_a_source_is_refused_and_nothing_is_issued(
    organisation: Fairscore,
) -> None:
    organisation.ok(
        "user", "create", "lead@example.com", "--access", "MANAGER", "--employee", "E1001",
        input="a long password\n",
    )  # fmt: skip

    refused = organisation.run(
        "token", "create", "--user", "lead@example.com", "--source", "tickets"
    )  # fmt: skip

    assert refused.exit_code != 0
    assert "source" in refused.stderr
    assert "INTEGRATION" in refused.stderr
    assert "Traceback" not in refused.output
    assert organisation.count("api_token") == 0

"""TypeScript types generated from the SDL and the shipped operations with GraphQL Code
Generator (tests/clients/codegen.yml, pinned packages), and a small client
(tests/clients/client.ts) type-checked against them under `strict`: what a web or
mobile developer's build does. Offline: everything is read from this checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.node import CLIENTS, bin_of, node_tools

GENERATED = CLIENTS / "generated"


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=CLIENTS,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _generate() -> None:
    node_tools()
    generated = _run(bin_of("graphql-codegen"), "--config", "codegen.yml", "--silent")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert (GENERATED / "graphql.ts").is_file()


def test_generated_types_and_a_strict_client_type_check() -> None:
    _generate()
    checked = _run(bin_of("tsc"), "-p", "tsconfig.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_client_reading_a_field_its_operation_did_not_select_fails_the_check() -> None:
    """The check has teeth: `email` is not selected on a team member's score."""
    _generate()
    wrong = GENERATED / "wrong.ts"
    wrong.write_text(
        'import type { TeamOverviewQuery } from "./graphql";\n'
        "export const f = (a: TeamOverviewQuery): string =>\n"
        '  a.cycle?.scores.nodes[0]?.employee?.email ?? "";\n',
        encoding="utf-8",
    )
    try:
        checked = _run(
            bin_of("tsc"), "--strict", "--noEmit", "--skipLibCheck", "--target", "ES2022",
            "--module", "ES2022", "--moduleResolution", "bundler", Path("generated/wrong.ts"),
        )  # fmt: skip
    finally:
        wrong.unlink()
    assert checked.returncode != 0
    assert "email" in checked.stdout


def test_every_custom_scalar_has_a_mapping_in_the_codegen_config() -> None:
    """strictScalars makes codegen fail on an unmapped scalar; docs/api.md lists the same."""
    schema = (CLIENTS.parents[1] / "graphql" / "schema.graphql").read_text(encoding="utf-8")
    scalars = {line.split()[1] for line in schema.splitlines() if line.startswith("scalar ")}
    config = (CLIENTS / "codegen.yml").read_text(encoding="utf-8")
    docs = (CLIENTS.parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    for scalar in scalars:
        assert f"{scalar}: string" in config
        assert f"| `{scalar}` |" in docs

"""The GraphQL-over-HTTP audit of graphql-http (tests/clients, pinned with its lockfile)
against `fairscore serve` on a loopback port: every audit, MUSTs and SHOULDs, passes.

It needs node and `npm ci` in tests/clients (.ci/run does both): without them it skips,
and under CI=true it fails, so a green CI means the audit ran.
"""

from __future__ import annotations

import json
import subprocess

from tests.cli.conftest import Fairscore
from tests.cli.test_operations import _server
from tests.node import CLIENTS, node_tools


def test_the_graphql_over_http_audit_passes_every_check(fairscore: Fairscore) -> None:
    node = node_tools()
    with _server(fairscore) as client:
        url = str(client.base_url.join("/graphql"))
        ran = subprocess.run(
            [node, str(CLIENTS / "audit.mjs"), url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=CLIENTS,
        )
    assert ran.returncode == 0, ran.stderr
    results = json.loads(ran.stdout)
    assert len(results) >= 61
    failed = [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    assert failed == []

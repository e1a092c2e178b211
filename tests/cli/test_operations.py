"""`fairscore purge`, and `fairscore serve` believing X-Forwarded-For only from the
proxies named in FAIRSCORE_TRUSTED_PROXIES (issue 9, sections 2 and 3)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx

from tests.cli.conftest import Fairscore

LOGIN = 'mutation($email: String!) { login(email: $email, password: "wrong") { __typename } }'


def _at(delta: timedelta) -> str:
    # As Tortoise writes a timestamp into SQLite.
    return (datetime.now(UTC) - delta).isoformat(sep=" ", timespec="microseconds")


def test_purge_deletes_expired_records_and_says_how_many(fairscore: Fairscore) -> None:
    fairscore.ok("user", "create", "ops@example.com", "--access", "ADMIN", input="pw-123456\n")
    with sqlite3.connect(fairscore.path) as db:
        db.executemany(
            "INSERT INTO admin_session (token_hash, user_id, csrf_token, created_at, "
            "last_seen_at) VALUES (?, 1, 'c', ?, ?)",
            [("live", _at(timedelta()), _at(timedelta())),
             ("idle", _at(timedelta(hours=3)), _at(timedelta(hours=3)))],
        )  # fmt: skip
        db.executemany(
            "INSERT INTO sign_in_attempt (email, address, succeeded, at) VALUES (?, 'a', 0, ?)",
            [("new@x.io", _at(timedelta())), ("old@x.io", _at(timedelta(days=2)))],
        )
    result = fairscore.ok("purge")
    assert "Purged 1 admin sessions, 1 sign-in attempts and 0 idempotency records." in result.stdout
    assert fairscore.count("admin_session") == 1
    assert fairscore.count("sign_in_attempt", "email = 'new@x.io'") == 1
    assert fairscore.count("sign_in_attempt") == 1
    assert fairscore.count("app_user") == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def _server(fairscore: Fairscore, *flags: str, **env: str) -> Iterator[httpx.Client]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), *flags],
        env={**os.environ, **fairscore.env, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                assert process.poll() is None, "the server exited"
                time.sleep(0.2)
            yield client
    finally:
        process.terminate()
        process.wait(timeout=30)


def _sign_in_from(client: httpx.Client, i: int) -> str:
    response = client.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"email": f"guess{i}@example.com"}},
        headers={"x-forwarded-for": f"10.0.{i // 250}.{i % 250 + 1}"},
    )
    kind: str = response.json()["data"]["login"]["__typename"]
    return kind


def test_a_rotated_forwarded_for_from_localhost_does_not_dodge_the_address_limit(
    fairscore: Fairscore,
) -> None:
    with _server(fairscore) as client:
        results = [_sign_in_from(client, i) for i in range(51)]
    assert results[:50] == ["SignInError"] * 50
    assert results[50] == "ThrottledError"
    assert fairscore.count("sign_in_attempt", "address = '127.0.0.1'") == 50


def test_a_trusted_proxys_forwarded_for_names_the_client(fairscore: Fairscore) -> None:
    with _server(fairscore, FAIRSCORE_TRUSTED_PROXIES="127.0.0.1") as client:
        results = [_sign_in_from(client, i) for i in range(51)]
    assert results == ["SignInError"] * 51
    assert fairscore.count("sign_in_attempt", "address = '10.0.0.1'") == 1
    assert fairscore.count("sign_in_attempt", "address = '127.0.0.1'") == 0


def test_serve_refuses_a_wildcard_or_malformed_trusted_proxy_list(fairscore: Fairscore) -> None:
    for value, said in (("*", "may not be '*'"), ("10.0.0.1,proxy", "not 'proxy'")):
        done = subprocess.run(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(_free_port())],
            env={**os.environ, **fairscore.env, "FAIRSCORE_TRUSTED_PROXIES": value},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 1
        assert said in done.stderr
        assert "Traceback" not in done.stderr


def test_a_request_whose_headers_stop_half_way_is_ended(fairscore: Fairscore) -> None:
    with _server(fairscore, "--timeout-headers", "1") as client:
        host, port = str(client.base_url.host), int(client.base_url.port or 80)
        with socket.create_connection((host, port), timeout=10) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            started = time.monotonic()
            assert slow.recv(1024) == b""  # closed by the server, not by our timeout
            assert time.monotonic() - started < 5
        # A kept-alive connection serves request after request as before.
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            time.sleep(0.6)


def test_a_live_websocket_outlives_the_header_deadline(fairscore: Fairscore) -> None:
    from websockets.sync.client import connect

    with _server(fairscore, "--timeout-headers", "1") as client:
        url = f"ws://{client.base_url.host}:{client.base_url.port}/graphql"
        with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            time.sleep(2.5)  # past the deadline that applies to a request's headers
            socket.send('{"type": "ping"}')
            assert socket.recv(timeout=5) == '{"type":"pong"}'

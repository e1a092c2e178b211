"""The HTTP protocol `fairscore serve` gives uvicorn: h11 with a deadline for headers.

uvicorn closes idle kept-alive connections, but a connection whose request line and
headers arrive a byte at a time (or stop half-way) is held forever, until the
concurrency limit is reached and every other client gets 503. Here the headers of each
request must be complete within the deadline of the connection opening or of the
previous response; a slow body is the application's to time out.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

# `serve` passes its flag to every worker process through the environment, since
# uvicorn starts workers from the protocol class's import path, not from this object.
HEADER_TIMEOUT_VARIABLE = "FAIRSCORE_SERVE_HEADER_TIMEOUT"
DEFAULT_HEADER_TIMEOUT = 10.0


class HeaderDeadlineProtocol(H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = float(
            os.environ.get(HEADER_TIMEOUT_VARIABLE) or DEFAULT_HEADER_TIMEOUT
        )
        self._header_deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self._header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request's headers are complete
            self._disarm()

    def handle_websocket_upgrade(self, event: Any) -> None:
        # The headers are complete, and the transport now belongs to the WebSocket: a
        # deadline left armed would close a live connection a few seconds in.
        self._disarm()
        super().handle_websocket_upgrade(event)

    def on_response_complete(self) -> None:
        # Armed first: a pipelined request handled inside disarms it again.
        self._arm()
        super().on_response_complete()
        if self.transport.is_closing():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

"""A real HTTP endpoint on a free local port that records what it receives and answers as told."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    at: float  # time.monotonic()
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    # Status codes to answer, in order; 200 once they run out (or what ``rule`` says of a body).
    answers: list[int] = field(default_factory=list)
    rule: Callable[[Any], int] | None = None
    # Seconds to wait before answering, per request in order.
    delays: list[float] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.received.append(Received(time.monotonic(), dict(request.headers), body))
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        status = self.rule(json.loads(body)) if self.rule is not None else self.answers.pop(0) if self.answers else 200
        return Response(b"ok" if status < 300 else b"no", status_code=status)

    def bodies(self) -> list[Any]:
        return [r.json() for r in self.received]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    receiver.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task

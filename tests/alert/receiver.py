"""A real local HTTP server that receives webhooks, checks their signature and answers as
scripted: each path has a list of statuses to give in turn (the last one repeats)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.alert.webhooks import (
    ALERT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)


@dataclass
class Received:
    path: str
    alert_id: str | None
    signature_ok: bool
    body: bytes
    status: int


@dataclass
class Receiver:
    secret: str
    script: dict[str, list[tuple[int, dict[str, str]]]]
    received: list[Received] = field(default_factory=list)
    base: str = ""

    def answer(self, path: str) -> tuple[int, dict[str, str]]:
        steps = self.script.get(path, [(404, {})])
        served = sum(1 for r in self.received if r.path == path)
        return steps[min(served, len(steps) - 1)]


@contextmanager
def serve(secret: str, script: dict[str, list[tuple[int, dict[str, str]]]]) -> Iterator[Receiver]:
    receiver = Receiver(secret=secret, script=script)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = verify_signature(
                receiver.secret, body, self.headers.get(TIMESTAMP_HEADER),
                self.headers.get(SIGNATURE_HEADER), tolerance_s=300,
            )
            status, headers = receiver.answer(self.path) if ok else (401, {})
            receiver.received.append(
                Received(self.path, self.headers.get(ALERT_ID_HEADER), ok, body, status)
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

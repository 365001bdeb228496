"""A small real HTTP server on loopback standing in for the clinic's partners (insurer, SMS gateway, calendars).

Tests change its behaviour through attributes: ``insurer_delay`` (seconds), ``fail_first`` (SMS key →
number of 503 answers before it succeeds).  It records every SMS attempt and delivery.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.insurer_delay = 0.0
        self.calendar_delay = 0.5
        self.fail_first: dict[str, int] = {}
        self.attempts: dict[str, int] = {}
        self.delivered: dict[str, int] = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, name="upstream", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> Upstream:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (a timeout on the other side) is expected here: say nothing."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: Upstream
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.startswith("/insurer/"):
            time.sleep(self.server.insurer_delay)
            self._send(200, {"status": "covered"})
        elif self.path.startswith("/calendar/"):
            time.sleep(self.server.calendar_delay)
            self._send(200, {"free": 3})
        elif self.path.startswith("/lab/"):
            self._send(200, {"ready": True, "result": "normal"})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/sms":
            self._send(404, {"error": "not found"})
            return
        key = str(body.get("key"))
        server = self.server
        with server.lock:
            server.attempts[key] = server.attempts.get(key, 0) + 1
            failing = server.attempts[key] <= server.fail_first.get(key, 0)
            if not failing:
                server.delivered[key] = server.delivered.get(key, 0) + 1
        if failing:
            self._send(503, {"error": "gateway busy, try again"})
        else:
            self._send(200, {"queued": True})

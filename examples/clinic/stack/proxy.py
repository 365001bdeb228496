"""A real reverse proxy on loopback, as nginx would be: it appends the client's address to X-Forwarded-For.

It listens on 127.0.0.1 and connects to the app *from 127.0.0.3*, so the app can tell the proxy's
address from the client's (clients in the tests connect from 127.0.0.2).  It sets X-Forwarded-Proto
to https (TLS ends at the proxy) and X-Forwarded-Host to the Host the client asked for.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROXY_SOURCE = "127.0.0.3"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


class ReverseProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, backend_port: int) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.backend_port = backend_port
        self.thread = threading.Thread(target=self.serve_forever, name="proxy", daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> ReverseProxy:
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


class _Forward(BaseHTTPRequestHandler):
    server: ReverseProxy

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        prior = self.headers.get("X-Forwarded-For")
        client = self.client_address[0]
        headers["X-Forwarded-For"] = f"{prior}, {client}" if prior else client
        headers["X-Forwarded-Proto"] = "https"
        headers["X-Forwarded-Host"] = self.headers.get("Host", "clinic.test")
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.backend_port, timeout=30,
                                              source_address=(PROXY_SOURCE, 0))
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
        finally:
            upstream.close()
        self.send_response(reply.status)
        for key, value in reply.getheaders():
            if key.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _forward

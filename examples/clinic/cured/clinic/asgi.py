"""ASGI entry point: the async availability view runs on a real event loop, the rest is the WSGI app (S18).

Flask runs an `async def` view in a fresh event loop on the worker's thread, one request at a time: it gains
no concurrency.  The availability page asks every doctor's calendar service at once, so it is served here
natively with httpx.AsyncClient (uvicorn), and every other path goes to the Flask app through asgiref.
Run: `uvicorn clinic.asgi:application`.
"""

import asyncio
import json

import httpx
from asgiref.wsgi import WsgiToAsgi

from clinic import create_app

flask_app = create_app()
wsgi = WsgiToAsgi(flask_app)
DOCTORS = (1, 2, 3, 4)
#: One HTTP client (and its connection pool) per process, created on the server's event loop.
_clients: dict[str, httpx.AsyncClient] = {}


def http_client() -> httpx.AsyncClient:
    if "calendar" not in _clients:
        _clients["calendar"] = httpx.AsyncClient(timeout=httpx.Timeout(3.0))
    return _clients["calendar"]


async def availability(scope, receive, send) -> None:
    upstream = flask_app.config["UPSTREAM_URL"]
    client = http_client()
    replies = await asyncio.gather(
        *(client.get(f"{upstream}/calendar/{doctor}") for doctor in DOCTORS), return_exceptions=True
    )
    slots = {
        str(doctor): reply.json().get("free") if isinstance(reply, httpx.Response) else None
        for doctor, reply in zip(DOCTORS, replies)
    }
    body = json.dumps({"availability": slots}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


async def application(scope, receive, send) -> None:
    if scope["type"] == "http" and scope["path"] == "/availability":
        await availability(scope, receive, send)
    else:
        await wsgi(scope, receive, send)

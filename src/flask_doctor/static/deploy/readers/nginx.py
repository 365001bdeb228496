"""nginx configs: a reverse proxy in front of the app, and the headers it sets.

Only what the proxy rules need is read: where the first ``proxy_pass`` (or
``uwsgi_pass``...) is, and which ``proxy_set_header`` names appear
(``X-Forwarded-For``, ``X-Forwarded-Proto``: what ProxyFix must trust).
"""

from __future__ import annotations

import re
from pathlib import Path

from flask_doctor.static.deploy.model import ProxyDecl
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["read_nginx"]


def read_nginx(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    line = 1
    headers: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.split("#", 1)[0].strip()
        if re.match(r"(proxy_pass|uwsgi_pass|fastcgi_pass|grpc_pass)\b", stripped) and line == 1:
            line = number
        match = re.match(r"proxy_set_header\s+(\S+)", stripped)
        if match:
            headers.append(match.group(1).lower())
    reader.model.proxies.append(
        ProxyDecl(path.name, loc(rel, line), kind="nginx", sets_headers=tuple(dict.fromkeys(headers)))
    )

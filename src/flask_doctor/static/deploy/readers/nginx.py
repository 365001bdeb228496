"""nginx configs: a reverse proxy in front of the app, and the headers it sets.

Only what the proxy rules need is read: where the first ``proxy_pass`` (or
``uwsgi_pass``...) is, and which request headers the proxy sets for the app
(``X-Forwarded-For``, ``X-Forwarded-Proto``: what ProxyFix must trust):
``proxy_set_header`` lines, and Debian's ``include proxy_params;``, which
sets ``Host``, ``X-Real-IP``, ``X-Forwarded-For`` and ``X-Forwarded-Proto``.
A config with no ``*_pass`` directive serves files and proxies nothing: it
declares no proxy. One that reaches the app only through a gateway protocol
(``uwsgi_pass``, ``fastcgi_pass``, ``scgi_pass``) with the stock parameters
(``include uwsgi_params;``, which sends ``REMOTE_ADDR $remote_addr`` and
``HTTPS $https``) hands the app the client's address and scheme: it is a
proxy that hides nothing, and is marked so.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask_doctor.static.deploy.model import ProxyDecl
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["is_nginx_config", "read_nginx"]

_PASS = re.compile(r"(proxy_pass|uwsgi_pass|fastcgi_pass|grpc_pass|scgi_pass)\s")
#: gateway protocols: nginx fills the CGI-style variables (``REMOTE_ADDR``) from the client connection
_GATEWAY_PASS = ("uwsgi_pass", "fastcgi_pass", "scgi_pass")
_GATEWAY_PARAMS = re.compile(
    r"include\s+(\S*/)?(uwsgi|fastcgi|scgi)_params|(uwsgi|fastcgi|scgi)_param\s+REMOTE_ADDR\s+\$remote_addr"
)
#: what ``include proxy_params;`` sets (Debian and Ubuntu's /etc/nginx/proxy_params)
PROXY_PARAMS = ("host", "x-real-ip", "x-forwarded-for", "x-forwarded-proto")


def is_nginx_config(text: str) -> bool:
    """Does this ``*.conf`` look like nginx (a ``server {`` block, a ``location``, a ``*_pass``)?"""
    return bool(re.search(r"^\s*(server|upstream|http|location\s[^{]*)\s*\{", text, re.MULTILINE) or _PASS.search(text))


def read_nginx(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    line = 0
    headers: list[str] = []
    passes: set[str] = set()
    client_params = False
    for number, raw in enumerate(text.splitlines(), start=1):
        for stripped in raw.split("#", 1)[0].split(";"):
            stripped = stripped.strip()
            directive = _PASS.match(stripped + " ")
            if directive:
                passes.add(directive.group(1))
                if line == 0:
                    line = number
            if _GATEWAY_PARAMS.match(stripped):
                client_params = True
            match = re.match(r"proxy_set_header\s+(\S+)", stripped)
            if match:
                headers.append(match.group(1).lower())
            if re.fullmatch(r"include\s+(\S*/)?proxy_params", stripped):
                headers.extend(PROXY_PARAMS)
    if line == 0:
        return  # serves files only: nothing is proxied to the app
    gateway = client_params and passes <= set(_GATEWAY_PASS)
    reader.model.proxies.append(
        ProxyDecl(
            path.name,
            loc(rel, line),
            kind="nginx",
            sets_headers=tuple(dict.fromkeys(headers)),
            passes_client=gateway,
        )
    )

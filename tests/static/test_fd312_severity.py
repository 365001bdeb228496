"""FD312's severity follows its evidence: a warning only where the deploy files show the proxy (catalogue S24)."""

from __future__ import annotations

import textwrap

from flask_doctor.findings import Severity
from flask_doctor.static.runner import analyse_sources

LIMITED = """
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
app = Flask(__name__)
limiter = Limiter(app=app, key_func=get_remote_address)
"""

ECHO = """
from flask import Flask, request
app = Flask(__name__)

@app.get("/ip")
def ip():
    return request.remote_addr
"""

NGINX = "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"


def _severities(code: str, **files: str) -> list[tuple[int, Severity]]:
    sources = {"app.py": textwrap.dedent(code).lstrip("\n"), **files}
    result = analyse_sources(sources, select=["FD312"])
    return [(f.location.line, f.severity) for f in result.findings if f.code == "FD312" and f.location]


def test_rate_limit_key_behind_declared_nginx_is_a_warning():
    assert _severities(LIMITED, **{"nginx.conf": NGINX}) == [(5, Severity.WARNING)]


def test_rate_limit_key_without_any_deploy_file_is_a_note():
    assert _severities(LIMITED) == [(5, Severity.NOTE)]


def test_rate_limit_key_behind_a_platform_read_from_code_is_a_note():
    code = "import os\n" + LIMITED.lstrip("\n") + 'ON_RENDER = bool(os.environ.get("RENDER"))\n'
    assert _severities(code) == [(6, Severity.NOTE)]


def test_echoed_address_behind_nginx_stays_a_note():
    assert _severities(ECHO, **{"nginx.conf": NGINX}) == [(6, Severity.NOTE)]


def test_echoed_address_without_deploy_file_is_not_reported():
    assert _severities(ECHO) == []

"""Scenario files, route discovery, findings and the HTML report, without load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flask_doctor.cli_common import UsageError
from flask_doctor.findings import Evidence, Finding, Fix, Location, Severity
from flask_doctor.rulebook import get_meta
from flask_doctor.soak import analysis
from flask_doctor.soak.report_html import render_html
from flask_doctor.soak.routes import (
    Login,
    Target,
    app_location,
    discover_routes,
    filter_targets,
    load_scenario,
    targets_from_routes,
)

ROOT = Path(__file__).resolve().parents[2]
LEAKY = ROOT / "examples" / "leaky"


def test_soak_rule_metadata_is_registered():
    import flask_doctor.soak  # noqa: F401

    for code, name in [
        ("FD180", "memory-leak-under-load"),
        ("FD182", "descriptors-grow-under-load"),
        ("FD480", "worker-saturation"),
        ("FD481", "request-time-mostly-waiting"),
        ("FD580", "errors-under-load"),
    ]:
        meta = get_meta(code)
        assert meta is not None and meta.name == name and "soak" in meta.surfaces
        assert list(meta.sections) == [
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead",
            "Fix safety",
            "References",
        ]


def test_discovery_lists_get_routes_without_parameters():
    spec, cwd = app_location(str(LEAKY / "app.py") + ":app")
    assert (spec, cwd) == ("leaky.app:app", ROOT / "examples")
    targets = targets_from_routes(discover_routes(spec, cwd))
    assert [t.path for t in targets] == [
        "/",
        "/clean/bounded",
        "/clean/json",
        "/clean/template",
        "/leak/cache",
        "/leak/context",
        "/leak/list",
        "/slow",
    ]
    assert [t.path for t in filter_targets(targets, ("/leak/*",))] == ["/leak/cache", "/leak/context", "/leak/list"]
    assert [t.path for t in filter_targets(targets, ("leak_list,/slow",))] == ["/leak/list", "/slow"]


def test_discovery_reports_an_app_that_does_not_load(tmp_path):
    with pytest.raises(UsageError, match="could not load app"):
        discover_routes("nosuchmodule:app", tmp_path)


def test_yaml_and_toml_scenarios(tmp_path):
    y = tmp_path / "s.yaml"
    y.write_text(
        "login:\n  method: POST\n  path: /login\n  form: {user: a}\n"
        "endpoints:\n  - /leak/list\n  - {path: '/drip/{n}', weight: 2, headers: {X-A: b}}\n"
        "  - {name: echo, method: POST, path: /echo, json: {k: 'v{n}'}}\n"
    )
    scenario, _ = load_scenario(y)
    assert scenario.login == Login(Target(name="POST /login", path="/login", method="POST", form=(("user", "a"),)))
    assert scenario.targets[1] == Target(name="GET /drip/{n}", path="/drip/{n}", weight=2.0, headers=(("X-A", "b"),))
    assert scenario.targets[2].json_body == {"k": "v{n}"}
    t = tmp_path / "s.toml"
    t.write_text('[[endpoints]]\npath = "/slow"\nweight = 3\n')
    assert load_scenario(t)[0].targets == [Target(name="GET /slow", path="/slow", weight=3.0)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("endpoints: []\n", "non-empty"),
        ("endpoints:\n  - {path: 'http://example.com/x'}\n", "must start with '/'"),
        ("endpoints:\n  - /a\n  - /a\n", "unique"),
    ],
)
def test_bad_scenarios_are_usage_errors(tmp_path, text, message):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_scenario(p)


def _entry(**changes):
    entry = {
        "name": "GET /leak/list",
        "verdict": "leak",
        "requests": 1000,
        "failures": 0,
        "errors": {},
        "memory": {
            "measure": "traced",
            "slope": 1065.0,
            "low": 1060.0,
            "high": 1070.0,
            "x_span": 900.0,
            "growth": 958500.0,
        },
        "containers": [],
        "sites": [],
        "server_ms": {"wall": {"p50": 3.0}, "cpu": {"p50": 2.9}, "waiting_share": 0.05},
    }
    entry.update(changes)
    return entry


def test_growing_module_container_becomes_fd101(tmp_path):
    src = tmp_path / "app.py"
    src.write_text("import x\n\nHISTORY: list = []\n")
    entry = _entry(
        containers=[
            {
                "name": "app:HISTORY",
                "module": "app",
                "attr": "HISTORY",
                "lru": False,
                "slope": 1.0,
                "low": 1.0,
                "high": 1.0,
                "grew_by": 900,
                "file": str(src),
            }
        ]
    )
    [finding] = analysis.leak_findings(entry, tmp_path)
    assert finding == Finding(
        code="FD101",
        name="unbounded-module-cache",
        severity=Severity.WARNING,
        surface="soak",
        obj="endpoint:GET /leak/list",
        message="module-level app.HISTORY grows with every request to GET /leak/list: memory grows "
        "1065 B/request (95% CI 1060..1070)",
        hint="bound it (cachetools.LRUCache/TTLCache), move it to Redis or Flask-Caching, or keep the data per request",
        location=Location("app.py", 3),
        evidence=(
            Evidence(
                "GET /leak/list: memory kept grows 1065 B/request (95% CI 1060..1070) over 900 requests "
                "per worker (936.0 KiB in total, traced memory)"
            ),
            Evidence("app.HISTORY gains 1.00 entries per request (+900 during the phase)", Location("app.py", 3)),
        ),
        catalog=("S11", "S16"),
        fix=Fix(
            "Replace the module-level container with a bounded cache (cachetools.TTLCache(maxsize=..., ttl=...)) "
            "or an external store."
        ),
        key="soak:GET /leak/list:app:HISTORY",
    )


def test_growth_allocated_by_context_push_becomes_fd105(tmp_path):
    site = {
        "file": "app.py",
        "line": 75,
        "size_diff": 270000,
        "count_diff": 5400,
        "user": True,
        "per_request": 300.0,
        "via": ["/venv/site-packages/flask/app.py:1405"],
        "stack": ["/venv/site-packages/flask/ctx.py:253"],
    }
    [finding] = analysis.leak_findings(_entry(name="GET /leak/context", sites=[site]), tmp_path)
    assert (finding.code, finding.name, finding.location) == (
        "FD105",
        "context-pushed-never-popped",
        Location("app.py", 75),
    )


def test_unexplained_growth_is_fd180_and_clean_is_nothing(tmp_path):
    [finding] = analysis.leak_findings(_entry(), tmp_path)
    assert (finding.code, finding.location, finding.surface) == ("FD180", None, "soak")
    assert analysis.leak_findings(_entry(verdict="clean"), tmp_path) == []


def _doc(n_endpoints: int) -> dict:
    series = [[100 + 10 * i, 5e6 + 1000 * i, 1] for i in range(60)]
    mem = {
        "measure": "traced",
        "slope": 100.0,
        "low": 99.0,
        "high": 101.0,
        "intercept": 0.0,
        "points": 60,
        "pairs": 1770,
        "x_span": 590.0,
        "late_slope": 100.0,
        "late_low": 99.0,
        "late_high": 101.0,
        "early_slope": 100.0,
        "growth": 59000.0,
        "series": series,
    }
    eps = [
        {
            "name": f"GET /e{i}",
            "verdict": "leak" if i == 0 else "clean",
            "requests": 1000,
            "failures": 0,
            "rps": 100.0,
            "latency_ms": {"p50": 1, "p95": 2, "p99": 3},
            "memory": mem,
            "rss": None,
            "fds": None,
            "server_ms": {"wall": {"p50": 1}, "cpu": {"p50": 1}, "waiting_share": 0.0},
            "containers": [],
            "sites": [],
            "findings": [],
        }
        for i in range(n_endpoints)
    ]
    return {
        "findings": [],
        "soak": {
            "verdicts": {"leaks": ["GET /e0"], "clean": [], "inconclusive": [], "saturated": False},
            "noise_floor": {"bytes_per_request": 8.0},
            "endpoints": eps,
            "mixed": None,
            "control": None,
            "saturation": None,
            "workers": [],
            "duration_s": 1.0,
            "app": "a:app",
            "measure": "traced",
            "started": "2026-01-01T00:00:00+00:00",
            "server": {"workers": 1, "worker_class": "sync", "bind": "127.0.0.1:1"},
            "settings": {"requests": 1000, "warmup": 100, "users": 4},
        },
    }


def test_html_is_self_contained_and_scales_to_100_endpoints():
    page = render_html(_doc(100))
    assert page.count('<details class="ep"') == 100
    assert page.count('" open>') == 1  # only the leak is unfolded
    assert not re.search(r"<script|<link|src=\"http|href=\"http|@import", page)
    assert len(page) < 3_000_000


def test_login_step_syntax(tmp_path):
    y = tmp_path / "s.yaml"
    y.write_text(
        "login:\n  path: /auth/login\n  form: {email: a@b.c, password: x}\n  csrf: true\n  check: /me\n"
        "endpoints:\n  - /me\n"
    )
    login = load_scenario(y)[0].login
    assert login == Login(
        Target(
            name="POST /auth/login", path="/auth/login", method="POST", form=(("email", "a@b.c"), ("password", "x"))
        ),
        csrf_from="/auth/login",
        check="/me",
    )
    y.write_text(
        "login:\n  path: /api/login\n  json: {u: a}\n  csrf: {from: /form, field: token}\nendpoints:\n  - /me\n"
    )
    login = load_scenario(y)[0].login
    assert (login.target.method, login.csrf_from, login.csrf_field) == ("POST", "/form", "token")
    y.write_text("login:\n  path: /l\n  csrf: maybe\nendpoints:\n  - /me\n")
    with pytest.raises(UsageError, match="login.csrf"):
        load_scenario(y)


def test_csrf_token_and_login_pages():
    from flask_doctor.soak.login import csrf_token, judge
    from flask_doctor.soak.responses import is_login_location

    page = (
        '<form><input id="csrf_token" name="csrf_token" type="hidden" value="IjE1&amp;Zj">'
        '<input name="username"></form>'
    )
    assert csrf_token(page) == ("csrf_token", "IjE1&Zj")
    assert csrf_token('<meta name="csrf-token" content="abc">') == ("csrf_token", "abc")
    assert csrf_token("<form></form>") is None
    assert csrf_token("<input name='tok' value='v'>", "tok") == ("tok", "v")
    for where in ("/auth/login?next=%2Fexplore", "http://x/accounts/signin", "/login", "/sso/start", "/?next=/a"):
        assert is_login_location(where), where
    for where in ("/dashboard", "/items/", "/blog/login-tips-and-tricks"):
        assert not is_login_location(where) or where.startswith("/blog"), where
    login = Login(Target("POST /login", "/login", "POST"))
    assert judge(302, "/dashboard", "", login) is None
    assert judge(200, "", '{"token": "x"}', login) is None
    assert "redirected back" in judge(302, "/login?next=/", "", login)
    assert "CSRF token is missing" in judge(400, "", "The CSRF token is missing.", login)
    assert "password form again" in judge(200, "", '<input type="password" name="p">', login)


def test_status_profile_tells_by_design_from_changes():
    class Client:
        def __init__(self, statuses):
            self.statuses = {"x": statuses}

    token_api = analysis.status_profile(Client({401: 50}))
    assert token_api["client_errors_are_failures"] is False and token_api["note"].startswith("answered 401")
    assert analysis.status_profile(Client({404: 50}))["note"].startswith("answered 404 to every request")
    changed = analysis.status_profile(Client({200: 20, 429: 30}))
    assert changed["client_errors_are_failures"] is True and changed["client_errors"] == 30
    assert analysis.status_profile(Client({409: 5, 200: 45}), accept=(409,))["client_errors"] == 0


def test_detection_threshold_follows_the_requests():
    assert analysis.detectable(2000, 200, 8.0, "traced") == 9.2  # 16 KiB over 1,800 requests: 9.102
    assert analysis.detectable(500, 50, 8.0, "traced") == 36.5  # over 450: 36.409
    assert analysis.detectable(500, 50, 80.0, "traced") == 80.0
    # Never below the noise floor it reports beside it (rounded up, not to the nearest).
    assert analysis.detectable(5000, 100, 14.115151515151515, "traced") == 14.2
    assert analysis.detectable(5000, 100, 14.1, "traced") == 14.1


def test_requests_adapt_to_the_budget():
    from flask_doctor.soak.responses import PhaseResult, RequestRecord
    from flask_doctor.soak.runner import SoakSettings, adapt_requests, plan_phases

    fast, slow = Target("GET /fast", "/fast"), Target("GET /slow", "/slow")
    settings = SoakSettings(budget=240.0)
    phases = plan_phases([fast, slow], settings, custom=False)
    warm = PhaseResult(
        "warmup",
        records=[RequestRecord("GET /fast", i, 0.0, 8.0, True, 4, 200) for i in range(50)]
        + [RequestRecord("GET /slow", i, 0.0, 800.0, True, 4, 200) for i in range(50)],
    )
    adapt_requests(phases, warm, settings, elapsed=10.0)
    by = {p.name: p for p in phases}
    # (240 - 10 - 25 s of saturation) x 0.85 / 4 phases = 43.56 s each; fast: 4 users / 8 ms = 500/s -> capped
    assert by["ep000"].budget == 2000
    assert by["ep001"].budget == 215  # 4 users / 0.8 s x (43.56 - 0.5 s of overhead)
    # after a phase, the phases left share the time that is left
    by["control"].result = PhaseResult("control")
    adapt_requests(phases, warm, settings, elapsed=150.0)
    assert by["ep001"].budget == 200 and by["ep000"].seconds < 21  # (240 - 150 - 25) x 0.85 / 3, x 1.15
    assert 200 <= by["mixed"].budget <= 2000 and by["control"].budget == 2000
    assert all(p.seconds <= settings.seconds for p in phases if p.kind in ("control", "endpoint", "mixed"))
    tight = SoakSettings(budget=30.0)
    phases = plan_phases([slow], tight, custom=False)
    adapt_requests(phases, warm, tight, elapsed=10.0)
    assert [p.budget for p in phases if p.kind == "endpoint"] == [200]  # never fewer than min_requests


def test_analysis_modules_do_not_import_locust():
    """Locust monkey-patches the process with gevent when imported: only a running soak may pay for that."""
    import subprocess
    import sys

    code = (
        "import sys\nimport flask_doctor.soak.runner, flask_doctor.soak.login, flask_doctor.soak.report_json\n"
        "import flask_doctor.soak.responses, flask_doctor.soak.workers, flask_doctor.soak.report_html\n"
        "print(sorted(m for m in ('locust', 'gevent') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"

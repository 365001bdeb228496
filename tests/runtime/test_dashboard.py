"""Dashboard, JSON API and metrics: mounted only when safe, token-protected, redacted."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask

from flask_doctor.findings import Finding
from flask_doctor.redaction import redact_text, redact_url
from flask_doctor.report import RenderContext
from flask_doctor.report.json_format import findings_document
from tests.runtime.apps import shop

TOKEN = "t0ken-for-tests-1234"
ROUTES = ["/_doctor/", "/_doctor/api/findings", "/_doctor/api/requests", "/_doctor/api/snapshot", "/_doctor/metrics"]


def make(**kwargs: Any) -> Flask:
    app = shop.create_app(**kwargs)
    shop.seed(app, authors=6, books_each=1)
    return app


def test_not_mounted_outside_debug_without_token() -> None:
    app = make()
    client = app.test_client()
    for route in ROUTES:
        assert client.get(route).status_code == 404
    assert "flask_doctor" not in app.blueprints


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"])
def test_token_required_and_404_otherwise(header: str | None) -> None:
    app = make(token=TOKEN)
    client = app.test_client()
    headers = {"Authorization": header} if header else {}
    for route in ROUTES:
        assert client.get(route, headers=headers).status_code == 404, route


def test_with_token_everything_answers() -> None:
    app = make(token=TOKEN)
    client = app.test_client()
    client.get("/authors/lazy")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for route in ROUTES:
        assert client.get(route, headers=auth).status_code == 200, route
    # The doctor's own routes are not traced as application endpoints.
    names = {r["name"] for r in app.extensions["flask_doctor"].requests()}
    assert names == {"authors_lazy"}


def test_debug_mode_mounts_without_token() -> None:
    app = Flask(__name__)
    app.debug = True
    from flask_doctor import Doctor

    Doctor(app, background=False)
    client = app.test_client()
    assert client.get("/_doctor/").status_code == 200
    app.debug = False  # switched off later: the routes close again
    assert client.get("/_doctor/").status_code == 404


def test_api_findings_is_the_check_json_shape() -> None:
    app = make(token=TOKEN)
    client = app.test_client()
    client.get("/authors/lazy")
    doc = client.get("/_doctor/api/findings", headers={"Authorization": f"Bearer {TOKEN}"}).get_json()
    findings = app.extensions["flask_doctor"].findings()
    expected = findings_document(findings, RenderContext(surface="runtime"))
    assert {k: v for k, v in doc.items() if k != "extra"} == json.loads(json.dumps(expected))
    [item] = doc["findings"]
    assert item["code"] == "FD202" and item["surface"] == "runtime"
    assert Finding.from_dict(item).code == "FD202"
    occurrences = doc["extra"]["occurrences"][item["fingerprint"]]
    assert occurrences["count"] == 1 and len(occurrences["workers"]) == 1


def test_dashboard_lists_findings_sql_and_memory() -> None:
    app = make(token=TOKEN)
    client = app.test_client()
    client.get("/authors/lazy")
    app.extensions["flask_doctor"].sample_memory()
    app.extensions["flask_doctor"].sample_memory()
    html = client.get("/_doctor/", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    assert "FD202" in html and "query-in-loop" in html and "endpoint:authors_lazy" in html
    assert "tests/runtime/apps/shop.py:" in html
    assert "FROM fdrt_book" in html
    assert "<svg" in html and "<polyline" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html  # no CDN
    css = client.get("/_doctor/static/flask_doctor/doctor.css", headers={"Authorization": f"Bearer {TOKEN}"})
    assert css.status_code == 200


def test_dashboard_says_when_memory_is_too_young_for_a_chart() -> None:
    """One RSS sample draws no line: the page says so in words instead of showing an empty figure."""
    app = make(token=TOKEN)
    client = app.test_client()
    client.get("/authors/lazy")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    html = client.get("/_doctor/", headers=auth).get_data(as_text=True)
    assert "No memory samples yet." in html and "<svg" not in html
    app.extensions["flask_doctor"].sample_memory()
    html = client.get("/_doctor/", headers=auth).get_data(as_text=True)
    memory = html[html.index('<section id="memory">') :]
    memory = memory[: memory.index("</section>")]
    assert "<svg" not in memory and "one sample so far" in memory and "one every 2 s" in memory
    assert re.search(r"RSS \d+\.\d MiB, one sample so far", memory), memory
    app.extensions["flask_doctor"].sample_memory()
    assert "<polyline" in client.get("/_doctor/", headers=auth).get_data(as_text=True)


def test_requests_and_snapshot_api() -> None:
    app = make(token=TOKEN)
    client = app.test_client()
    client.get("/authors/eager")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    data = client.get("/_doctor/api/requests", headers=auth).get_json()
    [r] = data["requests"]
    assert (r["name"], r["queries"]) == ("authors_eager", 2)
    snap = client.get("/_doctor/api/snapshot", headers=auth).get_json()
    assert snap["version"] == 1 and snap["endpoints"]["authors_eager"]["count"] == 1
    assert snap["rss_bytes"] > 0 and snap["tracemalloc"] is None
    for key in ("worker", "pid", "in_flight", "capacity", "pool", "containers", "memory", "findings", "guard"):
        assert key in snap


def test_metrics_exposition() -> None:
    app = make(token=TOKEN)
    client = app.test_client()
    client.get("/authors/lazy")
    text = client.get("/_doctor/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    assert 'flask_doctor_requests_total{endpoint="authors_lazy",method="GET",status="2xx"} 1.0' in text
    assert 'flask_doctor_sql_queries_total{endpoint="authors_lazy"} 7.0' in text
    assert 'flask_doctor_findings_total{code="FD202",severity="warning"} 1.0' in text


def test_secrets_are_redacted() -> None:
    assert redact_url("postgresql://app:hunter22@db:5432/x") == "postgresql://app:***@db:5432/x"
    text = redact_text("conn failed: password=hunter22 token: abc123 Authorization: Bearer xyz.abc", ["mysecretvalue"])
    assert "hunter22" not in text and "abc123" not in text and "xyz.abc" not in text
    assert redact_text("key is mysecretvalue", ["mysecretvalue"]) == "key is ***"


def test_bound_parameters_are_not_kept_unless_enabled() -> None:
    app = make(token=TOKEN)
    app.test_client().get("/authors/lazy")
    agg = app.extensions["flask_doctor"].agg
    dumped = json.dumps(agg.query_summaries())
    assert "author 1" not in dumped

"""N+1 findings users can act on: the loop that repeats the statement, what it loads, where to fix it.

A blog with Flask-Login (``load_user`` runs the same SELECT as the lazy
loads of ``Entry.author``) and templates: loops in a page, in an included
template, around an include, and in Python around a helper.
"""

from __future__ import annotations

import os
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from typing import Any

import pytest
from flask import Flask

from flask_doctor.findings import Finding, Location
from tests.runtime.apps import blog
from tests.services import services_required

BLOG = "tests/runtime/apps/blog.py"
TEMPLATES = "tests/runtime/apps/templates/blog"
TOKEN = "nplusone-token-1234"


@pytest.fixture
def app() -> Iterator[Flask]:
    app = blog.create_app(token=TOKEN)
    blog.seed(app)
    yield app
    blog.drop(app)


def n_plus_one(app: Flask, path: str) -> Finding:
    client = app.test_client()
    assert client.get("/login/1").status_code == 302
    doctor = app.extensions["flask_doctor"]
    doctor.flush()
    doctor.store.clear()
    assert client.get(path).status_code == 200
    [finding] = [f for f in doctor.findings() if f.code == "FD202"]
    return finding


def template_line(name: str, marker: str) -> int:
    return blog.site_line(marker, blog.TEMPLATES / name)


def test_loop_in_a_template_with_flask_login(app: Flask) -> None:
    f = n_plus_one(app, "/entries")
    loop = Location(f"{TEMPLATES}/entries.html", template_line("entries.html", "entries-loop"))
    query = Location(BLOG, blog.site_line("entries-query"))
    assert f.location == loop  # the template's own line, not load_user, not the compiled module
    assert f.message == (
        "endpoint:entries ran the same query 9 times in one request (N+1): "
        "lazy load of relationship Entry.author (many-to-one)"
    )
    assert f.evidence[0].location == loop
    assert f.evidence[1].message == (
        "each one is a lazy load of relationship Entry.author (many-to-one), once per Entry row"
    )
    assert f.evidence[2].message.startswith(
        f"the Entry rows come from the query at {query.path}:{query.line}: SELECT fdblog_entry.id"
    )
    assert f.evidence[2].location == query
    assert f.hint == (
        f"Load Entry.author with the rows: add .options(selectinload(Entry.author)) to the query at "
        f"{query.path}:{query.line} (joinedload() also fits a many-to-one)."
    )


def test_loop_in_an_included_template_is_reported_in_that_template(app: Flask) -> None:
    f = n_plus_one(app, "/entries/included")
    assert f.location == Location(f"{TEMPLATES}/_list.html", template_line("_list.html", "list-loop"))
    assert f"to the query at {BLOG}:{blog.site_line('included-query')}" in f.hint


def test_include_inside_a_loop_is_reported_at_the_loop(app: Flask) -> None:
    f = n_plus_one(app, "/entries/rows")
    assert f.location == Location(f"{TEMPLATES}/rows.html", template_line("rows.html", "rows-include"))
    assert "selectinload(Entry.author)" in f.hint


def test_python_loop_around_a_helper(app: Flask) -> None:
    f = n_plus_one(app, "/entries/helper")
    assert f.location == Location(BLOG, blog.site_line("helper-loop"))  # the loop, not the helper's body
    assert "selectinload(Entry.author)" in f.hint


def test_a_query_in_a_loop_that_is_not_a_relationship_load(app: Flask) -> None:
    f = n_plus_one(app, "/entries/by-id")
    by_id = blog.site_line("by-id")
    assert f.location == Location(BLOG, by_id)
    assert f.message == "endpoint:entries_by_id ran the same query 9 times in one request (N+1)"
    assert f.evidence[1].message == "not a relationship load: the loop runs this query itself"
    assert f.hint.startswith(
        f"This query is not a relationship load: the loop at {BLOG}:{by_id} runs it once per item."
    )


# ------------------------------------------------------------------ in a real browser
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = "Debian's chromium is not installed (apt-get install -y chromium; see .ci/apt-packages)"
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return sync_playwright


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_the_dashboard_in_a_browser(served: str, app: Flask) -> None:
    sync_playwright = _browser()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    assert opener.open(served + "/login/1", timeout=10).status == 200  # followed to /entries
    line = template_line("entries.html", "entries-loop")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            anonymous = browser.new_page()
            response = anonymous.goto(served + "/_doctor/")
            assert response is not None and response.status == 404
            assert "flask-doctor" not in anonymous.content() and "FD202" not in anonymous.content()
            context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {TOKEN}"})
            page = context.new_page()
            response = page.goto(served + "/_doctor/")
            assert response is not None and response.status == 200
            finding = page.locator("article.finding[data-code='FD202']")
            assert finding.count() == 1
            text = finding.inner_text()
            assert f"{TEMPLATES}/entries.html:{line}" in text
            assert "lazy load of relationship Entry.author" in text
            assert "selectinload(Entry.author)" in text
            assert f"{BLOG}:{blog.site_line('entries-query')}" in text
        finally:
            browser.close()

"""Pin the Flask-Caching behaviour FD701/FD703 rely on, with the real library."""

from __future__ import annotations

import pytest
from flask import Flask, request

flask_caching = pytest.importorskip("flask_caching")


def test_cached_view_key_ignores_the_query_string_unless_asked():
    app = Flask(__name__)
    cache = flask_caching.Cache(app, config={"CACHE_TYPE": "SimpleCache"})

    @app.get("/plain")
    @cache.cached(timeout=60)
    def plain():
        return request.args.get("q", "")

    @app.get("/query")
    @cache.cached(timeout=60, query_string=True)
    def query():
        return request.args.get("q", "")

    client = app.test_client()
    assert client.get("/plain?q=alice").data == b"alice"
    assert client.get("/plain?q=bob").data == b"alice"  # served from the first request's entry
    assert client.get("/query?q=alice").data == b"alice"
    assert client.get("/query?q=bob").data == b"bob"


def test_memoize_identifies_self_by_caching_id_or_repr():
    from flask_caching.utils import get_id

    class Plain:
        pass

    class Named:
        def __caching_id__(self):
            return "Named:1"

    plain = Plain()
    assert get_id(plain) == repr(plain) and hex(id(plain))[2:] in repr(plain).lower()  # the memory address
    assert get_id(Named()) == "Named:1"


def test_cache_above_login_required_skips_the_check_on_a_hit():
    """FD701: a sign-in decorator below ``@cache.cached`` runs only on a miss; the stored page (or redirect)
    is returned to whoever asks next."""
    flask_login = pytest.importorskip("flask_login")

    app = Flask(__name__)
    app.secret_key = "test"
    cache = flask_caching.Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    manager = flask_login.LoginManager(app)
    manager.login_view = "sign_in"

    class Member(flask_login.UserMixin):
        id = "1"

    manager.user_loader(lambda uid: Member() if uid == "1" else None)

    @app.get("/sign-in")
    def sign_in():
        flask_login.login_user(Member())
        return "signed in"

    @app.get("/inside")
    @cache.cached(timeout=60)
    @flask_login.login_required
    def inside():
        return "members only"

    member = app.test_client()
    member.get("/sign-in")
    assert member.get("/inside").data == b"members only"  # a miss: the check ran, the page was stored
    stranger = app.test_client()
    assert stranger.get("/inside").data == b"members only"  # a hit: the check never ran

    cache.clear()
    assert stranger.get("/inside").status_code == 302  # a miss for the stranger stores the login redirect
    assert member.get("/inside").status_code == 302  # and the member is now sent to sign in


def test_cached_view_replays_the_stored_page_for_a_post():
    """FD701 (a cached form view): the key ignores the method and the body, so a POST gets the page stored for
    the first GET and the view never sees the submitted form."""
    app = Flask(__name__)
    cache = flask_caching.Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    received = []

    @app.route("/join", methods=["GET", "POST"])
    @cache.cached(timeout=60)
    def join():
        if request.method == "POST":
            received.append(request.form["name"])
            return "welcome"
        return "form"

    client = app.test_client()
    assert client.get("/join").data == b"form"
    assert client.post("/join", data={"name": "ann"}).data == b"form"
    assert received == []

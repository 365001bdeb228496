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

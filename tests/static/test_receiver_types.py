"""What a method's receiver is when the code builds it away from the call (``facts.calls``' receiver types).

A requests session built in the class body (``session = requests.Session()``, shared by every instance, as
calibre-web's metadata providers do), or in a base class's ``__init__``, is the session ``self.session.get(...)``
calls, also from a function defined in the method; ``with self.session as s:`` binds the session itself, as does
``with`` on a project class whose ``__enter__`` returns ``self``.  Near misses stay silent: an attribute the class
body sets to something else, and ``with`` on an object whose ``__enter__`` returns another object.
"""

from __future__ import annotations

import textwrap

from flask_doctor.static.runner import analyse_sources

VIEWS = """
from flask import Flask

from app.providers import Amazon, Douban, Local

app = Flask(__name__)


@app.route("/metadata/<query>")
def search(query):
    return {"a": Amazon().search(query), "d": Douban().search(query), "l": Local().search(query)}
"""

PROVIDERS = """
import requests


class Base:
    def __init__(self):
        self.http = requests.Session()


class Amazon:
    session = requests.Session()
    session.headers = {"user-agent": "calibre"}

    def search(self, query):
        def inner(link):
            with self.session as session:
                return session.get(link).text

        found = self.session.get("https://amazon.example", params={"q": query})
        return [inner(link) for link in found.json()]


class Douban(Base):
    def search(self, query):
        return self.http.get("https://douban.example", params={"q": query}).json()


class Cache:
    def get(self, key):
        return key


class Opener:
    def __enter__(self):
        return Cache()

    def __exit__(self, *exc):
        return False


class Local:
    session = Cache()
    opener = Opener()

    def search(self, query):
        with self.opener as cache:
            cache.get(query)
        return self.session.get(query)
"""


def _lines(providers: str) -> list[tuple[int, str]]:
    sources = {"app/__init__.py": "", "app/views.py": VIEWS, "app/providers.py": providers}
    result = analyse_sources({k: textwrap.dedent(v) for k, v in sources.items()}, select=["FD402"])
    return sorted((f.location.line, f.severity.name) for f in result.findings if f.location)


def test_sessions_built_in_the_class_body_or_a_base_and_entered_with_with() -> None:
    # line 17: ``session.get`` under ``with self.session as session`` in a nested function; 19: the class
    # body's session; 24: the base class's; nothing in ``Local`` (a project ``get``, ``__enter__`` -> another)
    assert _lines(PROVIDERS) == [(17, "WARNING"), (19, "WARNING"), (25, "WARNING")]


ENTERED = """
import requests


class Logged(requests.Session):
    def __enter__(self):
        print("open")
        return self


class Pooled(requests.Session):
    def __enter__(self):
        return self.pool

    pool = None


class Client:
    logged = Logged()
    pooled = Pooled()

    def search(self, query):
        with self.logged as session:
            session.get("https://logged.example", params={"q": query})
        with self.pooled as pool:
            return pool.get(query)
"""


def test_with_on_a_project_session_whose_enter_returns_itself() -> None:
    views = VIEWS.replace("Amazon, Douban, Local", "Client").replace(
        '{"a": Amazon().search(query), "d": Douban().search(query), "l": Local().search(query)}',
        "Client().search(query)",
    )
    sources = {"app/__init__.py": "", "app/views.py": views, "app/providers.py": ENTERED}
    result = analyse_sources({k: textwrap.dedent(v) for k, v in sources.items()}, select=["FD402"])
    # ``Logged.__enter__`` returns the session: its ``get`` is flagged; ``Pooled.__enter__`` returns another object
    assert [(f.location.line, f.severity.name) for f in result.findings if f.location] == [(24, "WARNING")]

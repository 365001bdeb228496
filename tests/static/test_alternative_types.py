"""A name assigned instances of several project classes in one scope (``Project.alternatives``).

``if cond: auth = SimpleAuth() else: auth = ProxyHeaderAuth()`` then ``auth.login(...)`` runs the method of
either class; the model keeps the last type only, and dispatch adds the others.  Near misses: a class never
assigned to the name, the same name in another function.
"""

from __future__ import annotations

import textwrap

from flask_doctor.static.model import REQUEST
from flask_doctor.static.runner import analyse_sources

AUTH = """
import requests


class SimpleAuth:
    def login(self, user):
        return user == "admin"


class ProxyHeaderAuth:
    def login(self, user):
        return requests.get("https://idp.example.com/check", params={"u": user}).ok


class TokenAuth:
    def login(self, user):
        return requests.get("https://tokens.example.com/check", params={"u": user}).ok
"""

MODULE_LEVEL = """
import os

from flask import Flask

from app.auth import ProxyHeaderAuth, SimpleAuth

app = Flask(__name__)
if os.environ.get("BEHIND_PROXY"):
    auth = ProxyHeaderAuth()
else:
    auth = SimpleAuth()


@app.route("/login/<user>")
def login(user):
    return str(auth.login(user))
"""

LOCAL = """
import os

from flask import Flask

from app.auth import ProxyHeaderAuth, SimpleAuth, TokenAuth

app = Flask(__name__)


@app.route("/login/<user>")
def login(user):
    if os.environ.get("BEHIND_PROXY"):
        auth = ProxyHeaderAuth()
    else:
        auth = SimpleAuth()
    return str(auth.login(user))


def offline_check(user):
    auth = TokenAuth()
    return auth.login(user)
"""


def _run(views: str):
    sources = {"app/__init__.py": "", "app/auth.py": AUTH, "app/views.py": views}
    return analyse_sources({k: textwrap.dedent(v) for k, v in sources.items()}, select=["FD402"])


def _flagged(result) -> list[tuple[int, bool]]:
    return sorted((f.location.line, "request path" in f.message) for f in result.findings if f.location)


def test_a_module_level_name_reaches_the_method_of_every_class_it_may_hold() -> None:
    result = _run(MODULE_LEVEL)
    functions = result.project.functions
    assert REQUEST in functions["app.auth.SimpleAuth.login"].contexts  # the last assignment
    assert REQUEST in functions["app.auth.ProxyHeaderAuth.login"].contexts  # the other branch
    assert not functions["app.auth.TokenAuth.login"].contexts  # never assigned to ``auth``
    # FD402 warns in the request path of the other branch; the unassigned class gets a note only
    assert _flagged(result) == [(12, True), (17, False)]


def test_a_local_name_reaches_the_method_of_every_class_it_may_hold() -> None:
    result = _run(LOCAL)
    functions = result.project.functions
    assert REQUEST in functions["app.auth.ProxyHeaderAuth.login"].contexts
    # ``auth`` of another function is another name: ``TokenAuth`` is not reached from the view
    assert REQUEST not in functions["app.auth.TokenAuth.login"].contexts
    assert _flagged(result) == [(12, True), (17, False)]


def test_a_name_of_one_class_adds_nothing() -> None:
    single = MODULE_LEVEL.replace("    auth = ProxyHeaderAuth()", "    auth = SimpleAuth()")
    result = _run(single)
    assert not result.project.alternatives
    assert not result.project.functions["app.auth.ProxyHeaderAuth.login"].contexts
    assert _flagged(result) == [(12, False), (17, False)]


CONDITIONAL = """
import os

from flask import Flask

from app.auth import ProxyHeaderAuth, SimpleAuth, TokenAuth

app = Flask(__name__)


@app.route("/login/<user>")
def login(user):
    auth = ProxyHeaderAuth() if os.environ.get("BEHIND_PROXY") else SimpleAuth()
    return str(auth.login(user))


def offline_check(user):
    auth = TokenAuth() if os.environ.get("OFFLINE") else None
    return auth.login(user)
"""


def test_a_conditional_expression_gives_the_name_both_types() -> None:
    result = _run(CONDITIONAL)
    functions = result.project.functions
    assert REQUEST in functions["app.auth.ProxyHeaderAuth.login"].contexts
    assert REQUEST in functions["app.auth.SimpleAuth.login"].contexts
    # a conditional expression in a function no request reaches: its class stays unreached
    assert REQUEST not in functions["app.auth.TokenAuth.login"].contexts
    assert _flagged(result) == [(12, True), (17, False)]


ATTRIBUTE = """
import os

from flask import Flask

from app.auth import ProxyHeaderAuth, SimpleAuth, TokenAuth

app = Flask(__name__)


class Gate:
    def __init__(self):
        if os.environ.get("BEHIND_PROXY"):
            self.auth = SimpleAuth()
        else:
            self.auth = ProxyHeaderAuth()
        self.backup = TokenAuth()

    def check(self, user):
        return self.auth.login(user)


class Offline:
    def __init__(self):
        self.auth = TokenAuth()


@app.route("/login/<user>")
def login(user):
    return str(Gate().check(user))
"""


def test_an_attribute_assigned_in_either_branch_reaches_both_classes() -> None:
    first, second = "            self.auth = SimpleAuth()", "            self.auth = ProxyHeaderAuth()"
    swapped = ATTRIBUTE.replace(first, "@@").replace(second, first).replace("@@", second)
    assert swapped != ATTRIBUTE
    for text in (ATTRIBUTE, swapped):  # whichever branch assigns last
        result = _run(text)
        functions = result.project.functions
        assert REQUEST in functions["app.auth.ProxyHeaderAuth.login"].contexts
        assert REQUEST in functions["app.auth.SimpleAuth.login"].contexts
        # ``self.backup`` and another class's ``self.auth`` are other attributes: ``TokenAuth`` is not reached
        assert REQUEST not in functions["app.auth.TokenAuth.login"].contexts
        assert _flagged(result) == [(12, True), (17, False)]


def test_an_attribute_of_one_class_adds_nothing() -> None:
    result = _run(
        ATTRIBUTE.replace("            self.auth = ProxyHeaderAuth()", "            self.auth = SimpleAuth()")
    )
    assert not result.project.alternatives
    assert REQUEST not in result.project.functions["app.auth.ProxyHeaderAuth.login"].contexts
    assert _flagged(result) == [(12, False), (17, False)]

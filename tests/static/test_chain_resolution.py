"""The hops of the call chain a finding shows ("request path: view a -> b -> c") are calls that really happen.

Each case pairs a join the model must not make with the chain it must still find:

* ``self.status()`` in a base method reaches the ``status`` override of a subclass only when instances of
  that subclass run the base method: not when the subclass overrides the calling method without handing the
  call up (``super().tree()``).
* ``engine.lookup(...)`` on a receiver that may be a plugin module (modules a registry lists define
  ``lookup``) does not reach an unrelated class family's ``lookup`` unless the receiver's name spells it.
* a one-word method that library objects define too (``match.group(1)`` on a regex match, ``form.validate()``
  on a WTForms form) does not reach the one project hierarchy defining that name unless the receiver's name
  spells its root (``validator.validate()``).
* the line shown for a hop made through an import alias (``from .jobs import export as run_export``) is the
  call, not the calling function's ``def``.
"""

from __future__ import annotations

import textwrap

from flask_doctor.static.model import REQUEST
from flask_doctor.static.runner import analyse_sources

BACKENDS = """
import subprocess


class Backend:
    def tree(self):
        return self.status()

    def report(self):
        return self.status()

    def status(self):
        return "idle"


class PollingBackend(Backend):
    def tree(self):
        return "cached tree"

    def status(self):
        return subprocess.run(["probe", "--poll"]).stdout


class HandingUpBackend(Backend):
    def tree(self):
        return super().tree()

    def status(self):
        return subprocess.run(["probe", "--up"]).stdout


class PlainBackend(Backend):
    def status(self):
        return subprocess.run(["probe", "--plain"]).stdout
"""

TREE_VIEW = """
from flask import Flask

from shop.backends import Backend

app = Flask(__name__)


@app.route("/tree")
def tree_view():
    return Backend().tree()
"""


def _project(sources: dict[str, str], select: list[str] | None = None):
    return analyse_sources({k: textwrap.dedent(v) for k, v in sources.items()}, select=select)


def test_a_self_call_does_not_reach_the_override_of_a_subclass_that_replaces_the_caller() -> None:
    result = _project({"shop/__init__.py": "", "shop/backends.py": BACKENDS, "shop/views.py": TREE_VIEW})
    functions = result.project.functions
    # ``PollingBackend.tree`` replaces ``Backend.tree``: a polling backend never runs the base's ``self.status()``
    assert REQUEST not in functions["shop.backends.PollingBackend.status"].contexts
    # a subclass handing the call up, and one keeping the base's ``tree``, run it
    assert REQUEST in functions["shop.backends.HandingUpBackend.status"].contexts
    assert REQUEST in functions["shop.backends.PlainBackend.status"].contexts
    assert result.project.chain("shop.backends.PlainBackend.status", REQUEST) == [
        "shop.views.tree_view",
        "shop.backends.Backend.tree",
        "shop.backends.PlainBackend.status",
    ]


def test_the_replaced_override_keeps_the_chain_its_own_caller_gives_it() -> None:
    report_view = TREE_VIEW.replace('"/tree"', '"/report"').replace("tree_view", "report_view")
    report_view = report_view.replace("Backend().tree()", "Backend().report()")
    sources = {"shop/__init__.py": "", "shop/backends.py": BACKENDS, "shop/views.py": report_view}
    result = _project(sources, select=["FD401"])
    # ``PollingBackend`` keeps the base's ``report``: its ``status`` is reached through it
    assert result.project.chain("shop.backends.PollingBackend.status", REQUEST) == [
        "shop.views.report_view",
        "shop.backends.Backend.report",
        "shop.backends.PollingBackend.status",
    ]
    flagged = [f.message for f in result.findings if f.location and f.location.line == 21]
    assert flagged and "`report_view` → `Backend.report` → `PollingBackend.status`" in flagged[0]


ENGINES = """
from flask import Flask, request

from search.engines import archive, books

ENGINES = {"archive": archive, "books": books}
app = Flask(__name__)


def run_engine(engine, query):
    return engine.lookup(query)


@app.route("/search")
def search_view():
    return str(run_engine(ENGINES[request.args["engine"]], request.args["q"]))
"""

ENGINE_MODULE = """
import requests


def lookup(query):
    return requests.get("https://{name}.example.com/find", params={{"q": query}}, timeout=5).json()
"""

CACHES = """
import time


class Cache:
    def lookup(self, key):
        return None


class SlowCache(Cache):
    def lookup(self, key):
        time.sleep(1)
        return None
"""


def _engines(app: str) -> dict[str, str]:
    return {
        "search/__init__.py": "",
        "search/app.py": app,
        "search/engines/__init__.py": "",
        "search/engines/archive.py": ENGINE_MODULE.format(name="archive"),
        "search/engines/books.py": ENGINE_MODULE.format(name="books"),
        "search/caches.py": CACHES,
    }


def test_a_receiver_that_may_be_a_plugin_module_does_not_reach_a_class_family_of_the_same_name() -> None:
    functions = _project(_engines(ENGINES)).project.functions
    assert REQUEST in functions["search.engines.archive.lookup"].contexts
    assert REQUEST in functions["search.engines.books.lookup"].contexts
    # ``engine`` spells nothing of ``Cache``: the modules' ``lookup`` is what the call runs
    assert REQUEST not in functions["search.caches.SlowCache.lookup"].contexts


def test_a_receiver_spelling_the_family_still_reaches_it_beside_the_modules() -> None:
    spelled = ENGINES.replace(
        "def run_engine(engine, query):\n    return engine.lookup(query)",
        "def run_engine(engine, query, cache=None):\n    cache.lookup(query)\n    return engine.lookup(query)",
    )
    functions = _project(_engines(spelled)).project.functions
    assert REQUEST in functions["search.engines.archive.lookup"].contexts
    assert REQUEST in functions["search.caches.SlowCache.lookup"].contexts


ALIASED_JOBS = """
import requests


def export(user_id):
    return requests.post("https://archive.example.com/export", json={"user": user_id})
"""

ALIASED_VIEWS = """
from flask import Flask

from reports.jobs import export as run_export

app = Flask(__name__)


def prepare(user_id):
    return run_export(user_id)


@app.route("/export/<int:user_id>")
def export_view(user_id):
    return str(prepare(user_id))
"""


def test_a_hop_through_an_import_alias_shows_the_call_line() -> None:
    sources = {"reports/__init__.py": "", "reports/jobs.py": ALIASED_JOBS, "reports/views.py": ALIASED_VIEWS}
    result = _project(sources, select=["FD402"])
    [finding] = [f for f in result.findings if f.code == "FD402"]
    hops = [(e.message, e.location.line if e.location else None) for e in finding.evidence]
    assert ("called from prepare", 10) in hops  # ``return run_export(user_id)``, not ``def prepare``
    assert ("called from export_view", 15) in hops


MAILERS = """
import requests
from flask import Flask

app = Flask(__name__)


class Counter:
    def send(self, name):
        return name


class Mailer:
    def send(self, to):
        return requests.post("https://mail.example.com/send", json={"to": to})


def notify(to):
    Counter().send("mail")
    Mailer().send(to)


@app.route("/notify/<to>")
def notify_view(to):
    notify(to)
    return "sent"
"""


def test_a_dispatched_hop_shows_the_call_that_reaches_the_method() -> None:
    result = _project({"mail/__init__.py": "", "mail/app.py": MAILERS}, select=["FD402"])
    [finding] = [f for f in result.findings if f.code == "FD402"]
    hops = [(e.message, e.location.line if e.location else None) for e in finding.evidence]
    # ``notify`` calls two ``send`` methods: the hop is ``Mailer().send(to)``, not ``def notify``
    assert ("called from notify", 20) in hops


PROVIDERS = """
import requests
from flask import Blueprint


class AuthProvider:
    def __init__(self, app):
        self.blueprint = Blueprint("auth", __name__)
        self.blueprint.add_url_rule("/authorize", view_func=self.authorize, methods=["POST"])
        app.register_blueprint(self.blueprint)

    def authorize(self):
        return self.validate("guest")

    def validate(self, user):
        return True


class DirectoryProvider(AuthProvider):
    def authorize(self):
        return str(self.validate("admin"))

    def validate(self, user):
        return requests.post("https://directory.example.com/bind", json={"user": user}).ok
"""


def test_a_view_registered_through_self_is_each_subclass_override() -> None:
    result = _project({"portal/__init__.py": "", "portal/auth.py": PROVIDERS})
    functions = result.project.functions
    assert "view" in functions["portal.auth.AuthProvider.authorize"].roles
    # ``view_func=self.authorize`` on a directory provider registers ``DirectoryProvider.authorize``
    assert "view" in functions["portal.auth.DirectoryProvider.authorize"].roles
    # with the rule and methods the registration gives
    [route] = functions["portal.auth.DirectoryProvider.authorize"].routes
    assert route.methods == ("POST",)
    # and the directory's ``validate`` is reached through its own ``authorize``, not the base's
    assert result.project.chain("portal.auth.DirectoryProvider.validate", REQUEST) == [
        "portal.auth.DirectoryProvider.authorize",
        "portal.auth.DirectoryProvider.validate",
    ]


GROUPS = """
import time


class Directory:
    def group(self, name):
        time.sleep(2)
        return name


class LdapDirectory(Directory):
    def group(self, name):
        time.sleep(5)
        return name


class BaseValidator:
    def validate(self, value):
        raise NotImplementedError


class RemoteValidator(BaseValidator):
    def validate(self, value):
        time.sleep(1)
        return True
"""

GROUP_VIEWS = """
import re

from flask import Flask, request

app = Flask(__name__)
TICKET = re.compile(r"T-(\\d+)")


@app.route("/tickets")
def ticket_view():
    if found := TICKET.match(request.args["ref"]):
        return found.group(1)
    return "none"


def check(validator, value):
    return validator.validate(value)


def check_form(form):
    return form.validate()


@app.post("/check")
def check_view():
    check_form(request.form)
    return str(check(request.args["kind"], request.form["value"]))
"""


def test_a_library_verb_on_an_untyped_receiver_needs_the_receiver_to_spell_the_hierarchy() -> None:
    sources = {"desk/__init__.py": "", "desk/directory.py": GROUPS, "desk/views.py": GROUP_VIEWS}
    functions = _project(sources).project.functions
    # ``found`` is a regex match: its ``group`` is not the directories'
    assert REQUEST not in functions["desk.directory.Directory.group"].contexts
    assert REQUEST not in functions["desk.directory.LdapDirectory.group"].contexts
    # ``validator`` spells ``BaseValidator``: the validators' family is reached; ``form`` alone reaches none
    assert REQUEST in functions["desk.directory.RemoteValidator.validate"].contexts
    result = _project(sources)
    assert result.project.chain("desk.directory.RemoteValidator.validate", REQUEST) == [
        "desk.views.check_view",
        "desk.views.check",
        "desk.directory.RemoteValidator.validate",
    ]


def test_a_library_verb_does_not_reach_a_plugin_module_function() -> None:
    views = ENGINES.replace(
        "def run_engine(engine, query):\n    return engine.lookup(query)",
        'def run_engine(engine, query, rights=None):\n    rights["edit"].test()\n    return engine.lookup(query)',
    )
    sources = _engines(views)
    sources["search/engines/archive.py"] += "\n\ndef test():\n    return requests.get('https://t.example.com')\n"
    functions = _project(sources).project.functions
    # ``test`` is a permission's (or a pattern's) verb: the engine module's ``test`` is not what runs
    assert REQUEST not in functions["search.engines.archive.test"].contexts
    # the engines' own ``lookup`` is still reached through the registry
    assert REQUEST in functions["search.engines.archive.lookup"].contexts

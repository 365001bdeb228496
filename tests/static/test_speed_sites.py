"""Facts that look through the call-site index (``facts.sites``) instead of every call of the project accept
the sites the plain loops accepted, in the same order; the config attribute walk that reads an ``if`` test
only under a setting finds the settings (with their envs) the eager walk found.

The index's own contract (every site under each name it may call) is checked in ``test_walks``; here each
fast path's test of a site is applied to every call and to the index's answer, on a project whose calls
reach the names through every route a site can be listed under: a method, a plain name, an import alias,
a local's type, a relative import and a module-level definition.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from flask_doctor.static.facts import config as config_facts
from flask_doctor.static.facts.assembly import APP_MOUNTS, _may_mount
from flask_doctor.static.facts.config import _OVERRIDING_LOADERS, LOADS_OVERRIDES
from flask_doctor.static.facts.csrf import _capitalised
from flask_doctor.static.facts.jobs.tasks import _ENQUEUE
from flask_doctor.static.facts.orm.engines import _CREATE_ENGINE_NAMES, CREATE_ENGINE
from flask_doctor.static.facts.signing_keys import _SIGNING_NAMES, SIGNING_CALLS
from flask_doctor.static.facts.sites import calls_matching, calls_named
from flask_doctor.static.model import CallSite, Project, build_project
from flask_doctor.static.model import test_words as words_of_test
from flask_doctor.static.model.config_classes import _ends_with_from_object
from flask_doctor.static.model.plugins import _DYNAMIC_IMPORT_NAMES, DYNAMIC_IMPORTS
from flask_doctor.static.model.settings_files import _CONFIG_METHODS
from flask_doctor.static.names import dotted
from flask_doctor.static.source import SourceModule

APP = textwrap.dedent(
    """
    import jwt
    import socket as sock
    import importlib
    from jwt import encode as sign
    from itsdangerous import URLSafeTimedSerializer as Signer
    from sqlalchemy import create_engine as make_engine
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from flask import Flask, request
    from flask_wtf.csrf import CSRFProtect
    from . import helpers
    from .helpers import connect_all, replace

    app = Flask(__name__)
    csrf = CSRFProtect(app)
    engine = make_engine("postgresql://db/app", pool_size=5)
    sock.setdefaulttimeout(10)
    app.config.from_object("settings.Default")
    app.config.from_pyfile("local.cfg")
    app.config.load_from_object(None)
    app.config.update(dict(DEBUG=False))
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/api": api})
    cherrypy.tree.graft(app, "/")
    mounted = tree.mount(app)
    plugin = importlib.import_module(name)
    __import__(other)

    def view(handler, fetch=None, *, method=None):
        token = jwt.encode({"a": 1}, config.SECRET_KEY)
        other = sign({"b": 2}, key=settings.KEY)
        signer = Signer(settings.KEY)
        url = request.url_root.replace("http://", "https://")
        text = replace(url)
        queue.enqueue(view, 1)
        queue.enqueue_in(delay, view)
        ldap.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)
        signals.models_committed.connect(view)
        connect_all()
        handler(url)
        fetch(url)
        method(url)
        helpers.create_engine("sqlite://")
        local = make_engine
        local("mysql://x")
        response.set_cookie("sid", secrets.token_urlsafe())
        request.cookies.get("sid")
        return Signer

    def builder():
        server = Flask(__name__)
        server.config.from_envvar("SETTINGS")
        runner = view
        runner(print)
        return server
    """
)

HELPERS = textwrap.dedent(
    """
    def connect_all():
        signals.task_failure.connect(handler)

    def replace(text):
        return text.replace("a", "b")

    def create_engine(url):
        return url
    """
)


@functools.cache
def _project() -> Project:
    modules = [
        SourceModule("shop/__init__.py", "shop", "", ast.parse(""), True),
        SourceModule("shop/app.py", "shop.app", APP, ast.parse(APP)),
        SourceModule("shop/helpers.py", "shop.helpers", HELPERS, ast.parse(HELPERS)),
    ]
    return build_project(modules)


@functools.cache
def _own_source() -> Project:
    root = Path(__file__).resolve().parents[2] / "src"
    modules = []
    for path in sorted((root / "flask_doctor" / "static" / "facts").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root)
        modules.append(SourceModule(str(rel), ".".join(rel.with_suffix("").parts), text, ast.parse(text)))
    return build_project(modules)


def _signing_name(project: Project, site: CallSite) -> str:
    """The name ``configuration_signing_keys`` looks the call up by."""
    table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
    text = dotted(site.node.func) or ""
    return (table.qualify(text) if table is not None else None) or site.name or text


def _attribute_named(names: Iterable[str]) -> Callable[[Project, CallSite], bool]:
    wanted = frozenset(names)
    return lambda project, site: isinstance(site.node.func, ast.Attribute) and site.node.func.attr in wanted


#: fast path -> (the names it asks the index for, or a test of a name's last segment; the plain loop's test)
FAST_PATHS: dict[str, tuple[Iterable[str] | Callable[[str], bool], Callable[[Project, CallSite], bool]]] = {
    "signing keys": (_SIGNING_NAMES, lambda project, site: _signing_name(project, site) in SIGNING_CALLS),
    "scheme rewrites": (("replace",), _attribute_named(["replace"])),
    "enqueue sites": (_ENQUEUE, _attribute_named(_ENQUEUE)),
    "auth cookies (set)": (("set_cookie",), _attribute_named(["set_cookie"])),
    "auth cookies (read)": (("get",), _attribute_named(["get"])),
    "overriding loaders": (LOADS_OVERRIDES, _attribute_named(LOADS_OVERRIDES)),
    "loaders after from_object": (_OVERRIDING_LOADERS, _attribute_named(_OVERRIDING_LOADERS)),
    "socket timeout": (("setdefaulttimeout",), lambda project, site: site.name == "socket.setdefaulttimeout"),
    "ldap options": (("set_option",), lambda project, site: site.name.rsplit(".", 1)[-1] == "set_option"),
    "engines": (_CREATE_ENGINE_NAMES, lambda project, site: site.name in CREATE_ENGINE),
    "settings files": (_CONFIG_METHODS, _attribute_named(_CONFIG_METHODS)),
    "signal receivers": (("connect",), _attribute_named(["connect"])),
    "dynamic imports": (_DYNAMIC_IMPORT_NAMES, lambda project, site: site.name in DYNAMIC_IMPORTS),
    "settings modules": (_ends_with_from_object, lambda project, site: site.name.endswith("from_object")),
    "app mounts": (_may_mount, lambda project, site: site.name.endswith(APP_MOUNTS)),
    "csrf extensions": (
        _capitalised,
        lambda project, site: bool(site.name.rpartition(".")[0]) and site.name.rpartition(".")[2][:1].isupper(),
    ),
}


@pytest.mark.parametrize("name", sorted(FAST_PATHS))
@pytest.mark.parametrize("build", [_project, _own_source], ids=["app", "own-source"])
def test_the_index_gives_every_site_the_plain_loop_accepted_in_order(name: str, build: Callable[[], Project]) -> None:
    project = build()
    names, accepts = FAST_PATHS[name]
    listed = calls_matching(project, names) if callable(names) else calls_named(project, names)
    plain = [site for site in project.calls if accepts(project, site)]
    assert [site for site in listed if accepts(project, site)] == plain
    if build is _project:
        assert plain, name  # the example reaches each fast path


def _called_parameters(project: Project, sites: Iterable[CallSite]) -> dict[str, set[str]]:
    called: dict[str, set[str]] = {}
    for site in sites:
        if site.function is not None and isinstance(site.node.func, ast.Name):
            called.setdefault(site.function.qualname, set()).add(site.node.func.id)
    return called


@pytest.mark.parametrize("build", [_project, _own_source], ids=["app", "own-source"])
def test_the_parameters_a_function_calls_are_found_through_the_index(build: Callable[[], Project]) -> None:
    """``http_method_parameters``: the sites listed under some parameter's name hold every call of a parameter."""
    project = build()
    params = {
        fn.qualname: {a.arg for a in (*fn.node.args.posonlyargs, *fn.node.args.args, *fn.node.args.kwonlyargs)}
        for fn in project.functions.values()
    }
    every = set().union(*params.values())
    everything = _called_parameters(project, project.calls)
    listed = _called_parameters(project, calls_named(project, every))
    for qualname, names in params.items():
        assert names & everything.get(qualname, set()) == names & listed.get(qualname, set())
    if build is _project:
        assert params["shop.app.view"] & listed["shop.app.view"] == {"handler", "fetch", "method"}


class _EagerWalk(config_facts._AttributeWalk):
    """The walk before this pass: each ``if`` test's env worked out before its branches were walked."""

    def walk(self, stmts, env, fn, config_class):  # type: ignore[no-untyped-def]
        project, module = self.project, self.module
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info = project.function_at.get((module.path, stmt.lineno, stmt.col_offset))
                self.walk(stmt.body, env, info or fn, config_class)
                continue
            if isinstance(stmt, ast.ClassDef):
                qualname = f"{module.name}.{stmt.name}" if fn is None else None
                cls_env = project.config_classes.get(qualname or "")
                self.walk(stmt.body, cls_env or env, fn, qualname if cls_env else None)
                continue
            if isinstance(stmt, ast.If):
                words = words_of_test(stmt.test)
                self.walk(stmt.body, config_facts._env_of_test(stmt.test, False, words) or env, fn, config_class)
                self.walk(stmt.orelse, config_facts._env_of_test(stmt.test, True, words) or env, fn, config_class)
                continue
            if isinstance(stmt, ast.Assign):
                self.assignment(stmt, env, fn, config_class)
            for field_name in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(stmt, field_name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], (ast.stmt, ast.excepthandler)):
                    if isinstance(inner[0], ast.excepthandler):
                        for handler in inner:
                            self.walk(handler.body, env, fn, config_class)
                    else:
                        self.walk(inner, env, fn, config_class)


SETTINGS = textwrap.dedent(
    """
    from flask import Flask

    app = Flask(__name__)
    app.secret_key = "base"
    if app.debug:
        app.config[Keys.SECRET] = "debug"
        if not os.environ.get("PRODUCTION"):
            app.secret_key = "dev-nested"
        else:
            app.debug = True
    elif ENV == "testing":
        app.debug = False
    else:
        for name in names:
            app.secret_key = name
        while waiting:
            with lock:
                app.debug = waiting
    try:
        app.secret_key = load()
    except KeyError:
        if "staging" in os.environ:
            app.secret_key = "staging"
    finally:
        app.debug = False

    class Keys:
        SECRET = "SECRET_KEY"

    class ProductionConfig:
        def __init__(self):
            if local_run:
                self.SECRET_KEY = "local"
            self.DEBUG = False

    def create_app():
        app = Flask(__name__)
        if not app.testing:
            app.secret_key = "factory"
        match mode:
            case "dev":
                app.debug = True
        return app
    """
)


def test_the_config_walk_finds_what_the_eager_walk_found_with_the_same_envs() -> None:
    module = SourceModule("shop/app.py", "shop.app", SETTINGS, ast.parse(SETTINGS))
    project = build_project([module])
    lazy: list = []
    eager: list = []
    config_facts._AttributeWalk(project, module, lazy).walk(module.tree.body, "base", None, None)
    _EagerWalk(project, module, eager).walk(module.tree.body, "base", None, None)
    assert lazy == eager
    assert len(lazy) >= 10
    assert {setting.env for setting in lazy} >= {"base", "development", "production", "testing"}

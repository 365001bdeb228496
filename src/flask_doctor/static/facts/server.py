"""Facts about how the app is served: gunicorn and uWSGI settings, Socket.IO, what workers must survive.

These facts join the deploy model (:mod:`flask_doctor.static.deploy`:
Dockerfile, Procfile, compose, ``gunicorn.conf.py``...) with the Python
code: the effective settings of each production gunicorn deployment
(command line merged with its config file), the Flask-SocketIO servers the
app creates, the blocking calls request code makes and the connections and
threads created while the app is imported.

Development files are skipped (:func:`.deploy_files.production_deploy_path`):
``docker-compose.override.yml``, ``docker-compose.dev.yml``,
``Dockerfile.dev``, ``Procfile.dev``, ``compose.local.yaml`` and
services/processes named ``dev``/``local``/``test`` are where ``--reload``
and a single worker belong.
"""

from __future__ import annotations

import ast
from dataclasses import field
from typing import TYPE_CHECKING, Any

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.calls import (
    HTTP_VERBS,
    HTTPX_FUNCTIONS,
    REQUESTS_FUNCTIONS,
    REQUESTS_SESSION_TYPES,
    SLEEP,
    SUBPROCESS_BLOCKING,
    TINY_SLEEP,
    URLOPEN,
)
from flask_doctor.static.facts.deploy_files import app_replicas, dev_process, production_deploy_path, production_server
from flask_doctor.static.facts.roles import FileRole, is_test_path, role_of_path
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import FACTORY, REQUEST
from flask_doctor.static.model.dispatch import THREAD_CLASSES
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy import DeployModel, ServerCommand, Setting, UwsgiSettings
    from flask_doctor.static.model import CallSite, ClassInfo, Project

GREEN_WORKERS = ("gevent", "eventlet")
#: gunicorn kills a worker silent for longer than this; more than five
#: minutes is no longer a safety net for a hung request.
MAX_TIMEOUT = 300


#: Appended to a server finding on an example's or a tutorial's deploy file (then a note).
EXAMPLE_NOTE = " (note: in an example or tutorial deploy file, not the production entry point)"
#: Directories of deploy files that show how to run the app rather than run it.
EXAMPLE_DEPLOY_DIRS = frozenset({"tutorial", "tutorials", "quickstart", "getting-started", "getting_started"})


def example_deploy_path(path: str) -> bool:
    """A deploy file of an example or a tutorial (``examples/chat/Procfile``, ``tutorial/Procfile``).

    Such a file can be a complete deployment, but it is not the project's
    production entry point: server rules report it as a note at most.
    """
    directories = [d.lower() for d in path.split("/")[:-1]]
    return role_of_path(path) is FileRole.EXAMPLE or bool(set(directories) & EXAMPLE_DEPLOY_DIRS)


def _production_process(path: str, process: str = "") -> bool:
    return production_deploy_path(path) and not dev_process(process)


# ---------------------------------------------------------------- gunicorn view
@dataclass
class Value:
    """One effective gunicorn setting and where it is set."""

    value: Any
    source: Location
    known: bool = True  # False: depends on an environment variable we cannot see


@dataclass
class Gunicorn:
    """One production WSGI server deployment: a command line and/or its config file, merged.

    Named for gunicorn, the first server read; ``server`` says which one it
    is (``gunicorn`` or ``uwsgi``, see :func:`uwsgi_deployments`), and the
    settings use the same names for both (``workers``, ``threads``,
    ``timeout``, ``max_requests``, ``reload``).
    """

    source: Location  # where to point when a setting is missing
    label: str  # "`gunicorn -w 4 app:app` (Dockerfile CMD)" / "gunicorn.conf.py"
    settings: dict[str, Value] = field(default_factory=dict)
    hooks: set[str] = field(default_factory=set)
    conf_path: str | None = None
    #: False for a config file no visible command uses (started by a script or
    #: a unit file we cannot read): a setting it leaves out may be on that
    #: command line, so "not set" means "unknown", not "gunicorn's default".
    complete: bool = True
    process: str = ""  # ``service:web`` / ``web`` / ``CMD``
    server: str = "gunicorn"

    @property
    def example(self) -> bool:
        """The deploy file is a tutorial's or an example's, not the production entry point: rules say less."""
        return example_deploy_path(self.source.path) or (
            self.conf_path is not None and example_deploy_path(self.conf_path)
        )

    def get(self, name: str) -> Value | None:
        return self.settings.get(name)

    def known(self, name: str) -> Any:
        value = self.settings.get(name)
        return value.value if value is not None and value.known else None

    def worker_class(self) -> str | None:
        """``sync``/``gthread``/``gevent``/``eventlet``/``asgi``/other; None when unknown."""
        value = self.get("worker_class")
        if value is None:
            if not self.complete:
                return None
            threads = self.threads()
            return "gthread" if threads is not None and threads > 1 else "sync"  # gunicorn switches to gthread
        if not value.known or not isinstance(value.value, str):
            return None
        raw = value.value.lower()
        for green in GREEN_WORKERS:
            if green in raw:
                return green
        if "gthread" in raw or raw.endswith("threadworker"):
            return "gthread"
        if raw in ("sync", "gunicorn.workers.sync.syncworker"):
            return "sync"
        if "uvicorn" in raw or "asgi" in raw:
            return "asgi"
        return raw

    def threads(self) -> int | None:
        """Threads per worker (gunicorn's default 1); None when unknown."""
        value = self.get("threads")
        if value is None:
            return 1 if self.complete else None
        return value.value if value.known and isinstance(value.value, int) else None


_FIELDS = ("workers", "worker_class", "threads", "timeout", "max_requests", "max_requests_jitter", "reload", "preload")
_CONF_NAMES = {"preload": "preload_app"}


def _conf_value(deploy: DeployModel, setting: Setting) -> Value:
    value = setting.value
    known = value is not None
    if setting.env_var:
        env = deploy.env_value(setting.env_var)
        if env is not None and env.value is not None:
            value, known = _parse_scalar(env.value), True
        else:
            known = value is not None  # the default applies unless the variable is set elsewhere
    if setting.conditional:
        known = False
    return Value(value, setting.source, known)


def _parse_scalar(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True if lowered != "1" else 1
    if lowered in ("false", "no", "off", "0"):
        return False if lowered != "0" else 0
    try:
        return int(text)
    except ValueError:
        return text


@project_fact
def gunicorn_deployments(project: Project) -> list[Gunicorn]:
    """Production gunicorn deployments, each with its effective settings."""
    deploy = project.deploy
    found: list[Gunicorn] = list(code_gunicorn_applications(project))
    if deploy is None:
        return found
    used: set[str] = set()
    for cmd in [*deploy.commands, *code_server_commands(project)]:
        if cmd.server != "gunicorn" or not _production_process(cmd.source.path, cmd.process):
            continue
        conf = deploy.gunicorn_config_for(cmd)
        text = " ".join(cmd.argv)
        if len(text) > 70:
            text = text[:67] + "..."
        item = Gunicorn(cmd.source, f"`{text}`", process=cmd.process)
        if conf is None and cmd.config_file:
            item.complete = False  # -c names a file we did not find
        if conf is not None:
            used.add(conf.path)
            item.conf_path = conf.path
            item.hooks = set(conf.hooks)
            for name in _FIELDS:
                setting = conf.get(_CONF_NAMES.get(name, name))
                if setting is not None:
                    item.settings[name] = _conf_value(deploy, setting)
        for name in _FIELDS:
            if name in cmd.unresolved:
                item.settings[name] = Value(None, cmd.source, known=False)
                continue
            value = getattr(cmd, name)
            if value is None or value is False:
                continue  # not on the command line: the config file or gunicorn's default decides
            item.settings[name] = Value(value, cmd.source)
        found.append(item)
    for conf in deploy.gunicorn:
        if conf.path in used or not production_deploy_path(conf.path):
            continue
        anchor = min(
            (s.source for s in conf.settings.values()), key=lambda loc: loc.line, default=Location(conf.path, 1, 1)
        )
        item = Gunicorn(anchor, f"`{conf.path}`", conf_path=conf.path, hooks=set(conf.hooks), complete=False)
        for name in _FIELDS:
            setting = conf.get(_CONF_NAMES.get(name, name))
            if setting is not None:
                item.settings[name] = _conf_value(deploy, setting)
        found.append(item)
    return found


#: gunicorn's application classes a project subclasses to start gunicorn from Python (its "Custom Application").
GUNICORN_APPLICATION_BASES = frozenset(
    {"gunicorn.app.base.BaseApplication", "gunicorn.app.base.Application", "gunicorn.app.wsgiapp.WSGIApplication"}
)
#: Attributes that hold the Flask app in a custom application (``self.application = app``).
_APP_ATTRIBUTES = frozenset({"app", "application", "wsgi_app", "flask_app", "_app"})


def _gunicorn_application_classes(project: Project) -> list[ClassInfo]:
    """Classes of the application's code that subclass gunicorn's application classes, directly or not."""
    found: list[ClassInfo] = []
    for cls in project.classes.values():
        if role_of_path(cls.module.path) is not FileRole.APPLICATION:
            continue
        seen: set[str] = set()
        todo = list(cls.bases)
        while todo:
            base = todo.pop()
            if base in seen:
                continue
            seen.add(base)
            if base in GUNICORN_APPLICATION_BASES:
                found.append(cls)
                break
            parent = project.classes.get(base)
            if parent is not None:
                todo.extend(parent.bases)
    return found


def _dict_literal(fn: ast.AST, name: str) -> ast.Dict | None:
    """The dict literal last assigned to local ``name`` in ``fn``."""
    value = _last_assignment(fn, name, 10**9)
    return value if isinstance(value, ast.Dict) else None


def _cfg_settings(method: ast.AST) -> tuple[list[tuple[str, ast.expr, ast.AST]], bool]:
    """``self.cfg.set(key, value)`` calls of a method: (key, value, where) triples, and whether all were read.

    A key is a string constant, or the loop variable of a ``for key, value in
    options.items()`` over a dict literal of the same method; any other
    source (the options handed to ``__init__``) makes the settings incomplete.
    """
    found: list[tuple[str, ast.expr, ast.AST]] = []
    complete = True
    loops: dict[str, tuple[str, ast.Dict]] = {}
    # ``env_args = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())``: the settings of
    # ``GUNICORN_CMD_ARGS``, which the ``gunicorn`` command applies as well; copying them hides nothing
    from_env = {
        target.id
        for node in ast.walk(method)
        if isinstance(node, ast.Assign) and "get_cmd_args_from_env" in ast.unparse(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    env_calls: set[int] = set()
    for node in ast.walk(method):
        if isinstance(node, ast.For) and any(isinstance(n, ast.Name) and n.id in from_env for n in ast.walk(node.iter)):
            env_calls.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Call))
    for node in ast.walk(method):
        if (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Tuple)
            and len(node.target.elts) == 2
            and all(isinstance(e, ast.Name) for e in node.target.elts)
            and isinstance(node.iter, ast.Call)
            and isinstance(node.iter.func, ast.Attribute)
            and node.iter.func.attr == "items"
            and isinstance(node.iter.func.value, ast.Name)
        ):
            literal = _dict_literal(method, node.iter.func.value.id)
            key_name = node.target.elts[0].id  # type: ignore[attr-defined]
            if literal is not None:
                loops[key_name] = (node.target.elts[1].id, literal)  # type: ignore[attr-defined]
    for node in ast.walk(method):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "set"
            and dotted(node.func.value) == "self.cfg"
            and len(node.args) == 2
        ):
            continue
        key, value = node.args
        if id(node) in env_calls:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append((key.value, value, node))
        elif isinstance(key, ast.Name) and key.id in loops:
            for k, v in zip(loops[key.id][1].keys, loops[key.id][1].values, strict=True):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    found.append((k.value, v, k))
                else:
                    complete = False
        else:
            complete = False
    return found, complete


def _touches_app(method: ast.AST) -> ast.AST | None:
    """Where a method reads the app it serves (``self.app.config[...]``, ``self.application``)."""
    for node in ast.walk(method):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in _APP_ATTRIBUTES
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and isinstance(node.ctx, ast.Load)
        ):
            return node
    return None


@project_fact
def code_gunicorn_applications(project: Project) -> list[Gunicorn]:
    """gunicorn deployments the project starts from Python with a custom application class.

    gunicorn's "Custom Application" (a subclass of
    ``gunicorn.app.base.BaseApplication`` whose ``load_config`` calls
    ``self.cfg.set(...)`` and whose ``load`` returns the app) is how a
    ``deploy``/``serve`` command of the project runs gunicorn: it is the
    production entry point as much as a Dockerfile ``CMD``. Its settings are
    the constant ones ``load_config`` (or ``__init__``) sets, directly or
    from a dict literal; settings handed in by the caller make the deployment
    incomplete (unknown, not gunicorn's default). When ``__init__`` or
    ``load_config`` (which run in the master, before the fork) read the app,
    the app is built or held in the master: the workers inherit it as with
    ``preload_app``.
    """
    found: list[Gunicorn] = []
    for cls in _gunicorn_application_classes(project):
        settings: list[tuple[str, ast.expr, ast.AST]] = []
        complete = True
        master_touch: ast.AST | None = None
        for name in ("__init__", "load_config"):
            method = cls.methods.get(name)
            if method is None:
                continue
            got, full = _cfg_settings(method.node)
            settings.extend(got)
            complete = complete and full
            master_touch = master_touch or _touches_app(method.node)
        if "load_config" not in cls.methods or not settings:
            continue  # the settings come from elsewhere (a base class of the project, the caller)
        path = cls.module.path
        anchor = min(settings, key=lambda item: getattr(item[2], "lineno", 0))[2]
        source = Location(path, getattr(anchor, "lineno", cls.node.lineno), getattr(anchor, "col_offset", 0) + 1)
        item = Gunicorn(source, f"`{cls.name}` (a custom gunicorn application)", complete=complete, process="code")
        for key, value, where in settings:
            field_name = {"preload_app": "preload", "worker-class": "worker_class"}.get(key, key.replace("-", "_"))
            if field_name not in _FIELDS:
                continue
            at = Location(path, getattr(where, "lineno", source.line), getattr(where, "col_offset", 0) + 1)
            if isinstance(value, ast.Constant) and value.value is not None:
                item.settings[field_name] = Value(value.value, at)
            else:
                item.settings[field_name] = Value(None, at, known=False)
        if master_touch is not None and "preload" not in item.settings:
            at = Location(
                path, getattr(master_touch, "lineno", source.line), getattr(master_touch, "col_offset", 0) + 1
            )
            item.settings["preload"] = Value(True, at)
        found.append(item)
    return found


#: Calls that run a command line: a project CLI that starts the server hands it one of these.
_RUNS_COMMAND = frozenset(
    {
        "os.system",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.Popen",
        "os.execvp",
        "os.execv",
    }
)


@project_fact
def code_server_commands(project: Project) -> list[ServerCommand]:
    """gunicorn command lines the project's own code starts (``os.system("gunicorn -c python:pkg.gunicorn app")``).

    A ``serve``/``service start`` CLI command that builds the server's
    command line and runs it is the production entry point as much as a
    Dockerfile ``CMD``. The command is a string (f-string parts become
    ``$VALUE``, unknown) or a list of strings, written in the call or
    assigned to a local name first; only commands that start gunicorn are
    kept, and code in tests, examples and scripts is left out.
    """
    from flask_doctor.static.deploy.commands import analyze_command

    found: list[ServerCommand] = []
    for site in calls_named(project, last_segments(_RUNS_COMMAND)):
        if not site.node.args or role_of_path(site.module.path) is not FileRole.APPLICATION:
            continue
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        name = dotted(site.node.func) or ""
        qualified = (table.qualify(name) if table is not None else None) or name
        if qualified not in _RUNS_COMMAND:
            continue
        arg = site.node.args[-1] if qualified.startswith("os.exec") else site.node.args[0]
        if isinstance(arg, ast.Name) and site.function is not None:
            arg = _last_assignment(site.function.node, arg.id, site.node.lineno) or arg
        command = _command_text(arg)
        if command is None or "gunicorn" not in (command if isinstance(command, str) else " ".join(command)):
            continue
        at = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
        commands, _ = analyze_command(command, at, "code")
        found.extend(c for c in commands if c.server == "gunicorn")
    return found


def _last_assignment(fn: ast.AST, name: str, before: int) -> ast.expr | None:
    value: ast.expr | None = None
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and node.lineno < before:
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                value = node.value
    return value


def _command_text(node: ast.expr) -> str | list[str] | None:
    """The command a string, f-string, ``+`` of them or list of strings spells (unknown parts as ``$VALUE``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "$VALUE" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _command_text(node.left), _command_text(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return None
    if isinstance(node, ast.List):
        words = [_command_text(e) for e in node.elts]
        return [w for w in words if isinstance(w, str)] if all(isinstance(w, str) for w in words) else None
    return None


_UWSGI_GREEN = ("--gevent", "--async", "--ugreen", "--greenlet", "--asyncio")


#: uWSGI options that recycle a worker before a leak kills it (``max-requests`` is read as ``max_requests``).
UWSGI_RECYCLE = (
    "reload-on-rss",
    "evil-reload-on-rss",
    "reload-on-as",
    "evil-reload-on-as",
    "max-worker-lifetime",
    "reload-on-exception",
)
#: uWSGI option -> the shared setting name of :class:`Gunicorn`.
_UWSGI_FIELDS = {
    "processes": "workers",
    "workers": "workers",
    "threads": "threads",
    "harakiri": "timeout",
    "max-requests": "max_requests",
    "py-autoreload": "reload",
    "python-autoreload": "reload",
    "py-auto-reload": "reload",
    "python-auto-reload": "reload",
    **{name: "recycle" for name in UWSGI_RECYCLE},
    **{name.lstrip("-"): "green" for name in _UWSGI_GREEN},
}
#: Keys of a uWSGI config that pull settings from elsewhere: what it leaves out may be set there.
_UWSGI_INCLUDES = frozenset({"ini", "include", "inherit", "yaml", "yml", "json", "xml", "config", "emperor"})


def _uwsgi_value(name: str, raw: str | None, at: Location, conditional: bool = False) -> Value:
    if raw is None or conditional or "$(" in raw or "%(" in raw or "@(" in raw or "$" in raw:
        return Value(raw, at, known=False)
    value = _parse_scalar(raw)
    if name == "reload":
        value = value not in (0, False)  # ``py-autoreload = N`` polls every N seconds; 0 turns it off
    return Value(value, at)


def _uwsgi_config(deploy: DeployModel, wanted: str) -> UwsgiSettings | None:
    """The config a ``--ini``/``--yaml`` names (``/app/uwsgi.ini`` in an image is the project's ``uwsgi.ini``)."""
    wanted = wanted.split(":", 1)[0].removeprefix("./").lstrip("/")
    name = wanted.rsplit("/", 1)[-1]
    exact = next((u for u in deploy.uwsgi if u.path == wanted or u.path.endswith("/" + wanted)), None)
    return exact or next((u for u in deploy.uwsgi if u.path.rsplit("/", 1)[-1] == name), None)


def _uwsgi_from_config(item: Gunicorn, ini: UwsgiSettings) -> None:
    for setting in ini.entries:
        name = _UWSGI_FIELDS.get(setting.name)
        if name is not None:
            raw = setting.value if isinstance(setting.value, str) else None
            item.settings[name] = _uwsgi_value(name, raw, setting.source, setting.conditional)
        elif setting.name in _UWSGI_INCLUDES:
            item.complete = False


def _uwsgi_from_env(project: Project, item: Gunicorn) -> None:
    """``UWSGI_HARAKIRI=60``: uWSGI reads any option from a ``UWSGI_<OPTION>`` variable."""
    from flask_doctor.static.facts.deploy_files import production_env, production_env_names

    values = {e.name: e for e in production_env(project)}
    for env_name in production_env_names(project):
        if not env_name.startswith("UWSGI_"):
            continue
        option = env_name[len("UWSGI_") :].lower().replace("_", "-")
        name = _UWSGI_FIELDS.get(option)
        if option in _UWSGI_INCLUDES:
            item.complete = False  # ``UWSGI_INI``: another config file
        if name is None:
            continue
        env = values.get(env_name)
        at = env.source if env is not None else item.source
        item.settings[name] = _uwsgi_value(name, env.value if env is not None else None, at)


@project_fact
def uwsgi_deployments(project: Project) -> list[Gunicorn]:
    """Production uWSGI deployments, each with its effective settings under the names gunicorn's use.

    A production command that starts uWSGI, merged with the config file it
    names (``--ini``, ``--yaml``, ``--xml``, ``uwsgi app.ini``): the command
    line wins. A production config no command names (started by a unit file,
    an emperor or a base image we cannot see) is a deployment of its own but
    incomplete, like a ``gunicorn.conf.py`` no command names: what it sets
    counts, what it leaves out is unknown.
    ``UWSGI_<OPTION>`` variables production files set count as options. A
    config that includes another (``ini =``, ``UWSGI_INI``) or a command whose
    config file was not found is incomplete: "not set" then means unknown.
    uWSGI's own defaults differ from gunicorn's: no ``harakiri`` is no
    request timeout at all.
    """
    deploy = project.deploy
    found: list[Gunicorn] = []
    if deploy is None:
        return found
    used: set[str] = set()
    for cmd in deploy.commands:
        if cmd.server != "uwsgi" or not _production_process(cmd.source.path, cmd.process):
            continue
        text = " ".join(cmd.argv)
        item = Gunicorn(cmd.source, f"`{text[:67] + '...' if len(text) > 70 else text}`", process=cmd.process)
        item.server = "uwsgi"
        if cmd.config_file:
            ini = _uwsgi_config(deploy, cmd.config_file)
            if ini is None:
                item.complete = False
            else:
                used.add(ini.path)
                item.conf_path = ini.path
                _uwsgi_from_config(item, ini)
        options = _uwsgi_argv(cmd.argv[1:])
        for option, raw in options.items():
            name = _UWSGI_FIELDS.get(option)
            if name is not None:
                item.settings[name] = _uwsgi_value(name, raw, cmd.source)
        for name in ("workers", "threads", "timeout", "max_requests"):
            if name in cmd.unresolved:
                item.settings[name] = Value(None, cmd.source, known=False)
            elif getattr(cmd, name) is not None:
                item.settings[name] = Value(getattr(cmd, name), cmd.source)
        _uwsgi_from_env(project, item)
        found.append(item)
    for ini in deploy.uwsgi:
        if ini.path in used or not production_deploy_path(ini.path):
            continue
        anchor = min((s.source for s in ini.entries), key=lambda loc: loc.line, default=Location(ini.path, 1, 1))
        # as for a gunicorn.conf.py no command names: an emperor, a unit file or the operator starts it, maybe
        # with more options (reference configs shipped for operators say "tune this to your environment")
        item = Gunicorn(anchor, f"`{ini.path}`", conf_path=ini.path, server="uwsgi", complete=False)
        _uwsgi_from_config(item, ini)
        _uwsgi_from_env(project, item)
        found.append(item)
    return found


def _uwsgi_argv(args: list[str]) -> dict[str, str]:
    """uWSGI's long options of a command line (``--harakiri 30``, ``--reload-on-rss=200``, ``--master``)."""
    found: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if not eq:
                nxt = args[i + 1] if i + 1 < len(args) else None
                if nxt is not None and not nxt.startswith("-"):
                    value = nxt
                    i += 1
                else:
                    value = "true"
            found[_uwsgi_key(name)] = value
        i += 1
    return found


def _uwsgi_key(name: str) -> str:
    return name.lower().replace("_", "-")


@project_fact
def wsgi_deployments(project: Project) -> list[Gunicorn]:
    """The production WSGI servers' settings: every gunicorn and uWSGI deployment (:attr:`Gunicorn.server`)."""
    return [*gunicorn_deployments(project), *uwsgi_deployments(project)]


@dataclass(frozen=True)
class AppProcesses:
    """How many processes of production build the app, as far as the deploy files show.

    ``spread`` is ``several`` (more than one worker, each building the app
    after the fork, or several replicas), ``unknown`` (a production server
    starts it and its worker count is not visible: set from a variable, or
    on a command line we could not read) or ``one`` (one worker, or workers
    forked from a master that built the app first: ``preload_app``, a custom
    application that holds the built app).
    """

    spread: str
    description: str
    location: Location


@project_fact
def app_processes(project: Project) -> AppProcesses | None:
    """The strongest evidence the production deploy files give of how many processes build the app.

    Per-process state (a key generated at start-up, an in-memory cache)
    differs between processes only when each builds the app itself:
    compose replicas always do; gunicorn and uWSGI workers do unless the
    master builds it before the fork. A config file no visible command uses
    and that sets no worker count says nothing. Examples' deploy files are
    left out. None when no production server is visible.
    """
    replicas = app_replicas(project)
    if replicas is not None:
        return AppProcesses("several", replicas.description, replicas.location or Location("", 1, 1))
    found: list[AppProcesses] = []
    for item in wsgi_deployments(project):
        if item.example:
            continue
        workers = item.get("workers")
        if workers is None and not item.complete:
            continue  # a config file only: the command that uses it may set the count
        if item.known("preload") is True:
            found.append(AppProcesses("one", f"{item.label} forks its workers after building the app", item.source))
        elif workers is None:
            found.append(AppProcesses("unknown", f"{item.label} starts the app", item.source))
        elif not workers.known or not isinstance(workers.value, int) or isinstance(workers.value, bool):
            found.append(AppProcesses("unknown", f"{item.label} sets its worker count at deploy time", workers.source))
        elif workers.value > 1:
            found.append(AppProcesses("several", f"{item.label} runs {workers.value} worker processes", workers.source))
        else:
            found.append(AppProcesses("one", f"{item.label} runs one worker process", workers.source))
    server = production_server(project)
    if server is not None and server.server not in ("gunicorn", "uwsgi"):
        found.append(AppProcesses("unknown", f"`{server.server}` starts the app", server.source))
    order = {"several": 0, "unknown": 1, "one": 2}
    return min(found, key=lambda item: order[item.spread], default=None)


@project_fact
def single_threaded_uwsgi(project: Project) -> list[tuple[Gunicorn, int | None]]:
    """Production uWSGI deployments started by a visible command that serve one request per process.

    No gevent/async mode and one thread (uWSGI's default), with the process
    count when known. A config whose threads come from a variable, or that
    was not found, says nothing.
    """
    found: list[tuple[Gunicorn, int | None]] = []
    for item in uwsgi_deployments(project):
        if not item.complete or not item.process or item.get("green") is not None:
            continue
        threads = item.get("threads")
        if threads is not None and (not threads.known or not isinstance(threads.value, int) or threads.value > 1):
            continue
        processes = item.known("workers")
        found.append((item, processes if isinstance(processes, int) and not isinstance(processes, bool) else None))
    return found


# -------------------------------------------------------------- code facts
def _site_type(project: Project, site: CallSite) -> str | None:
    """``requests.Session.get`` for ``http.get`` when ``http`` is a module-level session."""
    owner, _, method = site.name.rpartition(".")
    obj = project.objects.get(owner)
    if obj is not None:
        return f"{obj.type}.{method}"
    return None


@project_fact
def blocking_request_sites(project: Project) -> list[tuple[CallSite, str]]:
    """Blocking network/sleep/subprocess calls reached from request code, with a label for messages."""
    found: list[tuple[CallSite, str]] = []
    for site in project.calls:
        fn = site.function
        if fn is None or REQUEST not in fn.contexts or role_of_path(site.module.path) is not FileRole.APPLICATION:
            continue  # an example's or a script's blocking call says nothing about the deployed app
        name = site.name
        typed = _site_type(project, site) or name
        owner, _, method = typed.rpartition(".")
        label = dotted(site.node.func) or name
        if (
            name in REQUESTS_FUNCTIONS
            or typed in REQUESTS_FUNCTIONS
            or (method in HTTP_VERBS and owner in REQUESTS_SESSION_TYPES)
            or name in URLOPEN
            or name in HTTPX_FUNCTIONS
        ):
            found.append((site, f"`{label}(...)` (HTTP call)"))
        elif name in SUBPROCESS_BLOCKING:
            found.append((site, f"`{label}(...)` (waits for a subprocess)"))
        elif name in SLEEP:
            arg = site.node.args[0] if site.node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, (int, float)) and arg.value < TINY_SLEEP:
                continue
            found.append((site, f"`{label}(...)` (sleep)"))
    return found


@dataclass(eq=False)
class SocketIOUse:
    """A Flask-SocketIO server of the app, with the options that decide how it can be deployed."""

    location: Location
    message_queue: bool
    async_mode: str | None
    async_mode_at: Location | None


SOCKETIO_TYPES = frozenset({"flask_socketio.SocketIO"})


@project_fact
def socketio_uses(project: Project) -> list[SocketIOUse]:
    """``SocketIO(app, ...)`` objects, merged with their ``init_app(app, ...)`` calls."""
    uses: dict[str, SocketIOUse] = {}
    seen_calls: set[int] = set()
    for obj in project.objects.values():
        if obj.type not in SOCKETIO_TYPES or id(obj.call) in seen_calls or is_test_path(obj.module.path):
            continue
        seen_calls.add(id(obj.call))
        use = SocketIOUse(obj.location, False, None, None)
        _absorb(use, obj.call, obj.module.path)
        uses[obj.qualname] = use
    for site in project.calls:
        if is_test_path(site.module.path):
            continue
        if site.name.endswith(".init_app"):
            owner = site.name[: -len(".init_app")]
            known = project.objects.get(owner)
            if known is not None and known.type in SOCKETIO_TYPES and owner in uses:
                _absorb(uses[owner], site.node, site.module.path)
        elif site.name in SOCKETIO_TYPES and site.function is not None:
            # SocketIO(app) built inside a factory
            use = SocketIOUse(Location(site.module.path, site.node.lineno, site.node.col_offset + 1), False, None, None)
            _absorb(use, site.node, site.module.path)
            uses[f"{site.module.name}:{site.node.lineno}"] = use
    return list(uses.values())


def _absorb(use: SocketIOUse, call: ast.Call, path: str) -> None:
    for kw in call.keywords:
        if kw.arg is None:
            use.message_queue = True  # **options may carry it: assume configured
        elif kw.arg == "message_queue" and not (isinstance(kw.value, ast.Constant) and kw.value.value is None):
            use.message_queue = True
        elif kw.arg == "async_mode":
            if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                use.async_mode = kw.value.value
                use.async_mode_at = Location(path, kw.value.lineno, kw.value.col_offset + 1)
            else:
                use.async_mode = "?"


# ---------------------------------------------------- import-time resources
DB_CONNECT_CALLS = frozenset(
    {
        "psycopg2.connect",
        "psycopg.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "mysql.connector.connect",
        "sqlite3.connect",
        "pymongo.MongoClient",
        "cx_Oracle.connect",
        "oracledb.connect",
    }
)
THREAD_TYPES = THREAD_CLASSES | {"threading.Timer"}
SCHEDULER_PREFIXES = ("apscheduler.schedulers.", "flask_apscheduler.")


@project_fact
def import_time_resources(project: Project) -> list[tuple[Location, str]]:
    """Connections opened and threads started while the app is imported (with what each does, for messages).

    Module-level code counts, and so does an app factory when a module calls
    it at import time (``app = create_app()``).
    """
    found: list[tuple[Location, str]] = []
    factory_at_import = any(
        site.function is None
        and not site.in_main
        and (fn := project.resolve_function(dotted(site.node.func) or "", None, site.module)) is not None
        and FACTORY in fn.roles
        for site in project.calls
    )
    for site in project.calls:
        if site.in_main or is_test_path(site.module.path):
            continue
        fn = site.function
        if fn is not None and not (factory_at_import and FACTORY in fn.contexts and len(fn.contexts) == 1):
            continue
        loc = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
        node = site.node
        if site.name in DB_CONNECT_CALLS:
            found.append((loc, f"opens a database connection (`{dotted(node.func)}(...)`)"))
            continue
        if not isinstance(node.func, ast.Attribute):
            continue
        attr = node.func.attr
        receiver_type = _receiver_type(project, site, node.func.value)
        if attr == "start" and receiver_type:
            if receiver_type in THREAD_TYPES:
                found.append((loc, f"starts a thread (`{ast.unparse(node)[:60]}`)"))
            elif receiver_type.startswith(SCHEDULER_PREFIXES):
                found.append((loc, f"starts a scheduler thread (`{ast.unparse(node)[:60]}`)"))
        elif attr in ("connect", "begin", "raw_connection") and receiver_type == "sqlalchemy.create_engine":
            found.append((loc, f"opens a database connection (`{ast.unparse(node)[:60]}`)"))
        elif attr == "create_all" and receiver_type in ("flask_sqlalchemy.SQLAlchemy",):
            found.append((loc, f"connects to the database (`{ast.unparse(node)[:60]}`)"))
    return found


def _receiver_type(project: Project, site: CallSite, receiver: ast.expr) -> str | None:
    if isinstance(receiver, ast.Call):
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        return table.qualify(dotted(receiver.func) or "") if table is not None else None
    name = dotted(receiver)
    if not name:
        return None
    if site.function is not None and name in site.function.local_types:
        return site.function.local_types[name]
    obj = project.objects.get(f"{site.module.name}.{name}")
    if obj is None:
        table = project.module_imports.get(site.module.name)
        qualified = table.qualify(name) if table is not None else None
        obj = project.objects.get(qualified or "")
    return obj.type if obj is not None else None


__all__ = [
    "GREEN_WORKERS",
    "AppProcesses",
    "MAX_TIMEOUT",
    "Gunicorn",
    "SocketIOUse",
    "Value",
    "app_processes",
    "blocking_request_sites",
    "code_gunicorn_applications",
    "gunicorn_deployments",
    "import_time_resources",
    "UWSGI_RECYCLE",
    "single_threaded_uwsgi",
    "uwsgi_deployments",
    "wsgi_deployments",
    "socketio_uses",
]

"""Facts about Flask's development server: where ``app.run()`` is called and what starts it.

``app.run()`` starts Werkzeug's development server. In a script under
``if __name__ == "__main__":`` that is how Flask's own docs start an app
while developing; at module level it runs whenever the module is imported,
and as a container's ``CMD`` or a Procfile's ``web:`` process it *is* the
production server. These facts resolve ``app`` to a ``flask.Flask`` (or an
app factory) before anything counts as a ``.run()`` of an app, and follow
the start commands of the deploy model (:mod:`flask_doctor.static.deploy`)
into the module they run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from flask_doctor.bounded_read import read_text_bounded
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.apps import is_flask_type, object_type
from flask_doctor.static.facts.config_values import flag_when_unset, truthy_constant
from flask_doctor.static.facts.deploy_files import dev_process, development_scope, production_deploy_path
from flask_doctor.static.facts.roles import is_server_entry_module, is_test_path, server_entry_modules
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.deploy import ServerCommand
    from flask_doctor.static.model import FunctionInfo, Project
    from flask_doctor.static.source import SourceModule

SOCKETIO_TYPES = ("flask_socketio.SocketIO",)
#: ``host=`` values that listen on every interface ("" is what ``--host ''`` gives).
ALL_INTERFACES = ("0.0.0.0", "::", "[::]", "")
#: Calls that serve the app with a production server, with its name.
PRODUCTION_SERVERS = {
    "waitress.serve": "waitress",
    "gevent.pywsgi.WSGIServer": "gevent",
    "bjoern.run": "bjoern",
    "cheroot.wsgi.Server": "cheroot",
    "cherrypy.wsgiserver.CherryPyWSGIServer": "cherrypy",
    "meinheld.server.run": "meinheld",
    "uvicorn.run": "uvicorn",
    "hypercorn.run": "hypercorn",
    "eventlet.wsgi.server": "eventlet",
    "gunicorn.app.base.BaseApplication": "gunicorn",
    "tornado.wsgi.WSGIContainer": "tornado",
}
#: Functions that serve a WSGI app with a server built for development or as a reference, not for production
#: traffic, with what the server is (for a message).
REFERENCE_SERVERS = {
    "wsgiref.simple_server.make_server": "wsgiref's reference server, which handles one request at a time",
    "werkzeug.serving.run_simple": "Werkzeug's development server",
    "werkzeug.run_simple": "Werkzeug's development server",
}
#: Installed commands named for development (``rundev``, ``app-debug``): their server is the developer's.
_DEV_COMMAND = on_first_use(r"dev|debug|preview|demo", re.IGNORECASE)


#: Words of a module or function name that say it is the development server's (``cli/devserver.py``,
#: ``_make_server_debug``).
_DEV_WORDS = frozenset({"dev", "devserver", "develop", "development", "debug", "rundev"})


def development_command(entry: ConsoleScript, chain: list[str] | tuple[str, ...] = ()) -> bool:
    """The installed command's name says it is for development (``rundev``), not for serving users, or the
    module or function on the way from it to the server does (``indico run`` -> ``cli.devserver.run_server``)."""
    if _DEV_COMMAND().search(entry.name):
        return True
    return any(
        word in _DEV_WORDS for qualname in chain for part in qualname.split(".") for word in part.lower().split("_")
    )


def parameter_default(fn: FunctionInfo | None, name: str) -> ast.expr | None:
    """The default of parameter ``name`` of ``fn``: its own (``def serve(host="127.0.0.1")``) or that of the
    click option that fills it (``@click.option("--host", "-h", default="127.0.0.1")``)."""
    if fn is None:
        return None
    args = fn.node.args
    positional = args.posonlyargs + args.args
    for arg, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
        if arg.arg == name:
            return default
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == name and kw_default is not None:
            return kw_default
    for deco in fn.node.decorator_list:
        if not (isinstance(deco, ast.Call) and (dotted(deco.func) or "").endswith("option")):
            continue
        names = [a.value for a in deco.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        plain = [n for n in names if not n.startswith("-")]
        longest = max((n for n in names if n.startswith("-")), key=len, default="")
        option = plain[0] if plain else longest.lstrip("-").replace("-", "_")
        if option == name:
            return next((kw.value for kw in deco.keywords if kw.arg == "default"), None)
    return None


def argparse_default(module: SourceModule, namespace_attr: ast.Attribute) -> ast.expr | None:
    """The default of the argparse option that fills ``args.host``: ``parser.add_argument("--host",
    default="0.0.0.0")`` in the same module (where command-line programs build their parser).

    The option's destination is ``dest=``, else the first long option (``--bind-host`` -> ``bind_host``), else
    the positional name. ``None`` when no option fills it, or when two options with different defaults do.
    """
    wanted = namespace_attr.attr
    found: list[ast.expr] = []
    for node in ast.walk(module.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "add_argument":
            continue
        names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        dest = keywords.get("dest")
        if isinstance(dest, ast.Constant) and isinstance(dest.value, str):
            option = dest.value
        else:
            longs = [n for n in names if n.startswith("--")]
            plain = [n for n in names if not n.startswith("-")]
            option = (longs[0][2:] if longs else plain[0] if plain else "").replace("-", "_")
        if option == wanted and "default" in keywords:
            found.append(keywords["default"])
    values = {ast.dump(d) for d in found}
    return found[0] if len(values) == 1 else None


def host_value(host: ast.expr | None, fn: FunctionInfo | None, module: SourceModule) -> str | None:
    """The address a server call listens on when the code says it: a literal, or the default of the
    parameter, click option or argparse option that fills it (``app.run(host=args.host)``)."""
    if isinstance(host, ast.Name):
        host = parameter_default(fn, host.id) or host
    elif isinstance(host, ast.Attribute) and isinstance(host.value, ast.Name):
        host = argparse_default(module, host) or host
    return host.value if isinstance(host, ast.Constant) and isinstance(host.value, str) else None


#: Compose services with these words in their name are not the web process.
_NOT_WEB = on_first_use(r"worker|celery|beat|scheduler|cron|migrat|queue|rq|test")
_PRODUCTION_HTTP_SERVERS = ("gunicorn", "uwsgi", "waitress", "hypercorn", "uvicorn")
#: Distributions of production WSGI/ASGI servers: a project that installs one serves the app with it.
SERVER_DISTRIBUTIONS = frozenset(
    {"gunicorn", "uwsgi", "pyuwsgi", "waitress", "hypercorn", "uvicorn", "bjoern", "meinheld", "cheroot", "mod-wsgi"}
)


# ------------------------------------------------------------- app.run() calls
def receiver_kind(
    project: Project,
    receiver: ast.expr,
    module_name: str,
    fn: FunctionInfo | None,
    type_of: Callable[[ast.expr], str | None] | None = None,
) -> str | None:
    """``"flask"`` / ``"socketio"`` for the object a ``.run(...)`` is called on, else ``None``."""
    type_name: str | None = None
    if isinstance(receiver, ast.Call):
        # create_app().run()
        name = dotted(receiver.func) or ""
        table = fn.imports if fn is not None else project.module_imports.get(module_name)
        qualified = (table.qualify(name) if table is not None else None) or f"{module_name}.{name}"
        type_name = qualified
    elif type_of is not None:
        type_name = type_of(receiver)
    else:
        receiver_name = dotted(receiver)
        type_name = object_type(project, module_name, receiver_name, fn) if receiver_name else None
    if is_flask_type(project, type_name):
        return "flask"
    if type_name and type_name.startswith(SOCKETIO_TYPES):
        return "socketio"
    return None


def call_kind(
    project: Project,
    call: ast.Call,
    module_name: str,
    fn: FunctionInfo | None,
    type_of: Callable[[ast.expr], str | None] | None = None,
) -> str | None:
    """Like :func:`receiver_kind` for a ``.run(...)`` call.

    ``allow_unsafe_werkzeug=`` only exists on Flask-SocketIO's ``run``.
    """
    assert isinstance(call.func, ast.Attribute)
    receiver = call.func.value
    kind = receiver_kind(project, receiver, module_name, fn, type_of if not isinstance(receiver, ast.Call) else None)
    if kind is None and any(kw.arg == "allow_unsafe_werkzeug" for kw in call.keywords):
        kind = "socketio"
    return kind


def allows_unsafe_werkzeug(call: ast.Call) -> bool:
    """``socketio.run(app, allow_unsafe_werkzeug=True)``: Werkzeug knowingly used outside debug mode."""
    return any(kw.arg == "allow_unsafe_werkzeug" and truthy_constant(kw.value) for kw in call.keywords)


def run_host(call: ast.Call, kind: str) -> ast.expr | None:
    """The ``host`` argument of ``app.run(...)`` / ``socketio.run(app, ...)``, as written."""
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    positional = call.args[1:] if kind == "socketio" else call.args
    return keywords.get("host") or (positional[0] if positional else None)


def run_options(call: ast.Call, kind: str) -> tuple[bool, str | None]:
    """(debug on, host) of ``app.run(...)`` / ``socketio.run(app, ...)``."""
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    positional = call.args[1:] if kind == "socketio" else call.args
    host = run_host(call, kind)
    debug = keywords.get("debug") or (positional[2] if len(positional) >= 3 and kind == "flask" else None)
    debug_on = truthy_constant(debug) or truthy_constant(keywords.get("use_debugger"))
    host_text = host.value if isinstance(host, ast.Constant) and isinstance(host.value, str) else None
    return debug_on, host_text


def call_text(call: ast.Call) -> str:
    """The source of a ``.run(...)`` call for a message, its arguments elided when long."""
    text = ast.unparse(call)
    return text if len(text) <= 70 else ast.unparse(call.func) + "(...)"


@project_fact
def imported_module_names(project: Project) -> frozenset[str]:
    """Every name a project module imports as a module (``shop``, ``shop.views`` for ``from shop import views``)."""
    names: set[str] = set()
    for records in project.imports.values():
        for record in records:
            names.add(record.module)
            names.update(f"{record.module}.{n}" for n in record.names)
    return frozenset(names)


def launcher_script(ctx: Context, receiver: ast.expr) -> bool:
    """A script that imports an app built elsewhere and that no project module imports (``profile.py``).

    A WSGI server imports the module that *holds* the app (``wsgi:app``, where
    ``app = create_app()`` runs); a script that only imports ``app`` from
    another module and calls ``app.run()`` is a development entry point, like
    a main block. So is a script that builds the app itself but reads its own
    command line when it starts (``args = parser.parse_args()`` at module
    level, as ``serve.py --port 4000`` does): no WSGI server imports such a
    module, which would parse the server's arguments, and no production
    deploy file runs it.
    """
    name = dotted(receiver) if not isinstance(receiver, ast.Call) else None
    if not name or "." in name:
        return False
    if ctx.module.name in imported_module_names(ctx.project):
        return False
    obj = ctx.project.objects.get(f"{ctx.module.name}.{name}")
    if obj is None or obj.module is not ctx.module:
        return True
    return _parses_command_line(ctx.module) and ctx.module.name not in deployed_script_modules(ctx.project)


#: Top-level modules of the production servers a command may try first (``from cheroot.wsgi import Server``).
_PRODUCTION_SERVER_MODULES = frozenset(
    {"gunicorn", "waitress", "cheroot", "cherrypy", "gevent", "eventlet", "bjoern", "meinheld", "hypercorn", "uvicorn"}
)
#: Exceptions a missing package raises on import.
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def import_fallback(ctx: Context) -> str | None:
    """The production server this code stands in for when its package is missing, if it is such a fallback.

    ``try: from cheroot.wsgi import Server`` ... ``except ImportError: run_simple(...)``: the command serves
    with cheroot, and the development server only where cheroot is not installed (a dependency the package
    declares, or a choice the operator made): the fallback is not how the command serves.
    """
    ancestors = ctx.ancestors
    for depth in range(len(ancestors) - 1, 0, -1):
        handler, statement = ancestors[depth], ancestors[depth - 1]
        if not (isinstance(handler, ast.ExceptHandler) and isinstance(statement, ast.Try | ast.TryStar)):
            continue
        caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if not any(dotted(kind) in _IMPORT_ERRORS for kind in caught if kind is not None):
            continue
        for node in statement.body:
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            else:
                continue
            server = next((m.split(".")[0] for m in modules if m.split(".")[0] in _PRODUCTION_SERVER_MODULES), None)
            if server is not None:
                return server
    return None


def _parses_command_line(module: SourceModule) -> bool:
    """Module-level code reads the command line with argparse (``parser.parse_args()``)."""
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parse_args"
        for stmt in module.tree.body
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for node in ast.walk(stmt)
    )


def dev_only_function(ctx: Context) -> bool:
    """The walk is in a helper that only a main block (and CLI or tests) calls, not in ``main()`` itself."""
    fn = ctx.function
    return (
        fn is not None
        and bool(fn.contexts)
        and fn.contexts <= {"main", "cli", "test"}
        and "main" in fn.contexts
        and fn.name != "main"
    )


# ------------------------------------------------------------ console scripts
_SCRIPT_SPEC = on_first_use(r"^\s*([\w.-]+)\s*=\s*([\w.]+)\s*:\s*([\w.]+)")


@dataclass(frozen=True, eq=False)
class ConsoleScript:
    """A command the package installs (``wikmd = "wikmd.wiki:run_wiki"``): how users start the app."""

    name: str
    target: str  # qualified name of the function (``wikmd.wiki.run_wiki``)
    declared_in: str  # ``pyproject.toml [project.scripts]``, ``setup.py entry_points``...


@project_fact
def console_scripts(project: Project) -> dict[str, ConsoleScript]:
    """Console-script entry points, by the qualified name of the function they call.

    Read from ``setup.py`` (its ``entry_points`` argument, parsed like any
    module), from ``pyproject.toml`` ``[project.scripts]`` and
    ``setup.cfg`` ``console_scripts`` next to the checked modules, and from
    the ``[console_scripts]`` of the built metadata an unpacked wheel
    (``pkg-1.0.dist-info/entry_points.txt``) or sdist
    (``pkg.egg-info/entry_points.txt``, also under ``src/``) ships: a wheel
    declares its commands nowhere else. The metadata files are read from
    disk only when the checked module paths resolve from the working
    directory (the checker runs at the project root), so a run elsewhere
    never reads an unrelated file.
    """
    specs: list[tuple[str, str]] = []
    setup = next((m for m in project.modules.values() if m.path.rsplit("/", 1)[-1] == "setup.py"), None)
    if setup is not None and "console_scripts" in setup.text:
        for node in ast.walk(setup.tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "=" in node.value
                and ":" in node.value
            ):
                # one spec, or the ini-style text (``"""[console_scripts]\n app = pkg.cli:main"""``)
                specs.extend((line, "setup.py entry_points") for line in node.value.splitlines() if "=" in line)
    for text, label in _metadata_files(project):
        specs.extend((line, label) for line in _script_lines(text, label))
    found: dict[str, ConsoleScript] = {}
    for spec, label in specs:
        match = _SCRIPT_SPEC().match(spec.strip().strip('"').strip("'").replace('"', "", 2))
        if match is None:
            continue
        name, module, attr = match.groups()
        found.setdefault(f"{module}.{attr}", ConsoleScript(name, f"{module}.{attr}", label))
    return found


@project_fact
def _at_project_root(project: Project) -> bool:
    """The working directory is the root the module paths are relative to: files beside them may be read."""
    probe = next((m for m in project.modules.values() if "/" not in m.path or m.path.count("/") <= 2), None)
    if probe is None:
        return False
    try:
        return read_text_bounded(probe.path) == probe.text
    except OSError:
        return False


def _metadata_files(project: Project) -> list[tuple[str, str]]:
    """(text, label) of ``pyproject.toml``/``setup.cfg`` at the root the module paths are relative to."""
    if not _at_project_root(project):
        return []
    candidates = [
        ("pyproject.toml", "pyproject.toml [project.scripts]"),
        ("setup.cfg", "setup.cfg console_scripts"),
    ]
    candidates.extend((str(path), f"{path} [console_scripts]") for path in _built_metadata("entry_points.txt"))
    files = []
    for name, label in candidates:
        try:
            files.append((read_text_bounded(name, 200_000), label))
        except OSError:
            continue
    return files


def _built_metadata(*names: str) -> list[Path]:
    """Files named ``names`` in the ``*.dist-info``/``*.egg-info`` directories at the root or under ``src/``."""
    found: list[Path] = []
    for parent in (Path(), Path("src")):
        try:
            children = sorted(parent.iterdir())
        except OSError:
            continue
        found.extend(
            child / name
            for child in children
            if child.name.endswith((".dist-info", ".egg-info"))
            for name in names
            if (child / name).is_file()
        )
    return found


def _script_lines(text: str, label: str) -> list[str]:
    """The ``name = module:function`` lines of the console-scripts section of one metadata file."""
    lines: list[str] = []
    section = False
    if label.startswith("pyproject"):
        wanted: tuple[str, ...] = ("[project.scripts]", "[tool.poetry.scripts]")
    elif label.endswith("[console_scripts]"):
        wanted = ("[console_scripts]",)  # built metadata (``entry_points.txt``): INI sections by group
    else:
        wanted = ()
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line in wanted
            continue
        if label.startswith("setup.cfg"):
            if line.startswith("console_scripts"):
                section = True
                line = line.partition("=")[2].strip()
            elif raw[:1] not in (" ", "\t") and line:
                section = False
        if section and line and not line.startswith("#"):
            lines.append(line.replace('"', "").replace("'", ""))
    return lines


def entry_point_of(project: Project, fn: FunctionInfo | None) -> ConsoleScript | None:
    """The console script that runs ``fn``: it is the script's function, or a command of its click group."""
    if fn is None:
        return None
    scripts = console_scripts(project)
    if fn.qualname in scripts:
        return scripts[fn.qualname]
    if "cli" in fn.roles:
        for deco in fn.decorators:
            owner = deco.rpartition(".")[0]
            for qualified in (owner, fn.imports.qualify(owner), f"{fn.module.name}.{owner}"):
                if qualified in scripts:
                    return scripts[qualified]
    return None


def entry_point_reaching(project: Project, fn: FunctionInfo | None) -> tuple[ConsoleScript, list[str]] | None:
    """The console script whose function runs ``fn``, directly or through the calls it makes (``main()`` ->
    the subcommand handler it dispatches to -> ``start()``) or the closures it defines (a thread's target),
    with that chain of qualified names."""
    if fn is None:
        return None
    from flask_doctor.static.facts.flows import callers  # noqa: PLC0415 (flows imports the request facts)

    for context in ("main", "cli"):  # the model's chains also follow dispatch (``args.func(args)``)
        chain = project.chain(fn.qualname, context) if context in fn.contexts else []
        entry = entry_point_of(project, project.functions.get(chain[0])) if chain else None
        if entry is not None:
            return entry, chain
    calling = callers(project)
    seen = {fn.qualname}
    frontier: list[tuple[FunctionInfo, list[str]]] = [(fn, [fn.qualname])]
    for _depth in range(6):
        following: list[tuple[FunctionInfo, list[str]]] = []
        for current, chain in frontier:
            entry = entry_point_of(project, current)
            if entry is not None:
                return entry, chain
            # a closure runs for the function that defines it (called there or handed out: a thread's target)
            outer = [current.parent] if current.parent is not None else []
            for caller in [*(c for _call, c in calling.get(current.qualname, ())), *outer]:
                if caller.qualname not in seen and not is_test_path(caller.module.path):
                    seen.add(caller.qualname)
                    following.append((caller, [caller.qualname, *chain]))
        frontier = following
    return None


def _server_named(project: Project) -> tuple[str, Location] | None:
    """A deploy file runs a production server (gunicorn, uWSGI...), or the code starts one (``waitress.serve``)."""
    deploy = project.deploy
    if deploy is not None:
        for command in deploy.commands:
            if command.server in _PRODUCTION_HTTP_SERVERS:
                return f"{command.server} runs the app ({command.source.path})", command.source
    for site in project.calls:
        server = PRODUCTION_SERVERS.get(site.name)
        if server is None and site.name in project.classes:
            # gunicorn's documented "custom application": ``class StandaloneApplication(BaseApplication)``
            # made and run by the project's own command
            server = next((PRODUCTION_SERVERS[t] for t in project.lineage(site.name) if t in PRODUCTION_SERVERS), None)
        if server is not None:
            at = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
            return f"the code serves the app with {server}", at
    return None


def serves_with_production_server(project: Project) -> bool:
    """A deploy file runs a production server (gunicorn, uWSGI...), or the code starts one (``waitress.serve``).

    What an installed command's own server is weighed against: a WSGI module
    or a dependency alone does not stop users from running the command.
    """
    return _server_named(project) is not None


@project_fact
def installs_production_server(project: Project) -> str | None:
    """The production server distribution the package installs with itself, if it does.

    Read from the install requirements the project declares (``pyproject.toml``
    dependencies, ``install_requires``, a production requirements file) and,
    as for console scripts, from the built metadata an unpacked sdist or wheel
    ships (``pkg.egg-info/requires.txt``, ``pkg-1.0.dist-info/METADATA``): an
    ``install_requires`` read from a file the sdist leaves out is only there.
    A package that installs gunicorn next to a command serving ``app.run()``
    hands its users a production server: the command is then a convenience,
    not the app's only server.
    """
    deploy = project.deploy
    if deploy is not None:
        for requirement in deploy.requirements:
            if requirement.name in SERVER_DISTRIBUTIONS and production_deploy_path(requirement.source.path):
                return requirement.name
    if not _at_project_root(project):
        return None
    for path in _built_metadata("requires.txt", "METADATA"):
        try:
            text = read_text_bounded(str(path), 200_000)
        except OSError:
            continue
        for name in _built_install_requirements(text, wheel=path.name == "METADATA"):
            if name in SERVER_DISTRIBUTIONS:
                return name
    return None


def _built_install_requirements(text: str, *, wheel: bool) -> Iterator[str]:
    """Normalised names a built package installs by default (no extras).

    ``requires.txt`` lists them before its first ``[extra]`` section; a wheel's
    ``METADATA`` as ``Requires-Dist:`` headers, extras marked ``extra == "..."``.
    """
    for raw in text.splitlines():
        line = raw.strip()
        if wheel:
            if not raw:
                return  # the headers end at the first blank line; the description follows
            if not line.lower().startswith("requires-dist:") or "extra ==" in line.replace("extra==", "extra =="):
                continue
            line = line.split(":", 1)[1]
        elif line.startswith("["):
            return  # ``[extra]`` or ``[:python_version < "3.8"]`` sections: not the default install
        match = _REQUIREMENT_NAME().match(line)
        if match:
            yield re.sub(r"[-_.]+", "-", match.group(1)).lower()


#: The distribution name at the start of a PEP 508 requirement.
_REQUIREMENT_NAME = on_first_use(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@project_fact
def production_server(project: Project) -> tuple[str, Location] | None:
    """How the project serves the app with a production server, and where it says so, if it does.

    In order: a deploy file runs one (gunicorn, uWSGI...) or the code starts
    one (``waitress.serve(app)``); a WSGI entry module is there for one to
    import (``application = create_app()`` in ``wsgi.py``,
    :func:`.roles.server_entry_modules`); the package installs one (gunicorn
    in ``install_requires`` or a production requirements file).
    """
    named = _server_named(project)
    if named is not None:
        return named
    entries = server_entry_modules(project)
    if entries:
        return f"`{entries[0].path}` builds the app for a WSGI server to import", Location(entries[0].path)
    deploy = project.deploy
    if deploy is not None:
        for requirement in deploy.requirements:
            if requirement.name in SERVER_DISTRIBUTIONS and production_deploy_path(requirement.source.path):
                return f"the package installs {requirement.name} ({requirement.source.path})", requirement.source
    return None


@project_fact
def production_web_commands(project: Project) -> list[ServerCommand]:
    """The commands production deploy files start the web process with (:func:`web_process`), leaving out an
    image's ``CMD``/``ENTRYPOINT`` that a production compose service replaces with its own server command."""
    deploy = project.deploy
    if deploy is None:
        return []
    overridden = compose_overrides_image_command(project)
    return [
        command
        for command in deploy.commands
        if web_process(command.process)
        and production_deploy_path(command.source.path)
        and not development_scope(project, command.source.path, command.process)
        and not (command.process.partition(":")[0] in ("CMD", "ENTRYPOINT") and overridden is not None)
    ]


@project_fact
def deployed_script_modules(project: Project) -> frozenset[str]:
    """Names of the modules a production web process runs as a program (``CMD ["python", "app.py"]``)."""
    found: set[str] = set()
    for command in production_web_commands(project):
        if command.server == "python-script" and command.app_target:
            module = script_module(project, command.app_target, command.source.path)
            if module is not None:
                found.add(module.name)
    return frozenset(found)


def deploy_running_script(project: Project, module: SourceModule) -> Location | None:
    """Where a production web process runs ``module`` as a program (``CMD ["python", "app.py"]``), else ``None``."""
    for command in production_web_commands(project):
        if command.server == "python-script" and command.app_target:
            found = script_module(project, command.app_target, command.source.path)
            if found is not None and found.name == module.name:
                return command.source
    return None


def debug_by_default(call: ast.Call, ctx: Context) -> str | None:
    """The source of ``app.run(debug=...)``'s value when it is read from the environment and is true while the
    variable is missing (``debug=os.getenv("DEBUG", "True") == "True"``), else ``None``."""
    value = next((kw.value for kw in call.keywords if kw.arg in ("debug", "use_debugger")), None)
    if value is None or isinstance(value, ast.Constant):
        return None
    table = ctx.function.imports if ctx.function is not None else ctx.project.module_imports.get(ctx.module.name)
    if table is None or flag_when_unset(value, table) is not True:
        return None
    text = ast.unparse(value)
    return text if len(text) <= 60 else text[:57] + "..."


@project_fact
def serving_console_script(project: Project) -> ConsoleScript | None:
    """An installed command whose function (or a function it calls) starts the app's server: how users run it."""
    for script in console_scripts(project).values():
        if command_dev_server(project, [script.name]) is not None:
            return script
    return None


def production_runs_elsewhere(project: Project, module: SourceModule) -> bool:
    """The project starts the app for its users some other way than by running ``module``.

    A production server is named (:func:`production_server`) or an installed
    command serves the app (:func:`serving_console_script`), and ``module`` is
    neither a WSGI entry module (``wsgi.py``) nor what a production deploy file
    runs (``python app.py``): a start script in it (``devstart.py``,
    ``if __name__ == "__main__": app.run(debug=True)``) is the developer's.
    """
    if is_server_entry_module(module.name) or module.name in deployed_script_modules(project):
        return False
    return production_server(project) is not None or serving_console_script(project) is not None


#: Words of a module name that say it is a developer's tool: a profiling or development start script.
_DEVELOPER_TOOL_WORDS = _DEV_WORDS | {"profiler", "profiling", "profile"}


def developer_tool_module(project: Project, module: SourceModule) -> bool:
    """``profiler.py``, ``run_dev.py``: a script named for profiling or development that no production deploy
    file runs and that is not a WSGI entry module; the server it starts is the developer's."""
    words = set(module.name.rsplit(".", 1)[-1].lower().split("_"))
    if not words & _DEVELOPER_TOOL_WORDS or is_server_entry_module(module.name):
        return False
    return module.name not in deployed_script_modules(project)


@project_fact
def single_process_entry(project: Project) -> ConsoleScript | None:
    """The installed command serves the app with Werkzeug's server itself, and nothing declares another server.

    Such an app runs as one process by design (a self-hosted tool started
    with ``archivy run``): per-process state is shared by every request. The
    server call may sit in the script's function, a click sub-command of it,
    or a function either calls (``notes serve`` -> ``start()`` ->
    ``app.run()``); a bare ``app.run()`` counts once it resolves to a Flask
    app, and so does handing the process to ``flask run``.
    """
    if serves_with_production_server(project):
        return None
    for fn in project.functions.values():
        serves = False
        for _name, call in fn.calls:
            func = call.func
            if execs_flask_run(call, fn):
                serves = True
            elif isinstance(func, ast.Attribute) and func.attr == "run":
                serves = any(kw.arg in ("host", "port") for kw in call.keywords) or call_kind(
                    project, call, fn.module.name, fn
                ) in ("flask", "socketio")
            if serves:
                break
        if not serves:
            continue
        reaching = entry_point_reaching(project, fn)
        if reaching is not None:
            return reaching[0]
    return None


def debug_flag_branch(ctx: Context) -> bool:
    """The walk is inside ``if args.debug:``-style code of a function: the operator asked for the debugger.

    Only inside a function (a command handler): a module-level ``if DEBUG:``
    runs on import, which is FD305's question.
    """
    if ctx.function is None:
        return False
    for node in ctx.ancestors:
        if isinstance(node, ast.If) and re.search(r"debug", ast.unparse(node.test), re.IGNORECASE):
            return True
    return False


# -------------------------------------------------------------- deploy files
def web_process(process: str) -> bool:
    """A process that serves HTTP: a Dockerfile's ``CMD``/``ENTRYPOINT``, Procfile ``web``, a web compose service,
    a supervisor ``program:``, an entry-point ``script:``, a systemd ``unit:``, an Upstart job (``upstart:``), a SysV init script (``sysvinit:``) or App
    Engine's ``entrypoint``, a Fly.io ``[processes]`` entry (``fly:app``), not one named for workers or for
    development."""
    if process in ("CMD", "ENTRYPOINT", "web", "entrypoint"):
        return True
    head, _, branch = process.partition(":")
    if head in ("CMD", "ENTRYPOINT") and branch:
        # a branch of the image's start script (``case "$1" in web) ...``): web unless named for workers or development
        return not _NOT_WEB().search(branch.lower()) and not dev_process(branch)
    if process.startswith("fly:"):
        name = process[len("fly:") :].lower()
        return not _NOT_WEB().search(name) and not dev_process(name)
    if process.startswith("service:"):
        return not _NOT_WEB().search(process[len("service:") :].lower())
    if process.startswith(("program:", "script:", "unit:", "upstart:", "sysvinit:")):
        return not _NOT_WEB().search(process.split(":", 1)[1].lower()) and not dev_process(process)
    return False


def script_module(project: Project, target: str, deploy_path: str) -> SourceModule | None:
    """The project module a ``python app.py`` / ``python -m pkg`` command runs."""
    target = target.strip().removeprefix("./")
    if target.endswith(".py"):
        here = deploy_path.rsplit("/", 1)[0] + "/" if "/" in deploy_path else ""
        candidates = [
            m
            for m in project.modules.values()
            if m.path == target or m.path.endswith("/" + target) or m.path == here + target
        ]
        if not candidates and "/" in target:
            name = target.rsplit("/", 1)[-1]
            candidates = [m for m in project.modules.values() if m.path.endswith("/" + name) or m.path == name]
        if not candidates:
            return None
        candidates.sort(key=lambda m: (not m.path.startswith(here), len(m.path)))
        return candidates[0]
    return project.modules.get(target + ".__main__") or project.modules.get(target)


def dev_server_calls(
    project: Project, module: SourceModule
) -> Iterator[tuple[ast.Call, str, bool, str | None, SourceModule]]:
    """``.run()`` calls on a Flask app (or Socket.IO with debug) that running ``module`` as a script reaches.

    Yields (call, kind, debug, host, module of the call). Follows module-level
    and main-block calls into project functions, three calls deep.
    """
    sites: list[tuple[ast.Call, SourceModule, FunctionInfo | None]] = [
        (site.node, site.module, None) for site in project.calls if site.module is module and site.function is None
    ]
    seen: set[str] = set()
    depth = 0
    while sites and depth < 4:
        next_sites: list[tuple[ast.Call, SourceModule, FunctionInfo | None]] = []
        for call, mod, fn in sites:
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "run":
                kind = call_kind(project, call, mod.name, fn)
                if kind is not None:
                    debug, host = run_options(call, kind)
                    if kind == "flask" or debug or allows_unsafe_werkzeug(call):
                        yield call, kind, debug, host, mod
                    continue
            name = dotted(func)
            if not name:
                continue
            callee = project.resolve_function(name, fn, mod)
            if callee is None or callee.qualname in seen:
                continue
            seen.add(callee.qualname)
            next_sites.extend((c, callee.module, callee) for _, c in callee.calls)
        sites = next_sites
        depth += 1


_RUN_OPTIONS = frozenset({"host", "port", "debug", "use_reloader", "threaded", "extra_files"})
#: Calls that replace the process with, or start, another program: argv index of the command line.
_EXEC_ARGV = {
    "os.execv": 1,
    "os.execve": 1,
    "os.execvp": 1,
    "os.execvpe": 1,
    "subprocess.run": 0,
    "subprocess.call": 0,
    "subprocess.check_call": 0,
    "subprocess.Popen": 0,
}


def execs_flask_run(call: ast.Call, fn: FunctionInfo | None) -> bool:
    """``os.execvpe("flask", ["flask", "run"], env)``, ``subprocess.run([sys.executable, "-m", "flask", "run"])``:
    the function hands the process over to ``flask run``.

    The command line is a list literal, in the call or assigned to a local name once before it (``args =
    ["flask", "run"]``, later ``args += extra``); its leading words are read.
    """
    index = _EXEC_ARGV.get(dotted(call.func) or "")
    if index is None or len(call.args) <= index:
        return False
    argv = call.args[index]
    if isinstance(argv, ast.Name) and fn is not None:
        found = [
            node.value
            for node in ast.walk(fn.node)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == argv.id for t in node.targets)
            and node.lineno <= call.lineno
        ]
        argv = found[0] if len(found) == 1 else argv
    if not isinstance(argv, ast.List):
        return False
    words: list[str] = []
    for item in argv.elts:
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            words.append(item.value)
        elif dotted(item) == "sys.executable":
            words.append("python")
        else:
            break
    # the deploy files' reading of a command line decides what it serves with (``python -m flask run`` too)
    commands, _ = analyze_command(words, Location(fn.module.path if fn is not None else ""), "exec")
    return any(command.server == "flask-run" for command in commands)


def command_dev_server(
    project: Project,
    argv: list[str],
) -> tuple[ConsoleScript, FunctionInfo, ast.Call, SourceModule] | None:
    """``quokka runserver --host 0.0.0.0``: an installed command whose (sub)command calls ``app.run()`` (or hands
    the process to ``flask run``, :func:`execs_flask_run`).

    The first word is a console script of the project; the second, when it
    is not an option, names a click command of the script's package (the
    function, ``-`` read as ``_``). From that function (or the script's own
    function) the calls are followed three deep to a ``.run(...)`` on a
    Flask app -- or on a parameter named like one (``app``, injected by a
    decorator) that receives server options (``host=``, ``port=``).
    """
    if not argv:
        return None
    scripts = {script.name: script for script in console_scripts(project).values()}
    script = scripts.get(argv[0].rsplit("/", 1)[-1])
    if script is None:
        return None
    start = project.functions.get(script.target)
    if len(argv) > 1 and not argv[1].startswith("-"):
        package = script.target.split(".", 1)[0] + "."
        wanted = argv[1].replace("-", "_")
        start = next(
            (
                f
                for f in project.functions.values()
                if f.name == wanted and "cli" in f.roles and f.qualname.startswith(package)
            ),
            None,
        )
    if start is None:
        return None
    found = _reaches_dev_server(project, start)
    return (script, start, found[0], found[1]) if found is not None else None


def _reaches_dev_server(project: Project, start: FunctionInfo) -> tuple[ast.Call, SourceModule] | None:
    """The ``.run(...)`` on a Flask app (or the hand-over to ``flask run``) that ``start`` reaches, three calls
    deep."""
    sites = [(call, start) for _, call in start.calls]
    seen = {start.qualname}
    for _depth in range(3):
        later: list[tuple[ast.Call, FunctionInfo]] = []
        for call, fn in sites:
            func = call.func
            if execs_flask_run(call, fn):
                return call, fn.module
            if isinstance(func, ast.Attribute) and func.attr == "run":
                kind = call_kind(project, call, fn.module.name, fn)
                named_app = (dotted(func.value) or "").rsplit(".", 1)[-1].endswith("app") and any(
                    kw.arg in _RUN_OPTIONS for kw in call.keywords
                )
                if kind == "flask" or (kind is None and named_app):
                    return call, fn.module
                continue
            name = dotted(func)
            callee = project.resolve_function(name, fn, fn.module) if name else None
            if callee is None or callee.qualname in seen:
                continue
            seen.add(callee.qualname)
            later.extend((c, callee) for _, c in callee.calls)
        sites = later
    return None


#: ``flask.cli.FlaskGroup``: a script's own ``flask`` command group, whose ``run`` is ``flask run``.
FLASK_GROUPS = frozenset({"flask.cli.FlaskGroup", "flask.FlaskGroup"})


def script_subcommand_dev_server(
    project: Project, module: SourceModule, argv: list[str], target: str
) -> tuple[str, tuple[ast.Call, SourceModule] | None] | None:
    """``python manage.py run -h 0.0.0.0``: the subcommand a deploy file gives a script, when it starts the
    development server. ``("run", None)`` when the script is a ``FlaskGroup`` (its ``run`` is ``flask run``);
    ``(name, (call, module))`` when the script's click command of that name reaches ``app.run()``."""
    try:
        index = next(i for i, word in enumerate(argv) if word == target or word.endswith("/" + target))
    except StopIteration:
        return None
    words = [w for w in argv[index + 1 :] if not w.startswith("-")]
    if not words or not argv[index + 1 : index + 2] or argv[index + 1].startswith("-"):
        return None
    word = words[0]
    if word == "run" and any(site.module is module and site.name in FLASK_GROUPS for site in project.calls):
        return word, None
    wanted = word.replace("-", "_")
    for fn in project.functions.values():
        if fn.module is module and fn.name == wanted and "cli" in fn.roles:
            found = _reaches_dev_server(project, fn)
            if found is not None:
                return word, found
    return None


def service_running(project: Project, call: ast.Call) -> ServerCommand | None:
    """The production deploy file (a systemd unit, an Upstart job, a Dockerfile ``CMD``, a Procfile ``web:``)
    whose web process runs the installed command that serves the app with ``call`` (:func:`command_dev_server`)."""
    for command in production_web_commands(project):
        if command.server != "other":
            continue
        found = command_dev_server(project, command.argv)
        if found is not None and found[2] is call:
            return command
    return None


def production_server_call(project: Project, module: SourceModule) -> str | None:
    """The production server ``module`` starts itself (``waitress.serve(app)``), if any."""
    for site in project.calls:
        if site.module is module and site.name in PRODUCTION_SERVERS:
            return PRODUCTION_SERVERS[site.name]
    return None


@project_fact
def served_in_code(project: Project) -> tuple[str, Location] | None:
    """The production WSGI server the code starts (``WSGIServer(..., app).serve_forever()``), if the code
    never starts the development server.

    The Werkzeug debugger runs only inside the development server; an app that
    serves itself with gevent, cheroot or waitress has no debugger console
    whatever ``DEBUG`` says. None when any application code calls a Flask
    app's ``.run()`` (which server production uses is then in doubt).
    """
    found: tuple[str, Location] | None = None
    for site in project.calls:
        if is_test_path(site.module.path):
            continue
        func = site.node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "run"
            and call_kind(project, site.node, site.module.name, site.function) is not None
        ):
            return None
        if found is None and site.name in PRODUCTION_SERVERS:
            found = (
                PRODUCTION_SERVERS[site.name],
                Location(site.module.path, site.node.lineno, site.node.col_offset + 1),
            )
    return found


@project_fact
def compose_overrides_image_command(project: Project) -> ServerCommand | None:
    """A production compose service that builds the image and replaces its command with an HTTP server."""
    deploy = project.deploy
    if deploy is None:
        return None
    servers = {
        c.process: c
        for c in deploy.commands
        if c.process.startswith("service:")
        and c.server in _PRODUCTION_HTTP_SERVERS
        and production_deploy_path(c.source.path)
    }
    for service in deploy.services:
        if service.build is not None and (service.command is not None or service.entrypoint is not None):
            found = servers.get(f"service:{service.name}")
            if found is not None:
                return found
    return None


def imports_package(project: Project, module: SourceModule, package: str) -> bool:
    """``module`` imports ``package`` or one of its submodules."""
    return any(r.module.split(".")[0] == package for r in project.imports.get(module.name, ()))


__all__ = [
    "ALL_INTERFACES",
    "PRODUCTION_SERVERS",
    "SOCKETIO_TYPES",
    "ConsoleScript",
    "allows_unsafe_werkzeug",
    "call_kind",
    "call_text",
    "command_dev_server",
    "compose_overrides_image_command",
    "console_scripts",
    "debug_by_default",
    "debug_flag_branch",
    "deploy_running_script",
    "deployed_script_modules",
    "dev_only_function",
    "dev_server_calls",
    "entry_point_of",
    "entry_point_reaching",
    "import_fallback",
    "imported_module_names",
    "imports_package",
    "launcher_script",
    "production_runs_elsewhere",
    "production_server",
    "production_server_call",
    "production_web_commands",
    "receiver_kind",
    "run_options",
    "served_in_code",
    "serves_with_production_server",
    "serving_console_script",
    "script_module",
    "script_subcommand_dev_server",
    "single_process_entry",
    "web_process",
]

"""Facts shared by the devserver rules (moved from the family module).

FD306, FD307 — Flask's development server where production traffic reaches it.

``app.run()`` starts Werkzeug's development server. In a script under
``if __name__ == "__main__":`` that is how Flask's own docs start an app
while developing; at module level it runs whenever the module is imported,
and as a container's ``CMD`` or a Procfile's ``web:`` process it *is* the
production server. These rules resolve ``app`` to a ``flask.Flask`` (or an
app factory) before reporting, and read start commands from the deploy
model (:mod:`flask_doctor.static.deploy`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from flask_doctor.static.model import FLASK_TYPES, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.context import Context
from flask_doctor.static.facts.config import production_deploy_path, truthy_constant

SOCKETIO_TYPES = ("flask_socketio.SocketIO",)
ALL_INTERFACES = ("0.0.0.0", "::", "[::]", "")
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


def _flask_type(project: Project, type_name: str | None) -> bool:
    if not type_name:
        return False
    if project.is_subtype(type_name, FLASK_TYPES):
        return True
    factory = project.functions.get(type_name)
    return factory is not None and "factory" in factory.roles


def receiver_kind(project: Project, receiver: ast.expr, module_name: str, fn: FunctionInfo | None, type_of: Callable[[ast.expr], str | None] | None = None) -> str | None:
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
        name = dotted(receiver)
        if name and fn is not None and name in fn.local_types:
            type_name = fn.local_types[name]
        elif name:
            obj = project.objects.get(f"{module_name}.{name}")
            if obj is None:
                table = fn.imports if fn is not None else project.module_imports.get(module_name)
                qualified = table.qualify(name) if table is not None else None
                obj = project.objects.get(qualified or "")
            type_name = obj.type if obj is not None else None
    if _flask_type(project, type_name):
        return "flask"
    if type_name and type_name.startswith(SOCKETIO_TYPES):
        return "socketio"
    return None


def call_kind(project: Project, call: ast.Call, module_name: str, fn: FunctionInfo | None, type_of: Callable[[ast.expr], str | None] | None = None) -> str | None:
    """Like :func:`receiver_kind` for a ``.run(...)`` call; ``allow_unsafe_werkzeug=`` only exists on Flask-SocketIO's ``run``."""
    assert isinstance(call.func, ast.Attribute)
    kind = receiver_kind(project, call.func.value, module_name, fn, type_of if not isinstance(call.func.value, ast.Call) else None)
    if kind is None and any(kw.arg == "allow_unsafe_werkzeug" for kw in call.keywords):
        kind = "socketio"
    return kind


def allows_unsafe_werkzeug(call: ast.Call) -> bool:
    """``socketio.run(app, allow_unsafe_werkzeug=True)``: Werkzeug knowingly used outside debug mode."""
    return any(kw.arg == "allow_unsafe_werkzeug" and truthy_constant(kw.value) for kw in call.keywords)


def run_options(call: ast.Call, kind: str) -> tuple[bool, str | None]:
    """(debug on, host) of ``app.run(...)`` / ``socketio.run(app, ...)``."""
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    positional = call.args[1:] if kind == "socketio" else call.args
    host = keywords.get("host") or (positional[0] if positional else None)
    debug = keywords.get("debug") or (positional[2] if len(positional) >= 3 and kind == "flask" else None)
    debug_on = truthy_constant(debug) or truthy_constant(keywords.get("use_debugger"))
    host_text = host.value if isinstance(host, ast.Constant) and isinstance(host.value, str) else None
    return debug_on, host_text


def _launcher_script(ctx: Context, receiver: ast.expr) -> bool:
    """A script that imports an app built elsewhere and that no project module imports (``profile.py``).

    A WSGI server imports the module that *holds* the app (``wsgi:app``, where
    ``app = create_app()`` runs); a script that only imports ``app`` from
    another module and calls ``app.run()`` is a development entry point, like
    a main block.
    """
    name = dotted(receiver) if not isinstance(receiver, ast.Call) else None
    if not name or "." in name:
        return False
    obj = ctx.project.objects.get(f"{ctx.module.name}.{name}")
    if obj is not None and obj.module is ctx.module:
        return False
    module_name = ctx.module.name
    for records in ctx.project.imports.values():
        for record in records:
            if record.module == module_name or module_name in (f"{record.module}.{n}" for n in record.names):
                return False
    return True


def _dev_only_function(ctx: Context) -> bool:
    fn = ctx.function
    return fn is not None and bool(fn.contexts) and fn.contexts <= {"main", "cli", "test"} and "main" in fn.contexts and fn.name != "main"


def _call_text(call: ast.Call) -> str:
    text = ast.unparse(call)
    return text if len(text) <= 70 else ast.unparse(call.func) + "(...)"


# ----------------------------------------------------------------- deploy
def _web_process(process: str) -> bool:
    if process in ("CMD", "ENTRYPOINT", "web"):
        return True
    if process.startswith("service:"):
        name = process[len("service:"):].lower()
        return not re.search(r"worker|celery|beat|scheduler|cron|migrat|queue|rq|test", name)
    return False


def script_module(project: Project, target: str, deploy_path: str):
    """The project module a ``python app.py`` / ``python -m pkg`` command runs."""
    target = target.strip().removeprefix("./")
    if target.endswith(".py"):
        here = deploy_path.rsplit("/", 1)[0] + "/" if "/" in deploy_path else ""
        candidates = [m for m in project.modules.values() if m.path == target or m.path.endswith("/" + target) or m.path == here + target]
        if not candidates and "/" in target:
            name = target.rsplit("/", 1)[-1]
            candidates = [m for m in project.modules.values() if m.path.endswith("/" + name) or m.path == name]
        if not candidates:
            return None
        candidates.sort(key=lambda m: (not m.path.startswith(here), len(m.path)))
        return candidates[0]
    module = project.modules.get(target + ".__main__") or project.modules.get(target)
    return module


def dev_server_calls(project: Project, module) -> Iterator[tuple[ast.Call, str, bool, str | None, object]]:
    """``.run()`` calls on a Flask app (or Socket.IO with debug) that running ``module`` as a script reaches.

    Yields (call, kind, debug, host, module of the call). Follows module-level
    and main-block calls into project functions, three calls deep.
    """
    sites: list[tuple[ast.Call, object, FunctionInfo | None]] = []
    for site in project.calls:
        if site.module is module and site.function is None:
            sites.append((site.node, site.module, None))
    seen: set[str] = set()
    depth = 0
    while sites and depth < 4:
        next_sites: list[tuple[ast.Call, object, FunctionInfo | None]] = []
        for call, mod, fn in sites:
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "run":
                kind = call_kind(project, call, mod.name, fn)  # type: ignore[attr-defined]
                if kind is not None:
                    debug, host = run_options(call, kind)
                    if kind == "flask" or debug or allows_unsafe_werkzeug(call):
                        yield call, kind, debug, host, mod
                    continue
            name = dotted(func)
            if not name:
                continue
            callee = project.resolve_function(name, fn, mod)  # type: ignore[arg-type]
            if callee is None or callee.qualname in seen:
                continue
            seen.add(callee.qualname)
            next_sites.extend((c, callee.module, callee) for _, c in callee.calls)
        sites = next_sites
        depth += 1


def production_server_call(project: Project, module) -> str | None:
    for site in project.calls:
        if site.module is module and site.name in PRODUCTION_SERVERS:
            return PRODUCTION_SERVERS[site.name]
    return None


def _compose_overrides_image_command(deploy: object) -> object | None:
    """A production compose service that builds the image and replaces its command with an HTTP server."""
    servers = {
        c.process: c for c in getattr(deploy, "commands", ())
        if c.process.startswith("service:") and c.server in ("gunicorn", "uwsgi", "waitress", "hypercorn", "uvicorn")
        and production_deploy_path(c.source.path)
    }
    for service in getattr(deploy, "services", ()):
        if service.build is not None and (service.command is not None or service.entrypoint is not None):
            found = servers.get(f"service:{service.name}")
            if found is not None:
                return found
    return None


def _imports(project: Project, module: object, package: str) -> bool:
    return any(r.module.split(".")[0] == package for r in project.imports.get(module.name, ()))  # type: ignore[attr-defined]


_HINT = 'Start a production server instead, e.g. `gunicorn --bind 0.0.0.0:8000 "app:create_app()"` (or waitress-serve, uWSGI).'


def _process_label(process: str, path: str) -> str:
    if process in ("CMD", "ENTRYPOINT"):
        return f"`{process}` in `{path}`"
    if process.startswith("service:"):
        return f"compose service `{process[len('service:'):]}` in `{path}`"
    return f"the `{process}:` process in `{path}`"


"""Signal receivers: functions connected to a blinker (or Celery) signal run where the signal is sent.

``@signals.users.merged.connect`` (Indico), ``@Dataset.on_update.connect``
(udata) or ``item_modified.connect(f)`` registers a receiver that nothing
calls by name: it runs inside whatever sends the signal.  Two kinds:

* **library signals** are sent by the library, so the code that receives
  them is a root: Flask's request signals, Flask-Login's, Flask-Principal's,
  Flask-Dance's and Flask-Security's run inside a request (role
  ``callback``); Celery's task and worker signals run in the worker (role
  ``signal_handler``, a job root).  Signals sent where the code publishes a
  job (``before_task_publish``) or of the application context, which a
  command also pushes, are left out: the code does not say which it is.
* **project signals** (``merged = _signals.signal("merged")``,
  ``on_update = Signal()`` in a class body) are sent by the project:
  ``merged.send(...)`` reaches every receiver connected to the same signal,
  named the same way after imports and re-exports are followed
  (``signals.users.merged`` and ``indico.core.signals.users.merged`` are one
  signal; ``cls.on_update`` in a class is the attribute of that class or of
  the base that assigns it).  A library's signal the project sends by hand
  (``post_save.send(document.__class__, ...)`` of mongoengine) reaches no
  receiver: they are most often connected for one sender
  (``post_save.connect(f, sender=User)``) the send does not name.  A
  receiver of a project signal connected for one sender only
  (``connect_via(sender)``) is taken to receive every send: the sender is
  a runtime value.
"""

from __future__ import annotations

import ast

from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FunctionInfo
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.source import SourceModule

#: Methods that connect a receiver: ``sig.connect(f)``, ``@sig.connect``, ``@sig.connect_via(sender)``.
CONNECTORS = frozenset({"connect", "connect_via"})
#: Methods that send a signal to its receivers.
SENDERS = frozenset({"send", "send_async"})

#: package -> the signals it sends while it serves a request.
_REQUEST_SIGNALS = {
    "flask": frozenset(
        {
            "request_started",
            "request_finished",
            "request_tearing_down",
            "got_request_exception",
            "template_rendered",
            "before_render_template",
            "message_flashed",
        }
    ),
    "flask_login": frozenset(
        {
            "user_logged_in",
            "user_logged_out",
            "user_loaded_from_cookie",
            "user_loaded_from_header",
            "user_loaded_from_request",
            "user_login_confirmed",
            "user_unauthorized",
            "user_needs_refresh",
            "user_accessed",
            "session_protected",
        }
    ),
    "flask_principal": frozenset({"identity_loaded", "identity_changed"}),
    "flask_dance": frozenset({"oauth_authorized", "oauth_before_login", "oauth_error"}),
    "flask_security": frozenset(
        {
            "user_registered",
            "user_confirmed",
            "user_authenticated",
            "confirm_instructions_sent",
            "login_instructions_sent",
            "password_reset",
            "password_changed",
            "reset_password_instructions_sent",
        }
    ),
}
#: Celery signals sent in the worker process (not ``before_task_publish``/``after_task_publish``: the publisher's).
_WORKER_SIGNALS = frozenset(
    {
        "task_received",
        "task_prerun",
        "task_postrun",
        "task_success",
        "task_failure",
        "task_retry",
        "task_revoked",
        "task_rejected",
        "task_unknown",
        "task_internal_error",
        "celeryd_init",
        "celeryd_after_setup",
        "worker_init",
        "worker_process_init",
        "worker_process_shutdown",
        "worker_ready",
        "worker_shutdown",
        "worker_shutting_down",
        "beat_init",
        "beat_embedded_init",
        "setup_logging",
        "after_setup_logger",
        "after_setup_task_logger",
    }
)


def library_signal_role(connector: str) -> str | None:
    """The role of a receiver connected by ``connector`` (qualified, e.g. ``celery.signals.task_failure.connect``):
    ``callback`` for a library signal sent during a request, ``signal_handler`` for a Celery worker signal."""
    signal, _, method = connector.rpartition(".")
    if method not in CONNECTORS or not signal:
        return None
    package, _, rest = signal.partition(".")
    name = rest.rpartition(".")[2]
    if not rest:
        return None
    if name in _REQUEST_SIGNALS.get(package, ()):
        return "callback"
    if package == "celery" and name in _WORKER_SIGNALS:
        return "signal_handler"
    return None


def signal_key(
    project: Project, node: ast.expr, scope: FunctionInfo | None, module: SourceModule, imports: ImportTable | None
) -> str | None:
    """The qualified name of the signal ``node`` spells in ``scope`` (or at module level), one for every spelling."""
    text = dotted(node)
    if not text:
        return None
    head, _, rest = text.partition(".")
    if head in ("self", "cls"):
        owner = _owner(scope)
        if owner is None or not rest or "." in rest:
            return None
        return _class_attribute(project, owner, rest)
    probe = scope
    while probe is not None:
        if head in probe.local_names:
            return None  # a local: the code does not show which signal it holds
        probe = probe.parent
    qualified = project.canonical((imports.qualify(text) if imports is not None else None) or f"{module.name}.{text}")
    owner, _, attribute = qualified.rpartition(".")
    if owner in project.classes:
        return _class_attribute(project, owner, attribute)
    if qualified not in project.objects and owner in project.modules:
        return _star_reexport(project, owner, attribute) or qualified
    return qualified


def _star_reexport(project: Project, module: str, name: str) -> str | None:
    """``pkg.item_modified`` when ``pkg/__init__.py`` does ``from .signals import *``: the object of that module."""
    for record in project.imports.get(module, ()):
        if "*" in record.names and not record.in_function:
            found = project.canonical(f"{record.module}.{name}")
            if found in project.objects:
                return found
    return None


def _owner(scope: FunctionInfo | None) -> str | None:
    while scope is not None and not scope.class_name:
        scope = scope.parent
    return scope.qualname.rsplit(".", 1)[0] if scope is not None else None


def _class_attribute(project: Project, owner: str, attribute: str) -> str:
    """``owner.attribute`` named after the class (``owner`` or a base) whose body assigns it."""
    for current in project.lineage(owner):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            elif isinstance(stmt, ast.AnnAssign):
                targets = [stmt.target]
            else:
                continue
            if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
                return f"{current}.{attribute}"
    return f"{owner}.{attribute}"


def project_receivers(project: Project) -> dict[str, list[FunctionInfo]]:
    """Signal (:func:`signal_key`) -> the project functions connected to it, by decorator or ``connect`` call."""
    found: dict[str, list[FunctionInfo]] = {}
    for fn in project.functions.values():
        for deco in fn.node.decorator_list:
            func = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(func, ast.Attribute) and func.attr in CONNECTORS:
                key = signal_key(project, func.value, fn.parent, fn.module, fn.imports)
                if key is not None:
                    found.setdefault(key, []).append(fn)
    from flask_doctor.static.facts.sites import calls_named  # noqa: PLC0415 (the facts build on the model)

    for site in calls_named(project, ("connect",)):  # every ``x.connect(...)`` is listed under ``connect``
        func = site.node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "connect"):
            continue
        target = site.node.args[0] if site.node.args else None
        target = next((k.value for k in site.node.keywords if k.arg == "receiver"), target)
        name = dotted(target) if target is not None else None
        receiver = project.resolve_function(name, site.function, site.module) if name else None
        if receiver is None:
            continue
        imports = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        key = signal_key(project, func.value, site.function, site.module, imports)
        if key is not None:
            found.setdefault(key, []).append(receiver)
    return found

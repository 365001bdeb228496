"""Long-running workers of a service as job roots: what a messaging or scheduling library runs.

Only what the code itself wires counts, never a name alone:

* **periodic tasks**: ``@periodic_task.periodic_task`` of oslo.service and ``@periodics.periodic`` of
  futurist, as a decorator or applied as a call (``periodics.periodic(spacing=5)(sync)``);
* **RPC endpoints**: the public methods of the objects passed as ``endpoints`` to
  ``oslo_messaging.get_rpc_server`` (or to a project helper that hands its parameter on to it), and of
  the objects a forwarding endpoint (one whose ``__getattr__`` forwards) is built around;
  and of the plugins an endpoint's ``__getattr__`` forwards to (``getattr(self.plugins[kind], method)`` over
  the classes a stevedore manager loaded, ``model.stevedore``);
* **notification endpoints**: the same for ``oslo_messaging.get_notification_listener``;
* **services**: ``run`` of a ``cotyledon.Service`` subclass;
* **class-based Celery tasks**: ``run`` of a subclass of Celery's ``Task`` (``class Sync(Task)``, or
  ``class Sync(celery.Task)`` on the project's Celery app), registered with ``app.register_task(Sync())``;
* **message consumers**: the callbacks a ``kombu.mixins.ConsumerMixin`` subclass registers in
  ``get_consumers`` (``callbacks=[self.on_message]``, ``on_message=self.handle``), and ``consume`` of a
  fedmsg/moksha ``Consumer`` subclass.
"""

from __future__ import annotations

import ast

from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import CELERY_TASK_TYPES, CELERY_TYPES, ClassInfo, FunctionInfo
from flask_doctor.static.model.stevedore import LoadedPlugins
from flask_doctor.static.names import dotted

#: role -> how messages name the root (``job path: periodic task `sync` → ...``).
WORKER_ROLES = {
    "periodic_task": "periodic task",
    "rpc_endpoint": "RPC endpoint",
    "notification_endpoint": "notification endpoint",
    "service": "service",
    "consumer": "message consumer",
    "signal_handler": "Celery signal handler",  # model.signals
}

PERIODIC_DECORATORS = frozenset(
    {
        "oslo_service.periodic_task.periodic_task",
        "futurist.periodics.periodic",
    }
)
#: server builder -> (role of its endpoints, position of the ``endpoints`` argument)
ENDPOINT_SERVERS = {
    "oslo_messaging.get_rpc_server": ("rpc_endpoint", 2),
    "oslo_messaging.rpc.get_rpc_server": ("rpc_endpoint", 2),
    "oslo_messaging.rpc.server.get_rpc_server": ("rpc_endpoint", 2),
    "oslo_messaging.get_notification_listener": ("notification_endpoint", 2),
    "oslo_messaging.notify.get_notification_listener": ("notification_endpoint", 2),
    "oslo_messaging.get_batch_notification_listener": ("notification_endpoint", 2),
}
SERVICE_BASES = frozenset({"cotyledon.Service", "cotyledon._service.Service"})
KOMBU_CONSUMER_BASES = frozenset({"kombu.mixins.ConsumerMixin", "kombu.mixins.ConsumerProducerMixin"})
FEDMSG_CONSUMER_BASES = frozenset(
    {"fedmsg.consumers.FedmsgConsumer", "moksha.hub.api.consumer.Consumer", "moksha.hub.api.Consumer"}
)
#: a service's lifecycle, which its launcher calls: not messages a client sends
LIFECYCLE = frozenset({"start", "stop", "wait", "reset", "run", "terminate", "reload"})


def mark_worker_roots(project: Project) -> None:
    """Give the functions a worker library runs their role (``WORKER_ROLES``)."""
    for fn in project.functions.values():
        if any(_qualified(fn, dotted(_decorator(d)) or "") in PERIODIC_DECORATORS for d in fn.node.decorator_list):
            fn.roles.add("periodic_task")
    wrappers = _endpoint_wrappers(project)
    plugins: LoadedPlugins | None = None
    for site in project.calls:
        if site.function is None:
            continue
        callee = _qualified(site.function, site.name)
        if callee in PERIODIC_DECORATORS:
            # ``periodics.periodic(spacing=5)(sync)``: the decorator applied by hand
            for node in ast.walk(site.function.node):
                if isinstance(node, ast.Call) and node.func is site.node and node.args:
                    target = project.resolve_function(dotted(node.args[0]) or "", site.function, site.module)
                    if target is not None:
                        target.roles.add("periodic_task")
            continue
        spec = ENDPOINT_SERVERS.get(callee)
        if spec is None and wrappers:  # resolving every call site costs more than the rest of this pass
            spec = wrappers.get(project.canonical(callee))
            if spec is None:
                resolved = project.resolve_function(site.name, site.function, site.module)
                spec = wrappers.get(resolved.qualname) if resolved is not None else None
        if spec is None:
            continue
        role, position = spec
        argument = _argument(site.node, position, "endpoints")
        classes = _endpoint_classes(project, site.function, argument)
        if plugins is None:
            plugins = LoadedPlugins(project)
        for cls in classes + _forwarded_plugins(project, plugins, classes):
            for method in _public_methods(project, cls):
                method.roles.add(role)
    for cls in project.classes.values():
        if "run" in cls.methods and is_celery_task_class(project, cls.qualname):
            cls.methods["run"].roles.add("task")
        if project.is_subtype(cls.qualname, SERVICE_BASES) and "run" in cls.methods:
            cls.methods["run"].roles.add("service")
        if project.is_subtype(cls.qualname, FEDMSG_CONSUMER_BASES) and "consume" in cls.methods:
            cls.methods["consume"].roles.add("consumer")
        if project.is_subtype(cls.qualname, KOMBU_CONSUMER_BASES) and "get_consumers" in cls.methods:
            for node in ast.walk(cls.methods["get_consumers"].node):
                if not isinstance(node, ast.keyword) or node.arg not in ("callbacks", "on_message"):
                    continue
                values = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
                for value in values:
                    text = dotted(value) or ""
                    if text.startswith("self.") and text.count(".") == 1:
                        method = _method(project, cls, text[5:])
                        if method is not None:
                            method.roles.add("consumer")


def is_celery_task_class(project: Project, class_qual: str) -> bool:
    """A subclass of Celery's ``Task``: imported from celery, or the ``Task`` attribute of a Celery app."""
    for current in project.lineage(class_qual):
        if current in CELERY_TASK_TYPES:
            return True
        owner, _, last = current.rpartition(".")
        obj = project.objects.get(owner) if last == "Task" and owner else None
        if obj is not None and project.is_subtype(obj.type, CELERY_TYPES):
            return True
    return False


def _decorator(node: ast.expr) -> ast.expr:
    return node.func if isinstance(node, ast.Call) else node


def _qualified(fn: FunctionInfo, name: str) -> str:
    return fn.imports.qualify(name) or name


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _endpoint_wrappers(project: Project) -> dict[str, tuple[str, int]]:
    """Project helpers that hand a parameter on as a server's endpoints (``def get_server(target, endpoints)``)."""
    found: dict[str, tuple[str, int]] = {}
    for site in project.calls:
        fn = site.function
        spec = ENDPOINT_SERVERS.get(_qualified(fn, site.name)) if fn is not None else None
        if fn is None or spec is None:
            continue
        argument = _argument(site.node, spec[1], "endpoints")
        if not isinstance(argument, ast.Name):
            continue
        params = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
        if argument.id in params:
            offset = 1 if fn.class_name and params and params[0] in ("self", "cls") else 0
            found[fn.qualname] = (spec[0], params.index(argument.id) - offset)
    return found


def _endpoint_classes(project: Project, fn: FunctionInfo, argument: ast.expr | None) -> list[ClassInfo]:
    if isinstance(argument, ast.Name):
        argument = _local_value(fn, argument.id)
    if not isinstance(argument, (ast.List, ast.Tuple)):
        return []
    found: list[ClassInfo] = []
    for element in argument.elts:
        cls = _class_of(project, fn, element)
        if cls is None:
            continue
        found.append(cls)
        if "__getattr__" in cls.methods and isinstance(element, ast.Call):
            # a forwarding endpoint: the objects it is built around answer the calls
            for arg in element.args:
                inner = _class_of(project, fn, arg)
                if inner is not None:
                    found.append(inner)
                    found.extend(_subclasses(project, inner))
    return found


def _forwarded_plugins(project: Project, plugins: LoadedPlugins, endpoints: list[ClassInfo]) -> list[ClassInfo]:
    """The plugin classes an endpoint's ``__getattr__`` hands calls to.

    ``def __getattr__(self, name): ... return getattr(self.plugins[resource_type], method)``: a client's
    ``call("physical:host:list_computehosts")`` runs ``list_computehosts`` of a plugin in ``self.plugins``,
    which a stevedore manager filled (``model.stevedore``)."""
    found: list[ClassInfo] = []
    for cls in endpoints:
        forwarder = _method(project, cls, "__getattr__")
        if forwarder is None or not plugins.enabled:
            continue
        for node in ast.walk(forwarder.node):
            if isinstance(node, ast.Call) and dotted(node.func) == "getattr" and node.args:
                members = plugins.loaded(forwarder, node.args[0])
                for qualname in sorted(members.classes) if members else ():
                    if project.classes[qualname] not in found:
                        found.append(project.classes[qualname])
    return found


def _local_value(fn: FunctionInfo, name: str) -> ast.expr | None:
    value = None
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value
    return value


def _class_of(project: Project, fn: FunctionInfo, node: ast.expr) -> ClassInfo | None:
    """The project class of the object ``node`` builds or names (``Endpoint()``, ``self.manager``, ``self``)."""
    if isinstance(node, ast.Name) and node.id == "self" and fn.class_name:
        return project.classes.get(fn.qualname.rsplit(".", 1)[0])
    if isinstance(node, ast.Name):
        node = _local_value(fn, node.id) or node
    text = dotted(node) or ""
    if text.startswith("self.") and text.count(".") == 1 and fn.class_name:
        cls = project.classes.get(fn.qualname.rsplit(".", 1)[0])
        node = _self_attribute(cls, text[5:]) if cls is not None else None
    if not isinstance(node, ast.Call):
        return None
    name = dotted(node.func) or ""
    for candidate in (fn.imports.qualify(name), f"{fn.module.name}.{name}"):
        if candidate and project.canonical(candidate) in project.classes:
            return project.classes[project.canonical(candidate)]
    return None


def _self_attribute(cls: ClassInfo, attribute: str) -> ast.expr | None:
    for node in ast.walk(cls.node):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == attribute and dotted(target.value) == "self":
                    return node.value
    return None


def _subclasses(project: Project, cls: ClassInfo) -> list[ClassInfo]:
    return [
        other
        for other in project.classes.values()
        if other is not cls and project.is_subtype(other.qualname, frozenset({cls.qualname}))
    ]


def _method(project: Project, cls: ClassInfo, name: str) -> FunctionInfo | None:
    for base in project.lineage(cls.qualname):
        owner = project.classes.get(base)
        if owner is not None and name in owner.methods:
            return owner.methods[name]
    return None


def _public_methods(project: Project, cls: ClassInfo) -> list[FunctionInfo]:
    """What a client may call on an endpoint: its public methods, inherited ones included."""
    found: dict[str, FunctionInfo] = {}
    for base in project.lineage(cls.qualname):
        owner = project.classes.get(base)
        if owner is None:
            continue
        for name, method in owner.methods.items():
            if name.startswith("_") or name in LIFECYCLE or name in found:
                continue
            if any(
                (dotted(_decorator(d)) or "").endswith(("property", "staticmethod")) for d in method.node.decorator_list
            ):
                continue
            found[name] = method
    return list(found.values())

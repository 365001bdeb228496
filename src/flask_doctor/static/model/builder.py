"""Build the project model: one visitor pass per module, then the linking steps."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping, Sequence

from flask_doctor.findings import Location
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model.config_classes import collect_config_classes
from flask_doctor.static.model.connexion import SPEC_REGISTRATIONS, FileReader, mark_connexion_views
from flask_doctor.static.model.contexts import propagate_contexts
from flask_doctor.static.model.environments import env_of_test, test_words
from flask_doctor.static.model.helpers import helpers_that_build, reexported
from flask_doctor.static.model.injection import type_factory_parameters
from flask_doctor.static.model.launchers import mark_launched_jobs
from flask_doctor.static.model.models import collect_models
from flask_doctor.static.model.plugins import descendants
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import (
    BLUEPRINT_TYPES,
    CALLBACK_DECORATORS,
    CALLBACK_KEYWORDS,
    CELERY_TYPES,
    ERROR_DECORATORS,
    EXPOSE_DECORATORS,
    FLASK_TYPES,
    HOOK_DECORATORS,
    HTTP_METHOD_NAMES,
    ROUTE_DECORATORS,
    SHRINKING_METHODS,
    SOCKET_DECORATORS,
    VIEW_BASES,
    CallSite,
    ClassInfo,
    ConfigSetting,
    FunctionInfo,
    ObjectInfo,
    PendingRole,
    RouteInfo,
)
from flask_doctor.static.model.route_tables import table_members
from flask_doctor.static.model.settings_files import collect_file_settings
from flask_doctor.static.model.signals import library_signal_role
from flask_doctor.static.model.stars import star_exports, star_source
from flask_doctor.static.model.workers import mark_worker_roots
from flask_doctor.static.names import ImportRecord, ImportTable, dotted
from flask_doctor.static.source import SourceModule
from flask_doctor.static.syntax import child_nodes

#: Web frameworks whose route decorators look like Flask's (``@app.get("/")``) but are not Flask.
OTHER_WEB_FRAMEWORKS = {"fastapi", "starlette", "sanic", "aiohttp", "litestar", "django", "tornado", "falcon"}
#: Fully qualified decorators that make a function a background job.
TASK_DECORATORS = ("celery.shared_task", "celery.task", "dramatiq.actor", "rq.decorators.job", "rq.job", "huey.task")


#: Query methods that return one row (or none): the assigned name is an instance of the queried model.
_ONE_ROW = frozenset({"first", "first_or_404", "one", "one_or_none", "get", "get_or_404", "one_or_404"})
#: Query methods after which a row is no longer the entity the query started from.
_NOT_ROWS = frozenset({"with_entities", "add_columns", "add_entity"})
#: Receivers whose ``get(Model, key)`` returns a ``Model``.
_SESSION_GETTERS = frozenset({"db.session", "session", "db"})

#: Methods whose call gives a function passed to it a role (``_ModuleBuilder._registration_call``).
_REGISTERING = frozenset(
    {
        "add_url_rule",
        "register_error_handler",
        "enqueue",
        "enqueue_call",
        "enqueue_at",
        "enqueue_in",
        "add_job",
        "schedule",
        "add_command",
        "add_resource",
        "listen",
        "connect",
        "append",  # ``app.before_request_funcs.setdefault(None, []).append(f)``
        *SPEC_REGISTRATIONS,
        *HOOK_DECORATORS,
        *CALLBACK_DECORATORS,
    }
)


#: Statements that open a scope of their own.
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class _ModuleBuilder(ast.NodeVisitor):
    """One pass over a module collecting functions, classes, objects, calls."""

    def __init__(self, project: Project, module: SourceModule) -> None:
        self.project = project
        self.module = module
        self.table = ImportTable()
        project.module_imports[module.name] = self.table
        self.imports: list[ImportRecord] = []
        project.imports[module.name] = self.imports
        self.scope: list[FunctionInfo] = []
        self.class_stack: list[ClassInfo] = []
        self.env_stack: list[str] = []
        self.type_checking = 0
        self.in_main = 0
        self.top_level_defs_seen = 0
        #: The first pass only needs what module and class bodies define
        #: (objects, classes, imports); function bodies wait for the second.
        self.shallow = False
        self.pending: list[PendingRole] = []
        #: (scope, name) -> the type last assigned to the name in that scope, in this pass (:meth:`_bind`)
        self.bound: dict[tuple[FunctionInfo | str | None, str], str] = {}

    # ------------------------------------------------------------- dispatch
    _methods: dict[type, object] = {}

    def visit(self, node: ast.AST) -> None:
        method = self._methods.get(type(node))
        if method is None:
            method = self._method(type(node))
        method(self, node)  # type: ignore[operator]

    @classmethod
    def _method(cls, node_class: type) -> object:
        method = getattr(cls, "visit_" + node_class.__name__, None) or cls.generic_visit
        cls._methods[node_class] = method
        return method

    def generic_visit(self, node: ast.AST) -> None:
        methods = self._methods
        constant = ast.Constant
        for child in child_nodes(node):  # ``visit`` inlined: this loop runs for most nodes
            cls = child.__class__
            if cls is constant:
                continue  # ``visit_Constant`` does nothing (a fifth of all nodes)
            method = methods.get(cls)
            if method is None:
                method = self._method(cls)
            method(self, child)  # type: ignore[operator]

    def visit_Constant(self, node: ast.Constant) -> None:
        """Nothing to record, and no child nodes (``ast.NodeVisitor.visit_Constant`` probes for
        deprecated ``visit_Str``-style methods, raising and catching an AttributeError per constant)."""

    # ------------------------------------------------------------- utilities
    @property
    def current(self) -> FunctionInfo | None:
        return self.scope[-1] if self.scope else None

    def table_now(self) -> ImportTable:
        scope = self.scope
        return scope[-1].imports if scope else self.table

    def resolve(self, node: ast.AST) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        scope = self.scope
        for fn in reversed(scope):
            if head in fn.local_types:
                base = fn.local_types[head]
                return f"{base}.{rest}" if rest else base
        qualified = (scope[-1].imports if scope else self.table).qualify(name)
        if qualified:
            return qualified
        local = f"{self.module.name}.{head}"
        project = self.project
        if local in project.objects or local in project.classes or local in project.functions:
            return f"{local}.{rest}" if rest else local
        return None

    def type_of(self, node: ast.AST) -> str | None:
        """The type of an instance expression (``app`` -> ``flask.Flask``)."""
        name = dotted(node)
        if name is None:
            return None
        if "." not in name:
            for fn in reversed(self.scope):
                if name in fn.local_types:
                    return fn.local_types[name]
        resolved = self.resolve(node)
        if resolved is None:
            return None
        obj = self.project.objects.get(resolved)
        if obj is not None:
            return obj.type
        return None

    def type_of_call(self, call: ast.Call) -> str | None:
        callee = self.resolve(call.func)
        if callee is None:
            name = dotted(call.func)
            if name and "." not in name:
                return f"{self.module.name}.{name}"
            return name
        return callee

    def queried_row_type(self, call: ast.Call) -> str | None:
        """The model class of the one row a query returns: ``Forum.query.filter_by(id=i).first_or_404()``.

        ``forum = Forum.query.get(i)`` makes ``forum`` a ``Forum``, so ``forum.delete(...)`` reaches
        ``Forum.delete`` (also ``db.session.get(Forum, i)``, ``db.get_or_404(Forum, i)`` and the classic
        session query of one entity, ``db_session.query(Forum).filter(...).first()``).
        """
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in _ONE_ROW:
            return None
        if func.attr in ("get", "get_or_404") and call.args and dotted(func.value) in _SESSION_GETTERS:
            return self._class_named(call.args[0])  # ``db.session.get(Forum, i)``, ``db.get_or_404(Forum, i)``
        node: ast.AST = func.value
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _NOT_ROWS:
                return None  # ``.with_entities(User.name).first()`` returns a tuple, not a ``User``
            if node.func.attr == "query" and len(node.args) == 1 and not node.keywords:
                # ``db_session.query(User).filter(...).first()``: the session's query of one entity
                return self._class_named(node.args[0])
            node = node.func.value
        if isinstance(node, ast.Attribute) and node.attr == "query":
            return self._class_named(node.value)
        return None

    def _class_named(self, node: ast.AST) -> str | None:
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return None
        qualified = self.resolve(node)
        return qualified if qualified in self.project.classes else None

    # ---------------------------------------------------------------- imports
    def _record_import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.table_now().add_import(node, self.module.name, self.module.is_package)
        source = star_source(node, self.module) if isinstance(node, ast.ImportFrom) else None
        exporter = self.project.modules.get(source or "")
        if exporter is not None and exporter is not self.module:
            self.table_now().add_names(star_exports(self.project, exporter))
        if isinstance(node, ast.Import):
            targets = [(a.name, ()) for a in node.names]
        else:
            from flask_doctor.static.names import resolve_relative

            base = resolve_relative(self.module.name, self.module.is_package, node.level, node.module)
            targets = [(base, tuple(a.name for a in node.names))]
        for module_name, names in targets:
            self.imports.append(
                ImportRecord(
                    module=module_name,
                    names=names,
                    line=node.lineno,
                    column=node.col_offset + 1,
                    in_function=bool(self.scope),
                    in_type_checking=self.type_checking > 0,
                )
            )

    def visit_Import(self, node: ast.Import) -> None:
        self._record_import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._record_import(node)

    # ------------------------------------------------------------ structure
    def visit_If(self, node: ast.If) -> None:
        test_text = test_words(node.test)
        if "TYPE_CHECKING" in test_text or (not self.scope and self._never_true(node.test)):
            self.type_checking += 1
            for stmt in node.body:
                self.visit(stmt)
            self.type_checking -= 1
            for stmt in node.orelse:
                self.visit(stmt)
            return
        if not self.scope and "__name__" in test_text and "__main__" in test_text:
            self.in_main += 1
            for stmt in node.body:
                self.visit(stmt)
            self.in_main -= 1
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.visit(node.test)
        for branch, in_else in ((node.body, False), (node.orelse, True)):
            env = env_of_test(node.test, in_else, test_text)
            if env:
                self.env_stack.append(env)
            for stmt in branch:
                self.visit(stmt)
            if env:
                self.env_stack.pop()

    def _never_true(self, test: ast.expr) -> bool:
        """``if False:``, or a module-level flag the module switches off through ``globals()``.

        The "statica hack" idiom (``FLAG = True; globals()["FLAG"] = False;
        if FLAG: from x import Y``) shows imports to static tools only; like
        ``TYPE_CHECKING`` imports they never run.
        """
        if isinstance(test, ast.Constant):
            return not test.value
        if not isinstance(test, ast.Name):
            return False
        for stmt in self.module.tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Call)
                        and dotted(target.value.func) == "globals"
                    ):
                        return True
        return False

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        prefix = (
            self.current.qualname
            if self.current
            else (self.class_stack[-1].qualname if self.class_stack else self.module.name)
        )
        qualname = f"{prefix}.{node.name}"
        bases = []
        for base in node.bases:
            resolved = self.resolve(base) or dotted(base)
            if resolved and "." not in resolved and f"{self.module.name}.{resolved}" in self.project.classes:
                resolved = f"{self.module.name}.{resolved}"
            if resolved:
                bases.append(resolved)
        info = ClassInfo(qualname, node.name, self.module, node, bases)
        self.project.classes[qualname] = info
        for deco in node.decorator_list:
            self.visit(deco)
        self.class_stack.append(info)
        for stmt in node.body:
            self.visit(stmt)
        self.class_stack.pop()
        if not self.scope and len(self.class_stack) == 0:
            self.top_level_defs_seen += 1

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        cls = (
            self.class_stack[-1]
            if self.class_stack
            and (not self.scope or self.class_stack[-1].qualname.startswith(self.scope[-1].qualname))
            else None
        )
        parent = self.current
        # ``@total.setter``: the property's getter keeps the method's name (reading ``obj.total`` runs it).
        # Likewise any ``@name.attr`` on a def of the same name (``@post_comment.object_extractor``
        # registers a helper on the view ``post_comment`` and rebinds the name): the first def keeps it.
        accessor = next(
            (
                d.attr
                for d in node.decorator_list
                if isinstance(d, ast.Attribute) and isinstance(d.value, ast.Name) and d.value.id == node.name
            ),
            None,
        )
        if cls is not None:
            qualname = f"{cls.qualname}.{node.name}"
        elif parent is not None:
            qualname = f"{parent.qualname}.{node.name}"
        else:
            qualname = f"{self.module.name}.{node.name}"
        if accessor:
            qualname = f"{qualname}.{accessor}"
        info = FunctionInfo(
            qualname=qualname,
            name=node.name,
            module=self.module,
            node=node,
            class_name=cls.name if cls else None,
            parent=parent,
            imports=(parent.imports.child() if parent else self.table.child()),
        )
        if parent is not None:
            info.local_types = dict(parent.local_types)
        arguments = node.args
        info.local_names.update(a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs)
        if arguments.vararg:
            info.local_names.add(arguments.vararg.arg)
        if arguments.kwarg:
            info.local_names.add(arguments.kwarg.arg)
        self.project.functions[qualname] = info
        self.project.function_at[(self.module.path, node.lineno, node.col_offset)] = info
        if cls is not None and accessor is None:
            cls.methods[node.name] = info
        if self.shallow:
            # The first pass keeps the function only so that later module-level code resolves its name:
            # what its decorators and defaults record (calls, roles, routes) is recorded again by the second.
            if not self.scope and not self.class_stack:
                self.top_level_defs_seen += 1
            return
        for deco in node.decorator_list:
            self.visit(deco)
        for default in node.args.defaults + node.args.kw_defaults:
            if default is not None:
                self.visit(default)
        self._classify_decorators(info)
        saved_classes = self.class_stack
        self.class_stack = []
        self.scope.append(info)
        saved_env = self.env_stack
        self.env_stack = list(saved_env)
        if not self.shallow:
            for stmt in node.body:
                self.visit(stmt)
        self.env_stack = saved_env
        self.scope.pop()
        self.class_stack = saved_classes
        if not self.scope and not self.class_stack:
            self.top_level_defs_seen += 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._assign(target, node.value)
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._assign(node.target, node.value)

    def _assign(self, target: ast.expr, value: ast.expr) -> None:
        if value.__class__ is ast.IfExp:
            self._assign_either(target, value)  # type: ignore[arg-type]
        elif target.__class__ is ast.Attribute and value.__class__ is ast.Call and self.current is not None:
            self._bind_attribute(target, value)  # type: ignore[arg-type]
        if isinstance(target, ast.Name) and isinstance(value, ast.Call):
            type_name = self.queried_row_type(value) or self.type_of_call(value)
            helper = reexported(self.project, type_name) if type_name and self.project.built_by else None
            if helper in self.project.built_by:
                type_name = self.project.built_by[helper]
            else:
                helper = None
            if type_name:
                if self.current is not None:
                    self.current.local_types[target.id] = type_name
                    self._bind(target.id, type_name)
                elif not self.class_stack:
                    qual = f"{self.module.name}.{target.id}"
                    self.project.objects[qual] = ObjectInfo(qual, type_name, value, self.module, helper=helper)
                    self._bind(target.id, type_name)
        elif isinstance(target, ast.Name) and isinstance(value, (ast.Name, ast.Attribute)):
            # ``application = app`` keeps the type.
            known = self.type_of(value)
            if known:
                if self.current is not None:
                    self.current.local_types[target.id] = known
                    self._bind(target.id, known)
                elif not self.class_stack:
                    obj = self.project.objects.get(self.resolve(value) or "")
                    if obj is not None:
                        qual = f"{self.module.name}.{target.id}"
                        self.project.objects[qual] = ObjectInfo(qual, obj.type, obj.call, obj.module)
                        self._bind(target.id, obj.type)
        if (
            target.__class__ is ast.Subscript
            and target.value.__class__ is ast.Attribute
            and target.value.attr == "view_functions"  # type: ignore[attr-defined]
            and self._owner_kind(target.value.value) in ("app", "blueprint", None)  # type: ignore[attr-defined]
        ):
            self._view_function(value)  # ``app.view_functions["relay"] = server.handle``: Flask serves it
        # configuration written on app.config
        if isinstance(target, ast.Subscript) and self._is_app_config(target.value):
            key = target.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self._config(key.value, value, target)

    def _assign_either(self, target: ast.expr, value: ast.IfExp) -> None:
        """``x = A() if cond else B()``: ``x`` is typed as the first branch's instance, like ``if``/``else``
        assignments, and both types are its alternatives (a branch that is no call adds none)."""
        branches = [branch for branch in (value.orelse, value.body) if isinstance(branch, ast.Call)]
        for branch in branches:  # the body last: ``local_types`` and ``objects`` keep it
            self._assign(target, branch)

    def _bind_attribute(self, target: ast.Attribute, value: ast.Call) -> None:
        """``self.backend = Remote()`` in a method: remember every project type the class's methods assign to
        the attribute, when it is more than one (``Project.alternatives``, keyed by the class and attribute)."""
        fn = self.current
        if self.shallow or fn is None or not fn.class_name or dotted(target.value) != "self":
            return
        type_name = self.type_of_call(value)
        if not type_name:
            return
        owner = fn.qualname.rsplit(".", 1)[0]
        previous = self.bound.get((owner, target.attr))
        self.bound[(owner, target.attr)] = type_name
        if previous is not None and previous != type_name:
            self.project.alternatives.setdefault(f"{owner}.{target.attr}", {previous}).add(type_name)
            self.project.alternative_names.add(target.attr)

    def _bind(self, name: str, type_name: str) -> None:
        """Remember every type ``name`` is assigned in this scope, when it is more than one
        (``if basic: auth = SimpleAuth() else: auth = ProxyHeaderAuth()``; :attr:`Project.alternatives`)."""
        if self.shallow:
            return  # module-level assignments are seen again by the second pass
        scope = self.current
        previous = self.bound.get((scope, name))
        self.bound[(scope, name)] = type_name
        if previous is not None and previous != type_name:
            key = f"{scope.qualname if scope is not None else self.module.name}.{name}"
            self.project.alternatives.setdefault(key, {previous}).add(type_name)
            self.project.alternative_names.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if self.scope and node.ctx.__class__ is ast.Store:
            self.scope[-1].local_names.add(node.id)

    def visit_Global(self, node: ast.Global) -> None:
        if self.scope:
            self.scope[-1].global_names.update(node.names)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                shrunk = dotted(target.value)
                if shrunk:
                    self.project.evictions.add((self.module.name, shrunk))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SHRINKING_METHODS:
            shrunk = dotted(func.value)
            if shrunk:
                self.project.evictions.add((self.module.name, shrunk))
        elif isinstance(func, ast.Name) and func.id == "len" and node.args:
            shrunk = dotted(node.args[0])
            if shrunk:
                self.project.evictions.add((self.module.name, shrunk))
        text = dotted(func)
        name = (self.resolve(func) if text is not None else None) or text or ""
        current = self.scope[-1] if self.scope else None
        site = CallSite(node, name, self.module, current, in_main=self.in_main > 0)
        self.project.calls.append(site)
        if self.in_main and current is None:
            self.project.main_calls.append(site)
        if self.shallow and current is not None:
            return
        if current is not None and name:
            current.calls.append((text or name, node))
            if name in FLASK_TYPES:
                current.roles.add("factory")  # a function that builds the app
        if node.keywords or (func.__class__ is ast.Attribute and func.attr in _REGISTERING):  # type: ignore[attr-defined]
            self._registration_call(node, name)
            if name.endswith(SPEC_REGISTRATIONS):  # ``app.add_api("openapi.yaml")``: ``model.connexion``
                self.project.spec_calls.append(site)
        self.generic_visit(node)

    # ------------------------------------------------------- classification
    def _owner_kind(self, base: ast.expr) -> str | None:
        """'app', 'blueprint', 'celery', 'cli', 'socketio' or None for a decorator base."""
        type_name = self.type_of(base)
        if type_name:
            if self.project.is_subtype(type_name, FLASK_TYPES):
                return "app"
            if self.project.is_subtype(type_name, BLUEPRINT_TYPES):
                return "blueprint"
            if self.project.is_subtype(type_name, CELERY_TYPES):
                return "celery"
            if type_name.startswith("flask_socketio.SocketIO"):
                return "socketio"
            if type_name.startswith(("rq.", "flask_rq2.")):
                return "rq"
            if type_name.startswith(("apscheduler.", "flask_apscheduler.")):
                return "scheduler"
            if type_name.startswith(("dramatiq", "huey")):
                return "celery"
            return "other"
        text = dotted(base) or ""
        if text.endswith(".cli") or text == "cli":
            return "cli"
        attribute = self._self_attribute_type(text)
        if attribute is not None:
            return self._owner_kind_of_type(attribute)
        if self._imports_other_framework():
            return "other"
        return None

    def _owner_kind_of_type(self, type_name: str) -> str:
        if self.project.is_subtype(type_name, FLASK_TYPES):
            return "app"
        if self.project.is_subtype(type_name, BLUEPRINT_TYPES):
            return "blueprint"
        return "other"

    def _self_attribute_type(self, text: str) -> str | None:
        """``self.app`` when a method of the enclosing class assigns ``self.app = FastAPI(...)``."""
        if not text.startswith("self.") or text.count(".") != 1:
            return None
        method = next((f for f in reversed(self.scope) if f.class_name), None)
        cls = self.project.classes.get(method.qualname.rsplit(".", 1)[0]) if method is not None else None
        if cls is None:
            return None
        attribute = text[5:]
        for node in ast.walk(cls.node):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr == attribute
                        and dotted(target.value) == "self"
                    ):
                        return self.table.qualify(dotted(node.value.func) or "") or dotted(node.value.func)
        return None

    def _imports_other_framework(self) -> bool:
        """The module imports an ASGI or other web framework and not Flask: its ``@x.get("/")`` are not Flask's."""
        modules = {record.module.split(".", 1)[0] for record in self.imports}
        return bool(modules & OTHER_WEB_FRAMEWORKS) and not modules & {"flask", "quart", "apiflask", "connexion"}

    def _classify_decorators(self, info: FunctionInfo) -> None:
        for deco in info.node.decorator_list:
            func = deco.func if isinstance(deco, ast.Call) else deco
            resolved = self.resolve(func) or dotted(func) or ""
            info.decorators.append(resolved)
            last = resolved.rsplit(".", 1)[-1]
            if resolved in TASK_DECORATORS:
                info.roles.add("task")
                self._task_options(info, deco)
                continue
            if resolved.startswith("click.") and last in ("command", "group"):
                info.roles.add("cli")
                continue
            if resolved.startswith("typer.") or resolved in ("flask.cli.with_appcontext",):
                info.roles.add("cli")
                continue
            if resolved.startswith("pytest.fixture"):
                info.roles.add("test")
                continue
            if resolved in EXPOSE_DECORATORS and info.class_name:
                info.roles.add("view")
                continue
            if last in CALLBACK_DECORATORS and (isinstance(func, ast.Attribute) or resolved != last):
                info.roles.add("callback")
                continue
            signal_role = library_signal_role(resolved) if last in ("connect", "connect_via") else None
            if signal_role is not None:  # ``@user_logged_in.connect``, ``@task_failure.connect``
                info.roles.add(signal_role)
                continue
            if not isinstance(func, ast.Attribute):
                continue
            attr = func.attr
            kind = self._owner_kind(func.value)
            click_group = attr in ("command", "group") and kind in (None, "other") and self._is_click_group(func.value)
            if kind == "cli" or click_group:
                info.roles.add("cli")
            elif attr in ROUTE_DECORATORS and (
                kind in ("app", "blueprint") or (kind is None and self._first_arg_is_path(deco))
            ):
                info.roles.add("view")
                info.routes.append(self._route(deco, attr, func.value))
            elif attr in HOOK_DECORATORS and kind in ("app", "blueprint", None):
                info.roles.add("hook")
                info.roles.add("teardown" if attr.startswith("teardown") else attr)
            elif attr in ERROR_DECORATORS and kind in ("app", "blueprint", None):
                info.roles.add("error_handler")
                if isinstance(deco, ast.Call):
                    info.error_codes.extend(deco.args)
            elif attr in ("task", "periodic_task", "actor") and kind in ("celery", None, "other", "rq", "scheduler"):
                info.roles.add("task")
                self._task_options(info, deco)
            elif attr in ("job", "scheduled_job", "cron") and kind in ("rq", "scheduler", None):
                info.roles.add("task")
            elif attr in SOCKET_DECORATORS and kind == "socketio":
                info.roles.add("socket_handler")
            elif attr == "expose" and info.class_name:
                info.roles.add("view")
        if info.parent is None and info.class_name is None and _wsgi_entry(info.node):
            info.roles.add("callback")
        # method views: methods named like HTTP verbs on View subclasses
        if info.class_name and info.name in HTTP_METHOD_NAMES and self.class_stack:
            cls = self.class_stack[-1]
            if any(self._is_view_base(b) for b in cls.bases):
                info.roles.add("view")
        if is_test_path(self.module.path):
            if info.name.startswith("test") or "test" in info.roles:
                info.roles.add("test")

    def _is_view_base(self, base: str) -> bool:
        return self.project.is_subtype(base, VIEW_BASES) or base.endswith(("MethodView", "Resource", ".View"))

    def _is_click_group(self, base: ast.expr) -> bool:
        resolved = self.resolve(base)
        fn = self.project.functions.get(resolved or "")
        return fn is not None and "cli" in fn.roles

    @staticmethod
    def _first_arg_is_path(deco: ast.expr) -> bool:
        return (
            isinstance(deco, ast.Call)
            and bool(deco.args)
            and isinstance(deco.args[0], ast.Constant)
            and isinstance(deco.args[0].value, str)
            and deco.args[0].value.startswith("/")
        )

    def _route(self, deco: ast.expr, attr: str, owner: ast.expr) -> RouteInfo:
        rule = ""
        methods: tuple[str, ...] = ("GET",)
        if isinstance(deco, ast.Call):
            if deco.args and isinstance(deco.args[0], ast.Constant) and isinstance(deco.args[0].value, str):
                rule = deco.args[0].value
            for kw in deco.keywords:
                if kw.arg == "methods" and isinstance(kw.value, (ast.List, ast.Tuple, ast.Set)):
                    methods = (
                        tuple(str(e.value).upper() for e in kw.value.elts if isinstance(e, ast.Constant)) or methods
                    )
        if ROUTE_DECORATORS[attr]:
            methods = (ROUTE_DECORATORS[attr],)
        location = Location(self.module.path, deco.lineno, deco.col_offset + 1)
        return RouteInfo(rule, methods, self.resolve(owner) or dotted(owner) or "?", location)

    def _task_options(self, info: FunctionInfo, deco: ast.expr) -> None:
        if isinstance(deco, ast.Call):
            for kw in deco.keywords:
                if kw.arg:
                    info.task_options[kw.arg] = kw.value

    def _registration_call(self, node: ast.Call, name: str) -> None:
        """``app.add_url_rule(view_func=f)``, ``q.enqueue(f)`` and friends."""
        scope = self.current.qualname if self.current else ""
        for keyword in node.keywords:
            if keyword.arg in CALLBACK_KEYWORDS and dotted(keyword.value):
                self.pending.append(PendingRole("callback", dotted(keyword.value) or "", scope, self.module.name))
        if not isinstance(node.func, ast.Attribute):
            return
        attr = node.func.attr
        target: ast.expr | None = None
        role = None
        hook_role: str | None = None
        if attr == "add_url_rule":
            role = "view"
            target = next((kw.value for kw in node.keywords if kw.arg == "view_func"), None)
            if target is None and len(node.args) >= 3:
                target = node.args[2]
        elif attr in ("register_error_handler",) and len(node.args) >= 2:
            role, target = "error_handler", node.args[1]
        elif attr in HOOK_DECORATORS and len(node.args) == 1:
            role, target = "hook", node.args[0]
            # which hook, as the decorator form records it (``app.before_request(load_user)``)
            hook_role = "teardown" if attr.startswith("teardown") else attr
        elif attr == "append" and len(node.args) == 1 and _hook_registry(node.func.value):
            # ``app.before_request_funcs.setdefault(None, []).append(check)``: the hook list filled by hand
            role, target = "hook", node.args[0]
            hook_role = _hook_registry(node.func.value)
        elif attr in ("enqueue", "enqueue_call", "enqueue_at", "enqueue_in", "add_job", "schedule"):
            role = "task"
            target = next((kw.value for kw in node.keywords if kw.arg in ("func", "f")), None)
            if target is None and node.args:
                target = node.args[-1] if attr in ("enqueue_at", "enqueue_in") and len(node.args) >= 2 else node.args[0]
        elif attr == "add_command" and node.args:
            role, target = "cli", node.args[0]
        elif attr == "add_resource" and len(node.args) >= 2 and dotted(node.args[0]):
            # flask-restful/flask-restx ``api.add_resource(Cls, "/url", ...)``: the class is the view
            name = dotted(node.args[0]) or ""
            self.pending.append(PendingRole("view", name, scope, self.module.name, resource_class=True))
            return
        elif attr in CALLBACK_DECORATORS and len(node.args) == 1:
            role, target = "callback", node.args[0]
        elif attr == "listen" and len(node.args) >= 3 and name.startswith("sqlalchemy."):
            role, target = "callback", node.args[2]
        elif attr == "connect" and library_signal_role(name):  # ``task_failure.connect(f)``
            role = library_signal_role(name)
            target = next((kw.value for kw in node.keywords if kw.arg == "receiver"), None)
            if target is None and node.args:
                target = node.args[0]
        if role is None or target is None:
            return
        if isinstance(target, ast.Call) and target.args and self.resolve(target.func) == "functools.partial":
            target = target.args[0]  # ``app.before_request(functools.partial(load_user, server))`` runs ``load_user``
        wrapped = False
        while role == "view" and isinstance(target, ast.Call) and not _as_view(target) and target.args:
            # ``view_func=login_required(show)``, ``add_url_rule(r, e, self.auth.require(Page.get))``: a decorator
            # applied by hand wraps the view, which still runs on every request to the rule
            if not isinstance(target.args[0], ast.Call | ast.Name | ast.Attribute):
                break
            target, wrapped = target.args[0], True
        if isinstance(target, ast.Call) and _as_view(target):
            assert isinstance(target.func, ast.Attribute)
            cls_name = self.resolve(target.func.value) or f"{self.module.name}.{dotted(target.func.value)}"
            self.pending.append(PendingRole(role, cls_name, scope, self.module.name, view_class=True))
            return
        fname = dotted(target)
        if fname:
            route = None
            if attr == "add_url_rule" and all(
                kw.value.__class__ in (ast.List, ast.Tuple, ast.Set) for kw in node.keywords if kw.arg == "methods"
            ):
                route = self._route(node, "route", node.func.value)  # methods the code does not spell: unknown
            self.pending.append(PendingRole(role, fname, scope, self.module.name, route=route, wrapped=wrapped))
            if hook_role is not None:
                self.pending.append(PendingRole(hook_role, fname, scope, self.module.name))

    def _view_function(self, value: ast.expr) -> None:
        if self.shallow and self.current is not None:
            return
        if isinstance(value, ast.Call) and value.args and self.resolve(value.func) == "functools.partial":
            value = value.args[0]
        scope = self.current.qualname if self.current else ""
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "as_view":
            cls_name = self.resolve(value.func.value) or f"{self.module.name}.{dotted(value.func.value)}"
            self.pending.append(PendingRole("view", cls_name, scope, self.module.name, view_class=True))
        elif dotted(value):
            self.pending.append(PendingRole("view", dotted(value) or "", scope, self.module.name))

    # --------------------------------------------------------------- config
    def _is_app_config(self, node: ast.expr) -> bool:
        if not (isinstance(node, ast.Attribute) and node.attr == "config"):
            return False
        type_name = self.type_of(node.value)
        if type_name and self.project.is_subtype(type_name, FLASK_TYPES):
            return True
        text = dotted(node.value) or ""
        if text == "self":
            return self._self_is_app()  # ``self.config[...]`` in a method of a ``Flask`` subclass
        return text in ("app", "application", "flask_app", "self.app", "current_app")

    def _self_is_app(self) -> bool:
        """``self`` is the application: the enclosing method's class subclasses ``Flask``
        (``class KnowledgeFlask(Flask): def __init__(self): self.config["SECRET_KEY"] = ...``)."""
        method = next((f for f in reversed(self.scope) if f.class_name), None)
        if method is None:
            return False
        owner = method.qualname
        while owner.count(".") and owner.rsplit(".", 1)[-1] != method.class_name:
            owner = owner.rsplit(".", 1)[0]
        return self.project.is_subtype(owner, FLASK_TYPES)

    def _config(self, key: str, value: ast.expr, at: ast.AST) -> None:
        env = self.env_stack[-1] if self.env_stack else "base"
        self.project.config.append(
            ConfigSetting(key, value, Location(self.module.path, at.lineno, at.col_offset + 1), env, "app.config")
        )

    def _local_mapping(self, name: str, line: int) -> list[tuple[ast.Constant, ast.expr]]:
        """The string-keyed entries of the dict literal ``name`` holds at ``line`` in the current scope.

        ``settings = {"SECRET_KEY": key, ...}`` assigned earlier in the same
        function (or at module level), with the ``settings["K"] = v`` and
        ``settings.setdefault("K", v)`` that follow it. A dict merged from others
        (``final = {**defaults, **extra}``) holds the entries of each earlier dict
        literal it spreads, in order; a spread of something else (a parameter the
        tests pass) adds nothing. Nothing when the name is bound otherwise (a
        parameter, a call's result).
        """
        nodes: list[ast.AST]
        if self.current is not None:
            nodes = list(ast.walk(self.current.node))
        else:  # module level: its own statements, not the functions it defines
            nodes = [n for stmt in self.module.tree.body if not isinstance(stmt, _SCOPES) for n in ast.walk(stmt)]
        start: ast.Assign | None = None
        for stmt in nodes:
            if (
                isinstance(stmt, ast.Assign)
                and stmt.lineno < line
                and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
                and (start is None or stmt.lineno > start.lineno)
            ):
                start = stmt
        if start is None or not isinstance(start.value, ast.Dict):
            return []
        entries: dict[str, tuple[ast.Constant, ast.expr]] = {}
        for k, v in zip(start.value.keys, start.value.values):
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                entries[k.value] = (k, v)
            elif k is None and isinstance(v, ast.Name):  # ``{**defaults, ...}``: an earlier dict of this scope
                for spread_key, spread_value in self._local_mapping(v.id, start.lineno):
                    entries[spread_key.value] = (spread_key, spread_value)
        for node in nodes:
            if not start.lineno < getattr(node, "lineno", 0) < line:
                continue
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == name
                    and isinstance(target.slice, ast.Constant)
                    and isinstance(target.slice.value, str)
                ):
                    entries[target.slice.value] = (target.slice, node.value)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setdefault"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == name
                and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                entries.setdefault(node.args[0].value, (node.args[0], node.args[1]))
        return list(entries.values())

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and self._is_app_config(call.func.value):
            if call.func.attr in ("update", "from_mapping", "setdefault"):
                for kw in call.keywords:
                    if kw.arg:
                        self._config(kw.arg, kw.value, kw.value)
                for arg in call.args[:1]:
                    if isinstance(arg, ast.Dict):
                        for k, v in zip(arg.keys, arg.values):
                            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                                self._config(k.value, v, k)
                    elif isinstance(arg, ast.Call) and dotted(arg.func) == "dict" and call.func.attr != "setdefault":
                        for kw in arg.keywords:  # ``app.config.update(dict(SECRET_KEY=...))``
                            if kw.arg:
                                self._config(kw.arg, kw.value, kw.value)
                    elif isinstance(arg, ast.Name) and call.func.attr != "setdefault":
                        for k, v in self._local_mapping(arg.id, call.lineno):  # ``settings = {...}`` just before
                            self._config(k.value, v, k)
                if call.func.attr == "setdefault" and len(call.args) == 2:
                    k = call.args[0]
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        self._config(k.value, call.args[1], k)
        self.generic_visit(node)


class ModuleTooDeep(Exception):
    """A module nests deeper than the builder can walk; the caller drops it and builds again."""

    def __init__(self, module: SourceModule) -> None:
        super().__init__(module.path)
        self.module = module


def build_project(
    modules: Iterable[SourceModule],
    production_names: Iterable[str] = (),
    development_names: Iterable[str] = (),
    testing_names: Iterable[str] = (),
    entry_points: Mapping[str, Sequence[str]] | None = None,
    read_file: FileReader | None = None,
) -> Project:
    """Link every module into one project model (``entry_points``: the plugin namespaces the packaging declares;
    ``read_file``: reads a file of the checked tree by its display path, for the OpenAPI files of connexion)."""
    project = Project()
    project.entry_points = {namespace: list(targets) for namespace, targets in (entry_points or {}).items()}
    module_list = sorted(modules, key=lambda m: m.path)
    for module in module_list:
        project.modules.setdefault(module.name, module)
        project.by_path[module.path] = module
    pending: list[PendingRole] = []
    # Two passes: the second sees objects and classes defined in modules
    # that sort after the importing one (``views`` using ``app`` from ``app``).
    for pass_number in range(2):
        if pass_number == 1:
            # what the project's own helpers build (``def make_blueprint(name): return Blueprint(...)``)
            project.built_by = helpers_that_build(project)
            # reset what the first pass accumulated, keep objects/classes
            project.functions.clear()
            project.calls.clear()
            project.main_calls.clear()
            project.spec_calls.clear()
            project.config.clear()
            project.function_at.clear()
            pending.clear()
            for cls in project.classes.values():
                cls.methods.clear()
        for module in module_list:
            builder = _ModuleBuilder(project, module)
            builder.pending = pending
            builder.shallow = pass_number == 0
            try:
                for stmt in module.tree.body:
                    builder.visit(stmt)
            except RecursionError:
                raise ModuleTooDeep(module) from None
            _mark_bottom_imports(project.imports[module.name], module)
    _link_reexports(project)
    type_factory_parameters(project)
    project.model_complete()
    _apply_pending_roles(project, pending)
    mark_connexion_views(project, read_file)
    _job_decorators(project)
    mark_launched_jobs(project)
    mark_worker_roots(project)
    _form_validators(project)
    collect_config_classes(project, production_names, development_names, testing_names)
    collect_models(project)
    propagate_contexts(project)
    collect_file_settings(project, read_file)
    return project


#: Calls inside a decorator that send the decorated function to a job queue instead of running it.
ENQUEUEING_CALLS = frozenset(
    {
        "enqueue",
        "enqueue_call",
        "enqueue_in",
        "enqueue_at",
        "delay",
        "apply_async",
        "send_task",
    }
)
#: Calls inside a decorator that make the decorated function a job of a framework.
TASK_MAKING_CALLS = frozenset({"task", "shared_task", "actor", "job", "periodic_task"})


def _job_decorators(project: Project) -> None:
    """A project's own decorator that wraps Celery/RQ makes the functions it decorates jobs.

    ``def background(f): ... queue.enqueue(f, *args)`` or ``celery.task(...)(f)``
    inside the decorator: the decorated function's body runs in a worker.
    When the wrapper enqueues, a view calling the function only queues it, so
    the request's context does not flow into its body.
    """
    kinds: dict[str, str | None] = {}
    for fn in project.functions.values():
        for deco in fn.node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            decorator = project.resolve_function(dotted(target) or "", fn.parent, fn.module)
            made = _job_decorator_object(project, fn, target) if decorator is None and "task" not in fn.roles else None
            if made is not None:
                fn.roles.add("task")
                for kw in [*made, *(deco.keywords if isinstance(deco, ast.Call) else [])]:
                    if kw.arg:
                        fn.task_options[kw.arg] = kw.value  # the partial's options, then the decorator call's
            if decorator is None or decorator is fn:
                continue
            if decorator.qualname not in kinds:
                kinds[decorator.qualname] = _job_kind(project, decorator)
            kind = kinds[decorator.qualname]
            if kind is not None:
                fn.roles.add("task")
                if kind == "enqueue":
                    project.enqueued[fn.qualname] = decorator.qualname


def _job_decorator_object(project: Project, fn: FunctionInfo, target: ast.expr) -> list[ast.keyword] | None:
    """The decorator is a job decorator class of the project or a ``functools.partial`` of one:
    ``job = partial(QueueJob, connection=redis)`` with ``class QueueJob(rq.decorators.job)``, of
    ``rq.decorators.job`` itself, or of a Celery app's ``task`` (``partial(celery.task, bind=True)``):
    ``@job("default")`` then makes the function a job. The options the partial binds (an empty list for
    a class), else None."""
    qualified = fn.imports.qualify(dotted(target) or "") or ""
    obj = project.objects.get(project.canonical(qualified)) if qualified else None
    options: list[ast.keyword] = []
    if obj is not None:
        if obj.type != "functools.partial" or not obj.call.args:
            return None
        options = list(obj.call.keywords)
        table = project.module_imports.get(obj.module.name)
        inner = dotted(obj.call.args[0]) or ""
        if "." in inner and inner.rsplit(".", 1)[-1] in TASK_MAKING_CALLS:
            return options  # ``task = partial(celery.task, bind=True)``
        qualified = (table.qualify(inner) if table is not None else None) or f"{obj.module.name}.{inner}"
    if qualified in TASK_DECORATORS or (
        qualified in project.classes and project.is_subtype(qualified, frozenset(TASK_DECORATORS))
    ):
        return options
    return None


def _job_kind(project: Project, decorator: FunctionInfo, seen: frozenset[str] = frozenset()) -> str | None:
    """ "enqueue" when the decorator's code queues the function, "task" when it registers it with a job
    framework, None when it does neither. A decorator factory that hands over to another project decorator
    (``def job(name): return task(name=name, base=JobTask)`` with ``task`` returning ``celery.task(...)``) is
    what that one is."""
    kind = None
    seen = seen | {decorator.qualname}
    for node in ast.walk(decorator.node):
        if isinstance(node, ast.Call):
            name = dotted(node.func) or ""
            last = name.rsplit(".", 1)[-1] if name else (node.func.attr if isinstance(node.func, ast.Attribute) else "")
            if last in ENQUEUEING_CALLS:
                return "enqueue"
            qualified = decorator.imports.qualify(name) or ""
            if qualified in TASK_DECORATORS or (last in TASK_MAKING_CALLS and "." in name):
                kind = "task"
            elif kind is None and last in TASK_MAKING_CALLS and len(seen) < 4:
                inner = project.resolve_function(name, decorator, decorator.module)
                if inner is not None and inner.qualname not in seen:
                    kind = _job_kind(project, inner, seen)
                    if kind == "enqueue":
                        return kind
    return kind


#: Form base classes whose ``validate_<field>`` methods WTForms calls while a view validates the form.
FORM_TYPES = {"flask_wtf.FlaskForm", "flask_wtf.Form", "flask_wtf.form.FlaskForm", "wtforms.Form", "wtforms.form.Form"}


def _form_validators(project: Project) -> None:
    """WTForms calls a form's ``validate``/``validate_<field>`` methods and validator objects
    (``__call__(self, form, field)``) while a view validates a submitted form: request callbacks."""
    for cls in project.classes.values():
        is_form = project.is_subtype(cls.qualname, FORM_TYPES)
        for name, method in cls.methods.items():
            if is_form and (name == "validate" or name.startswith("validate_")):
                method.roles.add("callback")
            elif name == "__call__":
                params = [a.arg for a in method.node.args.args]
                if params[:3] == ["self", "form", "field"]:
                    method.roles.add("callback")


#: Functions mod_wsgi calls for every request it authenticates (``WSGIAuthUserScript``/``WSGIAuthGroupScript``).
MOD_WSGI_HOOKS = frozenset({"check_password", "groups_for_user", "get_realm_hash"})


def _wsgi_entry(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A WSGI callable (``def application(environ, start_response)``) or a mod_wsgi authentication hook
    (``def check_password(environ, user, password)``): the server calls it for every request."""
    params = [a.arg for a in node.args.args]
    if params[:1] != ["environ"]:
        return False
    return params[1:2] == ["start_response"] or node.name in MOD_WSGI_HOOKS


def _link_reexports(project: Project) -> None:
    """Bases, instance types and local types written through a package re-export name the definition."""
    for cls in project.classes.values():
        cls.bases = [project.canonical(base) for base in cls.bases]
    for obj in project.objects.values():
        obj.type = project.canonical(obj.type)
    for fn in project.functions.values():
        for name, type_name in fn.local_types.items():
            if type_name not in project.classes:
                fn.local_types[name] = project.canonical(type_name)
    for binding, types in project.alternatives.items():
        project.alternatives[binding] = {t if t in project.classes else project.canonical(t) for t in types}


def _mark_bottom_imports(records: list[ImportRecord], module: SourceModule) -> None:
    """Flag imports that come after the module's last def/class (Flask's pattern)."""
    last_def = 0
    for stmt in module.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign)):
            last_def = max(last_def, stmt.lineno)
    for record in records:
        if not record.in_function and record.line > last_def and last_def:
            record.at_bottom = True


#: Flask's own hook lists, which a project may fill by hand instead of with the decorator.
_HOOK_LISTS = {
    "before_request_funcs": "before_request",
    "after_request_funcs": "after_request",
    "teardown_request_funcs": "teardown",
    "before_first_request_funcs": "before_first_request",
}


def _hook_registry(node: ast.expr) -> str | None:
    """The hook a list of Flask's hook lists runs (``before_request`` for ``app.before_request_funcs[None]`` or
    ``app.before_request_funcs.setdefault(None, [])``), else ``None``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault":
        node = node.func.value
    elif isinstance(node, ast.Subscript):
        node = node.value
    elif node.__class__ is not ast.Attribute:
        return None
    return _HOOK_LISTS.get(node.attr) if isinstance(node, ast.Attribute) else None


def _as_view(call: ast.Call) -> bool:
    """``SomeView.as_view("name")``: a class-based view's entry."""
    return isinstance(call.func, ast.Attribute) and call.func.attr == "as_view"


def _apply_pending_roles(project: Project, pending: list[PendingRole]) -> None:
    subclasses: dict[str, list[str]] | None = None
    for item in pending:
        if item.view_class:  # as_view(): every HTTP method of the class is a view
            cls = project.classes.get(item.target)
            if cls is None:
                short = item.target.rsplit(".", 1)[-1]
                cls = next((c for c in project.classes.values() if c.name == short), None)
            if cls is not None:
                for name, method in cls.methods.items():
                    if name in HTTP_METHOD_NAMES:
                        method.roles.add(item.role)
            continue
        module = project.modules.get(item.module)
        if module is None:
            continue
        scope = project.functions.get(item.scope)
        fn = project.resolve_function(item.target, scope, module)
        if fn is not None:
            fn.roles.add(item.role)
            if item.route is not None and item.route not in fn.routes:
                fn.routes.append(item.route)
            if item.target.startswith("self.") and item.target.count(".") == 1 and fn.class_name:
                if subclasses is None:
                    subclasses = _subclasses(project)
                for override in _self_overrides(project, subclasses, scope, item.target[5:]):
                    override.roles.add(item.role)
                    if item.route is not None and item.route not in override.routes:
                        override.routes.append(item.route)
        elif item.resource_class:
            _resource_class(project, item, scope, module)
        elif item.role == "view" and (members := table_members(project, item.target, scope, module)):
            for member in members:  # ``for url, func in routes.items(): app.add_url_rule(url, None, func)``
                member.roles.add(item.role)
        elif item.role == "view" and not item.wrapped:  # a class handed to a wrapper is its argument, not the view
            _class_as_view(project, item, scope, module)


def _subclasses(project: Project) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for cls in project.classes.values():
        for base in cls.bases:
            if base in project.classes:
                found.setdefault(base, []).append(cls.qualname)
    return found


def _self_overrides(
    project: Project, subclasses: dict[str, list[str]], scope: FunctionInfo | None, name: str
) -> list[FunctionInfo]:
    """The overrides of ``name`` below the class of the method ``scope`` (or the method a closure ``scope`` sits
    in): ``add_url_rule("/authorize", view_func=self.authorize)`` in a base class registers, for an instance of a
    subclass, that subclass's own ``authorize``."""
    method = scope
    while method is not None and not method.class_name:
        method = method.parent
    if method is None:
        return []
    owner = method.qualname.rsplit(".", 1)[0]
    below = (project.classes.get(qualname) for qualname in descendants(subclasses, owner))
    return [cls.methods[name] for cls in below if cls is not None and name in cls.methods]


def _registered_class_methods(
    project: Project, item: PendingRole, scope: FunctionInfo | None, module: SourceModule
) -> Iterator[tuple[str, FunctionInfo]]:
    """The methods of the project class ``item`` names, own or inherited, each name once (the nearest
    definition first, as Python finds it); nothing when the name is not a project class."""
    table = scope.imports if scope is not None else project.module_imports.get(module.name)
    qualified = table.qualify(item.target) if table is not None else None
    candidates = [project.canonical(qualified)] if qualified else []
    candidates.append(f"{module.name}.{item.target}")
    cls_qual = next((c for c in candidates if c in project.classes), None)
    if cls_qual is None:
        return
    seen: set[str] = set()
    for current in project.lineage(cls_qual):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for name, method in cls.methods.items():
            if name not in seen:
                seen.add(name)
                yield name, method


def _resource_class(project: Project, item: PendingRole, scope: FunctionInfo | None, module: SourceModule) -> None:
    """A class given to ``api.add_resource``: flask-restful's ``Api`` wraps it with ``as_view``, which builds an
    instance per request and calls the method named after the HTTP verb, so those methods (own or inherited
    from project bases) are views and ``__init__`` runs in every request."""
    for name, method in _registered_class_methods(project, item, scope, module):
        if name in HTTP_METHOD_NAMES:
            method.roles.add("view")
        elif name == "__init__":
            method.roles.add("callback")


def _class_as_view(project: Project, item: PendingRole, scope: FunctionInfo | None, module: SourceModule) -> None:
    """A class given as ``view_func`` itself (not ``Cls.as_view()``): the project's own dispatcher builds it
    per request and calls its entry points (Indico's ``RH`` classes and ``process()``).  Its public methods,
    ``__init__`` and ``__call__``, own or inherited, run in requests."""
    for name, method in _registered_class_methods(project, item, scope, module):
        if not name.startswith("_") or name in ("__init__", "__call__"):
            method.roles.add("callback")

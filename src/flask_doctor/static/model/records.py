"""The records of the project model and the vocabulary they use.

Contexts (where code runs), the Flask, Celery and SQLAlchemy types the model
recognises, the decorator names that give a function its role, and the plain
records (functions, classes, objects, routes, settings, ORM models, call
sites) that :class:`~flask_doctor.static.model.project.Project` links.
"""

from __future__ import annotations

import ast
from dataclasses import field

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.names import ImportTable
from flask_doctor.static.source import SourceModule

REQUEST = "request"
JOB = "job"
CLI = "cli"
MAIN = "main"
FACTORY = "factory"
TEST = "test"
IMPORT = "import"

FLASK_TYPES = {"flask.Flask", "flask.app.Flask", "quart.Quart", "connexion.FlaskApp", "apiflask.APIFlask"}
BLUEPRINT_TYPES = {"flask.Blueprint", "flask.blueprints.Blueprint", "flask_smorest.Blueprint", "apiflask.APIBlueprint"}
CELERY_TYPES = {"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"}
#: Celery's task class: a subclass whose ``run`` is defined is a class-based task.
CELERY_TASK_TYPES = frozenset({"celery.Task", "celery.app.task.Task", "celery.task.Task", "celery.task.base.Task"})
#: Flask-SQLAlchemy's extension, also under the ``flask.ext``/``flaskext`` spellings of Flask < 1.0 (2.x and older).
SQLALCHEMY_TYPES = {"flask_sqlalchemy.SQLAlchemy", "flask.ext.sqlalchemy.SQLAlchemy", "flaskext.sqlalchemy.SQLAlchemy"}
VIEW_BASES = {
    "flask.views.View",
    "flask.views.MethodView",
    "flask.View",
    "flask.MethodView",
    "flask_restful.Resource",
    "flask_restx.Resource",
    "flask_smorest.MethodView",
}
HTTP_METHOD_NAMES = {"get", "post", "put", "patch", "delete", "head", "options", "dispatch_request"}
ROUTE_DECORATORS = {"route": None, "get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}
HOOK_DECORATORS = {
    "before_request",
    "after_request",
    "teardown_request",
    "teardown_appcontext",
    "before_app_request",
    "after_app_request",
    "teardown_app_request",
    "context_processor",
    "app_context_processor",
    "url_value_preprocessor",
    "url_defaults",
    "template_filter",
    "template_global",
    "template_test",
    "app_template_filter",
    "app_template_global",
    "before_first_request",
}
ERROR_DECORATORS = {"errorhandler", "app_errorhandler"}
#: Decorators (and registration methods) of extensions whose functions run inside requests:
#: Flask-Login, Flask-HTTPAuth, Flask-JWT-Extended, Flask-Principal, Flask-Babel,
#: Flask-OAuthlib token getters, SQLAlchemy ORM event listeners.
CALLBACK_DECORATORS = {
    "user_loader",
    "request_loader",
    "header_loader",
    "token_loader",
    "unauthorized_handler",
    "needs_refresh_handler",
    "verify_password",
    "verify_token",
    "get_password",
    "get_user_roles",
    "hash_password",
    "user_lookup_loader",
    "user_identity_loader",
    "additional_claims_loader",
    "token_in_blocklist_loader",
    "token_in_blacklist_loader",
    "expired_token_loader",
    "invalid_token_loader",
    "unauthorized_loader",
    "identity_loader",
    "localeselector",
    "timezoneselector",
    "locale_selector",
    "timezone_selector",
    "tokengetter",
    "listens_for",
}
#: Keyword arguments that hand an extension a function it calls during requests
#: (Authlib ``oauth.register(..., fetch_token=f, update_token=g)``).
CALLBACK_KEYWORDS = {"fetch_token", "update_token"}
#: Decorators of Flask-AppBuilder and Flask-Admin views (``@expose("/path")`` on a method).
EXPOSE_DECORATORS = {
    "flask_appbuilder.expose",
    "flask_appbuilder.api.expose",
    "flask_appbuilder.views.expose",
    "flask_appbuilder.baseviews.expose",
    "flask_appbuilder.expose_api",
    "flask_appbuilder.api.expose_api",
    "flask_admin.expose",
    "flask_admin.base.expose",
}
SOCKET_DECORATORS = {"on", "event", "on_event"}
SHRINKING_METHODS = {"pop", "popitem", "clear", "remove", "discard", "popleft"}


@dataclass
class RouteInfo:
    """A URL rule registered for a view (``@app.route``, ``add_url_rule``)."""

    rule: str
    methods: tuple[str, ...]
    owner: str  # qualified name of the app/blueprint, or the dotted text
    location: Location


@dataclass(eq=False, slots=True)
class FunctionInfo:
    """A function or method of the project, with what the model learnt about it."""

    qualname: str
    name: str
    module: SourceModule
    node: ast.FunctionDef | ast.AsyncFunctionDef
    class_name: str | None
    parent: FunctionInfo | None
    imports: ImportTable
    local_types: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, ast.Call]] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)
    routes: list[RouteInfo] = field(default_factory=list)
    decorators: list[str] = field(default_factory=list)  # resolved-or-dotted decorator names
    contexts: set[str] = field(default_factory=set)
    error_codes: list[ast.expr] = field(default_factory=list)
    task_options: dict[str, ast.expr] = field(default_factory=dict)
    #: Parameters and names assigned in the body (they shadow imports and
    #: module globals), and names declared ``global``; recorded by the model
    #: pass so rules never walk a function again to learn them.
    local_names: set[str] = field(default_factory=set)
    global_names: set[str] = field(default_factory=set)
    #: The project subclass ``self``/``cls`` stands for in a copy of an inherited method made for a call on
    #: that subclass (``ProductController.list_items()`` runs ``BaseController.list_items`` with ``cls`` the
    #: controller): :func:`flask_doctor.static.facts.classes.bound_method`. ``None`` in the method itself.
    bound: str | None = None

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def location(self) -> Location:
        return Location(self.module.path, self.node.lineno, self.node.col_offset + 1)

    @property
    def display(self) -> str:
        return f"{self.class_name}.{self.name}" if self.class_name else self.name


@dataclass(eq=False)
class ClassInfo:
    """A class of the project: its bases as resolved and its methods."""

    qualname: str
    name: str
    module: SourceModule
    node: ast.ClassDef
    bases: list[str]  # resolved (or dotted) base names
    methods: dict[str, FunctionInfo] = field(default_factory=dict)


@dataclass(eq=False)
class ObjectInfo:
    """A module-level ``name = Call(...)``: apps, blueprints, extensions, engines."""

    qualname: str
    type: str
    call: ast.Call
    module: SourceModule
    in_function: str | None = None
    #: The project helper whose call built it (``app = create_app()``, ``bp = get_blueprint("x")``).
    helper: str | None = None

    @property
    def location(self) -> Location:
        return Location(self.module.path, self.call.lineno, self.call.col_offset + 1)


@dataclass
class ConfigSetting:
    """A config key set in code (config class, module, ``app.config[...]``) and its environment."""

    key: str
    value: ast.expr
    location: Location
    env: str  # production | development | testing | base
    owner: str  # config class qualname, module name, or "app.config"


@dataclass(eq=False)
class RelationshipInfo:
    """An ORM ``relationship()`` of a model, with its loading strategy."""

    model: str
    attr: str
    target: str
    lazy: str
    location: Location


@dataclass(eq=False)
class ModelInfo:
    """An ORM model class: its relationships and unique columns."""

    qualname: str
    name: str
    location: Location
    relationships: dict[str, RelationshipInfo] = field(default_factory=dict)
    unique_columns: set[str] = field(default_factory=set)
    #: the columns declared ``primary_key=True`` in the class body, in order (several: one composite key)
    primary_key: tuple[str, ...] = ()


@dataclass(eq=False, slots=True)
class CallSite:
    """A call found anywhere, with the function it sits in (None = module level)."""

    node: ast.Call
    name: str  # resolved qualified name or dotted text
    module: SourceModule
    function: FunctionInfo | None
    in_main: bool = False


@dataclass(eq=False)
class PendingRole:
    """A role given by a call (``add_url_rule(view_func=f)``, ``q.enqueue(f)``),
    resolved once every function of the project is known."""

    role: str
    target: str  # dotted name of the function, or qualified name of a View class
    scope: str  # qualname of the function making the call ("" at module level)
    module: str
    view_class: bool = False
    #: the URL rule and methods of an ``add_url_rule(rule, endpoint, f, methods=[...])`` view
    route: RouteInfo | None = None
    #: the function was the argument of a call given as the view (``view_func=login_required(f)``)
    wrapped: bool = False
    #: a flask-restful style ``api.add_resource(Cls, "/url")``: the class is built and dispatched per request
    resource_class: bool = False

"""CSRF facts: where the project enforces CSRF, what it exempts, and who acts as the logged-in user.

A forged cross-site form matters only when three things meet: the browser
sends a cookie that authenticates the user, the view acts with that
authority, and nothing checks a CSRF token.  :func:`csrf_setup` answers the
project-wide part once (``CSRFProtect``/SeaSurf, ``csrf.exempt``, session
or cookie-JWT authentication, ``SESSION_COOKIE_SAMESITE``); the view-level
questions (:func:`acts_as_user`, :func:`csrf_exempt`, :func:`form_read`)
read it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import field

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.apps import app_attribute_type, is_flask_type, object_type
from flask_doctor.static.facts.assembly import app_creation
from flask_doctor.static.facts.classes import class_lineage, class_method, own_class
from flask_doctor.static.facts.config import attribute_settings, live_in_production, settings
from flask_doctor.static.facts.config_values import false_constant, literal_secret, settings_default
from flask_doctor.static.facts.guards import mentions, source_text
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.scopes import imports_at
from flask_doctor.static.facts.sites import calls_matching, calls_named
from flask_doctor.static.facts.taint import REQUEST_NAMES, assignments
from flask_doctor.static.facts.writes import has_method_branch
from flask_doctor.static.model import BLUEPRINT_TYPES, CallSite, FunctionInfo, Project
from flask_doctor.static.model.records import EXPOSE_DECORATORS
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.syntax import walk

CSRF_TYPES = {
    "flask_wtf.csrf.CSRFProtect",
    "flask_wtf.CSRFProtect",
    "flask_wtf.csrf.CsrfProtect",
    "flask_wtf.CsrfProtect",
    "flask_seasurf.SeaSurf",
    "flaskext.seasurf.SeaSurf",
    # the old ``flask.ext`` / ``flaskext`` spellings of the same extensions
    "flask.ext.wtf.csrf.CSRFProtect",
    "flask.ext.wtf.CSRFProtect",
    "flask.ext.wtf.csrf.CsrfProtect",
    "flask.ext.wtf.CsrfProtect",
    "flask.ext.seasurf.SeaSurf",
    "flaskext.csrf.csrf",
}
FORM_ATTRS = {"form", "files", "values"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Login extensions that keep the logged-in user in the session cookie.
SESSION_AUTH = (
    "flask_login",
    "flask_security",
    "flask_user",
    "flask_principal",
    "flask_praetorian_session",
    "flask_simplelogin",
    "flask_oidc",
    "flask_pyoidc",
    "flask_cas",
    "flask_openid",
    # Flask-AppBuilder signs users in with Flask-Login; it leaves CSRFProtect to the application
    "flask_appbuilder",
)


def package_of(module: str) -> str:
    """The package an import names, with the old ``flask.ext.login``/``flaskext.login`` spelled ``flask_login``."""
    parts = module.split(".")
    if parts[:2] == ["flask", "ext"] and len(parts) > 2:
        return f"flask_{parts[2]}"
    if parts[0] == "flaskext" and len(parts) > 1:
        return f"flask_{parts[1]}"
    return parts[0]


@dataclass(eq=False)
class CsrfFacts:
    """The project's CSRF setup."""

    protected_at: Location | None  # the first CSRFProtect(...)/SeaSurf(...) outside tests
    exempt: set[str]  # views exempted by ``csrf.exempt(view)``: qualified and bare names
    exempt_blueprints: set[str]  # blueprints exempted by ``csrf.exempt(bp)``
    cookie_auth: bool  # the browser's cookie authenticates the user (session, Flask-Login, cookie JWT)
    #: ``SESSION_COOKIE_SAMESITE``, ``REMEMBER_COOKIE_SAMESITE``, ``JWT_COOKIE_SAMESITE`` as production runs them
    samesite: dict[str, SameSiteSetting]
    flask_wtf: bool = False
    jwt_cookies: bool = False  # Flask-JWT-Extended tokens in cookies with its CSRF check switched off
    extensions: frozenset[str] = field(default_factory=frozenset)  # objects that are CSRF extensions (``csrf``)
    #: Flask-Login's remember-me cookie may sign the user in too (``login_user(user, remember=...)``)
    remember_me: bool = False
    #: blueprints whose ``before_request`` hook checks a CSRF token by hand ("*": an app-wide hook)
    checked_by_hooks: frozenset[str] = field(default_factory=frozenset)
    hook_check_at: Location | None = None  # the first such hook
    #: a ``CSRFProtect()``/``SeaSurf()`` made without an app and never bound to one with ``init_app``
    unbound_at: Location | None = None


@project_fact
def csrf_setup(project: Project) -> CsrfFacts:
    """Where the project enforces CSRF, what it exempts, and how users authenticate."""
    protected_at: Location | None = None
    exempt: set[str] = set()
    exempt_blueprints: set[str] = set()
    csrf_types = (
        set(CSRF_TYPES)
        | {q for q in project.classes if project.is_subtype(q, CSRF_TYPES)}
        | _other_csrf_extensions(project)
    )
    csrf_objects = frozenset(o.qualname for o in project.objects.values() if o.type in csrf_types)
    unbound_at: Location | None = None
    bound = _initialised_extensions(project, csrf_types, csrf_objects)
    for site in calls_named(project, last_segments(csrf_types, ["exempt"])):
        if is_test_path(site.module.path):
            continue
        if site.name in csrf_types and protected_at is None:
            here = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
            if site.node.args or site.node.keywords or bound:
                protected_at = here
            elif unbound_at is None:
                unbound_at = here
        func = site.node.func
        if isinstance(func, ast.Attribute) and func.attr == "exempt" and site.node.args:
            owner = site.name.rsplit(".", 1)[0]
            if owner in csrf_objects or (dotted(func.value) or "").endswith("csrf"):
                target = dotted(site.node.args[0]) or ""
                table = site.function.imports if site.function else project.module_imports.get(site.module.name)
                qualified = (table.qualify(target) if table else None) or f"{site.module.name}.{target}"
                obj = project.objects.get(qualified)
                if obj is not None and "Blueprint" in obj.type:
                    exempt_blueprints.add(qualified)
                else:
                    exempt.add(qualified)
                    exempt.add(target.rsplit(".", 1)[-1])
    if protected_at is None:
        protected_at = _extension_named_in_settings(project)
    cookie_auth = _session_auth(project)
    samesite = {key: found for key in SAMESITE_KEYS if (found := _live_samesite(project, key)) is not None}
    flask_wtf = any(package_of(r.module) == "flask_wtf" for records in project.imports.values() for r in records)
    locations = [s for s in settings(project, ("JWT_TOKEN_LOCATION",)) if "cookies" in ast.unparse(s.value)]
    jwt_csrf_off = any(false_constant(s.value) for s in settings(project, ("JWT_COOKIE_CSRF_PROTECT",)))
    jwt_cookies = bool(locations) and jwt_csrf_off
    hooks, hook_at = _hook_checks(project)
    return CsrfFacts(
        protected_at,
        exempt,
        exempt_blueprints,
        cookie_auth or jwt_cookies or bool(auth_cookies(project)),
        samesite,
        flask_wtf,
        jwt_cookies,
        csrf_objects,
        _remembers_logins(project),
        hooks,
        hook_at,
        None if protected_at is not None else unbound_at,
    )


#: A package of a CSRF extension other than Flask-WTF's (``flask_xsrf``, ``flask_simple_csrf``,
#: ``flask_anticsrf``, ``flask_sec_fetch_csrf``): its class bound to the app protects it as CSRFProtect does.
_CSRF_PACKAGE = on_first_use(r"csrf|xsrf|seasurf", re.IGNORECASE)


def _capitalised(name: str) -> bool:
    return name[:1].isupper()


def _other_csrf_extensions(project: Project) -> set[str]:
    """Classes of CSRF packages the project calls (``flask_simple_csrf.CSRF``), outside Flask-WTF and SeaSurf.

    Each of these libraries is an extension object made with the app or bound
    by ``init_app``, like CSRFProtect; what exactly it checks (a token, the
    ``Sec-Fetch-Site`` header) is the library's business.
    """
    own = {name.split(".", 1)[0] for name in project.modules}  # a project named for CSRF is not an extension
    found: set[str] = set()
    # a site is listed under the last segment of its name (``facts.sites``): a class's is capitalised
    for site in calls_matching(project, _capitalised):
        head, _, last = site.name.rpartition(".")
        if (
            head
            and last[:1].isupper()
            and _CSRF_PACKAGE().search(package := package_of(head))
            and package not in own
            and not is_test_path(site.module.path)
        ):
            found.add(site.name)
    return found


#: ``"flask_wtf.csrf:CSRFProtect"`` in an extension list a settings loader imports and binds to the app
#: (Dynaconf's ``EXTENSIONS`` with ``app.config.load_extensions()``).
_EXTENSION_STRING = on_first_use(r"flask_wtf(\.csrf)?[:.]C[Ss][Rr][Ff]Protect|flask_seasurf[:.]SeaSurf")


def _extension_named_in_settings(project: Project) -> Location | None:
    """Where the project names CSRFProtect (or SeaSurf) as a string its settings loader binds to the app.

    Dynaconf's Flask integration imports each ``"package:Class"`` of the
    ``EXTENSIONS`` setting and calls it with the app
    (``app.config.load_extensions()``): ``EXTENSIONS = ["flask_wtf.csrf:CSRFProtect"]``
    in a settings module or file is ``CSRFProtect(app)`` written as data.
    """
    for setting in settings(project, ("EXTENSIONS",)):
        if _EXTENSION_STRING().search(ast.unparse(setting.value)) and not is_test_path(setting.location.path):
            return setting.location
    for module in project.modules.values():
        if is_test_path(module.path) or not _EXTENSION_STRING().search(module.text):
            continue
        for node in walk(module.tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _EXTENSION_STRING().fullmatch(node.value)
            ):
                return Location(module.path, node.lineno, node.col_offset + 1)
    return None


def _initialised_extensions(project: Project, csrf_types: set[str], csrf_objects: frozenset[str]) -> bool:
    """Does code outside tests (maybe) bind a CSRF extension to an app with ``init_app``?

    ``csrf.init_app(app)`` on the extension's object, ``CSRFProtect().init_app(app)``, and -- giving the
    benefit of the doubt -- ``ext.init_app(app)`` on a local name (``for ext in (db, csrf): ext.init_app(app)``).
    """
    short_names = {o.rsplit(".", 1)[-1] for o in csrf_objects}
    for site in calls_named(project, ("init_app",)):
        if is_test_path(site.module.path) or not isinstance(site.node.func, ast.Attribute):
            continue
        receiver = site.node.func.value
        if isinstance(receiver, ast.Call):
            table = site.function.imports if site.function else project.module_imports.get(site.module.name)
            name = dotted(receiver.func) or ""
            if name == "getattr" and csrf_objects:
                return True  # ``getattr(extensions, name).init_app(app)`` over the extensions module's names
            if ((table.qualify(name) if table else None) or name) in csrf_types:
                return True
            continue
        name = dotted(receiver) or ""
        if site.name.rsplit(".", 1)[0] in csrf_objects or name.rsplit(".", 1)[-1] in short_names:
            return True
        if _CSRF_WORD().search(name):
            return True
        if isinstance(receiver, ast.Name) and site.function is not None and receiver.id in site.function.local_names:
            return True
    return False


@project_fact
def protect_calls(project: Project) -> tuple[Location, ...]:
    """Where code outside tests runs Flask-WTF's check by hand (``csrf.protect()``, in a hook or a view): what a
    project with ``WTF_CSRF_CHECK_DEFAULT = False`` relies on."""
    extensions = csrf_setup(project).extensions
    found: list[Location] = []
    for site in calls_named(project, ("protect",)):
        if is_test_path(site.module.path):
            continue
        func = site.node.func
        owner = site.name.rsplit(".", 1)[0]
        if isinstance(func, ast.Attribute) and (owner in extensions or _CSRF_WORD().search(dotted(func.value) or "")):
            found.append(Location(site.module.path, site.node.lineno, site.node.col_offset + 1))
    # ``app.before_request(csrf.protect)``: the method itself registered as the hook
    for site in calls_named(project, ("before_request", "before_app_request")):
        if is_test_path(site.module.path):
            continue
        for arg in site.node.args:
            if isinstance(arg, ast.Attribute) and arg.attr == "protect":
                receiver = dotted(arg.value) or ""
                table = site.function.imports if site.function else project.module_imports.get(site.module.name)
                qualified = (table.qualify(receiver) if table else None) or f"{site.module.name}.{receiver}"
                if qualified in extensions or _CSRF_WORD().search(receiver):
                    found.append(Location(site.module.path, site.node.lineno, site.node.col_offset + 1))
    return tuple(found)


@project_fact
def csrf_home(project: Project) -> Location | None:
    """Where ``CSRFProtect(app)`` belongs: next to the call that binds the login extension to the app.

    ``LoginManager(app)`` or ``login_manager.init_app(app)`` is where the
    project wires its session login, so that is where the protection of the
    sessions it authenticates goes (also when the factory hangs the manager on
    the app first: ``app.login_manager = LoginManager()`` and
    ``app.login_manager.init_app(app)``); without one, the creation of the
    project's one application (``Flask(__name__)``). ``None`` when neither
    can be told.
    """
    for site in project.calls:
        if is_test_path(site.module.path) or not (site.node.args or site.node.keywords):
            continue
        name = site.name
        if name.endswith(".init_app"):
            owner_type = _extension_type(project, site, name[: -len(".init_app")])
            package = owner_type.split(".")[0] if owner_type else ""
        else:
            head, _, last = name.rpartition(".")
            package = head.split(".")[0] if last[:1].isupper() else ""  # the extension's class, not a function
        if package in SESSION_AUTH:
            return Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
    return app_creation(project)


def _extension_type(project: Project, site: CallSite, owner: str) -> str | None:
    """The type of the extension whose ``init_app`` ``site`` calls: a project object (``owner``, qualified), or an
    attribute of a Flask application the project builds it into (``app.login_manager = LoginManager()``, then
    ``app.login_manager.init_app(app)``)."""
    obj = project.objects.get(owner)
    if obj is not None:
        return obj.type
    func = site.node.func
    receiver = func.value if isinstance(func, ast.Attribute) else None
    if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
        holder = object_type(project, site.module.name, receiver.value.id, site.function)
        if is_flask_type(project, holder):
            return app_attribute_type(project, receiver.attr)
    return None


# ------------------------------------------------------------------ SameSite of the login cookies
#: The settings that give Flask's session cookie, Flask-Login's remember-me cookie and Flask-JWT-Extended's
#: token cookies their SameSite attribute (all three default to none: the browser sends them cross-site).
SAMESITE_KEYS = ("SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_SAMESITE", "JWT_COOKIE_SAMESITE")
#: The SameSite values that keep a cookie off cross-site POSTs.
_WITHHOLDING = ("lax", "strict")


@dataclass(frozen=True, eq=False)
class SameSiteSetting:
    """A SameSite setting as production runs with it."""

    key: str
    value: str | None  # ``"Lax"``; None when the value is not a string the code spells out
    location: Location
    fallback: bool = False  # the default of an environment read: what production gets when the variable is missing

    @property
    def withholds(self) -> bool:
        """``Lax`` or ``Strict``: browsers leave the cookie off cross-site POSTs."""
        return (self.value or "").lower() in _WITHHOLDING

    def describe(self) -> str:
        """``SESSION_COOKIE_SAMESITE='Lax'``, with the fallback said."""
        text = f"{self.key}={self.value!r}"
        return f"{text} (its default when the environment leaves it out)" if self.fallback else text


def _live_samesite(project: Project, key: str) -> SameSiteSetting | None:
    """``key`` in configuration production runs with (the last one wins), through the default of an
    environment read (``os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")``) as other settings are."""
    found = None
    for setting in settings(project, (key,)):
        if not live_in_production(project, setting):
            continue
        value, fallback = setting.value, False
        if not isinstance(value, ast.Constant):
            table = imports_at(project, setting.location.path, setting.location.line)
            default = settings_default(value, table, key)
            value, fallback = (default, True) if default is not None else (value, False)
        text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
        found = SameSiteSetting(key, text, setting.location, fallback)
    return found


def _remembers_logins(project: Project) -> bool:
    """Flask-Login's remember-me cookie may carry the login: ``login_user(user, remember=...)`` with anything
    but ``False``, or a login extension whose own sign-in form offers "remember me" (Flask-Security, Flask-User)."""
    for site in calls_named(project, ("login_user",)):
        if is_test_path(site.module.path):
            continue
        call = site.node
        remember = (
            call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "remember"), None)
        )
        if remember is not None and not (isinstance(remember, ast.Constant) and not remember.value):
            return True
    for module, records in project.imports.items():
        source = project.modules.get(module)
        if source is not None and is_test_path(source.path):
            continue
        if any(package_of(record.module) in ("flask_security", "flask_user") for record in records):
            return True
    return False


@project_fact
def request_only_login(project: Project) -> bool:
    """Flask-Login loads the user from each request (``login_manager.request_loader``) and never from the session.

    With no ``user_loader`` and no ``login_user(...)`` anywhere, the session
    cookie carries no login: the user is whoever the request's own credentials
    say (a bearer token, a client certificate, a Kerberos ticket, a header an
    authenticating proxy sets). A forged form carries only those the browser
    adds by itself.
    """
    loaders = False
    for module in project.modules.values():
        if is_test_path(module.path):
            continue
        if "user_loader" in module.text or "login_user(" in module.text:
            return False
        if "session[" in module.text and _session_keys_grant(module.tree):
            return False  # a login kept in the session by hand
        loaders = loaders or ".request_loader" in module.text
    return loaders


def samesite_defence(project: Project, fn: FunctionInfo) -> str | None:
    """The SameSite settings that keep every cookie carrying the view's authority off cross-site POSTs.

    ``SESSION_COOKIE_SAMESITE='Lax'`` for a session login; with Flask-Login's
    remember-me cookie in use, ``REMEMBER_COOKIE_SAMESITE`` must withhold it
    too (Flask-Login signs the user back in from it when the session cookie
    is missing); ``JWT_COOKIE_SAMESITE`` for Flask-JWT-Extended cookies; the
    ``samesite=`` of a login cookie the app sets by hand. None when any of
    them is unset (Flask's default), ``None`` or not spelled out: the browser
    sends that cookie with a forged cross-site form.
    """
    facts = csrf_setup(project)
    cookie = reads_auth_cookie(project, fn)
    if cookie is not None:
        call = auth_cookies(project)[cookie].call
        value = next((k.value for k in call.keywords if k.arg == "samesite"), None)
        text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else ""
        return f"samesite={text!r} on the `{cookie}` cookie" if text.lower() in _WITHHOLDING else None
    if jwt_authority(project, fn):
        keys = ["JWT_COOKIE_SAMESITE"]
    else:
        keys = ["SESSION_COOKIE_SAMESITE", *(["REMEMBER_COOKIE_SAMESITE"] if facts.remember_me else [])]
    found = [facts.samesite.get(key) for key in keys]
    if not all(s is not None and s.withholds for s in found):
        return None
    return " and ".join(s.describe() for s in found if s is not None)


# ------------------------------------------------------------------ hand-made CSRF checks
_CSRF_WORD = on_first_use(r"csrf|xsrf", re.IGNORECASE)
#: A call whose name says it checks a CSRF token: ``check_csrf()``, ``validate_csrf(token)``, also the other way
#: round (``csrf_check()``, ``xsrf_verify()``), not the extension's class (``CSRFProtect``).
_CSRF_CHECK_CALL = on_first_use(
    r"(check|validate|verify|require|ensure|protect|assert)_?(csrf|xsrf)"
    r"|(csrf|xsrf)_(check|validate|verify|protect|assert)",
    re.IGNORECASE,
)
_CONSTANT_TIME = ("compare_digest", "safe_str_cmp", "constant_time_compare")


def _local_values(fn: FunctionInfo) -> dict[str, str]:
    """``{name: source of the value}`` for plain local assignments (``sent = request.form.get("nonce")``)."""
    values: dict[str, list[str]] = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(ast.unparse(node.value))
    return {name: " ".join(texts) for name, texts in values.items()}


def _expanded(node: ast.AST, values: dict[str, str]) -> str:
    """The expression's source followed by what its local names were assigned (one level)."""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return " ".join([ast.unparse(node), *(values[n] for n in sorted(names) if n in values)])


_STORED_TOKEN = on_first_use(r"\bsession\b|cookies")
_SENT_TOKEN = on_first_use(r"\b(form|headers|values|args|get_json|json)\b")
_TOKEN_WORD = on_first_use(r"csrf|xsrf|nonce|token", re.IGNORECASE)


def _token_pair(sides: list[ast.expr], values: dict[str, str]) -> bool:
    """One side is the token the server stored (session, cookie), another the one the request sent."""
    texts = [_expanded(side, values) for side in sides]
    stored = [i for i, t in enumerate(texts) if _STORED_TOKEN().search(t)]
    sent = [i for i, t in enumerate(texts) if _SENT_TOKEN().search(t) and not _STORED_TOKEN().search(t)]
    return bool(stored and sent) and bool(_TOKEN_WORD().search(" ".join(texts)))


def _compares_token(fn: FunctionInfo) -> bool:
    """The function itself compares a CSRF token (``token != session["csrf_token"]``, ``compare_digest``).

    Local names are followed one step, so ``sent = request.form.get("_nonce")`` then
    ``sent != session.get("_nonce")`` counts, and so does a double-submit check
    ``compare_digest(request.cookies.get("xsrf"), request.headers.get("X-CSRF-Token"))``.
    """
    if not _CSRF_WORD().search(source_text(fn)) and not _TOKEN_WORD().search(source_text(fn)):
        return False
    values = _local_values(fn)
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Compare) and all(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
            if all(isinstance(c, ast.Constant) and c.value is None for c in node.comparators):
                continue
            if _CSRF_WORD().search(ast.unparse(node)):
                return True
            sides = [node.left, *node.comparators]
            if not any(isinstance(side, ast.Constant) for side in sides) and (
                _CSRF_WORD().search(_expanded(node, values)) or _token_pair(sides, values)
            ):
                return True
        elif isinstance(node, ast.Call):
            name = dotted(node.func) or ""
            last = name.rsplit(".", 1)[-1]
            if _CSRF_CHECK_CALL().search(last):
                return True
            if last in _CONSTANT_TIME and (
                _CSRF_WORD().search(_expanded(node, values)) or _token_pair(list(node.args), values)
            ):
                return True
    return False


#: Request headers a cross-site form cannot forge: where the request comes from (``Origin``, ``Referer``, the
#: browser's ``Sec-Fetch-Site``), and a custom header only same-origin scripts may add (``X-Requested-With``).
_ORIGIN_READ = on_first_use(
    r"\brequest\.(origin|referrer|is_xhr)\b"
    r"|['\"](http_)?(origin|referr?er|sec[-_]fetch[-_]site|x[-_]requested[-_]with)['\"]",
    re.IGNORECASE,
)
#: Reading them only to choose an answer (JSON for scripts, a page for browsers) is not a check.
_CUSTOM_HEADER = on_first_use(r"is_xhr|requested[-_]with", re.IGNORECASE)
_REJECTION = on_first_use(
    r"\babort\(|\b(Forbidden|BadRequest|Unauthorized|MethodNotAllowed)\b|\b(400|401|403|405|415|419)\b"
)


def _turns_away(body: list[ast.stmt]) -> bool:
    """The branch refuses the request: ``abort(403)``, ``raise Forbidden()``, ``return "...", 400``."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, (ast.Return, ast.Expr)) and node.value is not None:
                if _REJECTION().search(ast.unparse(node.value)):
                    return True
    return False


def _rejects_cross_site(fn: FunctionInfo) -> bool:
    """The function refuses requests whose ``Origin``/``Referer``/``Sec-Fetch-Site`` names another site, or that
    lack a custom header (``X-Requested-With``) a cross-site form cannot send.

    An ``if`` whose test compares one of those headers (``urlparse(request.referrer).netloc != request.host``,
    ``request.headers.get("Sec-Fetch-Site") not in ("same-origin", "none")``; a bare ``not request.is_xhr``
    suffices for the custom header) and whose branch aborts, raises or answers 4xx.  Testing only that the
    header is present (``if not request.referrer``) proves nothing: a forged form has one of its own.
    """
    text = source_text(fn)
    if not _ORIGIN_READ().search(text):
        return False
    values: dict[str, str] | None = None
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.If):
            continue
        values = _local_values(fn) if values is None else values
        test = _expanded(node.test, values)
        if not _ORIGIN_READ().search(test):
            continue
        compares = any(
            (
                (isinstance(part, ast.Compare) and not _presence_test(part))
                or (isinstance(part, ast.Call) and (dotted(part.func) or "").rsplit(".", 1)[-1] not in ("get", "bool"))
            )
            and _ORIGIN_READ().search(_expanded(part, values))
            for part in ast.walk(node.test)
        )
        if not compares and not _CUSTOM_HEADER().search(test):
            continue
        if _turns_away(node.body) or _turns_away(node.orelse):
            return True
    return False


def _presence_test(node: ast.Compare) -> bool:
    """``"Origin" not in request.headers``, ``request.referrer is None``: whether a header came, not from where."""
    if all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
        return any(isinstance(c, ast.Constant) and c.value is None for c in (node.left, *node.comparators))
    if all(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
        return isinstance(node.left, ast.Constant) and all(
            (dotted(c) or "").endswith(("headers", "environ")) for c in node.comparators
        )
    return False


#: A secret the deployment configures (``app.config["API_KEY"]``, ``settings.auth.apikey``,
#: ``os.environ["UPLOAD_TOKEN"]``, a constant ``API_KEY``) that the request must repeat; not a list of
#: allowed names (``SORT_KEYS``).
_CONFIGURED_NAME = on_first_use(r"\b([A-Z][A-Z0-9_]*_)?(API_?KEY|TOKEN|SECRET|PASSWORD)(_[A-Z0-9]+)*\b")
_CONFIG_READ = on_first_use(r"\b(config|settings|environ|getenv)\b", re.IGNORECASE)
_SECRET_WORD = on_first_use(r"api_?key|token|secret|passw", re.IGNORECASE)


def _configured_secret(text: str) -> bool:
    """The text reads a secret from the deployment's configuration (not from the request, not the session)."""
    if _SENT_TOKEN().search(text) or _STORED_TOKEN().search(text):
        return False
    return bool(_CONFIGURED_NAME().search(text)) or bool(_CONFIG_READ().search(text) and _SECRET_WORD().search(text))


def _compares_configured_secret(fn: FunctionInfo) -> bool:
    """An ``if`` tests what the request sent against a secret the deployment configured (an API key in a form
    field or header): ``if form.api_token.data != app.config["API_KEY"]: return ..., 401``. A page on another
    site cannot know the secret, so the forged request is refused whatever cookie rides along."""
    if not _SECRET_WORD().search(source_text(fn)):
        return False
    values: dict[str, str] | None = None
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.If):
            continue
        for test in ast.walk(node.test):
            if isinstance(test, ast.Compare) and all(isinstance(op, (ast.Eq, ast.NotEq)) for op in test.ops):
                sides: list[ast.expr] = [test.left, *test.comparators]
            elif isinstance(test, ast.Call) and (dotted(test.func) or "").rsplit(".", 1)[-1] in _CONSTANT_TIME:
                sides = list(test.args)
            else:
                continue
            if any(isinstance(side, ast.Constant) for side in sides):
                continue
            values = _local_values(fn) if values is None else values
            texts = [_expanded(side, values) for side in sides]
            secret = [i for i, t in enumerate(texts) if _configured_secret(t)]
            sent = [
                i
                for i, t in enumerate(texts)
                if i not in secret and _SENT_TOKEN().search(t) and not _STORED_TOKEN().search(t)
            ]
            if secret and sent:
                return True
    return False


#: A call that checks a secret only the user knows: their password (``user.check_password(pw)``,
#: ``check_password_hash(user.password, pw)``, ``bcrypt.checkpw``, ``verify_password``) or a one-time code
#: (``pyotp.TOTP(secret).verify(code)``, ``verify_totp``).
_SECRET_CHECK = on_first_use(r"^(check_?password(_hash)?|checkpw|verify_?password|verify_?(totp|otp|2fa|code)|verify)$")
#: Who the secret belongs to: the signed-in user, not someone the request names (a sign-in form's user).
_SIGNED_IN_USER = on_first_use(r"\bcurrent_user\b|\bg\.user\b|\bsession\b")


def _reauthenticates(fn: FunctionInfo) -> bool:
    """The function asks for the signed-in user's password or a one-time code and refuses the request without it.

    ``if not current_user.check_password(request.form["current_password"]): return ...``, or the change made
    only under ``if check_password_hash(current_user.password, request.form["password"]):`` -- OWASP's
    re-authentication defence: a page on another site does not know the secret, so its forged request is refused
    whatever cookie rides along. A sign-in form checks a password too, but of the user the request names: the
    attacker's own, which is why this counts only for the signed-in user's secret.
    """
    if not _SIGNED_IN_USER().search(source_text(fn)):
        return False
    values: dict[str, str] | None = None
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.If):
            continue
        for call in ast.walk(node.test):
            if not isinstance(call, ast.Call) or not isinstance(call.func, (ast.Attribute, ast.Name)):
                continue
            name = dotted(call.func) or (call.func.attr if isinstance(call.func, ast.Attribute) else "")
            if not _SECRET_CHECK().match(name.rsplit(".", 1)[-1]):
                continue
            values = _local_values(fn) if values is None else values
            owner = [call.func.value] if isinstance(call.func, ast.Attribute) else []
            sent = [
                a for a in (*call.args, *(k.value for k in call.keywords)) if _SENT_TOKEN().search(_expanded(a, values))
            ]
            whose = [a for a in (*owner, *call.args) if a not in sent]
            if sent and any(_SIGNED_IN_USER().search(_expanded(w, values)) for w in whose):
                return True
    return False


def _checks_by_hand(fn: FunctionInfo) -> bool:
    """A CSRF nonce compared, a cross-site request refused, a configured secret the request must repeat, or the
    signed-in user's password asked for again, in the function itself."""
    return _compares_token(fn) or _rejects_cross_site(fn) or _compares_configured_secret(fn) or _reauthenticates(fn)


#: A decorator whose name says it enforces CSRF (``@csrf_protect``, ``@xsrf.protected``, ``@check_csrf``)
#: rather than lifting it (``@csrf.exempt``, ``@no_csrf``, ``@csrf_disabled``).
_CSRF_LIFTED = on_first_use(r"exempt|skip|ignore|disable|no_?(csrf|xsrf)|without", re.IGNORECASE)


def _decorator_checks(project: Project, fn: FunctionInfo) -> bool:
    """One of the view's decorators enforces CSRF: a library's (``@xsrf.protect``) or the project's own, whose
    wrapper compares a nonce or refuses cross-site requests (its name says nothing then)."""
    for deco in fn.decorators:
        last = deco.rsplit(".", 1)[-1]
        tail = ".".join(deco.split(".")[-2:])
        if _CSRF_WORD().search(tail) and not _CSRF_LIFTED().search(tail) and last not in ("route", "get", "post"):
            return True
        wrapper = project.functions.get(deco) or project.resolve_function(deco, fn, fn.module)
        if wrapper is None or wrapper is fn or "view" in wrapper.roles:
            continue
        if _checks_by_hand(wrapper) or _runs_view_after_form(project, wrapper):
            return True
    return False


def _runs_view_after_form(project: Project, wrapper: FunctionInfo) -> bool:
    """A decorator that runs the view it wraps only once a Flask-WTF form validates (a confirmation step:
    ``if form.validate_on_submit(): return function(*args, **kwargs)``, else the confirmation page): the
    view's body runs only on a submitted POST whose CSRF token checked out."""
    wrapped = {
        arg.arg
        for node in ast.walk(wrapper.node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for arg in node.args.args
    }
    for node in ast.walk(wrapper.node):
        if not isinstance(node, ast.If):
            continue
        if not any(
            isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "validate_on_submit"
            for c in ast.walk(node.test)
        ):
            continue
        runs_view = any(
            isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id in wrapped
            for stmt in node.body
            for c in ast.walk(stmt)
        )
        if not runs_view:
            continue
        forms = [form for form, method in _validated_forms(wrapper) if method == "validate_on_submit"]
        if all(form is None or form_checks_token(project, wrapper, form) is not False for form in forms):
            return True
    return False


_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})


def _class_checks(project: Project, fn: FunctionInfo) -> bool:
    """A class-based view whose class does the check for every method: a method of its class or of a project
    base (``dispatch_request``, or a ``_check_csrf`` it calls) compares a nonce or refuses cross-site requests,
    or its ``decorators``/``method_decorators`` list names a CSRF decorator."""
    cls = own_class(fn)
    if cls is None:
        return False
    for current in class_lineage(project, cls):
        info = project.classes.get(current)
        if info is None:
            continue
        for name, method in info.methods.items():
            if method is not fn and name.lower() not in _HTTP_METHODS and _checks_by_hand(method):
                return True
        for stmt in info.node.body:
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in ("decorators", "method_decorators") for t in stmt.targets
            ):
                text = ast.unparse(stmt.value)
                if _CSRF_WORD().search(text) and not _CSRF_LIFTED().search(text):
                    return True
    return False


def checks_csrf_token(project: Project, fn: FunctionInfo) -> bool:
    """Does the function check a CSRF token by hand, itself, in a project function it calls, or in a decorator?

    Applications without Flask-WTF often keep a nonce in the session and
    compare it with a form field or an ``X-CSRF-Token`` header; that is CSRF
    protection, and a view (or hook) that does it is protected.  So is
    refusing a request whose ``Origin`` or ``Referer`` names another site
    (OWASP's "verifying origin with standard headers"), whose
    ``Sec-Fetch-Site`` says ``cross-site`` (Fetch Metadata), or that lacks a
    custom header such as ``X-Requested-With`` (a cross-site form cannot add
    one, and a cross-site ``fetch()`` that does is preflighted).
    """
    if _checks_by_hand(fn) or _decorator_checks(project, fn) or _class_checks(project, fn):
        return True
    values: dict[str, str] | None = None
    for name, call in fn.calls:
        callee = project.resolve_function(name, fn, fn.module)
        if callee is None or callee is fn:
            continue
        if _checks_by_hand(callee):
            return True
        compared = _params_compared_with_stored_token(callee)
        if compared:
            values = _local_values(fn) if values is None else values
            if _hands_sent_token(callee, call, compared, values):
                return True  # ``token_ok(request.form.get("nonce"))`` with ``sent == session["nonce"]`` in the helper
    return False


def _params_compared_with_stored_token(fn: FunctionInfo) -> set[str]:
    """The parameters the function compares with a token the server stored (``sent == session.get("nonce")``,
    ``compare_digest(sent, session["csrf"])``): the caller decides what was sent."""
    args = fn.node.args
    params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    text = source_text(fn)
    if not params or not (_CSRF_WORD().search(text) or _TOKEN_WORD().search(text)):
        return set()
    values = _local_values(fn)
    found: set[str] = set()
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Compare) and all(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
            sides = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] in _CONSTANT_TIME:
            sides = list(node.args)
        else:
            continue
        texts = [_expanded(side, values) for side in sides]
        if not any(_STORED_TOKEN().search(t) for t in texts) or not _TOKEN_WORD().search(" ".join(texts)):
            continue
        for side, side_text in zip(sides, texts, strict=True):
            if not _STORED_TOKEN().search(side_text):  # ``sent``, ``sent or ""``: what the caller handed in
                found.update(n.id for n in ast.walk(side) if isinstance(n, ast.Name) and n.id in params)
    return found


def _hands_sent_token(callee: FunctionInfo, call: ast.Call, params: set[str], values: dict[str, str]) -> bool:
    """The call passes what the request sent (a form field, a header) for one of ``params``."""
    positional = [a.arg for a in [*callee.node.args.posonlyargs, *callee.node.args.args]]
    if positional and positional[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    handed = [(positional[i], arg) for i, arg in enumerate(call.args) if i < len(positional)]
    handed += [(k.arg, k.value) for k in call.keywords if k.arg]
    for param, arg in handed:
        text = _expanded(arg, values)
        if param in params and _SENT_TOKEN().search(text) and not _STORED_TOKEN().search(text):
            return True
    return False


def _hook_checks(project: Project) -> tuple[frozenset[str], Location | None]:
    """Owners whose ``before_request``/``before_app_request`` hook checks a CSRF token ("*" = app-wide)."""
    owners: set[str] = set()
    first: Location | None = None
    for hook in project.functions.values():
        if not ({"before_request", "before_app_request"} & hook.roles) or is_test_path(hook.module.path):
            continue
        if not checks_csrf_token(project, hook):
            continue
        first = first or hook.location
        owners |= _hook_owners(project, hook)
    return frozenset(owners), first


def _hook_owners(project: Project, hook: FunctionInfo) -> set[str]:
    """The blueprints a request hook guards, or "*" for the whole app (an app hook, a blueprint's
    ``before_app_request``, or a hook registered by a call such as ``app.before_request(check)``)."""
    owners: set[str] = set()
    for deco in hook.decorators:
        owner, _, attr = deco.rpartition(".")
        obj = project.objects.get(owner)
        if attr == "before_request" and obj is not None and project.is_subtype(obj.type, BLUEPRINT_TYPES):
            owners.add(owner)
        elif attr in ("before_request", "before_app_request"):
            owners.add("*")
    if not hook.decorators:
        owners.add("*")
    return owners


def hook_checks_view(project: Project, fn: FunctionInfo) -> bool:
    """A ``before_request`` hook of the app (or of the view's blueprint) checks a CSRF token by hand."""
    owners = csrf_setup(project).checked_by_hooks
    return "*" in owners or any(route.owner in owners for route in fn.routes)


def exempt_reason(fn: FunctionInfo) -> str | None:
    """The comment that explains a ``@csrf.exempt`` (on its line or the line above), if any.

    ``@csrf.exempt  # the bookmarklet posts from other sites`` is a decision
    someone wrote down, not an oversight.
    """
    lines = fn.module.lines
    start = min([d.lineno for d in fn.node.decorator_list] or [fn.node.lineno])
    for number in range(max(1, start - 1), fn.node.lineno + 1):
        line = lines[number - 1] if number - 1 < len(lines) else ""
        code, hash_, comment = line.partition("#")
        comment = comment.strip()
        if not hash_ or len(comment.split()) < 3:
            continue
        if "exempt" in code or "exempt" in comment.lower() or _CSRF_WORD().search(comment):
            return comment
    return None


# ------------------------------------------------------------------ hand-made auth cookies
_AUTH_COOKIE_NAME = on_first_use(r"sess|auth|token|login|sid$|remember|user|jwt", re.IGNORECASE)
_LOGIN_FUNCTION = on_first_use(r"log_?in|sign_?in|auth", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class AuthCookie:
    """A cookie the application sets by hand to say who the user is, and reads back to let them in."""

    name: str
    set_at: Location
    call: ast.Call
    read_at: Location
    #: the call that hands name and value to the helper holding ``set_cookie`` (``withheaders(r, cookies={...})``)
    passed_at: Location | None = None


@project_fact
def auth_cookies(project: Project) -> dict[str, AuthCookie]:
    """Cookies set with ``response.set_cookie(NAME, token)`` that views read back to authenticate the user.

    A cookie counts when its value is a random token made in the same
    function (``secrets.token_urlsafe()``, ``uuid4()``: a session id, not a
    preference or a protocol nonce), it is set in a login-like function or
    has a session/token-like name, and some function of the project reads
    ``request.cookies`` for the same name.  Also a cookie a view hands to a
    project helper as a dict (``withheaders(response, cookies={"oauth_access_token":
    token})``) that sets each of its items (``for key, value in cookies.items():
    response.set_cookie(key, value)``): the name and value are the caller's.
    """
    reads: dict[str, Location] = {}
    #: name, the ``set_cookie`` call and where it is, the function that sets it, where a caller hands it over
    sets: list[tuple[str, ast.Call, Location, FunctionInfo | None, Location | None]] = []
    for site in calls_named(project, ("set_cookie",)):
        call = site.node
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "set_cookie"
            and call.args
            and not is_test_path(site.module.path)
        ):
            first = call.args[0]
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and site.function is not None
                and _random_token(project, site.function, call)
            ):
                sets.append(
                    (
                        first.value,
                        call,
                        Location(site.module.path, call.lineno, call.col_offset + 1),
                        site.function,
                        None,
                    )
                )
            elif site.function is not None:
                for name, value, caller, handed in _cookies_handed_over(project, site.function, call):
                    if _made_randomly(project, caller, value):
                        location = Location(site.module.path, call.lineno, call.col_offset + 1)
                        handed_at = Location(caller.module.path, handed.lineno, handed.col_offset + 1)
                        sets.append((name, call, location, caller, handed_at))
    if not sets:
        return {}  # the cookie reads matter only for a cookie set here: the ``.get`` calls are not looked at
    for site in calls_named(project, ("get",)):
        call = site.node
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and call.args
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "cookies"
            and not is_test_path(site.module.path)
        ):
            key = call.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                reads.setdefault(key.value, Location(site.module.path, call.lineno, call.col_offset + 1))
    for module in project.modules.values():
        if "cookies[" not in module.text or is_test_path(module.path):
            continue
        for node in walk(module.tree):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "cookies"
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)
            ):
                reads.setdefault(node.slice.value, Location(module.path, node.lineno, node.col_offset + 1))
    found: dict[str, AuthCookie] = {}
    for name, call, location, fn, handed_at in sets:
        if name not in reads or name in found:
            continue
        in_login = fn is not None and (
            bool(_LOGIN_FUNCTION().search(fn.name)) or any(_LOGIN_FUNCTION().search(r.rule or "") for r in fn.routes)
        )
        if in_login or _AUTH_COOKIE_NAME().search(name):
            found[name] = AuthCookie(name, location, call, reads[name], handed_at)
    return found


def _dict_parameter(node: ast.expr) -> str | None:
    """The name ``cookies`` of ``cookies`` or ``(cookies or {})``."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        node = node.values[0]
    return node.id if isinstance(node, ast.Name) else None


def _cookies_handed_over(
    project: Project, helper: FunctionInfo, call: ast.Call
) -> list[tuple[str, ast.expr, FunctionInfo, ast.Call]]:
    """``set_cookie(key, value)`` in a helper that loops over a dict parameter (``for key, value in
    cookies.items()``): each ``"name": value`` a caller passes in a dict literal for that parameter, with the
    caller and its call."""
    if len(call.args) < 2 or not all(isinstance(a, ast.Name) for a in call.args[:2]):
        return []
    key, value = call.args[0].id, call.args[1].id  # type: ignore[attr-defined]
    params = [a.arg for a in helper.node.args.posonlyargs + helper.node.args.args]
    param = None
    for node in ast.walk(helper.node):
        if (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Tuple)
            and [getattr(e, "id", None) for e in node.target.elts] == [key, value]
            and isinstance(node.iter, ast.Call)
            and isinstance(node.iter.func, ast.Attribute)
            and node.iter.func.attr == "items"
            and (name := _dict_parameter(node.iter.func.value)) in params
            and any(inner is call for inner in ast.walk(node))
        ):
            param = name
    if param is None:
        return []
    from flask_doctor.static.facts.flows import callers

    index = params.index(param) - (1 if helper.class_name and params[:1] == ["self"] else 0)
    found: list[tuple[str, ast.expr, FunctionInfo, ast.Call]] = []
    for handed, caller in callers(project).get(helper.qualname, []):
        if is_test_path(caller.module.path):
            continue
        given = next((k.value for k in handed.keywords if k.arg == param), None)
        if given is None and 0 <= index < len(handed.args):
            given = handed.args[index]
        if isinstance(given, ast.Dict):
            for k, v in zip(given.keys, given.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    found.append((k.value, v, caller, handed))
    return found


#: Values only the server can make: random session ids, and tokens it signs (a JWT, an itsdangerous token,
#: Tornado's ``create_signed_value``).
_RANDOM_TOKEN = on_first_use(
    r"token_urlsafe|token_hex|token_bytes|uuid4|urandom|randbits|getrandbits"
    r"|jwt\.encode|create_(access|refresh)_token|(encode|generate)_auth_token|create_signed_value"
    # the bearer token an OAuth provider issues (``oauth.fetch_token(...)["access_token"]``)
    r"|\[[\"']access_token[\"']\]"
)


def _random_token(project: Project, fn: FunctionInfo, call: ast.Call) -> bool:
    """The cookie's value is a random token made in the function (directly or through a local), or returned by a
    project function it calls for it (``resp.set_cookie("auth_token", new_token(user))`` with ``new_token``
    returning ``secrets.token_urlsafe()``)."""
    value = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "value"), None)
    if value is None:
        return False
    if _made_randomly(project, fn, value):
        return True
    for inner in ast.walk(value):
        if not isinstance(inner, ast.Call):
            continue
        helper = project.resolve_function(dotted(inner.func) or "", fn, fn.module)
        if helper is None or helper is fn:
            continue
        returned = [n.value for n in ast.walk(helper.node) if isinstance(n, ast.Return) and n.value is not None]
        if returned and all(_made_randomly(project, helper, r) for r in returned):
            return True
    return False


def _made_randomly(project: Project, fn: FunctionInfo, value: ast.expr) -> bool:
    """``value`` is (or is built from a local holding) a random or server-signed token made in ``fn``."""
    if _RANDOM_TOKEN().search(ast.unparse(value)):
        return True
    names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    return any(
        target in names and _RANDOM_TOKEN().search(ast.unparse(expr)) for target, expr in assignments(project, fn)
    )


def reads_auth_cookie(project: Project, fn: FunctionInfo) -> str | None:
    """The hand-made auth cookie the function reads (``request.cookies.get("session_wikmd")``), if any."""
    cookies = auth_cookies(project)
    if not cookies:
        return None
    text = source_text(fn)
    for name in cookies:
        if (
            f"cookies.get('{name}'" in text
            or f'cookies.get("{name}"' in text
            or f"cookies['{name}']" in text
            or f'cookies["{name}"]' in text
        ):
            return name
    return None


# ------------------------------------------------------------------ what the secret key protects
#: Extensions whose tokens or cookies the secret key signs (a known key forges them).
_KEY_SIGNED = (
    *SESSION_AUTH,
    "flask_jwt_extended",
    "flask_jwt",
    "itsdangerous",
    "flask_dance",
    "flask_openid",
    "authlib",
    "flask_oauthlib",
    "flask_session",
    "flask_praetorian",
    "flask_wtf",
)
_IDENTITY_KEY = on_first_use(
    r"user|uid|login|auth|admin|role|account|mail|token|logged|perm|group|owner|name|ident|sub$|staff|member"
    r"|pass|secret|key|csrf|otp|verified|level|tenant|org|cred|profile|sid|access|^id$",
    re.IGNORECASE,
)


@project_fact
def session_grants_authority(project: Project) -> bool:
    """Does anything the secret key signs say who the user is or what they may do?

    False only on visible evidence: the project serves views and uses the
    session (``flash()``, ``session[...]``) only with constant keys that name
    no identity (a client id for a log tail, flashed messages, a theme), and
    imports no login or token extension that signs with the key (Flask-WTF
    signs nothing when production switches its CSRF tokens off). Then a
    forged session cookie grants nothing. Flask-Login registered only with
    request loaders (no ``user_loader``: each request authenticates itself
    from a header, a client certificate or ``REMOTE_USER``) never reads the
    user from the session; with it, a project that uses the session no
    further (or only with such keys) signs nothing that matters either.
    Without that evidence (no visible use of the session), assume it does.
    """
    granted = _session_authority(project)
    return True if granted is None else granted


@project_fact
def secret_key_signs_anything(project: Project) -> bool:
    """Does a known ``SECRET_KEY`` let anyone forge something that matters?

    :func:`session_grants_authority`, except that a project that serves views
    and never touches the session signs nothing with the key either (Flask
    signs only the session cookie with it, and no extension that signs with
    it is imported); and in every case the project's own code reading the
    key to sign something (``jwt.encode(claims, app.config["SECRET_KEY"])``)
    makes it matter. A project without views (an extension, a library) is
    assumed to hand the key to its users' sessions.
    """
    if code_reads_secret_key(project):
        return True
    granted = _session_authority(project)
    if granted is not None:
        return granted
    return not any(True for _ in project.views())


def _session_authority(project: Project) -> bool | None:
    """What the session shows of its authority: True, False, or None when nothing in the project uses it."""
    uses_session = False
    per_request_login = False
    for module, records in project.imports.items():
        source = project.modules.get(module)
        if source is None or is_test_path(source.path):
            continue
        for record in records:
            if package_of(record.module) == "flask_login" and login_from_requests_only(project):
                per_request_login = True
                continue
            if package_of(record.module) == "flask_wtf" and _csrf_tokens_off(project):
                continue  # Flask-WTF signs only its CSRF tokens with the key, and production makes none
            if package_of(record.module) in _KEY_SIGNED:
                return True
            if record.module == "flask" and not record.names and "flask.session" in source.text:
                return True  # ``import flask`` ... ``flask.session[...]``: not followed, assume it matters
            if record.module == "flask" and ("session" in record.names or "flash" in record.names):
                uses_session = True
                if "session" in record.names and _session_keys_grant(source.tree):
                    return True
    if _identity_session_key_setting(project):
        return True
    if per_request_login:
        return False  # the login comes with each request, and the session holds no identity
    if not uses_session:
        return None
    return not any(True for _ in project.views())  # only harmless keys in the session of an app with views


#: Names under which code reads the app's signing key (``app.secret_key``, ``config["SECRET_KEY"]``).
_SECRET_KEY_NAMES = frozenset({"SECRET_KEY", "secret_key"})


def _names_secret_key(node: ast.AST) -> bool:
    """``SECRET_KEY`` (a module constant), ``x.secret_key``/``x.SECRET_KEY`` or ``config["SECRET_KEY"]``."""
    if isinstance(node, ast.Name):
        return node.id in _SECRET_KEY_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in _SECRET_KEY_NAMES
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value in _SECRET_KEY_NAMES
    return False


@project_fact
def code_reads_secret_key(project: Project) -> bool:
    """Does the project's own code read the signing key for a use of its own?

    ``jwt.encode(claims, app.config["SECRET_KEY"])``, ``Serializer(current_app.secret_key)``,
    ``hmac.new(SECRET_KEY.encode(), ...)``, ``key = app.config["SECRET_KEY"]``, ``return app.secret_key``: the
    key is handed to code that may sign with it, whatever the session holds. Setting it (whatever expression
    ``app.config["SECRET_KEY"] = ...``, ``config.update(SECRET_KEY=...)`` or ``self.secret_key = ...`` is given,
    defaults included) and testing it (``if not app.secret_key:``, ``len(SECRET_KEY) < 16``) use nothing, and
    ``os.environ.get("SECRET_KEY")`` reads the environment, not the key.
    """
    for module in project.modules.values():
        if is_test_path(module.path) or ("SECRET_KEY" not in module.text and "secret_key" not in module.text):
            continue
        setting: set[int] = set()
        handed: list[ast.AST] = []
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if all(_names_secret_key(target) for target in targets):
                    setting.update(map(id, ast.walk(node.value)))
                else:
                    handed.append(node.value)
            elif isinstance(node, ast.keyword) and node.arg in _SECRET_KEY_NAMES:
                setting.update(map(id, ast.walk(node.value)))
            elif isinstance(node, ast.Return) and node.value is not None:
                handed.append(node.value)
            elif isinstance(node, ast.Call):
                if isinstance(node.func, ast.Attribute):
                    handed.append(node.func.value)  # ``SECRET_KEY.encode()``
                if not (isinstance(node.func, ast.Name) and node.func.id in _KEY_TESTS):
                    handed.extend(node.args)
                    handed.extend(keyword.value for keyword in node.keywords)
        if any(id(value) not in setting and _reads_secret_key(value) for value in handed):
            return True
    return False


#: Calls that look at the key without using it (``len(SECRET_KEY) < 16``).
_KEY_TESTS = frozenset({"len", "bool", "isinstance", "print"})


def _reads_secret_key(node: ast.AST) -> bool:
    """The key itself, read: ``app.secret_key``, ``SECRET_KEY``, ``config["SECRET_KEY"]``, ``config.get("SECRET_KEY")``
    (not the environment's variable of that name)."""
    if isinstance(getattr(node, "ctx", None), ast.Load) and _names_secret_key(node):
        return not (isinstance(node, ast.Subscript) and (dotted(node.value) or "").endswith("environ"))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        key = node.args[0]
        environ = (dotted(node.func.value) or "").endswith("environ")
        return isinstance(key, ast.Constant) and key.value in _SECRET_KEY_NAMES and not environ
    return False


def _csrf_tokens_off(project: Project) -> bool:
    """Production configuration sets ``WTF_CSRF_ENABLED = False`` and nothing it runs switches it back on:
    Flask-WTF then makes and checks no token, the only thing it signs with the secret key."""
    seen = False
    for setting in settings(project, ("WTF_CSRF_ENABLED",)):
        if not live_in_production(project, setting):
            continue
        if not false_constant(setting.value):
            return False
        seen = True
    return seen


_LOGIN_LOADERS = frozenset({"user_loader", "request_loader", "header_loader"})


@project_fact
def login_from_requests_only(project: Project) -> bool:
    """Flask-Login learns the user only from each request: the project registers ``request_loader`` (or the
    old ``header_loader``) callbacks and never a ``user_loader``, so a user id in the session is never loaded
    (nor a remember-me cookie)."""
    seen: set[str] = set()
    for module in project.modules.values():
        if is_test_path(module.path) or not any(name in module.text for name in _LOGIN_LOADERS):
            continue
        for node in walk(module.tree):
            if isinstance(node, ast.Attribute) and node.attr in _LOGIN_LOADERS:
                seen.add(node.attr)
    return "user_loader" not in seen and bool(seen)


def _identity_session_key_setting(project: Project) -> bool:
    """A setting names the session key that holds the user: ``USER_IDENTITY_SESSION_KEY = "userIdentity"``.

    A framework keeps the logged-in user under a configurable session key;
    the code that stores it (the sites built on the framework) indexes the
    session with the setting, not with a constant this module can read.
    """
    for setting in (*project.config, *attribute_settings(project)):
        if not setting.key.endswith("SESSION_KEY"):
            continue
        value = setting.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "get"
            and len(value.args) == 2
        ):
            value = value.args[1]  # ``settings.get("USER_SESSION_KEY", "user_id")``: its default
        text = literal_secret(value)
        if text is not None and _IDENTITY_KEY().search(text):
            return True
    return False


def _session_keys_grant(tree: ast.AST) -> bool:
    """Does this module use ``session`` with a non-constant key or one that names an identity?"""
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "session":
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "session"
        ):
            if node.func.attr in ("get", "pop", "setdefault") and node.args:
                key = node.args[0]
            elif node.func.attr in ("update", "__setitem__"):
                return True
            else:
                continue
        else:
            continue
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or _IDENTITY_KEY().search(key.value):
            return True
    return False


def _session_auth(project: Project) -> bool:
    """Application code imports a session-based login extension, or ``flask.session``."""
    for module, records in project.imports.items():
        source = project.modules.get(module)
        if source is not None and is_test_path(source.path):
            continue
        for record in records:
            if package_of(record.module) in SESSION_AUTH or (record.module == "flask" and "session" in record.names):
                return True
            if record.module == "flask" and not record.names and source is not None and "flask.session" in source.text:
                return True  # ``import flask`` ... ``flask.session["user"] = ...``
    return False


def csrf_exempt(project: Project, fn: FunctionInfo) -> bool:
    """Is the view exempt from the project's CSRF check (``@csrf.exempt``, ``csrf.exempt(view)``, its blueprint)?"""
    facts = csrf_setup(project)
    for deco in fn.decorators:
        if deco.endswith(".exempt") and ("csrf" in deco.lower() or deco.rsplit(".", 1)[0] in facts.extensions):
            return True
    if fn.qualname in facts.exempt:
        return True
    if (
        fn.parent is None
        and fn.class_name is None
        and fn.name in facts.exempt
        and fn.qualname.rsplit(".", 1)[0] in {e.rsplit(".", 1)[0] for e in facts.exempt if "." in e}
    ):
        return True
    return any(route.owner in facts.exempt_blueprints for route in fn.routes)


_AUTH_DECORATOR = on_first_use(
    r"login_required|auth_required|roles?_(required|accepted)|permission|requires?_(auth|login|admin|role|user)"
    r"|admin_required|jwt_required|token_required|(^|[._])auth\.|has_access|protect"
    r"|logged_?in|admin_only|staff_(only|required)|user_required|session_required|needs?_(login|auth)"
    r"|check_?(login|auth|admin)|login_check",
    re.IGNORECASE,
)
#: ``if "user_id" not in session:``, ``return "uid" in session`` (not ``for s in sessions``).
_IN_SESSION = (" in session:", " in session)", " in session\n", " in session and ", " in session or ")
#: Words of a view that acts as the logged-in user: a login's own names, and the session (see ``_SESSION_WORDS``).
_LOGIN_WORDS = ("current_user", "login_user", "logout_user", "g.user", "authenticated")
#: The session as evidence of a login: only when the session holds an identity (:func:`session_grants_authority`).
_SESSION_WORDS = ("session[", "session.get", "session.pop", *_IN_SESSION)
_USER_WORDS = (*_LOGIN_WORDS, *_SESSION_WORDS)


_TOKEN_DECORATOR = on_first_use(
    r"token_required|token_auth|api_?key|bearer|auth_token|require_token|require_oauth", re.IGNORECASE
)
#: Objects whose decorator authenticates by a bearer token header: Flask-HTTPAuth's token scheme, and the OAuth 2
#: resource protectors of Authlib and Flask-OAuthlib (``@require_oauth("profile")``).
_TOKEN_AUTH_TYPES = (
    "flask_httpauth.HTTPTokenAuth",
    "authlib.integrations.flask_oauth2.ResourceProtector",
    "flask_oauthlib.provider.OAuth2Provider",
)
_SESSION_WORDS = ("current_user", "login_user", "session[", "session.get", "session.pop", *_IN_SESSION)
#: ``g.current_user``: an attribute the project's own decorator fills, not Flask-Login's ``current_user``; and
#: ``token_auth.current_user()``: Flask-HTTPAuth's user of this request (Flask-Login's proxy is never called).
_OWN_USER_ATTRIBUTE = on_first_use(r"\b(?:g|self)\.current_user\b|\b\w+\.current_user\(")


def _reads_session(text: str) -> bool:
    """Does the code name the login the session cookie carries (``session[...]``, ``current_user``)?"""
    return any(word in _OWN_USER_ATTRIBUTE().sub("", text) for word in _SESSION_WORDS)


#: Methods a cross-site form cannot send with side effects a decorator would let through.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _safe_method_test(node: ast.expr) -> bool:
    """``request.method == "GET"`` or ``request.method in ("GET", "HEAD")``: true only for reading requests."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return False
    sides = [node.left, node.comparators[0]]
    if not any((dotted(side) or "").endswith("request.method") for side in sides):
        return False
    other = sides[1] if (dotted(sides[0]) or "").endswith("request.method") else sides[0]
    if isinstance(node.ops[0], ast.Eq):
        return isinstance(other, ast.Constant) and other.value in _SAFE_METHODS
    if isinstance(node.ops[0], ast.In) and isinstance(other, (ast.Tuple, ast.List, ast.Set)):
        return bool(other.elts) and all(isinstance(e, ast.Constant) and e.value in _SAFE_METHODS for e in other.elts)
    return False


def _session_reads(fn: FunctionInfo) -> list[ast.AST]:
    """Where the function reads the session or Flask-Login's ``current_user`` (writes and ``pop`` excluded)."""
    parents = {child: node for node in ast.walk(fn.node) for child in ast.iter_child_nodes(node)}
    reads: list[ast.AST] = []
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Name) and node.id == "current_user":
            reads.append(node)
            continue
        if not (isinstance(node, ast.Name) and node.id == "session") and not (
            isinstance(node, ast.Attribute) and node.attr == "session" and dotted(node) == "flask.session"
        ):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, (ast.Store, ast.Del)):
            continue  # ``session["user_id"] = user.id``: remembered for later requests, not read on this one
        if isinstance(parent, ast.Attribute) and parent.attr in ("pop", "clear", "update", "setdefault"):
            continue
        reads.append(node)
    return reads


def _only_on_safe_methods(fn: FunctionInfo, node: ast.AST) -> bool:
    """Is ``node`` reached only when the request is a GET (inside ``if request.method == "GET" ...:``)?"""
    parents = {child: parent for parent in ast.walk(fn.node) for child in ast.iter_child_nodes(parent)}
    child, parent = node, parents.get(node)
    while parent is not None and parent is not fn.node:
        if isinstance(parent, ast.If) and any(child is stmt for stmt in parent.body):
            tests = parent.test.values if isinstance(parent.test, ast.BoolOp) else [parent.test]
            if (not isinstance(parent.test, ast.BoolOp) or isinstance(parent.test.op, ast.And)) and any(
                _safe_method_test(t) for t in tests
            ):
                return True
        if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.And):
            # ``request.method == "GET" and "user_id" in session``: the read runs only after the GET test
            index = next(i for i, value in enumerate(parent.values) if value is child)
            if any(_safe_method_test(value) for value in parent.values[:index]):
                return True
        child, parent = parent, parents.get(parent)
    return False


def _session_signs_in_writes(fn: FunctionInfo) -> bool:
    """Does the session (or ``current_user``) sign the user in on a request that can change something?

    A decorator that takes the session only for page views (``if request.method == "GET" and "user_id"
    in session:``) and asks every other request for a bearer token lets no forged form through.
    """
    if not _reads_session(source_text(fn)):
        return False
    return any(not _only_on_safe_methods(fn, read) for read in _session_reads(fn))


def token_authenticated(project: Project, fn: FunctionInfo) -> bool:
    """The view authenticates with a token header (``@token_required``, Flask-HTTPAuth ``HTTPTokenAuth``).

    Browsers never add an ``Authorization: Bearer`` header to a cross-site
    form, so such a view cannot be forged -- unless it also reads the session.
    """
    for deco in [*fn.decorators, *_class_decorators(project, fn)]:
        owner = deco.rpartition(".")[0]
        # ``@auth.login_required`` names a method of the object; ``@require_oauth("scope")`` calls the object itself
        objects = [project.objects.get(name) for name in (owner, deco) if name]
        if (
            _TOKEN_DECORATOR().search(deco)
            or any(obj is not None and obj.type.startswith(_TOKEN_AUTH_TYPES) for obj in objects)
            or _header_token_decorator(project, fn, deco)
        ):
            return not _reads_session(source_text(fn))
    if _token_only_auth_required(fn) or _token_auth_argument(project, fn):
        return not _reads_session(source_text(fn))
    if any("jwt_required" in deco for deco in fn.decorators) and not csrf_setup(project).jwt_cookies:
        # Flask-JWT-Extended with its tokens in headers (or in cookies with its own CSRF check); its
        # ``current_user`` is the token's user, not Flask-Login's
        text = source_text(fn)
        if (fn.imports.qualify("current_user") or "").startswith("flask_jwt_extended"):
            text = re.sub(r"\bcurrent_user\b", "", text)
        return not _reads_session(text)
    owners = token_hooks(project)
    if owners and any(route.owner in owners for route in fn.routes):
        return not _reads_session(source_text(fn))
    if _reads_token_header(source_text(fn)) and _TURN_AWAY_AUTH().search(source_text(fn)):
        return not _reads_session(source_text(fn))  # the view refuses a request without its API key itself
    return False


def _class_decorators(project: Project, fn: FunctionInfo) -> list[str]:
    """The names a class-based view's ``decorators``/``method_decorators`` apply to this method
    (Flask's ``MethodView``, Flask-RESTful's ``Resource``), qualified through the class module's imports."""
    cls = own_class(fn)
    if cls is None:
        return []
    found: list[str] = []
    for current in class_lineage(project, cls):
        info = project.classes.get(current)
        if info is None:
            continue
        table = project.module_imports.get(info.module.name)
        for stmt in info.node.body:
            if not (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id in ("decorators", "method_decorators") for t in stmt.targets)
            ):
                continue
            value = stmt.value
            if isinstance(value, ast.Dict):
                # ``method_decorators = {"post": [token_required]}``: only this method's list
                value = next(
                    (v for k, v in zip(value.keys, value.values) if isinstance(k, ast.Constant) and k.value == fn.name),
                    ast.List(elts=[]),
                )
            if not isinstance(value, (ast.List, ast.Tuple)):
                continue
            for item in value.elts:
                name = dotted(item.func if isinstance(item, ast.Call) else item)
                if name:
                    found.append((table.qualify(name) if table is not None else None) or f"{info.module.name}.{name}")
    return found


def _token_auth_argument(project: Project, fn: FunctionInfo) -> bool:
    """A decorator given a token scheme object: APIFairy's ``@authenticate(token_auth)`` with ``HTTPTokenAuth``."""
    for deco in fn.node.decorator_list:
        if not isinstance(deco, ast.Call) or len(deco.args) != 1 or not isinstance(deco.args[0], ast.Name):
            continue
        name = deco.args[0].id
        qualified = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
        obj = project.objects.get(qualified)
        if obj is not None and obj.type.startswith(_TOKEN_AUTH_TYPES):
            return True
    return False


#: Flask-Security's ``auth_required`` mechanisms a browser never adds to a forged form by itself (``"basic"``
#: is not one of them: browsers resend cached Basic credentials to the site they belong to).
_HEADER_MECHANISMS = frozenset({"token"})


def _token_only_auth_required(fn: FunctionInfo) -> bool:
    """``@auth_required("token")`` (Flask-Security): only an ``Authentication-Token`` header signs the user in."""
    for deco in fn.node.decorator_list:
        if not (isinstance(deco, ast.Call) and (dotted(deco.func) or "").rsplit(".", 1)[-1] == "auth_required"):
            continue
        if not deco.args or not all(isinstance(a, ast.Constant) for a in deco.args):
            continue
        if {a.value for a in deco.args if isinstance(a, ast.Constant)} <= _HEADER_MECHANISMS:
            return True
    return False


_TURN_AWAY_AUTH = on_first_use(r"\babort\((401|403)|\b(Unauthorized|Forbidden)\b|\b(401|403)\b")


def _reads_token_header(text: str) -> bool:
    """The code reads an API key or a bearer token from a request header (not HTTP Basic credentials)."""
    return bool(_TOKEN_HEADER().search(text)) and "Basic" not in text


@project_fact
def token_hooks(project: Project) -> frozenset[str]:
    """Blueprints whose ``before_request`` hook authenticates by a token header and never by the session.

    An API blueprint that looks up ``request.headers["Authorization"]`` (or an
    ``X-API-Key``) before every request, and refuses the request without it,
    authenticates its views by something a forged form cannot carry, even when
    the hook stores the user in ``g.user``.
    """
    owners: set[str] = set()
    for hook in project.functions.values():
        if "before_request" not in hook.roles or is_test_path(hook.module.path):
            continue
        text = source_text(hook)
        if not _reads_token_header(text) or not _TURN_AWAY_AUTH().search(text):
            continue
        if any(word in text for word in _SESSION_WORDS) or reads_auth_cookie(project, hook) is not None:
            continue
        for deco in hook.decorators:
            owner, _, attr = deco.rpartition(".")
            obj = project.objects.get(owner)
            if attr == "before_request" and obj is not None and project.is_subtype(obj.type, BLUEPRINT_TYPES):
                owners.add(owner)
    return frozenset(owners)


_TOKEN_HEADER = on_first_use(
    r"headers(\.get\(|\[)\s*['\"](authorization|x-api-key|x-auth-token|api[-_]?key)", re.IGNORECASE
)


def _header_token_decorator(project: Project, fn: FunctionInfo, deco: str) -> bool:
    """The view's decorator is a project function that reads a token header and never the session.

    ``def api_auth(view)`` whose wrapper reads ``request.headers.get("Authorization")`` and looks
    the bearer token up authenticates every call by that header: a forged form cannot carry it.
    """
    wrapper = project.functions.get(deco) or project.resolve_function(deco, fn, fn.module)
    if wrapper is None or wrapper is fn:
        return False
    text = source_text(wrapper)
    return bool(_TOKEN_HEADER().search(text)) and not _session_signs_in_writes(wrapper)


def jwt_authority(project: Project, fn: FunctionInfo) -> bool:
    """The view's authority is a Flask-JWT-Extended token kept in a cookie without its CSRF check."""
    return csrf_setup(project).jwt_cookies and any("jwt_required" in deco for deco in fn.decorators)


def acts_as_user(project: Project, fn: FunctionInfo) -> bool:
    """Does the view act with the user's cookie-borne authority (login decorator, session, current_user)?"""
    if token_authenticated(project, fn):
        return False
    routers = {route.owner for route in fn.routes}
    for deco in fn.decorators:
        if deco.rpartition(".")[0] in routers:
            continue  # ``@bp.route`` of a blueprint kept in a module named ``auth``: a route, not a login check
        if _AUTH_DECORATOR().search(deco):
            if "jwt_required" in deco and not csrf_setup(project).jwt_cookies:
                continue  # JWT in headers, or in cookies with Flask-JWT-Extended's own CSRF check
            return True
    if mentions(fn, _LOGIN_WORDS) or reads_auth_cookie(project, fn) is not None:
        return True
    if mentions(fn, _SESSION_WORDS) and session_grants_authority(project):
        return True  # a session that only carries the visitor's own data (results, a theme) is no one's authority
    if any(_session_decorator(project, fn, deco) for deco in fn.decorators):
        return True
    owners = {r.owner for r in fn.routes}
    hooks = auth_hooks(project)
    return bool(owners & hooks) or "*" in hooks


def _session_decorator(project: Project, fn: FunctionInfo, deco: str) -> bool:
    """The view's decorator is a project function that looks the user up in the session (a hand-made
    ``login_required``: ``if "user_id" not in session: return redirect(...)``)."""
    wrapper = project.functions.get(deco) or project.resolve_function(deco, fn, fn.module)
    if wrapper is None or wrapper is fn or "view" in wrapper.roles:
        return False
    text = source_text(wrapper)
    return any(word in text for word in _SESSION_WORDS) or reads_auth_cookie(project, wrapper) is not None


@project_fact
def auth_hooks(project: Project) -> frozenset[str]:
    """Blueprints whose ``before_request`` hook checks the login (an admin blueprint, say).

    An app-wide hook (``*``) counts only when it is a login wall: it turns
    away anonymous users (``if not current_user.is_authenticated: return
    redirect(...)``). Hooks that guard a list of protected endpoints would
    make every public form look authenticated.
    """
    owners: set[str] = set()
    for hook in project.functions.values():
        if not ({"before_request", "before_app_request"} & hook.roles) or not (
            mentions(hook, (*_USER_WORDS, "abort(401", "abort(403")) or _login_wall(hook)
        ):
            continue  # (a wall's test may be spelled ``"uid" not in session `` across lines, past the words)
        for deco in hook.decorators:
            owner, _, attr = deco.rpartition(".")
            obj = project.objects.get(owner)
            if attr == "before_request" and obj is not None and project.is_subtype(obj.type, BLUEPRINT_TYPES):
                owners.add(owner)
            elif attr in ("before_request", "before_app_request") and _login_wall(hook):
                owners.add("*")
    return frozenset(owners)


_LOGIN_WALL = on_first_use(
    r"not\s+[\w.]*current_user\.is_authenticated|not\s+[\w.]*session\.get\(|[\w.]*current_user\.is_anonymous"
    r"|not\s+in\s+[\w.]*session\b|not\s+[\w.]*\bg\.user\b|\bg\.user\s+is\s+None"
)
_TURN_AWAY = ("redirect(", "abort(401", "abort(403", "unauthorized(", "Unauthorized", "Forbidden")


def _login_wall(hook: FunctionInfo) -> bool:
    text = source_text(hook)
    if _LOGIN_WALL().search(text):
        return any(word in text for word in _TURN_AWAY)
    return _AUTHENTICATED().search(text) is not None and _falls_to_turn_away(hook)


#: A test that the visitor is signed in (the wall lets them through: ``if current_user.is_authenticated: return``).
_AUTHENTICATED = on_first_use(r"[\w.]*current_user\.is_authenticated|\bin\s+[\w.]*session\b|\bg\.user\b")


def _falls_to_turn_away(hook: FunctionInfo) -> bool:
    """The hook ends by turning the request away: its last statement, or the ``else`` of its last ``if``, returns a
    redirect or an abort. What it lets through returns early (the signed-in user, static files, views marked
    public): a wall with exceptions, not a guard of a few listed endpoints (``if request.endpoint in PRIVATE and
    ...: return redirect(...)`` has no such ending)."""
    body = hook.node.body
    last = body[-1] if body else None
    if isinstance(last, ast.If) and last.orelse:
        last = last.orelse[-1]
    if not isinstance(last, (ast.Return, ast.Expr, ast.Raise)):
        return False
    text = ast.unparse(last)
    return any(word in text for word in _TURN_AWAY)


_CROSS_SITE = on_first_use(
    r"saml|(^|[^a-z])acs([^a-z]|$)|sso|oidc|oauth|callback|webhook|hook|ipn|notify|assertion", re.IGNORECASE
)


def cross_site_by_design(fn: FunctionInfo) -> bool:
    """SAML assertion consumers, OAuth callbacks and webhooks receive cross-site POSTs by design
    and authenticate them by signature, not by the session cookie."""
    names = [fn.name, fn.class_name or "", *(r.rule for r in fn.routes)]
    return any(_CROSS_SITE().search(n) for n in names if n)


def form_read_through(project: Project, fn: FunctionInfo) -> tuple[ast.Attribute, FunctionInfo] | None:
    """The first form read of the view, or of a project function it calls (``page_name = fetch_page_name()``)."""
    read = form_read(fn)
    if read is not None:
        return read, fn
    for name, _call in fn.calls:
        callee = project.resolve_function(name, fn, fn.module)
        if callee is None or callee is fn or "view" in callee.roles or callee.module is not fn.module:
            continue  # a helper of this view, not a request parser shared by every API (JSON first, form second)
        read = form_read(callee)
        if read is not None and read.attr != "values" and not mentions(callee, ("get_json", "request.json")):
            return read, callee
    return None


def _is_request(fn: FunctionInfo, node: ast.expr) -> bool:
    """``node`` is Flask's ``request`` (``request``, ``flask.request``, an alias)."""
    name = dotted(node)
    return bool(name) and (fn.imports.qualify(name) or "") in REQUEST_NAMES


def _forced_json(fn: FunctionInfo, node: ast.AST) -> bool:
    """``request.get_json(force=True)``: Flask parses the body whatever its Content-Type says."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get_json"
        and _is_request(fn, node.func.value)
        and any(k.arg == "force" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords)
    )


_RAW_BODY = on_first_use(r"(flask\.)?\brequest\.(data\b|get_data\()")


def raw_json_read(fn: FunctionInfo) -> ast.AST | None:
    """A JSON body read that does not insist on ``Content-Type: application/json``.

    ``request.get_json(force=True)`` and ``json.loads(request.data)`` (or of
    ``request.get_data()``, directly or through a local) accept a body sent
    as ``text/plain``, which a cross-site ``<form enctype="text/plain">``
    can shape into JSON without any CORS preflight.
    """
    values: dict[str, str] | None = None
    flask_request = (fn.imports.qualify("request") or "") in REQUEST_NAMES
    for node in ast.walk(fn.node):
        if _forced_json(fn, node):
            if _refuses_non_json(fn, node):
                continue  # ``if not request.is_json: abort(415)`` came first: a text/plain form is turned away
            return node
        if isinstance(node, ast.Call) and node.args and _json_parser(fn, node):
            values = _local_values(fn) if values is None else values
            read = _RAW_BODY().search(_expanded(node.args[0], values))
            if read is not None and (flask_request or read.group(0).startswith("flask.")):
                if _refuses_non_json(fn, node):
                    continue  # ``if request.mimetype != "application/json": abort(415)`` came first
                return node
    return None


#: The request's Content-Type as the code reads it: ``request.mimetype``, ``request.content_type``,
#: ``request.headers.get("Content-Type"[, ""])`` or ``request.headers["Content-Type"]``.
_CONTENT_TYPE = (
    r"request\.(?:mimetype|content_type|headers\.get\(['\"]content-type['\"](?:, ['\"]['\"])?\)"
    r"|headers\[['\"]content-type['\"]\])"
)
_JSON = r"['\"]application/json['\"]"
_NOT_JSON_TEST = on_first_use(
    rf"^not request\.is_json$|^{_CONTENT_TYPE} != {_JSON}$|^not {_CONTENT_TYPE} == {_JSON}$"
    rf"|^{_JSON} not in {_CONTENT_TYPE}$|^not {_CONTENT_TYPE}\.startswith\({_JSON}\)$",
    re.IGNORECASE,
)


def _refuses_non_json(fn: FunctionInfo, read: ast.AST | None) -> bool:
    """An ``if not request.is_json:`` (or a Content-Type test) before ``read`` (anywhere when ``None``) whose
    body returns or raises."""
    line = getattr(read, "lineno", 0) if read is not None else float("inf")
    for stmt in ast.walk(fn.node):
        if not isinstance(stmt, ast.If) or stmt.lineno >= line or stmt.orelse:
            continue
        if _NOT_JSON_TEST().match(ast.unparse(stmt.test)) and _ends_request(stmt.body):
            return True
    return False


def _ends_request(body: list[ast.stmt]) -> bool:
    """The block returns, raises or calls ``abort(...)`` last."""
    last = body[-1]
    return isinstance(last, (ast.Return, ast.Raise)) or (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and (dotted(last.value.func) or "").rsplit(".", 1)[-1] == "abort"
    )


_POST_TEST = on_first_use(r"request\.method\b.*(POST|!=|not in)")


def _turns_away_non_json(body: list[ast.stmt]) -> bool:
    """The block refuses a body not typed as JSON on every POST: an ``if not request.is_json:`` (or a
    Content-Type test) that returns, raises or aborts, at the top or under a test of the method that lets POST in
    (``if request.method in ["POST", "PUT"]:``)."""
    for stmt in body:
        if not isinstance(stmt, ast.If) or stmt.orelse:
            continue
        test = ast.unparse(stmt.test)
        parts = (
            [ast.unparse(v) for v in stmt.test.values]
            if isinstance(stmt.test, ast.BoolOp) and isinstance(stmt.test.op, ast.And)
            else [test]
        )
        # ``if not request.is_json:``, or ``if request.method == "POST" and not request.is_json:``
        refuses = any(_NOT_JSON_TEST().match(p) for p in parts) and all(
            _NOT_JSON_TEST().match(p) or _POST_TEST().search(p) for p in parts
        )
        if refuses and _ends_request(stmt.body):
            return True
        if _POST_TEST().search(test) and _turns_away_non_json(stmt.body):
            return True
    return False


def _refuses_all_non_json(project: Project, fn: FunctionInfo) -> bool:
    """``fn`` (a hook or decorator), or a project decorator on it, turns away every POST not typed as JSON."""
    candidates = [fn]
    for deco in fn.decorators:
        found = project.functions.get(deco) or project.resolve_function(deco, fn, fn.module)
        if found is not None and found is not fn:
            candidates.append(found)
    return any(
        _turns_away_non_json(node.body)
        for candidate in candidates
        for node in ast.walk(candidate.node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    )


@project_fact
def json_only_owners(project: Project) -> frozenset[str]:
    """Blueprints whose ``before_request`` hook turns away every POST not typed as JSON ("*": an app-wide
    hook): a cross-site form can send no such request."""
    owners: set[str] = set()
    for hook in project.functions.values():
        if not ({"before_request", "before_app_request"} & hook.roles) or is_test_path(hook.module.path):
            continue
        if not _refuses_all_non_json(project, hook):
            continue
        owners |= _hook_owners(project, hook)
    return frozenset(owners)


def json_only(project: Project, fn: FunctionInfo) -> bool:
    """Every POST the view gets must be typed as JSON: a hook of the app or of the view's blueprint, or a
    decorator of the view, refuses the rest, so no cross-site form (``text/plain`` included) reaches it."""
    owners = json_only_owners(project)
    if "*" in owners or any(route.owner in owners for route in fn.routes):
        return True
    return any(
        (found := project.functions.get(deco) or project.resolve_function(deco, fn, fn.module)) is not None
        and found is not fn
        and "view" not in found.roles
        and _refuses_all_non_json(project, found)
        for deco in fn.decorators
    )


def _json_parser(fn: FunctionInfo, call: ast.Call) -> bool:
    """``json.loads(...)``, ``json.load(...)`` (or ``loads`` imported from a JSON module)."""
    name = dotted(call.func) or ""
    qualified = fn.imports.qualify(name) or name
    return name.rsplit(".", 1)[-1] in ("loads", "load") and "json" in qualified


_JSON_READ = on_first_use(r"\bget_json\(|\brequest\.json\b|\brequest\.is_json\b|\bapi\.payload\b")


def reads_json_body(project: Project, fn: FunctionInfo) -> bool:
    """The view (or one of the project's decorators on it) reads its body as JSON.

    Flask answers ``request.get_json()`` with 415 unless the request says
    ``Content-Type: application/json``, and a browser sends that type
    cross-site only after a CORS preflight the attacker cannot pass: the
    view cannot be reached by a forged form.
    """
    if _JSON_READ().search(source_text(fn)) or _refuses_non_json(fn, None):
        return True
    for deco in fn.decorators:
        wrapper = project.functions.get(deco) or project.resolve_function(deco, fn, fn.module)
        if wrapper is not None and wrapper is not fn and _JSON_READ().search(source_text(wrapper)):
            return True
    return False


#: A view that answers a browser: it redirects, flashes a message or renders a page.
_BROWSER_ANSWER = on_first_use(r"redirect\w*\(|\bflash\(|\brender_template\w*\(")
#: Signing in or out by a forged request gains nothing the attacker lacks (login CSRF needs the attacker's
#: credentials in the body, which a bodyless request does not carry).
_SESSION_ENDPOINT = on_first_use(r"log_?out|sign_?out|log_?in|sign_?in", re.IGNORECASE)


def bodyless_action(project: Project, fn: FunctionInfo) -> bool:
    """A state-changing endpoint a browser button posts to with no fields (``POST /panels/<id>/delete``).

    It reads no body at all, so an empty cross-site form reaches it as well
    as the app's own button does. Only views that answer a browser (a
    redirect, a flashed message, a page) count: an API whose body is parsed
    by a decorator or a framework out of sight may well insist on JSON.
    """
    if not (posts_only(fn) or has_method_branch(fn)):
        return False  # a page that also takes POST: what it changes is not told apart from what it shows
    if form_read(fn) is not None or raw_json_read(fn) is not None or reads_json_body(project, fn):
        return False
    names = [fn.name, *(r.rule or "" for r in fn.routes)]
    if any(_SESSION_ENDPOINT().search(name) for name in names):
        return False
    rendered = any(deco.rsplit(".", 1)[-1] in ("templated", "template") for deco in fn.decorators)
    return rendered or bool(_BROWSER_ANSWER().search(source_text(fn))) or _bare_api_action(project, fn)


#: What reads a request's body, any way (a view that reads none of it needs no field of a forged form).
_BODY_READ = on_first_use(
    r"\brequest\.(data|get_data|json|get_json|form|files|values|stream|input_stream|environ)\b|\bparse_args\("
)


def _bare_api_action(project: Project, fn: FunctionInfo) -> bool:
    """A plain function view answering a script (JSON) that reads no body anywhere: an empty cross-site form
    reaches it as well as the page's own ``fetch("/api/items/7/archive", {method: "POST"})`` does.

    Only when nothing out of sight could parse a body: every decorator is a route of the view or a login check
    (no ``@use_args``/``@expects``), every parameter is a variable of its URL (no body a framework hands in),
    and neither the view nor a helper of its module that it calls reads the request's body.
    """
    if fn.class_name or not fn.routes:
        return False
    routers = {route.owner for route in fn.routes}
    for deco in fn.decorators:
        if deco.rpartition(".")[0] not in routers and not _AUTH_DECORATOR().search(deco):
            return False
    url_vars = {v for route in fn.routes for v in re.findall(r"<(?:[^:<>]+:)?(\w+)>", route.rule or "")}
    args = fn.node.args
    if (
        args.vararg
        or args.kwarg
        or any(a.arg not in url_vars for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
    ):
        return False
    if _BODY_READ().search(source_text(fn)) or _request_handed_to(fn) is not None:
        return False
    for name, _call in fn.calls:
        callee = project.resolve_function(name, fn, fn.module)
        if callee is not None and callee is not fn and _BODY_READ().search(source_text(callee)):
            return False
    return True


#: ``login``, ``/sign-in``, ``admin_login`` (not ``blog_index``)
_SIGN_IN = on_first_use(r"(?<![a-z])(log_?in|sign_?-?in)(?![a-z])", re.IGNORECASE)
#: A view or URL that is only ``auth``/``authenticate`` (``def auth()``, ``POST /auth``): not ``/auth/<anything>``,
#: ``authorize`` nor ``oauth``
_BARE_AUTH = on_first_use(r"(^|/)(auth|authenticate)/?$", re.IGNORECASE)
_SIGN_IN_CALLS = ("login_user(", "session[")


def signs_in(fn: FunctionInfo) -> bool:
    """A sign-in view: its name or URL says so (or the action it dispatches on, ``if action == "login":``), and
    it signs the user in (``login_user``, a session store).

    A forged sign-in must carry credentials, and the attacker knows only
    their own: the victim ends up signed in to the attacker's account (login
    CSRF), with nothing of their own changed.
    """
    names = [fn.name, *(r.rule or "" for r in fn.routes)]
    named = any(_SIGN_IN().search(name) or _BARE_AUTH().search(name) for name in names) or any(
        _SIGN_IN_ACTION().fullmatch(word) for word in _compared_words(fn)
    )
    return named and mentions(fn, _SIGN_IN_CALLS)


#: The whole of a dispatched action that signs in (``"login"``, ``"sign-in"``), not ``"auth.login"`` or
#: ``"login_required"``.
_SIGN_IN_ACTION = on_first_use(r"log_?in|sign[_-]?in", re.IGNORECASE)


def _compared_words(fn: FunctionInfo) -> list[str]:
    """Short string constants the function tests a value against: the actions of a view that dispatches on one
    (``if action == "login":`` in ``POST /account?action=login``)."""
    words: list[str] = []
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Compare) and all(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.Constant) and isinstance(side.value, str) and len(side.value) <= 20:
                    words.append(side.value)
    return words


@dataclass(frozen=True, eq=False)
class ForgeableInput:
    """What a view takes from a request that a cross-site page can send with the user's cookie."""

    kind: str  # "form" (form fields or files), "raw-json" (JSON without a Content-Type check), "none" (no body)
    node: ast.AST | None  # the read, None for a bodyless action
    reader: FunctionInfo  # the view, or the helper of it that reads the form
    #: the helper a bodyless view hands the whole request to (``controllers.add(request)``), if any
    handed_to: str | None = None


def forgeable_input(project: Project, fn: FunctionInfo) -> ForgeableInput | None:
    """How a forged cross-site request can feed the view; None when it reads only a JSON body (or nothing a
    browser form could be meant for)."""
    if not accepts_post(fn) or json_only(project, fn):
        return None
    found = form_read_through(project, fn)
    if found is not None:
        return ForgeableInput("form", found[0], found[1])
    unchecked = unchecked_form(project, fn)
    if unchecked is not None:
        return ForgeableInput("form", unchecked, fn)
    raw = raw_json_read(fn)
    if raw is not None:
        return ForgeableInput("raw-json", raw, fn)
    if bodyless_action(project, fn):
        return ForgeableInput("none", None, fn, _request_handed_to(fn))
    return None


#: Form bases whose ``validate()`` checks a CSRF token (Flask-WTF's), and WTForms' own base, which does not.
FLASK_WTF_FORMS = frozenset(
    {
        "flask_wtf.FlaskForm",
        "flask_wtf.Form",
        "flask_wtf.form.FlaskForm",
        "flask.ext.wtf.Form",
        "flaskext.wtf.Form",
        # forms of other extensions that validate a CSRF token: Flask-Admin's SecureForm (WTForms' session CSRF,
        # or Flask-WTF's when installed), Flask-AppBuilder's DynamicForm and Flask-Security's Form (FlaskForms)
        "flask_admin.form.SecureForm",
        "flask_admin.form.base.SecureForm",
        "flask_appbuilder.forms.DynamicForm",
        "flask_security.forms.Form",
    }
)
#: Modules whose forms are all FlaskForms: the forms login extensions ship (``flask_security.forms.LoginForm``).
_EXTENSION_FORMS = (
    "flask_security.forms.",
    "flask_user.forms.",
    "flask_appbuilder.forms.",
    "flask_admin.form.SecureForm",  # WTForms' SessionCSRF switched on in its Meta
)
#: Forms that check no CSRF token unless their ``Meta`` switches WTForms' CSRF on: WTForms' own, and Flask-Admin's
#: ``BaseForm`` (a plain WTForms form; its ``SecureForm`` is the one with the token).
WTFORMS_FORMS = frozenset(
    {
        "wtforms.Form",
        "wtforms.form.Form",
        "wtforms.form.BaseForm",
        "wtforms.BaseForm",
        "flask_admin.form.BaseForm",
    }
)
_VALIDATES = ("validate_on_submit", "validate")


def _csrf_meta(node: ast.expr | None) -> bool | None:
    """``False``/``True`` for a ``meta={"csrf": False}`` / ``meta=dict(csrf=False)`` argument, else ``None``."""
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=False):
            if isinstance(key, ast.Constant) and key.value == "csrf" and isinstance(value, ast.Constant):
                return bool(value.value)
    if isinstance(node, ast.Call) and dotted(node.func) == "dict":
        for kw in node.keywords:
            if kw.arg == "csrf" and isinstance(kw.value, ast.Constant):
                return bool(kw.value.value)
    return None


def _class_meta_csrf(project: Project, class_qual: str) -> bool | None:
    """The ``csrf`` an inner ``class Meta`` of the form class (or its nearest project base) sets."""
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for item in cls.node.body:
            if isinstance(item, ast.ClassDef) and item.name == "Meta":
                for stmt in item.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "csrf" for t in stmt.targets)
                        and isinstance(stmt.value, ast.Constant)
                    ):
                        return bool(stmt.value.value)
    return None


def form_checks_token(project: Project, fn: FunctionInfo, call: ast.Call) -> bool | None:
    """Does the form ``call`` builds (``ProfileForm(...)``) check a CSRF token when it validates?

    No when the call passes ``meta={"csrf": False}``, when the form class (or a
    project base) says ``class Meta: csrf = False``, or when it is a plain WTForms
    ``Form`` (not Flask-WTF's ``FlaskForm``) that does not switch WTForms' own CSRF
    on in its ``Meta``; yes for a ``FlaskForm``, a ``Meta`` with ``csrf = True``, a
    ``meta={"csrf": True}`` argument, and the token-checking forms of other
    extensions (Flask-Admin's ``SecureForm``, Flask-AppBuilder's ``DynamicForm``).
    ``None`` for another class the project does not define (a caller gives it the
    benefit of the doubt).
    """
    for kw in call.keywords:
        if kw.arg == "meta" and (meta := _csrf_meta(kw.value)) is not None:
            return meta
    name = dotted(call.func)
    if not name:
        return None
    qualified = project.canonical(fn.imports.qualify(name) or f"{fn.module.name}.{name}")
    if qualified not in project.classes:
        return True if qualified in FLASK_WTF_FORMS or qualified.startswith(_EXTENSION_FORMS) else None
    meta = _class_meta_csrf(project, qualified)
    if meta is not None:
        return meta
    if project.is_subtype(qualified, FLASK_WTF_FORMS) or any(
        base.startswith(_EXTENSION_FORMS) for base in project.lineage(qualified)
    ):
        return True
    return False if project.is_subtype(qualified, WTFORMS_FORMS) else None


def _built_by_call(fn: FunctionInfo) -> dict[str, ast.Call]:
    """The call that last built each plain name in ``fn`` (``form = ProfileForm()``)."""
    built: dict[str, ast.Call] = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    built[target.id] = node.value
    return built


def _validated_forms(fn: FunctionInfo) -> list[tuple[ast.Call | None, str]]:
    """The form each ``x.validate_on_submit()``/``x.validate()`` in ``fn`` validates, with the method: the call
    that built ``x`` in the function (``form = ProfileForm()``), or ``None`` when it is built elsewhere."""
    built = _built_by_call(fn)
    found: list[tuple[ast.Call | None, str]] = []
    for node in ast.walk(fn.node):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _VALIDATES):
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Call):
            found.append((receiver, node.func.attr))
        elif isinstance(receiver, ast.Name):
            found.append((built.get(receiver.id), node.func.attr))
        else:
            found.append((None, node.func.attr))
    return found


def _form_class(project: Project, fn: FunctionInfo, call: ast.Call) -> str | None:
    """The project class the call builds (``forms.GroupForm()``), when the project defines it."""
    name = dotted(call.func)
    if not name:
        return None
    qualified = project.canonical(fn.imports.qualify(name) or f"{fn.module.name}.{name}")
    return qualified if qualified in project.classes else None


def _calls_own_validation(method: FunctionInfo) -> str | None:
    """``validate_on_submit``/``validate`` when the method validates its own form (``self.validate_on_submit()``,
    ``super().validate()``), else None."""
    for node in ast.walk(method.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _VALIDATES:
            receiver = node.func.value
            if (isinstance(receiver, ast.Name) and receiver.id == "self") or (
                isinstance(receiver, ast.Call) and dotted(receiver.func) == "super"
            ):
                return node.func.attr
    return None


def _wrapped_validations(project: Project, fn: FunctionInfo) -> list[tuple[ast.Call, str]]:
    """Forms the function validates through a method of their own class that calls the form's validation
    (``form.validate_or_flash()`` where ``validate_or_flash`` does ``if self.validate_on_submit(): ...``), with
    the validation that method runs."""
    built = _built_by_call(fn)
    found: list[tuple[ast.Call, str]] = []
    for node in ast.walk(fn.node):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr in _VALIDATES or node.func.attr.startswith("__"):
            continue
        receiver = node.func.value
        call = receiver if isinstance(receiver, ast.Call) else built.get(getattr(receiver, "id", ""))
        if call is None:
            continue
        qualified = _form_class(project, fn, call)
        if qualified is None:
            continue
        for current in project.lineage(qualified):
            info = project.classes.get(current)
            method = info.methods.get(node.func.attr) if info is not None else None
            if method is not None:
                runs = _calls_own_validation(method)
                if runs is not None:
                    found.append((call, runs))
                break
    return found


def unchecked_form(project: Project, fn: FunctionInfo) -> ast.Call | None:
    """The form the view validates with no CSRF check (:func:`form_checks_token`): it reads the posted fields."""
    for call, _ in _validated_forms(fn):
        if call is not None and form_checks_token(project, fn, call) is False:
            return call
    return None


def validates_flask_wtf_form(project: Project, fn: FunctionInfo, taken: ForgeableInput) -> bool:
    """The view, or the helper that reads its input, validates a Flask-WTF form, which checks its CSRF token.

    ``form.validate_on_submit()`` anywhere, and ``form.validate()`` when the
    project uses Flask-WTF (a ``FlaskForm`` validates its hidden token too);
    a form the project defines counts as its class says (:func:`form_checks_token`:
    not when its CSRF check is off, also when it is a WTForms form with
    WTForms' own CSRF on). Also through a method of the form's own class
    that runs its validation (``form.validate_or_flash()`` whose body is
    ``if self.validate_on_submit(): return True``).
    """
    flask_wtf = csrf_setup(project).flask_wtf
    readers = [fn] if taken.reader is fn else [fn, taken.reader]
    if taken.handed_to:
        helper = project.resolve_function(taken.handed_to, fn, fn.module)
        if helper is not None and helper is not fn:
            readers.append(helper)
    for reader in readers:
        forms: list[tuple[ast.Call | None, str]] = [*_validated_forms(reader), *_wrapped_validations(project, reader)]
        if not forms and mentions(reader, ("validate_on_submit",)):
            return True  # named but not called here (``check = form.validate_on_submit``)
        for call, method in forms:
            checks = form_checks_token(project, reader, call) if call is not None else None
            if checks is None:
                checks = method == "validate_on_submit" or flask_wtf
            if checks:
                return True
    return False


def _request_handed_to(fn: FunctionInfo) -> str | None:
    """The call the view hands Flask's ``request`` object to, whole (``controllers.add_variant(request)``)."""
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Call) and any(
            isinstance(arg, ast.Name) and _is_request(fn, arg)
            for arg in (*node.args, *(k.value for k in node.keywords))
        ):
            name = dotted(node.func) or ""
            if "redirect" not in name:
                return name or None
    return None


_DESTRUCTIVE = on_first_use(r"(^|[/_-])(delete|remove|destroy|drop|purge|erase|wipe)", re.IGNORECASE)
#: Verbs of a view that changes what other users see or may do (``/ajax/editor/publish``, ``approve_user``),
#: flips a flag (``/todo/<id>/toggle``, ``disable_2fa``), empties something (``/cache/clear``), stops, restarts or
#: moves a job or an item (``/downloads/abort``, ``move_package``), changes someone's rights
#: (``/users/<id>/make-admin``, ``promote``, ``kick``) or records the user's choice (``follow``, ``unlike``,
#: ``vote``). Not ``cancel``: emailed links (``/booking/<id>/cancel/<date>``) often only open a confirmation.
_STATE_CHANGING = on_first_use(
    r"(^|[/_-])(un)?(publish|approve|archive|revoke|ban|deactivate|toggle|enable|disable|lock|block|suspend"
    r"|promote|demote|grant|kick|make[_-]?admin|follow|like|vote|clear|abort|stop|restart|kill|move)(?![a-z])",
    re.IGNORECASE,
)


#: A lowercase letter or digit followed by a capital: where a camelCase name starts its next word.
_CAMEL_HUMP = on_first_use(r"([a-z0-9])([A-Z])")


def destructive_get(fn: FunctionInfo) -> str | None:
    """``"deletes"``/``"changes state"`` for a view that answers GET and whose name or URL says so.

    The name or URL says it deletes (``GET /remove/<page>``), or publishes,
    approves, archives, revokes, bans or deactivates something
    (``/ajax/editor/publish``), toggles, enables, disables, locks, blocks or
    clears it, aborts, stops, restarts, kills or moves it, changes someone's
    rights (promote, demote, grant, kick, make
    admin) or records the user's choice (follow, like, vote). A camelCase name
    is read word by word (``/api/toggleInterface``, ``clearCache``).

    A view that also accepts POST counts when it does not tell the methods apart
    (``methods=["GET", "POST"]`` and no ``request.method`` test): a GET deletes as well.
    """
    methods = {m for route in fn.routes for m in route.methods}
    if not fn.routes or (methods and "GET" not in methods):
        return None
    if methods - {"GET", "HEAD", "OPTIONS"} and mentions(
        fn, ("request.method", ".method ==", ".method !=", ".validate_on_submit(", ".is_submitted(")
    ):
        # ``if request.method == "POST": delete(...)``, or Flask-WTF's ``form.validate_on_submit()``
        # (true only for a submitted POST/PUT/PATCH/DELETE): the GET only shows a confirmation
        return None
    # camelCase words count as words of their own: ``toggleWireguardConfiguration``, ``/api/deletePeers``
    names = [_CAMEL_HUMP().sub(r"\1_\2", name) for name in (fn.name, *(r.rule or "" for r in fn.routes))]
    if any(_DESTRUCTIVE().search(name) for name in names):
        return "deletes"
    if any(_STATE_CHANGING().search(name) for name in names):
        return "changes state"
    return None


def form_read(fn: FunctionInfo) -> ast.Attribute | None:
    """The first ``request.form``/``request.files``/``request.values`` the function reads."""
    table = fn.imports
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Attribute) and node.attr in FORM_ATTRS:
            base = dotted(node.value)
            if base and (table.qualify(base) or "") in REQUEST_NAMES:
                return node
    return None


def view_methods(fn: FunctionInfo) -> set[str]:
    """The HTTP methods the view's routes accept; for a Flask-AppBuilder or Flask-Admin view, those its
    ``@expose(url, methods=[...])`` names (both default to GET alone)."""
    methods = {m for route in fn.routes for m in route.methods}
    if methods or fn.routes:
        return methods
    for deco, node in zip(fn.decorators, fn.node.decorator_list):
        if deco not in EXPOSE_DECORATORS:
            continue
        given = (
            next((k.value for k in node.keywords if k.arg == "methods"), None) if isinstance(node, ast.Call) else None
        )
        if given is None:
            methods.add("GET")
        elif isinstance(given, (ast.List, ast.Tuple, ast.Set)):
            methods |= {e.value.upper() for e in given.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return methods


def accepts_unsafe_method(fn: FunctionInfo) -> bool:
    """Does the view accept POST/PUT/PATCH/DELETE (its routes, its method name, or a ``"POST"`` check)?"""
    methods = view_methods(fn)
    if methods:
        return bool(methods & UNSAFE_METHODS)
    if fn.class_name and fn.name.upper() in UNSAFE_METHODS:
        return True
    return mentions(fn, ('"POST"', "'POST'"))


def accepts_post(fn: FunctionInfo) -> bool:
    """Does the view accept POST, the one unsafe method an HTML form can send?

    ``PUT``, ``PATCH`` and ``DELETE`` from another origin need ``fetch()``,
    and the browser asks the server first (a CORS preflight): a view that
    accepts only those cannot be reached by a forged form.
    """
    methods = view_methods(fn)
    if methods:
        return "POST" in methods
    if fn.class_name and fn.name.upper() in UNSAFE_METHODS:
        return fn.name.upper() == "POST"
    return mentions(fn, ('"POST"', "'POST'"))


def posts_only(fn: FunctionInfo) -> bool:
    """The view is an action endpoint: it accepts no GET (``methods=["POST"]``, a class view's ``post``)."""
    methods = view_methods(fn)
    if methods:
        return "GET" not in methods
    return bool(fn.class_name) and fn.name.upper() == "POST"


@project_fact
def _get_urls(project: Project) -> frozenset[tuple[str, str]]:
    """The URL rules (owner, rule) some view answers GET on."""
    return frozenset(
        (route.owner, route.rule)
        for fn in project.functions.values()
        for route in fn.routes
        if route.rule and "GET" in route.methods
    )


def link_reaches(project: Project, fn: FunctionInfo) -> bool:
    """Can a link the user follows (a GET) bring the query string of its URL to this view?

    Yes for a view that accepts GET, and for one that does not but shares its URL with a page that
    does: a class view's ``get`` (``Login.get`` renders the form ``Login.post`` handles), or another
    view routed to the same rule with GET.  A form with no ``action`` posts back to the page's own
    URL, query string included, so ``/login?next=...`` reaches the POST the user submits.  Only a
    view that accepts no GET at its URL (``methods=["POST"]``, ``@app.delete``, a class view with
    ``post`` and no ``get``) is out of a link's reach: getting there takes a request another site
    makes, a forged form (CSRF's ground).  A function no route names (a helper) counts as reached.
    """
    methods = view_methods(fn)
    if methods:
        if "GET" in methods:
            return True
        urls = _get_urls(project)
        return any((route.owner, route.rule) in urls for route in fn.routes)
    if fn.class_name and fn.name.upper() in UNSAFE_METHODS:
        cls = own_class(fn)
        return cls is None or class_method(project, cls, "get") is not None
    return True


__all__ = [
    "CSRF_TYPES",
    "SAMESITE_KEYS",
    "AuthCookie",
    "CsrfFacts",
    "SameSiteSetting",
    "ForgeableInput",
    "accepts_post",
    "accepts_unsafe_method",
    "acts_as_user",
    "auth_cookies",
    "auth_hooks",
    "bodyless_action",
    "checks_csrf_token",
    "cross_site_by_design",
    "csrf_exempt",
    "csrf_home",
    "csrf_setup",
    "destructive_get",
    "exempt_reason",
    "forgeable_input",
    "form_checks_token",
    "form_read",
    "form_read_through",
    "hook_checks_view",
    "jwt_authority",
    "link_reaches",
    "package_of",
    "posts_only",
    "protect_calls",
    "raw_json_read",
    "reads_auth_cookie",
    "reads_json_body",
    "request_only_login",
    "samesite_defence",
    "signs_in",
    "session_grants_authority",
    "code_reads_secret_key",
    "secret_key_signs_anything",
    "token_authenticated",
    "token_hooks",
    "unchecked_form",
    "validates_flask_wtf_form",
    "view_methods",
]

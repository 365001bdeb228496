"""FD104 global-state-in-request: Request code assigns a module global or counts on an instance every request shares (lost updates, another request's data)."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.calls import cooperative
from flask_doctor.static.facts.flows import fed_request_data
from flask_doctor.static.facts.server import socketio_uses
from flask_doctor.static.facts.shared_containers import APP, shared_path
from flask_doctor.static.facts.state import (
    ModuleContainer,
    SharedSelf,
    container_evidence,
    in_request_code,
    module_container_for,
    numeric_attribute,
    read_back,
    route_serving_selves,
)
from flask_doctor.static.facts.taint import request_derived
from flask_doctor.static.model import REQUEST, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


class GlobalStateInRequest(Rule):
    """
    ## What it does
    Finds request code that assigns module globals (`global counter;
    counter += 1` or `counter = counter + 1`, `global current_user;
    current_user = ...`) or updates a module-level dict in place
    (`STATS["hits"] += 1`, `COUNTS[k] = COUNTS.get(k, 0) + 1`), request code
    that adds this request's attributes to a module-level class with
    `setattr(SurveyForm, name, field)` (every later request's form has
    them), and request
    code that counts with `self.n += 1` on the instance whose routes are
    closures over `self` (`@self.app.route(...)` inside `define_routes(self)`):
    that instance is built once and every request runs on it. Request data
    stored on the application object (`current_app.user = ...` in
    `before_request`) and counts kept in a dict on it
    (`current_app.extensions["stats"]["errors"] += 1`) are shared the same
    way. So is a request's value written into `app.config` for the length
    of a request (`current_app.config["JSONIFY_PRETTYPRINT_REGULAR"] =
    "pretty" in request.args` in a decorator's wrapper, or set and put back
    in one function); an admin page that changes a setting for everyone is
    configuration and is not reported. Request data stored on a class of
    the project (`Current.tenant = request.headers["X-Tenant"]`) and read
    back as `Current.tenant` is one value for the whole process too, and so
    are the objects a module-level list or dict holds: request code that
    writes this request's value into them (`for parameter in
    settings.PARAMETERS: parameter.set(request.values[parameter.id])`, or
    `parameter.value = ...`) hands it to every later request, any user's,
    unless it changes a copy (`copy.deepcopy(settings.PARAMETERS)`).
    A flag on such a shared instance that request code sets before its own
    `while` loop and again inside it (`self.done = False`, `while not
    self.done:`, `self.done = True` at the end of the file) is this
    request's loop state: a concurrent request running the same loop ends
    it early.
    A `before_request`/`after_request`
    hook that copies request data into `app.config` (also the factory's
    `app`, `a = b = value` chains, `app.config.update(KEY=value)`, and a
    value from a project helper that reads `flask.request` itself, such as
    `is_https()`; hooks registered with `app.before_request(fn)` count like
    decorated ones) is a note: the value is this
    request's, but a hook may only copy what a proxy sends alike on every
    request.

    On such a shared instance it also finds request code that stores this
    request's value on `self` and reads it back (`self.filesize =
    gzip_size if gzip else size`, then `range_for(self.filesize)`): a value
    from the request, an argument of the call, or one the request picks in
    an `if`/`else`. Besides route closures, one instance serves every
    request when a bound method is registered as a view
    (`add_url_rule("/authorize", view_func=self.authorize)`, including the
    subclass overrides it calls) and in a WSGI application class
    (`def __call__(self, environ, start_response)`), with the methods it
    hands out as callbacks (`app(environ, self.start_response)`).

    ## Why is this bad?
    A worker serves many requests at once with threads or greenlets, and a
    deployment runs many workers. A global counter updated with `+=` loses
    updates under concurrency and only counts one process; a global set to
    the current user in `before_request` is read by *another* request
    running in the same process, which then acts as the wrong user. The same
    holds for a value stored on the shared instance: between this request's
    write and its read, another request can replace it (one user's OAuth
    state or token used for another's login, one download's size in
    another's `Content-Length`).
    Assigning globals at import time, in CLI commands or in
    `if __name__ == "__main__":` blocks is fine and not reported. Neither is
    `self.n += 1` on a per-request object (a `MethodView` builds one per
    request), an update taken under a lock (`with _lock: total += 1`), a list or string `+=`, or
    counting on greenlets (gevent/eventlet switch only at I/O). Nor is a value
    stored on the instance that nothing reads back (a record), a constant
    (`self.busy = True`, a shared flag by design, also a cancel flag the loop
    only reads), a lazily built member
    (`if self._client is None:`), or state on a `View`/`MethodView`/
    `Resource` instance, which Flask builds per request.

    ## Example
    ```python
    current_user = None

    @app.before_request
    def load_user():
        global current_user
        current_user = User.query.get(session["uid"])
    ```

    ## Use instead
    ```python
    @app.before_request
    def load_user():
        g.user = User.query.get(session["uid"])
    ```
    and Redis `INCR` or a database counter for counts.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs: "The Application Context" / `flask.g`
    - Redis INCR: atomic counters shared by every worker
    """

    code = "FD104"
    name = "global-state-in-request"
    severity = Severity.WARNING
    catalog = ("S14", "S19")
    summary = "Request code assigns a module global or counts on an instance every request shares (lost updates, another request's data)."

    VALID = (
        # the request's values go into a copy of the shared parameters; the shared caches are meant to hold
        # every request's entries (`set(key, value)`), and the loop sets a constant
        Valid(
            """
            import copy
            from flask import Flask, request
            app = Flask(__name__)
            PARAMETERS = []
            CACHES = []

            @app.post("/start")
            def start():
                parameters = copy.deepcopy(PARAMETERS)
                for parameter in parameters:
                    parameter.set(request.form.get(parameter.id))
                for cache in CACHES:
                    cache.set("last", request.form["name"])
                for default in PARAMETERS:
                    default.set(None)
                return "ok"
            """,
        ),
        Valid("""
            from flask import Flask, g
            app = Flask(__name__)
            VERSION = None

            def configure():
                global VERSION
                VERSION = "1.0"

            configure()

            @app.before_request
            def load():
                g.user = "x"
            """),
        # a counter updated under a lock, an id from itertools.count(), and fields set on a class built per request
        Valid("""
            import itertools
            import threading
            from flask import Flask
            from flask_wtf import FlaskForm
            from wtforms import StringField
            app = Flask(__name__)
            _ids = itertools.count(1)
            _lock = threading.Lock()
            _total = 0

            def survey_form(questions):
                class F(FlaskForm):
                    pass
                for q in questions:
                    setattr(F, f"q{q}", StringField(q))
                return F

            @app.post("/jobs/<int:survey>")
            def jobs(survey):
                global _total
                with _lock:
                    _total += 1
                return str(survey_form(load(survey))()) + str(next(_ids))
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            _client = None

            def client():
                global _client
                if _client is None:
                    _client = object()
                return _client

            @app.get("/")
            def index():
                return str(client())
            """),
        Valid("""
            import click
            counter = 0

            @click.command()
            def bump():
                global counter
                counter += 1

            if __name__ == "__main__":
                counter = 5
            """),
        # a cache filled once per key (or-assignment), and a total computed from other entries
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            TOTALS = {"a": 1, "b": 2}
            LABELS = {}

            @app.get("/t")
            def totals():
                TOTALS["sum"] = TOTALS["a"] + TOTALS["b"]
                LABELS["x"] = LABELS.get("x") or "label"
                return str(TOTALS["sum"])
            """),
        # per-request instances (MethodView), a locked counter, a list ``+=``, a greenlet server
        Valid("""
            import threading
            from flask import Flask
            from flask.views import MethodView
            app = Flask(__name__)

            class Counter(MethodView):
                def __init__(self):
                    self.calls = 0

                def get(self):
                    self.calls += 1
                    return str(self.calls)

            app.add_url_rule("/c", view_func=Counter.as_view("c"))

            class Share:
                def __init__(self, app):
                    self.app = app
                    self.next_id = 0
                    self.lock = threading.Lock()
                    self.names = []
                    self.define_routes()

                def define_routes(self):
                    @self.app.route("/download")
                    def download():
                        with self.lock:
                            history_id = self.next_id
                            self.next_id += 1
                        self.names += ["x"]
                        return str(history_id)

            Share(app)
            """),
        Valid("""
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, async_mode="gevent")

            class Chat:
                def __init__(self):
                    self.next_id = 0
                    self.define_routes()

                def define_routes(self):
                    @app.route("/")
                    def index():
                        self.next_id += 1
                        return str(self.next_id)

                    @socketio.on("text")
                    def text(message):
                        return message

            Chat()
            """),
        # per-request instances, a constant flag, a lazily built client, and a value nothing reads back
        Valid("""
            from flask import Flask, request
            from flask.views import MethodView
            app = Flask(__name__)

            class Search(MethodView):
                def get(self):
                    self.terms = request.args.get("q", "")
                    return self.terms

            app.add_url_rule("/search", view_func=Search.as_view("search"))

            class Sharing:
                def __init__(self, app):
                    self.app = app
                    self.busy = False
                    self._client = None
                    self.define_routes()

                def define_routes(self):
                    @self.app.route("/start")
                    def start():
                        self.busy = True
                        if self._client is None:
                            self._client = make_client(request.host)
                        self.last_seen = request.remote_addr
                        return str(self.busy) + self._client.ping()

            Sharing(app)
            """),
        # a cancel button meant for every download: the loop only reads the shared flag; and a local stop flag
        Valid("""
            from flask import Flask, Response

            class Share:
                def __init__(self, app):
                    self.app = app
                    self.cancelled = False
                    self.define_routes()

                def define_routes(self):
                    @self.app.route("/download")
                    def download():
                        return Response(self.generate(open("share.zip", "rb")))

                    @self.app.post("/cancel")
                    def cancel():
                        self.cancelled = True
                        return "ok"

                def generate(self, fp):
                    self.cancelled = False
                    done = False
                    while not self.cancelled and not done:
                        chunk = fp.read(102400)
                        if not chunk:
                            done = True
                        else:
                            yield chunk

            Share(Flask(__name__))
            """),
        # a WSGI middleware that keeps nothing of the request on itself
        Valid("""
            from flask import Flask

            class PrefixMiddleware:
                def __init__(self, app, prefix):
                    self.app = app
                    self.prefix = prefix

                def __call__(self, environ, start_response):
                    environ["SCRIPT_NAME"] = self.prefix
                    return self.app(environ, start_response)

            app = Flask(__name__)
            app.wsgi_app = PrefixMiddleware(app.wsgi_app, "/api")
            """),
        # A class attribute set at start-up, and one a view writes but nothing reads back (a record).
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)

            class Limits:
                per_minute = 60
                last_caller = None

            Limits.per_minute = int(app.config.get("PER_MINUTE", 60))

            @app.post("/hook")
            def hook():
                Limits.last_caller = request.remote_addr
                return {"limit": Limits.per_minute}
            """),
        # A hook that sets a value computed from the environment, not from the request.
        Valid("""
            import os
            from flask import Flask, current_app
            app = Flask(__name__)

            @app.before_request
            def default_theme():
                current_app.config.setdefault("THEME", os.environ.get("THEME", "light"))
                current_app.config["BUILD"] = os.environ.get("BUILD_ID", "dev")
                current_app.config.update(REGION=os.environ.get("REGION", "eu"))
            """),
        # An admin page changes a setting for everyone on purpose: configuration, not one request's state.
        Valid("""
            from flask import Flask, current_app, request
            app = Flask(__name__)

            @app.post("/admin/banner")
            def set_banner():
                current_app.config["BANNER_TEXT"] = request.form["text"]
                return "saved"
            """),
    )
    INVALID = (
        # the request's values written into the parameter objects of the settings module: every later request,
        # any user's, starts from them
        Invalid(
            """
            import flask
            import settings
            app = flask.Flask(__name__)

            @app.get("/<project>/")
            def project_page(project):
                for group, parameters in settings.PARAMETERS:
                    for parameter in parameters:
                        value = parameter.from_form(flask.request.values)
                        if value is not None:
                            parameter.set(value)  # expect
                return render(project, settings.PARAMETERS)
            """,
            message="writes this request's value into an item of module-level list `PARAMETERS`",
            files={"settings.py": "PARAMETERS = []\n"},
        ),
        # each download's loop keeps its stop flag on the instance every request shares: one download reaching
        # its end stops a concurrent one early
        Invalid(
            """
            from flask import Flask, Response

            class Share:
                def __init__(self, app):
                    self.app = app
                    self.done = False
                    self.define_routes()

                def define_routes(self):
                    @self.app.route("/download")
                    def download():
                        return Response(self.generate(open("share.zip", "rb")))

                def generate(self, fp):
                    self.done = False
                    while not self.done:  # expect
                        chunk = fp.read(102400)
                        if not chunk:
                            self.done = True
                        else:
                            yield chunk

            Share(Flask(__name__))
            """,
            message="is stopped by `done`",
        ),
        # the same through a module-level dict's values and an attribute
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)
            FIELDS = {}

            @app.post("/preview")
            def preview():
                for field in FIELDS.values():
                    field.value = request.form.get(field.name, "")  # expect
                return render(FIELDS)
            """,
            message="module-level dict `FIELDS`",
        ),
        # per-request values on instances every request shares: a WSGI application, a bound-method view,
        # and route closures
        Invalid(
            """
            from flask import Flask, redirect, request, session
            from requests_oauthlib import OAuth2Session
            app = Flask(__name__)

            class VersionSelector:
                def __init__(self, v1):
                    self._status = ""
                    self.v1 = v1

                def _start_response(self, status, headers, exc_info=None):
                    self._status = status  # expect

                def __call__(self, environ, start_response):
                    self._status = ""
                    body = self.v1(environ, self._start_response)
                    start_response(self._status, [])
                    return body

            class Provider:
                def __init__(self, app, name):
                    self.oauth = OAuth2Session(client_id=name)
                    app.add_url_rule(f"/login/{name}/authorize", f"{name}_authorize", view_func=self.authorize)

                def authorize(self):
                    user = self.get_user()
                    session["user"] = user
                    return redirect("/")

                def get_user(self):
                    raise NotImplementedError

            class GitHubProvider(Provider):
                def get_user(self):
                    self.oauth.state = request.args.get("state")  # expect
                    self.oauth.fetch_token("https://github.com/login/oauth/access_token", timeout=5)
                    return self.oauth.get("https://api.github.com/user", timeout=5).json()["login"]

            GitHubProvider(app, "github")

            class Share:
                def __init__(self, app):
                    self.app = app
                    self.filesize = 0
                    self.define_routes()

                def define_routes(self):
                    @self.app.route("/download")
                    def download():
                        if "gzip" in request.headers.get("Accept-Encoding", ""):
                            self.filesize = self.gzip_size  # expect
                        else:
                            self.filesize = self.plain_size
                        return {"Content-Length": self.filesize}

            Share(app)
            """,
            message="concurrent request",
        ),
        # the instance whose closures serve the routes is shared by every request (also in a method they call)
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            class Share:
                def __init__(self, app):
                    self.app = app
                    self.next_id = 0
                    self.define_routes()

                def define_routes(self):
                    @self.app.route("/download")
                    def download():
                        history_id = self.next_id
                        self.next_id += 1  # expect
                        return self.render(history_id)

                def render(self, history_id):
                    self.next_id = self.next_id + 1  # expect
                    return str(history_id)

            Share(app)
            """,
            message="two requests get the same number",
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            hits = 0

            @app.route("/")
            def index():
                global hits
                hits += 1  # expect
                return str(hits)
            """,
            message="lose updates",
        ),
        # Counters written the long way, and a module-level stats dict updated in place.
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            counter = 0
            STATS = {"downloads": 0}

            @app.get("/download")
            def download():
                global counter
                counter = counter + 1  # expect
                STATS["downloads"] += 1  # expect
                STATS["bytes"] = STATS.get("bytes", 0) + 512  # expect
                return str(counter)
            """,
            message="lose updates",
        ),
        Invalid(
            """
            from flask import Flask, session
            app = Flask(__name__)
            current_user = None

            @app.before_request
            def load_user():
                global current_user
                current_user = session.get("uid")  # expect
            """,
            message="another request",
        ),
        # this request's user kept on the application, and a count in a dict on it
        Invalid(
            """
            from flask import Flask, current_app, session
            app = Flask(__name__)
            app.extensions["stats"] = {"requests": 0}

            @app.before_request
            def load_user():
                current_app.user = session.get("uid")  # expect
                current_app.extensions["stats"]["requests"] += 1  # expect
            """,
        ),
        # a global a helper sets from its argument, and fields added per request to a form class every request uses
        Invalid(
            """
            from flask import Flask, request
            from flask_wtf import FlaskForm
            from wtforms import StringField
            app = Flask(__name__)
            _locale = "en"

            class SurveyForm(FlaskForm):
                pass

            def set_locale(value):
                global _locale
                _locale = value  # expect

            @app.get("/survey/<int:survey_id>")
            def survey(survey_id):
                set_locale(request.args.get("lang", "en"))
                for question in load(survey_id):
                    setattr(SurveyForm, f"q{question}", StringField(question))  # expect
                return "ok"
            """,
        ),
        # A wrapper around views puts the client's choice into the shared config, then restores it.
        Invalid(
            """
            from functools import wraps
            from flask import Flask, current_app, jsonify, request
            app = Flask(__name__)

            def honour_indent(view):
                @wraps(view)
                def inner(*args, **kwargs):
                    current_app.config["JSONIFY_PRETTYPRINT_REGULAR"] = "pretty" in request.args  # expect
                    answer = view(*args, **kwargs)
                    current_app.config["JSONIFY_PRETTYPRINT_REGULAR"] = False
                    return answer
                return inner

            @app.get("/stats")
            @honour_indent
            def stats():
                return jsonify({"users": 3})
            """,
            message="writes this request's value into the application's config",
        ),
        # The request's tenant kept on a class (one object per process) and read back by a view.
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            class Current:
                tenant = None

            @app.before_request
            def pick_tenant():
                Current.tenant = request.headers.get("X-Tenant")  # expect

            @app.get("/invoices")
            def invoices():
                return {"tenant": Current.tenant}
            """,
            message="on class `Current`",
        ),
        # A hook inside the factory copies how this request arrived into the cookie settings of the whole
        # process: said as a note.
        Invalid(
            """
            from flask import Flask, request

            def create_app():
                app = Flask(__name__)

                @app.before_request
                def cookie_flags():
                    secure = request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"
                    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure  # expect

                return app
            """,
            message="writes this request's value",
        ),
        # A helper reads how the request arrived; a hook copies its answer into the shared config, also through
        # ``config.update(...)``: notes.
        Invalid(
            """
            from flask import Flask, current_app, request
            app = Flask(__name__)

            def behind_tls():
                return request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"

            @app.before_request
            def cookie_flags():
                current_app.config["SESSION_COOKIE_SECURE"] = bool(behind_tls())  # expect

            @app.before_request
            def url_scheme():
                tls = behind_tls()
                current_app.config.update(PREFERRED_URL_SCHEME="https" if tls else "http")  # expect
            """,
            message="writes this request's value",
        ),
    )

    def visit_Global(self, node: ast.Global, ctx: Context) -> None:
        if not ctx.in_request or ctx.function is None or ctx.is_test_code():
            return
        names = set(node.names)
        for stmt in ast.walk(ctx.function.node):
            target: ast.expr | None = None
            augmented = False
            if isinstance(stmt, ast.AugAssign):
                target, augmented = stmt.target, True
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                target = next((t for t in targets if isinstance(t, ast.Name) and t.id in names), None)
            if not (isinstance(target, ast.Name) and target.id in names):
                continue
            if _locked_statement(ctx.function.node, stmt):
                continue  # ``with _lock: total += 1``: one update at a time
            value = getattr(stmt, "value", None)
            if not augmented and value is not None and _reads_itself(target.id, value):
                augmented = True  # ``hits = hits + 1``: the same read-modify-write as ``+=``
            if not augmented and (value is None or not _request_value(ctx, value)):
                # lazy singletons and caches set once are not request state
                continue
            if augmented:
                message = (
                    f"`global {target.id}` updated with `{ast.unparse(stmt)[:60]}` in {describe_context(ctx)}: "
                    f"{_lost_updates(ctx)}"
                )
                hint = "Count in Redis (INCR) or the database; keep per-request data on `g`."
            else:
                message = (
                    f"`global {target.id}` assigned in {describe_context(ctx)}: the value is shared by every request "
                    f"the worker serves, so another request can read this request's `{target.id}`"
                )
                hint = "Store per-request data on `flask.g` (or use flask_login.current_user)."
            quiet = augmented and cooperative(ctx.project)
            ctx.report(
                self.finding(
                    ctx.location(stmt),
                    message,
                    hint=hint,
                    evidence=ctx.chain_evidence(REQUEST),
                    severity=min(self.effective_severity, Severity.NOTE) if quiet else None,
                )
            )

    call_names = frozenset({"setattr", "update", "set"})

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        """``setattr(SurveyForm, f"q{qid}", StringField(...))`` in request code: the class every request's
        forms are built from gains this request's fields."""
        if isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            self._config_update(node, node.func, ctx)
            return
        if isinstance(node.func, ast.Attribute) and node.func.attr == "set":
            if len(node.args) == 1 and not node.keywords:  # ``parameter.set(value)``; not a cache's set(key, value)
                self._request_value_on_shared_item(node, node.func.value, node.args[0], ctx)
            return
        if not (isinstance(node.func, ast.Name) and node.func.id == "setattr" and len(node.args) == 3):
            return
        fn = ctx.function
        if fn is None or not in_request_code(ctx) or not isinstance(node.args[0], ast.Name):
            return
        holder = node.args[0].id
        if holder in fn.local_names and holder not in fn.global_names:
            return  # a class built in this request (``class F(FlaskForm): pass`` inside the function)
        cls = ctx.project.classes.get(ctx.qualified(node.args[0]) or f"{ctx.module.name}.{holder}")
        if cls is None or not any(_request_value(ctx, a) for a in node.args[1:]):
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} changes class `{holder}`, which every "
                "request shares: the attribute this request adds stays on the class, so other requests (also "
                "concurrent ones) see it",
                hint="Build a subclass per request (`class F(SurveyForm): pass`, then `setattr(F, ...)`), or keep "
                "the value on the instance or on `flask.g`.",
                evidence=ctx.chain_evidence(REQUEST),
            )
        )

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        """``COUNTS[k] = COUNTS.get(k, 0) + 1``: the same read-modify-write as ``+=``, written the long way."""
        if len(node.targets) != 1:
            # ``app.config["A"] = app.config["B"] = value``: each entry gets this request's value
            for chained in node.targets:
                if isinstance(chained, ast.Subscript):
                    self._request_state_in_config(node, chained, ctx)
                    break  # one finding per statement
            return
        target = node.targets[0]
        if isinstance(target, ast.Attribute):
            name = dotted(target)
            if name and _reads_itself_dotted(name, node.value):
                self._shared_attribute(node, target, node.value, ctx)
            else:
                self._request_state_on_shared(node, target, ctx)
                self._request_state_on_app(node, target, ctx)
                self._request_state_on_class(node, target, ctx)
                self._request_value_on_shared_item(node, target.value, node.value, ctx)
            return
        if not isinstance(target, ast.Subscript):
            return
        name = dotted(target.value)
        if name and _reads_entry(name, target.slice, node.value):
            self._in_place(node, target, ctx)
        else:
            self._request_state_in_config(node, target, ctx)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: Context) -> None:
        """``STATS["hits"] += 1`` on a module-level dict: a read-modify-write without ``global``."""
        if isinstance(node.target, ast.Subscript):
            self._in_place(node, node.target, ctx)
        elif isinstance(node.target, ast.Attribute) and isinstance(node.op, (ast.Add, ast.Sub)):
            self._shared_attribute(node, node.target, node.value, ctx)

    def _shared_attribute(
        self, node: ast.AugAssign | ast.Assign, target: ast.Attribute, value: ast.expr, ctx: Context
    ) -> None:
        """``self.count += 1`` where ``self`` is the instance whose closures serve the routes."""
        if not in_request_code(ctx) or ctx.function is None or not isinstance(target.value, ast.Name):
            return
        shared = route_serving_selves(ctx.project).get(ctx.function.qualname)
        if shared is None or target.value.id != shared.name:
            return
        number = isinstance(value, ast.Constant) and isinstance(value.value, (int, float))
        if not number and not numeric_attribute(ctx.project, shared.class_qual, target.attr):
            return  # ``self.items += [x]`` or ``self.text += s``: not a counter we can tell
        if _under_lock(ctx) or _on_greenlets(ctx, shared):
            return
        cls = shared.class_qual.rsplit(".", 1)[-1]
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} updates `{target.attr}` on the `{cls}` "
                f"instance every request shares ({shared.reason()}): two requests on the worker's threads can read "
                "the same value before either writes it back, so an update is lost (two requests get the same number)",
                hint="Take a `threading.Lock` around the read and the update (or use `itertools.count()`), "
                "or count in Redis/the database when several processes serve the app.",
                evidence=[
                    Evidence(shared.evidence_text(), shared.view.location),
                    *ctx.chain_evidence(REQUEST),
                ],
            )
        )

    def _request_state_on_shared(self, node: ast.Assign, target: ast.Attribute, ctx: Context) -> None:
        """``self.filesize = ...`` chosen per request on the instance every request shares, and read back."""
        fn = ctx.function
        if fn is None or ctx.is_test_code() or "before_first_request" in fn.roles:
            return
        shared = route_serving_selves(ctx.project).get(fn.qualname)
        if shared is None:
            return
        chain = _self_chain(target, shared.name)
        if chain is None:
            return
        loop = _own_loop_flag(fn.node, node) if _constant(node.value) else None
        if loop is not None:
            self._loop_flag_on_shared(node, loop, chain, shared, ctx)
            return
        why = _per_request_value(ctx, node, shared.name)
        if why is None or _under_lock(ctx) or _lazily_set(ctx, shared.name, chain[0]) or _written_before(ctx, node):
            return
        read = read_back(ctx.project, shared, chain[0], node, fn.module.path)
        if read is None:
            return  # nothing reads it back: a record, not state a request relies on
        cls = shared.class_qual.rsplit(".", 1)[-1]
        attr = ".".join(chain)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} stores {why} in `{attr}` on the `{cls}` "
                f"instance every request shares ({shared.reason()}): a concurrent request on the worker's threads "
                f"can replace it before this one reads `{chain[0]}` back, so one request acts on another's value",
                hint="Keep per-request values in locals (pass them as arguments) or on `flask.g`; build per-request "
                "objects (an OAuth session, a response status) inside the request.",
                severity=min(self.effective_severity, Severity.NOTE) if _on_greenlets(ctx, shared) else None,
                evidence=[
                    Evidence(shared.evidence_text(), shared.view.location),
                    Evidence(f"`{chain[0]}` read back here", read),
                    *ctx.chain_evidence(REQUEST),
                ],
            )
        )

    def _loop_flag_on_shared(
        self, node: ast.Assign, loop: ast.While, chain: list[str], shared: SharedSelf, ctx: Context
    ) -> None:
        """``self.web.done = False`` then ``while not self.web.done: ... self.web.done = True``: this request's
        loop keeps its stop flag on the instance every request shares, so a concurrent request that finishes
        its own loop (or resets the flag) ends or prolongs this one."""
        if _under_lock(ctx) or _lazily_set(ctx, shared.name, chain[0]):
            return
        cls = shared.class_qual.rsplit(".", 1)[-1]
        attr = ".".join(chain)
        ctx.report(
            self.finding(
                ctx.location(loop),
                f"`while {ast.unparse(loop.test)[:50]}` in {describe_context(ctx)} is stopped by `{attr}` on the "
                f"`{cls}` instance every request shares ({shared.reason()}), which this request sets before the "
                "loop and inside it: a concurrent request running the same loop sets it too, so one request's "
                "end stops the other's loop early (a download cut short of its length) or keeps it going",
                hint="Keep the loop's flag in a local variable; only a signal meant for every request (a cancel "
                "button) belongs on the shared instance.",
                severity=min(self.effective_severity, Severity.NOTE) if _on_greenlets(ctx, shared) else None,
                evidence=[
                    Evidence(shared.evidence_text(), shared.view.location),
                    Evidence(f"`{attr}` set before the loop here", ctx.location(node)),
                    *ctx.chain_evidence(REQUEST),
                ],
            )
        )

    def _request_state_on_app(self, node: ast.Assign, target: ast.Attribute, ctx: Context) -> None:
        """``current_app.user = load(session["uid"])``: this request's value on the application object."""
        fn = ctx.function
        if fn is None or not in_request_code(ctx) or not _request_value(ctx, node.value):
            return
        path = shared_path(ctx.project, ctx.module.name, fn, target)
        if path is None or path.root != APP or len(path.steps) != 1:
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} stores this request's value on the "
                f"application object, which every request the worker serves shares: another request can read "
                f"this request's `{target.attr}`",
                hint="Store per-request data on `flask.g` (or use flask_login.current_user).",
                evidence=ctx.chain_evidence(REQUEST),
            )
        )

    def _request_state_on_class(self, node: ast.Assign, target: ast.Attribute, ctx: Context) -> None:
        """``RequestState.user = request.headers["X-User"]``: this request's value on a class of the project, which
        is one object for the whole process (like a module global), read back elsewhere as ``RequestState.user``."""
        fn = ctx.function
        if fn is None or ctx.is_test_code() or not isinstance(target.value, ast.Name):
            return
        holder = target.value.id
        if holder in fn.local_names or holder in ("self", "cls") or not in_request_code(ctx):
            return
        qualified = f"{ctx.module.name}.{holder}"
        if qualified not in ctx.project.classes:
            qualified = ctx.project.canonical(fn.imports.qualify(holder) or holder)
        cls = ctx.project.classes.get(qualified)
        if cls is None or not _request_value(ctx, node.value):
            return
        if not _class_attribute_read(ctx.project, cls.name, target.attr):
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} stores this request's value on class "
                f"`{cls.name}`, one object every request the worker serves shares: another request, also a "
                f"concurrent one, reads this request's `{target.attr}`",
                hint="Store per-request data on `flask.g` (or use flask_login.current_user).",
                evidence=ctx.chain_evidence(REQUEST),
            )
        )

    def _request_value_on_shared_item(self, node: ast.AST, item: ast.expr, value: ast.expr, ctx: Context) -> None:
        """``for parameter in settings.PARAMETERS: parameter.set(request.values[parameter.id])``: this request's
        value written into an object a module-level container holds, which every later request of the worker
        (any user's) then reads as its own default."""
        fn = ctx.function
        if fn is None or not isinstance(item, ast.Name) or ctx.is_test_code() or not in_request_code(ctx):
            return
        container = _looped_container(ctx, fn.node, item.id)
        if container is None or not _request_value(ctx, value):
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} writes this request's value into an item of "
                f"{container.where} {container.kind} `{container.name}`, which every request the worker serves "
                "shares: later requests (other users', concurrent ones too) start from this request's value",
                hint="Copy the items first (`copy.deepcopy(...)`) and change the copy, or keep the value on `flask.g`.",
                evidence=[*container_evidence(container), *ctx.chain_evidence(REQUEST)],
            )
        )

    def _request_state_in_config(self, node: ast.Assign, target: ast.Subscript, ctx: Context) -> None:
        """``current_app.config["JSONIFY_PRETTYPRINT_REGULAR"] = request.args.get("pretty") == "1"``: this
        request's choice in the configuration every request of the process reads."""
        fn = ctx.function
        if fn is None or not in_request_code(ctx) or ctx.is_test_code():
            return
        value = node.value.test if isinstance(node.value, ast.IfExp) else node.value
        if not (_request_value(ctx, value) or _request_value(ctx, node.value) or _asks_the_request(ctx, node.value)):
            return
        path = shared_path(ctx.project, ctx.module.name, fn, target)
        if path is None or path.root != APP or len(path.steps) != 2 or path.steps[0] != "config":
            return
        overrides = _written_again(fn.node, target) or _wraps_a_view(fn)
        if not (overrides or fn.roles & _EVERY_REQUEST_HOOKS):
            return  # a settings page changing the configuration for everyone does so on purpose
        ctx.report(
            self.finding(
                ctx.location(node),
                _config_write_message(node, ctx),
                hint="Pass the per-request choice to the code that needs it (an argument, `flask.g`) instead of "
                "changing `app.config`.",
                evidence=ctx.chain_evidence(REQUEST),
                # a hook may only copy what a proxy sends alike on every request: a note
                severity=None if overrides else min(self.effective_severity, Severity.NOTE),
            )
        )

    def _config_update(self, node: ast.Call, func: ast.Attribute, ctx: Context) -> None:
        """``current_app.config.update(SESSION_COOKIE_SECURE=request.is_secure)`` in a hook Flask runs around
        every request: the keyword form of a per-request config write (said as a note, like the assignment)."""
        fn = ctx.function
        if fn is None or ctx.is_test_code() or not fn.roles & _EVERY_REQUEST_HOOKS or not in_request_code(ctx):
            return
        path = shared_path(ctx.project, ctx.module.name, fn, func.value)
        if path is None or path.root != APP or tuple(path.steps) != ("config",):
            return
        values = [kw.value for kw in node.keywords if kw.arg] + [
            v for arg in node.args if isinstance(arg, ast.Dict) for v in arg.values
        ]
        if not any(_request_value(ctx, v) or _asks_the_request(ctx, v) for v in values):
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                _config_write_message(node, ctx),
                hint="Pass the per-request choice to the code that needs it (an argument, `flask.g`) instead of "
                "changing `app.config`; set cookie flags once from configuration.",
                evidence=ctx.chain_evidence(REQUEST),
                severity=min(self.effective_severity, Severity.NOTE),
            )
        )

    def _in_place(self, node: ast.AugAssign | ast.Assign, target: ast.Subscript, ctx: Context) -> None:
        if not in_request_code(ctx) or ctx.function is None:
            return
        container = module_container_for(ctx, target.value)
        if container is None or container.kind not in ("dict", "defaultdict", "Counter", "OrderedDict"):
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} updates {container.where} {container.kind} "
                f"`{container.name}` in place: {_lost_updates(ctx)}",
                severity=min(self.effective_severity, Severity.NOTE) if cooperative(ctx.project) else None,
                hint="Count in Redis (INCR/HINCRBY) or the database.",
                evidence=[
                    *container_evidence(container),
                    *ctx.chain_evidence(REQUEST),
                ],
            )
        )


def _looped_container(ctx: Context, fn_node: ast.AST, name: str, depth: int = 0) -> ModuleContainer | None:
    """The module-level container whose items the local ``name`` walks: ``for name in SHARED`` (also
    ``SHARED.values()``), or a loop over such an item (``for group, items in SHARED: for name in items``).
    A name the function binds any other way (``name = copy.deepcopy(...)``) is its own object."""
    loops = [
        n
        for n in ast.walk(fn_node)
        if isinstance(n, (ast.For, ast.AsyncFor))
        and name in {t.id for t in ast.walk(n.target) if isinstance(t, ast.Name)}
    ]
    if len(loops) != 1 or depth > 2 or _bound_otherwise(fn_node, name, loops[0]):
        return None
    source = loops[0].iter
    if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) and not source.args:
        if source.func.attr not in ("values", "items"):
            return None
        source = source.func.value
    if isinstance(source, ast.Name) and any(
        isinstance(n, (ast.For, ast.AsyncFor))
        and any(isinstance(t, ast.Name) and t.id == source.id for t in ast.walk(n.target))
        for n in ast.walk(fn_node)
    ):
        return _looped_container(ctx, fn_node, source.id, depth + 1)
    if not isinstance(source, (ast.Name, ast.Attribute)):
        return None
    container = module_container_for(ctx, source)
    return container if container is not None and container.kind in ("list", "tuple", "dict", "OrderedDict") else None


def _bound_otherwise(fn_node: ast.AST, name: str, loop: ast.For | ast.AsyncFor) -> bool:
    """``name`` is also assigned, a parameter, or a ``with``/comprehension target in the function."""
    for node in ast.walk(fn_node):
        if isinstance(node, ast.arg) and node.arg == name:
            return True
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            if not any(node is t for t in ast.walk(loop.target)):
                return True
    return False


def _request_value(ctx: Context, value: ast.expr) -> bool:
    """Request data, read here or passed in by a caller in request code (``set_locale(request.args["lang"])``)."""
    fn = ctx.function
    assert fn is not None
    return request_derived(ctx.project, value, fn) or fed_request_data(ctx.project, fn, value) is not None


def _asks_the_request(ctx: Context, value: ast.expr) -> bool:
    """``value`` calls a project function that reads ``flask.request`` itself (``is_https()`` returning
    ``request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"``), directly or through a
    local it was assigned to earlier in the function (``secure = is_https()``)."""
    fn = ctx.function
    assert fn is not None
    exprs: list[ast.expr] = [value]
    names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for stmt in ast.walk(fn.node):
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id in names for t in stmt.targets):
            exprs.append(stmt.value)
    for expr in exprs:
        for call in ast.walk(expr):
            if not isinstance(call, ast.Call):
                continue
            helper = ctx.project.resolve_function(dotted(call.func) or "", fn, ctx.module)
            if helper is not None and helper is not fn and _reads_request(helper):
                return True
    return False


def _reads_request(fn: FunctionInfo) -> bool:
    """The function's own body uses ``flask.request``: ``request.is_secure``, or ``from flask import request``
    inside the function (then read through a local, ``getattr(req, "is_secure")``)."""
    for node in ast.walk(fn.node):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            if any(alias.name == "request" for alias in node.names):
                return True
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (fn.imports.qualify(node.value.id) or "") == "flask.request":
                return True
        elif isinstance(node, ast.Attribute) and dotted(node.value) == "flask.request":
            return True
    return False


def _written_again(fn_node: ast.AST, target: ast.Subscript) -> bool:
    """The function writes the same entry twice (set for this request, then put back): a per-request override."""
    text = ast.unparse(target)
    writes = sum(
        1
        for stmt in ast.walk(fn_node)
        if isinstance(stmt, ast.Assign) and any(ast.unparse(t) == text for t in stmt.targets)
    )
    return writes >= 2


#: Hooks Flask runs around every request: a config write there is made for each request, not by an admin.
_EVERY_REQUEST_HOOKS = frozenset({"before_request", "before_app_request", "after_request", "after_app_request"})


def _class_attribute_read(project: Project, class_name: str, attr: str) -> bool:
    """Some code of the project reads ``ClassName.attr`` (not only the write itself)."""
    for module in project.modules.values():
        if class_name not in module.text:
            continue
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Load)
                and node.attr == attr
                and isinstance(node.value, ast.Name)
                and node.value.id == class_name
            ):
                return True
    return False


def _wraps_a_view(fn: FunctionInfo) -> bool:
    """``fn`` is a decorator's wrapper: it calls a parameter of the function that defines it (the view)."""
    parent = fn.parent
    if parent is None:
        return False
    params = {a.arg for a in parent.node.args.posonlyargs + parent.node.args.args + parent.node.args.kwonlyargs}
    return any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in params
        for call in ast.walk(fn.node)
    )


def _lost_updates(ctx: Context) -> str:
    """What goes wrong with a shared counter: lost updates under threads, per-process counts always."""
    if cooperative(ctx.project):
        return (
            "under gevent/eventlet nothing interrupts the update, but each worker process counts only its own "
            "requests (note: only wrong with several workers)"
        )
    return "concurrent requests lose updates, and each worker process counts only its own requests"


def _reads_itself(name: str, value: ast.expr) -> bool:
    """``name + 1`` / ``1 + name``: the new value is computed from the old one (``x = x or make()`` is a lazy
    initialisation, not a counter)."""
    return isinstance(value, ast.BinOp) and any(
        isinstance(side, ast.Name) and side.id == name for side in (value.left, value.right)
    )


def _reads_itself_dotted(name: str, value: ast.expr) -> bool:
    """``self.n + 1``: the new value of the attribute is computed from its old one."""
    return isinstance(value, ast.BinOp) and any(
        isinstance(side, ast.Attribute) and dotted(side) == name for side in (value.left, value.right)
    )


#: Words naming a lock in ``with self._lock:`` / ``with counter_mutex:``.
_LOCK_WORDS = ("lock", "mutex", "semaphore")


#: Flask-SocketIO servers that run requests on greenlets.
_GREENLET_MODES = ("gevent", "gevent_uwsgi", "eventlet")


def _on_greenlets(ctx: Context, shared: SharedSelf) -> bool:
    """Requests run on greenlets, which only switch at I/O: nothing interrupts ``self.n += 1``.

    gevent/eventlet workers or monkey-patching (:func:`cooperative`), or an
    instance that also registers Flask-SocketIO handlers when the project's
    SocketIO server runs on gevent/eventlet (``socketio.run`` serves its routes).
    """
    if cooperative(ctx.project):
        return True
    socket_handlers = any(
        "socketio" in name and name.rsplit(".", 1)[-1] in ("on", "on_event", "event")
        for fn in ctx.project.functions.values()
        if fn.parent is shared.setup
        for name in fn.decorators
    )
    return socket_handlers and any(use.async_mode in _GREENLET_MODES for use in socketio_uses(ctx.project))


def _under_lock(ctx: Context) -> bool:
    """The update runs inside ``with <lock>:``, or the function acquires a lock itself."""
    for node in ctx.ancestors:
        if isinstance(node, (ast.With, ast.AsyncWith)):
            if any(_names_lock(item.context_expr) for item in node.items):
                return True
    fn = ctx.function
    return fn is not None and any(name.rsplit(".", 1)[-1] == "acquire" for name, _call in fn.calls)


def _locked_statement(fn_node: ast.AST, stmt: ast.stmt) -> bool:
    """``stmt`` sits inside a ``with <lock>:`` block of the function (``visit_Global`` walks the whole body,
    so the ancestors of the walk are not the statement's)."""
    for node in ast.walk(fn_node):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(_names_lock(item.context_expr) for item in node.items):
            if any(inner is stmt for body in node.body for inner in ast.walk(body)):
                return True
    return False


def _names_lock(expr: ast.expr) -> bool:
    target = expr.func if isinstance(expr, ast.Call) else expr
    return any(word in (dotted(target) or "").lower() for word in _LOCK_WORDS)


def _self_chain(target: ast.Attribute, name: str) -> list[str] | None:
    """``self.a`` -> ``["a"]``, ``self.a.b`` -> ``["a", "b"]``; None for anything else."""
    chain = [target.attr]
    value = target.value
    if isinstance(value, ast.Attribute):
        chain.insert(0, value.attr)
        value = value.value
    return chain if isinstance(value, ast.Name) and value.id == name else None


def _constant(value: ast.expr) -> bool:
    """A literal the same in every request (``""``, ``None``, ``[]``, ``0``)."""
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return not value.elts
    return isinstance(value, ast.Dict) and not value.keys


def _per_request_value(ctx: Context, node: ast.Assign, self_name: str) -> str | None:
    """What makes the stored value this request's: request data, an argument of this call, or a branch
    that assigns the same attribute otherwise (``if gzip: self.size = a else: self.size = b``)."""
    fn = ctx.function
    if fn is None or _constant(node.value):
        return None
    if request_derived(ctx.project, node.value, fn):
        return "request data"
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {self_name}
    used = sorted({n.id for n in ast.walk(node.value) if isinstance(n, ast.Name) and n.id in params})
    if used:
        return f"this call's `{used[0]}`"
    target = ast.dump(node.targets[0])
    for parent in ctx.ancestors:
        if isinstance(parent, ast.If) and parent.orelse:
            other = parent.orelse if node in parent.body else parent.body
            if any(isinstance(s, ast.Assign) and any(ast.dump(t) == target for t in s.targets) for s in other):
                return "a value the request picks"
            break
    return None


def _own_loop_flag(fn_node: ast.AST, node: ast.Assign) -> ast.While | None:
    """The ``while`` loop after ``node`` in the same function whose test reads the attribute ``node`` sets and
    whose body sets it again: the loop's own stop flag (``self.done = False``, ``while not self.done:``, ``self.done
    = True`` at the end of the data)."""
    target = ast.dump(node.targets[0])
    for loop in ast.walk(fn_node):
        if not isinstance(loop, ast.While) or loop.lineno <= node.lineno:
            continue
        if not any(ast.dump(n) == target.replace("ctx=Store()", "ctx=Load()") for n in ast.walk(loop.test)):
            continue
        if any(
            isinstance(s, ast.Assign) and s is not node and any(ast.dump(t) == target for t in s.targets)
            for stmt in loop.body
            for s in ast.walk(stmt)
        ):
            return loop
    return None


def _lazily_set(ctx: Context, self_name: str, attr: str) -> bool:
    """The write is guarded by a test of the attribute itself (``if self._client is None:``): set once."""
    for parent in ctx.ancestors:
        if isinstance(parent, (ast.If, ast.While)):
            for n in ast.walk(parent.test):
                if isinstance(n, ast.Attribute) and n.attr == attr and dotted(n.value) == self_name:
                    return True
                if isinstance(n, ast.Call) and dotted(n.func) == "hasattr":
                    return True
    return False


def _written_before(ctx: Context, node: ast.Assign) -> bool:
    """The function already assigns the same attribute earlier (one finding per attribute and function)."""
    fn = ctx.function
    assert fn is not None
    target = ast.dump(node.targets[0])
    return any(
        isinstance(s, ast.Assign)
        and s.lineno < node.lineno
        and any(ast.dump(t) == target for t in s.targets)
        and not _constant(s.value)
        for s in ast.walk(fn.node)
    )


def _reads_entry(name: str, key: ast.expr, value: ast.expr) -> bool:
    """``D.get(k, 0) + 1`` / ``D[k] + 1``: the new entry is computed from the old entry (same dict, same key)."""
    if not isinstance(value, ast.BinOp):
        return False
    wanted = ast.dump(key)
    for side in (value.left, value.right):
        if isinstance(side, ast.Subscript) and dotted(side.value) == name and ast.dump(side.slice) == wanted:
            return True
        if (
            isinstance(side, ast.Call)
            and isinstance(side.func, ast.Attribute)
            and side.func.attr == "get"
            and dotted(side.func.value) == name
            and side.args
            and ast.dump(side.args[0]) == wanted
        ):
            return True
    return False


def _config_write_message(node: ast.AST, ctx: Context) -> str:
    """What a per-request write into ``app.config`` does (an assignment or ``config.update(...)``)."""
    return (
        f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} writes this request's value into the application's "
        "config, which every request the worker serves reads: a concurrent request runs with this request's "
        "setting, and it stays until something writes it back"
    )

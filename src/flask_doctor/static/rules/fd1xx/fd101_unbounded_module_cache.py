"""FD101 unbounded-module-cache: Module-level container grows on every request and is never evicted."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.flows import fed_along_request_chain, fed_request_data
from flask_doctor.static.facts.guards import allow_listed
from flask_doctor.static.facts.shared_containers import built_once
from flask_doctor.static.facts.state import (
    GROWING_METHODS,
    adding_attributes,
    container_evidence,
    filled_once,
    fixed_choice,
    in_request_code,
    keyed_by_user,
    login_flow,
    module_container_for,
)
from flask_doctor.static.facts.taint import request_varied
from flask_doctor.static.model import REQUEST
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

#: Containers a missing key is added to by reading it (``HITS[path] += 1``).
_MISSING_KEY_ADDED = ("Counter", "defaultdict")
_OPS = {ast.Add: "+=", ast.Sub: "-=", ast.BitOr: "|="}


class UnboundedModuleCache(Rule):
    """
    ## What it does
    Finds module-level dicts, lists and sets (and containers in a class
    body, shared the same way) that request code adds to and nothing ever
    removes from: `D[key] = ...`, `.append`/`.add`/`.setdefault`/`.update`,
    `S |= ...`, and `HITS[key] += 1` or `HISTORY[key].append(...)` on a
    `Counter`/`defaultdict` (reading a missing key adds it). The key may be
    read from the request where the container is written, passed in by a
    request-code caller of the helper that writes it, or made up by the
    request code itself (`job_id = uuid.uuid4().hex`,
    `secrets.token_urlsafe()`): a job or ticket store filled on every POST
    and never emptied gains one entry per request.

    Containers every request reaches through an object count the same:
    on the application (`app.previews = {}` in the factory or module, read
    as `current_app.previews`; `app.extensions["audit"] = {"seen": {}}`;
    `app.config["SEEN"] = {}` used as a store), on an object the process
    builds once (`tracker = Tracker()` at module level or in the factory,
    with `self.visits = {}` in `__init__`, filled through `tracker.visits`
    or its own methods' `self.visits`), and in a class body reached through
    `self`/`cls`. An object is built once when every call of its class is
    set-up code: module level, the app factory, a helper only start-up runs
    (`storage.setup()` called from `create_app`), the constructor of another
    object built once, or a class method called at import through a
    class-body alias (`index_cls = Index`). The key may also come from a
    request several calls up (a view passes a URL parameter to a service,
    which passes it to the store). For such objects only a removal that
    bounds the size counts: `clear`/`popitem`/a `len()` check, or removing
    keys the object picks itself (a sweep over its entries); deleting the one
    key a caller names (an expired key dropped when it is read again, an
    explicit invalidation) leaves every other key in place. Reading
    `self.locks[name]` reports too when the object's `__getitem__` stores
    every key it is asked for (a registry of per-name locks). A mutable
    default argument used as a memo (`def preview_of(link, _cache={})`)
    counts too: Python builds the default once, when the `def` runs, and
    every call that does not pass its own shares it.

    ## Why is this bad?
    A module-level container lives as long as the worker process. When a
    view or a helper it calls stores something per request
    (`CACHE[user_id] = profile`, `SEEN.append(path)`), the container grows
    with every distinct request until the worker runs out of memory or is
    killed. Registries filled at import time, constants that views only
    read, caches that evict entries, lists a function fills once behind an
    early return (`if _names: return _names`), and dicts keyed by the logged-in
    user's identity (`LAST[current_user.id] = ...`: one entry per account,
    replaced on each request), and keys from a fixed set (`request.endpoint`,
    `request.method`, a value checked first with `if lang not in
    LANGUAGES: abort(404)`, a member of one of the project's enums,
    `Theme(request.args["t"])`, which raises for any other value, or the
    language `request.accept_languages.best_match(LANGUAGES)` picks) are
    fine and are not reported. Nor are
    bounded caches or extension objects kept on the app
    (`app.previews = TTLCache(...)`, `app.cache = Cache(app)`), data on `g`
    (gone with the request), a dict on the app emptied in
    `teardown_request`, or a dict on an instance built per request. A container
    that grows only in a login or sign-up flow (one token per successful
    login) grows far more slowly than the traffic: that is a note.

    ## Example
    ```python
    _profiles = {}

    @app.get("/users/<int:user_id>")
    def profile(user_id):
        _profiles[user_id] = load_profile(user_id)
        return _profiles[user_id]
    ```

    ## Use instead
    ```python
    from cachetools import TTLCache

    _profiles = TTLCache(maxsize=10_000, ttl=300)
    ```
    or Flask-Caching / Redis with a timeout.

    ## Fix safety
    No automatic fix: choosing a bound and a lifetime is a design decision.

    ## References
    - Python docs: `functools.lru_cache` (maxsize), cachetools `TTLCache`
    - Flask-Caching: https://flask-caching.readthedocs.io/
    """

    code = "FD101"
    name = "unbounded-module-cache"
    severity = Severity.WARNING
    catalog = ("S11", "S16")
    summary = "Module-level container grows on every request and is never evicted."

    call_names = GROWING_METHODS

    VALID = (
        # the job store drops each job once its result is collected
        Valid("""
            import uuid
            from flask import Flask
            app = Flask(__name__)
            RENDERS = {}

            @app.post("/renders")
            def start_render():
                render_id = uuid.uuid4().hex
                RENDERS[render_id] = {"state": "queued"}
                return {"id": render_id}, 202

            @app.get("/renders/<render_id>")
            def collect(render_id):
                return RENDERS.pop(render_id, {"state": "unknown"})
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            HANDLERS = {}

            def register(name):
                def deco(fn):
                    HANDLERS[name] = fn
                    return fn
                return deco

            @register("csv")
            def export_csv():
                pass

            @app.get("/export/<kind>")
            def export(kind):
                return HANDLERS[kind]()
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            _cache = {}

            @app.get("/item/<key>")
            def item(key):
                if len(_cache) > 1000:
                    _cache.clear()
                _cache[key] = compute(key)
                return _cache[key]
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            STATS = {"hits": 0}

            @app.get("/")
            def index():
                seen = []
                seen.append(1)
                return str(STATS["hits"])
            """),
        Valid("""
            import logging
            from flask import Flask
            app = Flask(__name__)
            log = logging.getLogger(__name__)
            _warned = set()

            def warn_deprecated(endpoint):
                if endpoint not in _warned:
                    _warned.add(endpoint)
                    log.warning("%s is deprecated", endpoint)

            @app.get("/old")
            def old():
                warn_deprecated("old")
                return "ok"
            """),
        # A list of configured names built on first use: the early return keeps it from growing again.
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            _executor_names = []

            def executor_names():
                if _executor_names:
                    return _executor_names
                for name in app.config["EXECUTORS"].split(","):
                    _executor_names.append(name.strip())
                return _executor_names

            @app.get("/executors")
            def executors():
                return {"names": executor_names()}
            """),
        # The last search of each user, replaced on every search: one entry per account.
        Valid("""
            from flask import Flask, request
            from flask_login import current_user
            app = Flask(__name__)
            last_search = {}

            def remember_results(ids):
                last_search[current_user.id] = ids

            @app.get("/search")
            def search():
                remember_results(find(request.args["q"]))
                return "ok"
            """),
        # Keys from a fixed set: the endpoint, and a language checked against the supported ones first.
        Valid("""
            from flask import Flask, abort, request
            app = Flask(__name__)
            LANGUAGES = ("en", "de")
            _timings = {}
            _catalogues = {}

            def remember(endpoint, seconds):
                _timings[endpoint] = seconds

            @app.after_request
            def timing(response):
                remember(request.endpoint, 0.1)
                return response

            @app.get("/<lang>/help")
            def help_page(lang):
                if lang not in LANGUAGES:
                    abort(404)
                _catalogues[lang] = load(lang)
                return _catalogues[lang]
            """),
        # Kept on the app but bounded, emptied at the end of each request, or filled at start-up only.
        Valid("""
            from cachetools import TTLCache
            from flask import Flask, current_app, request
            app = Flask(__name__)

            def create_app():
                application = Flask(__name__)
                application.previews = TTLCache(maxsize=512, ttl=600)
                application.extensions["exporters"] = {"csv": export_csv}
                application.memo = {}
                return application

            @app.get("/preview/<kind>")
            def preview(kind):
                url = request.args["url"]
                current_app.previews[url] = fetch(url)
                current_app.memo[url] = fetch(url)
                return current_app.extensions["exporters"][kind](current_app.previews[url])

            @app.teardown_request
            def forget(exc):
                current_app.memo.clear()
            """),
        # An object built once whose dict is bounded by a size check, and one built for each request.
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)

            class RecentIds:
                def __init__(self, limit):
                    self.limit = limit
                    self.seen = {}

                def note(self, key):
                    if len(self.seen) >= self.limit:
                        self.seen.popitem()
                    self.seen[key] = True

            class Draft:
                def __init__(self):
                    self.fields = {}

                def set(self, name, value):
                    self.fields[name] = value

            recent = RecentIds(500)

            @app.post("/drafts/<draft_id>")
            def save(draft_id):
                recent.note(draft_id)
                draft = Draft()
                draft.set(request.form["field"], request.form["value"])
                return "ok"
            """),
        # Keys converted to a member of the project's enumeration first (an unknown value raises), a default
        # dict every caller replaces with its own, and one emptied when it gets large.
        Valid("""
            import enum
            from flask import Flask, request
            app = Flask(__name__)

            class Theme(enum.Enum):
                LIGHT = "light"
                DARK = "dark"

            _stylesheets = {}

            def collect(rows, into={}):
                for row in rows:
                    into[row] = True
                return into

            def shorten(url, _seen={}):
                if len(_seen) > 500:
                    _seen.clear()
                _seen[url] = url[:20]
                return _seen[url]

            @app.get("/theme.css")
            def stylesheet():
                theme = Theme(request.args.get("t", "light"))
                if theme not in _stylesheets:
                    _stylesheets[theme] = build_css(theme)
                marks = collect(request.args.getlist("mark"), {})
                return _stylesheets[theme] + shorten(request.args["u"]) + str(len(marks))

            _greetings = {}
            _regions = {}

            @app.get("/hello/<int:visits>")
            def hello(visits):
                lang = request.accept_languages.best_match(["en", "fr"]) or "en"
                _greetings[lang] = visits
                _regions[app.config["REGION"]] = visits
                return str(_greetings[lang])
            """),
        Valid("""
            import click
            LOADED = []

            @click.command()
            def load():
                LOADED.append(1)
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            _profiles = {}

            @app.get("/users/<int:user_id>")
            def profile(user_id):
                _profiles[user_id] = load(user_id)  # expect
                return _profiles[user_id]
            """,
            message="_profiles",
        ),
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)
            REQUEST_LOG = []

            def remember(path):
                REQUEST_LOG.append(path)  # expect

            @app.route("/")
            def index():
                remember(request.path)
                return "ok"
            """,
            message="called from",
        ),
        Invalid(
            """
            from flask import Flask, request
            from flask_login import current_user
            app = Flask(__name__)
            searched = {}
            terms = set()

            @app.get("/search")
            def search():
                terms.add(request.args["q"])  # expect
                return "ok"
            """,
            message="terms",
        ),
        # a job store keyed by an id each request makes up, and never emptied
        Invalid(
            """
            import uuid
            from flask import Flask, request
            app = Flask(__name__)
            RENDERS = {}

            @app.post("/renders")
            def start_render():
                render_id = uuid.uuid4().hex
                RENDERS[render_id] = {"state": "queued", "scene": request.json["scene"]}  # expect
                queue_render(render_id)
                return {"id": render_id}, 202
            """,
            message="RENDERS",
        ),
        # A helper fed the client's address, a Counter and a defaultdict whose missing keys reading adds,
        # a set grown with ``|=``, and a dict on a class every request shares.
        Invalid(
            """
            from collections import Counter, defaultdict
            from flask import Flask, request
            app = Flask(__name__)
            _geo = {}
            HITS = Counter()
            HISTORY = defaultdict(list)
            TAGS = set()

            class Sessions:
                active = {}

            def country(address):
                if address not in _geo:
                    _geo[address] = lookup(address)  # expect
                return _geo[address]

            @app.post("/r/<slug>")
            def visit(slug):
                global TAGS
                HITS[request.path] += 1  # expect
                HISTORY[slug].append(country(request.remote_addr))  # expect
                TAGS |= set(request.json["tags"])  # expect
                Sessions.active[request.json["client"]] = slug  # expect
                return "ok"
            """,
            message="called from",
        ),
        # Values a Flask-RESTful parser and a flask-restx namespace take from the request.
        Invalid(
            """
            from flask import Flask
            from flask_restful import reqparse
            from flask_restx import Api, Namespace, Resource
            app = Flask(__name__)
            api = Api(app)
            ns = Namespace("items")
            parser = reqparse.RequestParser()
            SEEN = set()
            STORE = {}

            @ns.route("/items")
            class Items(Resource):
                def get(self):
                    SEEN.add(parser.parse_args()["q"])  # expect
                    return "ok"

                def post(self):
                    STORE[ns.payload["name"]] = ns.payload  # expect
                    return "ok"
            """,
        ),
        # Containers on the application and on an object built once per process.
        Invalid(
            """
            from flask import Flask, current_app, request
            app = Flask(__name__)

            class Tracker:
                def __init__(self):
                    self.visits = {}

                def visit(self, page):
                    self.visits[page] = 1  # expect

            tracker = Tracker()

            def create_app():
                application = Flask(__name__)
                application.thumbs = {}
                application.extensions["audit"] = {"seen": set()}
                return application

            @app.get("/p/<path:page>")
            def page(page):
                current_app.thumbs[page] = render(page)  # expect
                current_app.extensions["audit"]["seen"].add(request.remote_addr)  # expect
                tracker.visit(page)
                return "ok"
            """,
        ),
        # A store a set-up helper builds for the factory, fed a client address two calls up; expired keys
        # go only when read again. And a singleton whose lock registry adds a lock for each name asked for.
        Invalid(
            """
            import threading
            import time
            from flask import Flask, request

            class TimedStore:
                def __init__(self):
                    self.items = {}

                def put(self, key, value, seconds):
                    self.items[key] = (value, time.time() + seconds)  # expect

                def take(self, key):
                    value, until = self.items.get(key, (None, 0))
                    if until < time.time():
                        self.items.pop(key, None)
                        return None
                    return value

            _timed = None

            def start_store():
                global _timed
                _timed = TimedStore()

            def timed() -> TimedStore:
                return _timed

            def note_client(address):
                store = timed()
                store.put(f"client:{address}", 1, 300)

            class LockBook:
                def __init__(self):
                    self._held = {}

                def __getitem__(self, name):
                    if name not in self._held:
                        self._held[name] = threading.Lock()
                    return self._held[name]

            class Fetcher:
                def __init__(self):
                    self._locks = LockBook()

                def fetch(self, name):
                    with self._locks[name]:  # expect
                        return name.upper()

            fetcher = Fetcher()

            def ping():
                note_client(request.remote_addr)
                return "pong"

            def project(name):
                return fetcher.fetch(name)

            def create_app():
                application = Flask(__name__)
                start_store()
                application.add_url_rule("/ping", view_func=ping)
                application.add_url_rule("/projects/<name>", view_func=project)
                return application
            """,
        ),
        # A mutable default argument used as a memo: Python builds it once, when the function is defined.
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            def preview_of(link, _previews={}):
                if link not in _previews:
                    _previews[link] = fetch_preview(link)  # expect
                return _previews[link]

            @app.get("/preview")
            def preview():
                return preview_of(request.args["link"])
            """,
            message="default-argument dict `_previews`",
        ),
        # Session tokens kept in a process list, one per successful login: said as a note.
        Invalid(
            """
            import secrets
            from flask import Flask, request, make_response
            app = Flask(__name__)
            SESSIONS = []

            @app.post("/login")
            def login():
                if request.form["password"] == app.config["PASSWORD"]:
                    token = secrets.token_urlsafe()
                    SESSIONS.append(token)  # expect
                    response = make_response("ok")
                    response.set_cookie("session_token", token)
                    return response
                return "no", 401
            """,
            message="on every login",
        ),
    )

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        if not in_request_code(ctx):
            return  # the cheap test first: :meth:`_check` reports nothing outside request code
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and module_container_for(ctx, target.value) is not None  # cheaper than the key's taint
                and self._new_key(ctx, target)
            ):
                self._check(target.value, node, f"`{ast.unparse(target)} = ...`", ctx)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: Context) -> None:
        """``HITS[request.path] += 1`` on a Counter/defaultdict (a missing key is added), and
        ``global TAGS; TAGS |= set(request.json["tags"])`` on a module-level set or list."""
        if not in_request_code(ctx):
            return
        target = node.target
        if isinstance(target, ast.Subscript):
            container = module_container_for(ctx, target.value)
            if container is not None and container.kind in _MISSING_KEY_ADDED and self._new_key(ctx, target):
                self._check(target.value, node, f"`{ast.unparse(target)} {_OPS.get(type(node.op), '?=')} ...`", ctx)
        elif isinstance(target, ast.Name) and isinstance(node.op, (ast.BitOr, ast.Add)):
            container = module_container_for(ctx, target)
            if container is not None and container.kind in ("set", "list") and self._varies(ctx, node.value):
                self._check(target, node, f"`{ast.unparse(node)[:60]}`", ctx)

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in GROWING_METHODS):
            return
        if not in_request_code(ctx):
            return  # as in visit_Assign: nothing to report, so no taint to work out
        method = node.func.attr
        holder = node.func.value
        if isinstance(holder, ast.Subscript) and module_container_for(ctx, holder) is None:
            # ``HISTORY[slug].append(...)``: reading a missing key of a defaultdict adds it
            container = module_container_for(ctx, holder.value)
            if container is not None and container.kind == "defaultdict" and self._new_key(ctx, holder):
                self._check(holder.value, node, f"`{ast.unparse(node.func)}(...)`", ctx)
            return
        if module_container_for(ctx, holder) is None:
            return  # not a module-level container (checked before the taint of the arguments)
        if method in ("append", "extend", "insert", "appendleft", "extendleft"):
            # A list grows on every call, unless a membership test dedupes it.
            guarded = self._membership_guarded(holder, ctx)
            if guarded and not any(self._varies(ctx, a) for a in node.args):
                return
            if filled_once(ctx, holder):
                return  # ``if _names: return _names`` first: built once per process
        else:
            # sets and dicts grow with new keys only; keys from the request are unbounded
            keys = list(node.args[:1]) + [k.value for k in node.keywords]
            if not any(_fresh_key(ctx, a) or (self._varies(ctx, a) and not self._held(ctx, a, holder)) for a in keys):
                return
        self._check(holder, node, f"`{ast.unparse(node.func)}(...)`", ctx)

    def visit_Subscript(self, node: ast.Subscript, ctx: Context) -> None:
        """``self.locks[name]`` where ``locks`` is an object built once whose ``__getitem__`` stores every key it
        is asked for (:func:`~flask_doctor.static.facts.state.adding_on_read`): reading a new key adds one."""
        value = node.value
        if not (isinstance(node.ctx, ast.Load) and isinstance(value, ast.Attribute)):
            return
        holders = adding_attributes(ctx.project).get(value.attr)
        fn = ctx.function
        if not holders or fn is None or not fn.class_name or not isinstance(value.value, ast.Name):
            return
        args = fn.node.args.posonlyargs + fn.node.args.args
        if not args or args[0].arg != value.value.id or not in_request_code(ctx):
            return
        lineage = set(ctx.project.lineage(fn.bound or fn.qualname.rsplit(".", 1)[0]))
        once = built_once(ctx.project)
        made = next((m for holder, m in holders if holder in lineage and holder in once), None)
        if made is None or not self._new_key(ctx, node):
            return
        cls_name = made.class_qual.rsplit(".", 1)[-1]
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)}` in {describe_context(ctx)} adds a key to process-wide dict "
                f"`{cls_name}.{made.attr}` (its `__getitem__` stores every key it is asked for) on every request "
                "and nothing removes entries: it grows until the worker dies",
                hint=(
                    "Bound the keys (normalise them, check them against the known names first) or use a bounded "
                    "cache (cachetools.LRUCache) for the per-key objects."
                ),
                evidence=[
                    Evidence(f"`{cls_name}` stores the key it is asked for", made.location),
                    *ctx.chain_evidence(REQUEST),
                ],
            )
        )

    def _new_key(self, ctx: Context, target: ast.Subscript) -> bool:
        """``D[key]`` with a key that varies per request: not a constant, not the user's own identity (one
        entry per account, overwritten), not one from a fixed set (the endpoint, or a value checked against an
        allow-list first)."""
        key = target.slice
        if isinstance(key, ast.Constant) or keyed_by_user(key):
            return False
        if _fresh_key(ctx, key):
            return True  # ``job_id = uuid.uuid4().hex``: a key no request has used before
        return self._varies(ctx, key) and not self._held(ctx, key, target.value)

    @staticmethod
    def _varies(ctx: Context, value: ast.expr) -> bool:
        """Request data with more values than the app has routes, read here or passed in by a caller."""
        fn = ctx.function
        if fn is None:
            return False
        return (
            request_varied(ctx.project, value, fn)
            or fed_request_data(ctx.project, fn, value) is not None
            or fed_along_request_chain(ctx.project, fn, value) is not None
        )

    @staticmethod
    def _held(ctx: Context, key: ast.expr, container: ast.expr) -> bool:
        """``if lang not in LANGUAGES: abort(404)`` before the write, a member of one of the project's enums
        (``Format(fmt)``) or a language picked with ``best_match(LANGUAGES)``: only the project's values are keys (a test against the container being filled holds
        nothing)."""
        fn = ctx.function
        return fn is not None and (
            fixed_choice(ctx.project, fn, key) or allow_listed(ctx.project, fn, key, ignore=dotted(container))
        )

    @staticmethod
    def _membership_guarded(container: ast.expr, ctx: Context) -> bool:
        name = ast.unparse(container)
        for ancestor in ctx.ancestors:
            if isinstance(ancestor, ast.If):
                for test in ast.walk(ancestor.test):
                    if isinstance(test, ast.Compare) and any(isinstance(op, (ast.NotIn, ast.In)) for op in test.ops):
                        if any(ast.unparse(c) == name for c in test.comparators):
                            return True
        return False

    def _check(self, container_node: ast.expr, node: ast.AST, action: str, ctx: Context) -> None:
        if not in_request_code(ctx):
            return
        container = module_container_for(ctx, container_node)
        if container is None or container.evicted:
            return
        login = login_flow(ctx)
        if login:
            growth = f"on every login (the `{login}` flow), not every request, and nothing removes entries"
            ending = "it grows for the life of the worker, and each worker holds its own copy"
        else:
            growth = "on every request and nothing removes entries"
            ending = "it grows until the worker dies"
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{action} in {describe_context(ctx)} adds to {container.where} {container.kind} "
                f"`{container.name}` {growth}: {ending}",
                hint=(
                    "Use a bounded cache (cachetools.TTLCache/LRUCache with maxsize), Flask-Caching or Redis with a "
                    "timeout."
                ),
                evidence=[
                    *container_evidence(container),
                    *ctx.chain_evidence(REQUEST),
                ],
                severity=min(self.effective_severity, Severity.NOTE) if login else None,
            )
        )


#: Calls that return a value never seen before: a key made from one is new on every call.
_FRESH_ID_CALLS = frozenset(
    {"uuid.uuid1", "uuid.uuid4", "secrets.token_hex", "secrets.token_urlsafe", "secrets.token_bytes"}
)


def _fresh_key(ctx: Context, key: ast.expr) -> bool:
    """The request code makes the key up itself (``job_id = str(uuid.uuid4())``, ``secrets.token_hex()``), in
    the key or in the local name the key reads: every call adds an entry under a new key."""
    fn = ctx.function
    if fn is None:
        return False
    sources: list[ast.expr] = [key]
    if isinstance(key, ast.Name):
        sources += [
            node.value
            for node in ast.walk(fn.node)
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == key.id for t in node.targets)
        ]
    return any(
        isinstance(call, ast.Call) and ctx.qualified(call.func) in _FRESH_ID_CALLS
        for source in sources
        for call in ast.walk(source)
    )

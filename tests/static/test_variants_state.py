"""Variant matrix for catalogue S11 / S14 / S16 / S19 (process state written by requests).

Rules: FD101 unbounded-module-cache, FD102 unbounded-lru-cache, FD103 weak-value-dict-immortal-values,
FD104 global-state-in-request, FD107 metric-label-from-request.

Each variant is a small project written from common Flask idioms (not from the corpus): the bad shapes must
be reported by the named rule, the good shapes by none of the five.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.static.variants import found, xfail_marks

RULES = ("FD101", "FD102", "FD103", "FD104", "FD107")

HEAD = """
import functools
import itertools
import threading
import time
from collections import Counter, defaultdict, deque
from functools import cache, lru_cache

from flask import Flask, current_app, g, jsonify, request, session
from flask_login import current_user

app = Flask(__name__)


def load(key):
    return {"key": key}
"""

#: (name, expected rule, code, extra files)
BAD: list[tuple[str, str, str, dict[str, str]]] = [
    (
        # Beaker's memory backend (its default type) is a dict per namespace; expire= only lazily drops a key
        "beaker-memory-cache-keyed-by-query-arg",
        "FD102",
        """
        from beaker.cache import CacheManager

        regions = CacheManager(type="memory")

        @regions.cache("leaderboard", expire=300)
        def leaderboard(game, size):
            return load(game, size)

        @app.get("/leaderboard")
        def board():
            return jsonify(leaderboard(request.args["game"], 10))
        """,
        {},
    ),
    # ---------------------------------------------------------------- S11 / S16: module containers
    (
        "dict-keyed-by-query-arg",
        "FD101",
        """
        _results = {}

        @app.get("/search")
        def search():
            q = request.args.get("q", "")
            _results[q] = load(q)
            return jsonify(_results[q])
        """,
        {},
    ),
    (
        # every POST makes up a new job id; nothing ever drops a finished job
        "job-store-keyed-by-fresh-uuid",
        "FD101",
        """
        import uuid

        EXPORTS = {}

        def run_export(export_id, spec):
            EXPORTS[export_id]["state"] = "done"

        @app.post("/exports")
        def start_export():
            export_id = str(uuid.uuid4())
            EXPORTS[export_id] = {"state": "running"}
            threading.Thread(target=run_export, args=(export_id, request.json)).start()
            return jsonify(id=export_id), 202
        """,
        {},
    ),
    (
        "dict-keyed-by-url-variable",
        "FD101",
        """
        _thumbs = {}

        @app.get("/thumb/<path:name>")
        def thumb(name):
            if name not in _thumbs:
                _thumbs[name] = load(name)
            return jsonify(_thumbs[name])
        """,
        {},
    ),
    (
        "list-append-request-path",
        "FD101",
        """
        VISITED = []

        @app.route("/<path:page>")
        def page(page):
            VISITED.append(request.path)
            return "ok"
        """,
        {},
    ),
    (
        "set-add-in-before-request",
        "FD101",
        """
        SEEN_ADDRESSES = set()

        @app.before_request
        def track():
            SEEN_ADDRESSES.add(request.remote_addr)
        """,
        {},
    ),
    (
        "setdefault-per-user-id-argument",
        "FD101",
        """
        _by_owner = {}

        @app.get("/owners/<int:owner_id>/pets")
        def pets(owner_id):
            pets = _by_owner.setdefault(owner_id, load(owner_id))
            return jsonify(pets)
        """,
        {},
    ),
    (
        "update-with-request-key",
        "FD101",
        """
        _rendered = {}

        @app.post("/render")
        def render():
            key = request.json["template"]
            _rendered.update({key: load(key)})
            return jsonify(_rendered[key])
        """,
        {},
    ),
    (
        "set-or-assign-tags",
        "FD101",
        """
        ALL_TAGS = set()

        @app.post("/tags")
        def add_tags():
            global ALL_TAGS
            ALL_TAGS |= set(request.json["tags"])
            return jsonify(sorted(ALL_TAGS))
        """,
        {},
    ),
    (
        "helper-called-with-request-data",
        "FD101",
        """
        _geo = {}

        def lookup_country(address):
            if address not in _geo:
                _geo[address] = load(address)
            return _geo[address]

        @app.get("/where")
        def where():
            return jsonify(lookup_country(request.remote_addr))
        """,
        {},
    ),
    (
        "defaultdict-list-per-request-key",
        "FD101",
        """
        HISTORY = defaultdict(list)

        @app.get("/r/<slug>")
        def visit(slug):
            HISTORY[slug].append(time.time())
            return "ok"
        """,
        {},
    ),
    (
        "counter-keyed-by-path",
        "FD101",
        """
        HITS = Counter()

        @app.after_request
        def count(response):
            HITS[request.path] += 1
            return response
        """,
        {},
    ),
    (
        "class-attribute-dict-on-shared-class",
        "FD101",
        """
        class Sessions:
            active = {}

        @app.post("/connect")
        def connect():
            Sessions.active[request.json["client"]] = time.time()
            return "ok"
        """,
        {},
    ),
    (
        "form-class-choices-appended",
        "FD101",
        """
        from flask_wtf import FlaskForm
        from wtforms import SelectField

        class FilterForm(FlaskForm):
            colour = SelectField(choices=[("red", "Red")])
            recent = []

        @app.get("/filter")
        def filter_view():
            FilterForm.recent.append(request.args["colour"])
            return "ok"
        """,
        {},
    ),
    (
        "app-extensions-dict",
        "FD101",
        """
        @app.get("/preview")
        def preview():
            url = request.args["url"]
            current_app.extensions["previews"][url] = load(url)
            return "ok"
        """,
        {},
    ),
    (
        "cache-in-other-module",
        "FD101",
        """
        from store import TOKENS

        @app.post("/tokens")
        def issue():
            TOKENS[request.form["name"]] = load(request.form["name"])
            return "ok"
        """,
        {"store.py": "TOKENS = {}\n"},
    ),
    (
        "method-view-url-variable",
        "FD101",
        """
        from flask.views import MethodView

        _users = {}

        class UserAPI(MethodView):
            def get(self, user_id):
                _users[user_id] = load(user_id)
                return jsonify(_users[user_id])

        app.add_url_rule("/users/<int:user_id>", view_func=UserAPI.as_view("user"))
        """,
        {},
    ),
    (
        "flask-restful-reqparse",
        "FD101",
        """
        from flask_restful import Api, Resource, reqparse

        api = Api(app)
        parser = reqparse.RequestParser()
        parser.add_argument("q")
        SEEN_QUERIES = set()

        class Search(Resource):
            def get(self):
                args = parser.parse_args()
                SEEN_QUERIES.add(args["q"])
                return {"ok": True}

        api.add_resource(Search, "/search")
        """,
        {},
    ),
    (
        "flask-restx-payload",
        "FD101",
        """
        from flask_restx import Api, Namespace, Resource

        api = Api(app)
        ns = Namespace("items")
        api.add_namespace(ns)
        STORE = {}

        @ns.route("/items")
        class Items(Resource):
            def post(self):
                STORE[ns.payload["name"]] = ns.payload
                return {"ok": True}
        """,
        {},
    ),
    (
        "async-view-append",
        "FD101",
        """
        EVENTS = []

        @app.post("/ingest")
        async def ingest():
            EVENTS.append(request.get_json())
            return "ok"
        """,
        {},
    ),
    (
        "marshmallow-loaded-key",
        "FD101",
        """
        from marshmallow import Schema, fields

        class ThingSchema(Schema):
            name = fields.Str()

        BY_NAME = {}

        @app.post("/things")
        def things():
            data = ThingSchema().load(request.json)
            BY_NAME[data["name"]] = data
            return "ok"
        """,
        {},
    ),
    (
        "wtform-data-appended",
        "FD101",
        """
        from flask_wtf import FlaskForm
        from wtforms import StringField

        class QueryForm(FlaskForm):
            q = StringField()

        RECENT_QUERIES = []

        @app.route("/s", methods=["POST"])
        def s():
            form = QueryForm()
            if form.validate_on_submit():
                RECENT_QUERIES.append(form.q.data)
            return "ok"
        """,
        {},
    ),
    # ---------------------------------------------------------------- S11 / S16: containers reachable from the app
    (
        "app-attribute-dict-set-in-factory",
        "FD101",
        """
        from flask import Blueprint

        bp = Blueprint("thumbs", __name__)

        def create_app():
            application = Flask(__name__)
            application.thumb_cache = {}
            application.register_blueprint(bp)
            return application

        @bp.get("/thumb")
        def thumb():
            url = request.args["url"]
            current_app.thumb_cache[url] = load(url)
            return jsonify(current_app.thumb_cache[url])
        """,
        {},
    ),
    (
        "app-attribute-set-at-module-level",
        "FD101",
        """
        app.seen_addresses = set()

        @app.before_request
        def track():
            app.seen_addresses.add(request.remote_addr)
        """,
        {},
    ),
    (
        "app-attribute-in-other-module",
        "FD101",
        """
        app.recent_uploads = []

        import views
        """,
        {
            "views.py": (
                "from flask import current_app, request\n"
                "from app import app\n\n"
                "@app.post('/upload')\n"
                "def upload():\n"
                "    current_app.recent_uploads.append(request.files['f'].filename)\n"
                "    return 'ok'\n"
            )
        },
    ),
    (
        "app-extensions-nested-dict",
        "FD101",
        """
        def init_audit(application):
            application.extensions["audit"] = {"seen": {}, "version": 1}

        init_audit(app)

        @app.after_request
        def audit(response):
            current_app.extensions["audit"]["seen"][request.path] = time.time()
            return response
        """,
        {},
    ),
    (
        "app-config-used-as-store",
        "FD101",
        """
        app.config["SEEN_TOKENS"] = {}

        @app.post("/redeem")
        def redeem():
            token = request.form["token"]
            current_app.config["SEEN_TOKENS"][token] = time.time()
            return "ok"
        """,
        {},
    ),
    (
        "flask-current-app-module-import",
        "FD101",
        """
        import flask

        app.visitors = defaultdict(list)

        @app.get("/v/<slug>")
        def visit(slug):
            flask.current_app.visitors[slug].append(flask.request.remote_addr)
            return "ok"
        """,
        {},
    ),
    (
        "extension-object-dict-attribute",
        "FD101",
        """
        class Tracker:
            def __init__(self, application=None):
                self.visits = {}
                if application is not None:
                    self.init_app(application)

            def init_app(self, application):
                application.extensions["tracker"] = self

        tracker = Tracker(app)

        @app.get("/p/<path:page>")
        def page(page):
            tracker.visits[page] = time.time()
            return "ok"
        """,
        {},
    ),
    (
        "singleton-method-fills-own-dict",
        "FD101",
        """
        class GeoLookup:
            def __init__(self):
                self._by_address = {}

            def country(self, address):
                if address not in self._by_address:
                    self._by_address[address] = load(address)
                return self._by_address[address]

        geo = GeoLookup()

        @app.get("/where")
        def where():
            return jsonify(geo.country(request.remote_addr))
        """,
        {},
    ),
    (
        "class-attribute-filled-through-self",
        "FD101",
        """
        class Throttle:
            hits = defaultdict(list)

            def hit(self, key):
                self.hits[key].append(time.time())

        @app.before_request
        def throttle():
            throttle = Throttle()
            throttle.hit(request.remote_addr)
        """,
        {},
    ),
    (
        "classmethod-fills-class-dict",
        "FD101",
        """
        class ShortLinks:
            links = {}

            @classmethod
            def remember(cls, code, target):
                cls.links[code] = target

        @app.post("/shorten")
        def shorten():
            ShortLinks.remember(request.form["code"], request.form["url"])
            return "ok"
        """,
        {},
    ),
    (
        "app-counter-keyed-by-path",
        "FD101",
        """
        def create_app():
            application = Flask(__name__)
            application.hits = Counter()
            return application

        @app.after_request
        def count(response):
            current_app.hits[request.path] += 1
            return response
        """,
        {},
    ),
    # ---------------------------------------------------------------- S16: memoising caches
    (
        "lru-cache-maxsize-none",
        "FD102",
        """
        @lru_cache(maxsize=None)
        def price(sku):
            return load(sku)

        @app.get("/price")
        def get_price():
            return jsonify(price(request.args["sku"]))
        """,
        {},
    ),
    (
        "functools-cache-view-arg",
        "FD102",
        """
        @functools.cache
        def profile(user_id):
            return load(user_id)

        @app.get("/u/<int:user_id>")
        def show(user_id):
            return jsonify(profile(user_id))
        """,
        {},
    ),
    (
        "lru-cache-positional-none",
        "FD102",
        """
        @functools.lru_cache(None)
        def resolve(host):
            return load(host)

        @app.get("/resolve")
        def get_resolve():
            return jsonify(resolve(request.headers["Host"]))
        """,
        {},
    ),
    (
        "lru-cache-wrapping-call",
        "FD102",
        """
        def _fetch(url):
            return load(url)

        fetch = functools.lru_cache(maxsize=None)(_fetch)

        @app.get("/fetch")
        def get_fetch():
            return jsonify(fetch(request.args["url"]))
        """,
        {},
    ),
    (
        "cachetools-cached-plain-dict",
        "FD102",
        """
        from cachetools import cached

        @cached(cache={})
        def avatar(email):
            return load(email)

        @app.get("/avatar")
        def get_avatar():
            return jsonify(avatar(request.args["email"]))
        """,
        {},
    ),
    (
        "cache-called-from-helper-with-request-value",
        "FD102",
        """
        @cache
        def translate(text, lang):
            return load(text + lang)

        def localise(text):
            return translate(text, request.accept_languages.best or "en")

        @app.get("/hello")
        def hello():
            return localise("hello")
        """,
        {},
    ),
    # ---------------------------------------------------------------- S16: weak value dict
    (
        "weak-value-dict-of-str",
        "FD103",
        """
        import weakref

        _names = weakref.WeakValueDictionary()

        @app.get("/name/<int:uid>")
        def name(uid):
            _names[uid] = request.args.get("display", "")
            return "ok"
        """,
        {},
    ),
    # ---------------------------------------------------------------- S14: global counters
    (
        "global-counter-in-view",
        "FD104",
        """
        visits = 0

        @app.get("/")
        def index():
            global visits
            visits += 1
            return str(visits)
        """,
        {},
    ),
    (
        "global-counter-in-before-request",
        "FD104",
        """
        request_count = 0

        @app.before_request
        def count():
            global request_count
            request_count = request_count + 1
        """,
        {},
    ),
    (
        "global-counter-in-helper",
        "FD104",
        """
        _downloads = 0

        def bump():
            global _downloads
            _downloads += 1

        @app.get("/download")
        def download():
            bump()
            return "ok"
        """,
        {},
    ),
    (
        "module-dict-counter",
        "FD104",
        """
        STATS = {"errors": 0}

        @app.errorhandler(500)
        def failed(error):
            STATS["errors"] += 1
            return "oops", 500
        """,
        {},
    ),
    (
        "global-counter-in-blueprint-view",
        "FD104",
        """
        from flask import Blueprint

        bp = Blueprint("api", __name__)
        calls = 0

        @bp.route("/ping")
        def ping():
            global calls
            calls += 1
            return {"calls": calls}

        app.register_blueprint(bp)
        """,
        {},
    ),
    # ---------------------------------------------------------------- S19: request state in globals
    (
        "global-current-user-in-before-request",
        "FD104",
        """
        current_user_obj = None

        @app.before_request
        def load_user():
            global current_user_obj
            current_user_obj = load(session.get("user_id"))
        """,
        {},
    ),
    (
        "global-tenant-from-header",
        "FD104",
        """
        TENANT = None

        @app.before_request
        def pick_tenant():
            global TENANT
            TENANT = request.headers.get("X-Tenant")
        """,
        {},
    ),
    (
        "global-set-in-helper-from-argument",
        "FD104",
        """
        _locale = "en"

        def set_locale(value):
            global _locale
            _locale = value

        @app.before_request
        def choose():
            set_locale(request.args.get("lang", "en"))
        """,
        {},
    ),
    (
        "global-request-json-in-view",
        "FD104",
        """
        last_payload = None

        @app.post("/hook")
        def hook():
            global last_payload
            last_payload = request.get_json()
            return jsonify(process=last_payload)
        """,
        {},
    ),
    (
        "setattr-on-shared-form-class",
        "FD104",
        """
        from flask_wtf import FlaskForm
        from wtforms import StringField

        class SurveyForm(FlaskForm):
            pass

        @app.get("/survey/<int:survey_id>")
        def survey(survey_id):
            for question in load(survey_id)["questions"]:
                setattr(SurveyForm, f"q{question}", StringField(question))
            return "ok"
        """,
        {},
    ),
    (
        "request-user-on-app-object",
        "FD104",
        """
        @app.before_request
        def load_user():
            current_app.current_user = load(session.get("user_id"))
        """,
        {},
    ),
    (
        "tenant-on-app-in-blueprint-hook",
        "FD104",
        """
        from flask import Blueprint

        bp = Blueprint("tenants", __name__)

        @bp.before_app_request
        def pick_tenant():
            app.tenant = request.headers.get("X-Tenant")

        app.register_blueprint(bp)
        """,
        {},
    ),
    (
        "counter-in-app-extensions-dict",
        "FD104",
        """
        def create_app():
            application = Flask(__name__)
            application.extensions["stats"] = {"errors": 0}
            return application

        @app.errorhandler(500)
        def failed(error):
            current_app.extensions["stats"]["errors"] += 1
            return "oops", 500
        """,
        {},
    ),
    # ---------------------------------------------------------------- S16: metric labels
    (
        "metric-label-remote-addr",
        "FD107",
        """
        from prometheus_client import Counter as PCounter

        REQS = PCounter("reqs", "Requests", ["client"])

        @app.before_request
        def count():
            REQS.labels(request.remote_addr).inc()
        """,
        {},
    ),
    (
        "metric-label-path-in-after-request",
        "FD107",
        """
        from prometheus_client import Histogram

        LATENCY = Histogram("latency", "Latency", ["path"])

        @app.after_request
        def observe(response):
            LATENCY.labels(path=request.path).observe(1.0)
            return response
        """,
        {},
    ),
    (
        "metric-label-path-with-url-variable",
        "FD107",
        """
        from prometheus_client import Counter as PCounter

        VIEWS = PCounter("views", "Views", ["path"])

        @app.get("/articles/<slug>")
        def article(slug):
            VIEWS.labels(request.path).inc()
            return slug
        """,
        {},
    ),
    (
        "metric-label-user-id",
        "FD107",
        """
        from prometheus_client import Counter as PCounter

        ACTIONS = PCounter("actions", "Actions", ["user"])

        @app.post("/act")
        def act():
            ACTIONS.labels(user=str(current_user.id)).inc()
            return "ok"
        """,
        {},
    ),
    (
        "metric-label-query-arg",
        "FD107",
        """
        from prometheus_client import Gauge

        QUEUE = Gauge("queue", "Queue", ["name"])

        @app.get("/queue")
        def queue():
            QUEUE.labels(request.args["name"]).set(1)
            return "ok"
        """,
        {},
    ),
    (
        "metric-label-full-url",
        "FD107",
        """
        from prometheus_client import Counter as PCounter

        HITS_TOTAL = PCounter("hits", "Hits", ["url"])

        @app.after_request
        def hit(response):
            HITS_TOTAL.labels(url=request.url).inc()
            return response
        """,
        {},
    ),
    # a decorator switches a config flag for this request's response, then puts it back
    (
        "request-choice-written-into-app-config-by-decorator",
        "FD104",
        """
        def compact_when_asked(view):
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                current_app.config["JSON_SORT_KEYS"] = request.args.get("sorted") == "yes"
                result = view(*args, **kwargs)
                current_app.config["JSON_SORT_KEYS"] = True
                return result
            return wrapper

        @app.get("/catalogue")
        @compact_when_asked
        def catalogue():
            return jsonify(load("catalogue"))
        """,
        {},
    ),
    # ------------------------------------------- S11 / S16: containers of objects the process builds once
    (
        # built by a set-up helper the factory calls, reached through an accessor; expired keys go only on read
        "store-object-from-setup-helper-lazy-expiry",
        "FD101",
        """
        class MemoryStore:
            def __init__(self):
                self.data = {}

            def put(self, key, value, ttl):
                self.data[key] = (value, time.time() + ttl)

            def fetch(self, key):
                value, deadline = self.data.get(key, (None, 0))
                if deadline < time.time():
                    self.data.pop(key, None)
                    return None
                return value

        _store = None

        def init_store():
            global _store
            _store = MemoryStore()

        def store() -> MemoryStore:
            return _store

        def remember_visitor(address):
            s = store()
            s.put(f"visitor:{address}", 1, 600)

        def hello():
            remember_visitor(request.remote_addr)
            return "hi"

        def create_app():
            application = Flask(__name__)
            init_store()
            application.add_url_rule("/hello", view_func=hello)
            return application
        """,
        {},
    ),
    (
        # a singleton keeps a registry whose item lookup creates a lock for each new name
        "lock-registry-on-singleton-keyed-by-url",
        "FD101",
        """
        class NamedLocks:
            def __init__(self):
                self._guard = threading.Lock()
                self._by_name = {}

            def __getitem__(self, name):
                with self._guard:
                    if name not in self._by_name:
                        self._by_name[name] = threading.Lock()
                return self._by_name[name]

        class Mirror:
            def __init__(self):
                self._locks = NamedLocks()

            def refresh(self, name):
                with self._locks[name]:
                    return load(name)

        mirror = Mirror()

        @app.get("/mirror/<name>")
        def mirrored(name):
            return jsonify(mirror.refresh(name))
        """,
        {},
    ),
    (
        # the index is built by a class method called at import, through a class-body alias
        "index-object-built-through-alias-keyed-by-url",
        "FD101",
        """
        import dataclasses

        class Index:
            def __init__(self):
                self.pages = {}

            def page_of(self, slug):
                self.pages[slug] = load(slug)
                return self.pages[slug]

            def forget(self, slug):
                self.pages.pop(slug, None)

        @dataclasses.dataclass
        class Site:
            index: Index
            index_cls = Index

            @classmethod
            def build(cls):
                return cls(cls.index_cls())

            def show(self, slug):
                return self.index.page_of(slug)

        site = Site.build()

        @app.get("/wiki/<slug>")
        def wiki(slug):
            return jsonify(site.show(slug))
        """,
        {},
    ),
]

#: (name, code, extra files)
GOOD: list[tuple[str, str, dict[str, str]]] = [
    # a job store keyed by fresh ids that drops each job when its result is fetched
    (
        "job-store-popped-on-collect",
        """
        import uuid

        EXPORTS = {}

        @app.post("/exports")
        def start_export():
            export_id = uuid.uuid4().hex
            EXPORTS[export_id] = {"state": "running"}
            return jsonify(id=export_id), 202

        @app.get("/exports/<export_id>")
        def collect_export(export_id):
            return jsonify(EXPORTS.pop(export_id, {}))
        """,
        {},
    ),
    # an admin settings page changes the configuration for everyone, on purpose; a flag set from a constant
    (
        "settings-page-writes-app-config",
        """
        @app.post("/admin/settings")
        def save_settings():
            current_app.config["MAINTENANCE_MESSAGE"] = request.form["message"]
            return "saved"

        def traced(view):
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                current_app.config["LAST_TRACE_ENABLED"] = True
                return view(*args, **kwargs)
            return wrapper

        @app.get("/ping")
        @traced
        def ping():
            g.seen = request.args.get("probe")
            return "pong"
        """,
        {},
    ),
    (
        "beaker-file-cache-keyed-by-query-arg",
        """
        from beaker.cache import CacheManager

        regions = CacheManager(type="file", data_dir="/var/cache/app")

        @regions.cache("leaderboard", expire=300)
        def leaderboard(game, size):
            return load(game, size)

        @app.get("/leaderboard")
        def board():
            return jsonify(leaderboard(request.args["game"], 10))
        """,
        {},
    ),
    (
        "registry-filled-at-import",
        """
        EXPORTERS = {}

        def exporter(kind):
            def deco(fn):
                EXPORTERS[kind] = fn
                return fn
            return deco

        @exporter("csv")
        def to_csv(rows):
            return ""

        @app.get("/export/<kind>")
        def export(kind):
            return EXPORTERS[kind]([])
        """,
        {},
    ),
    (
        "constant-read-in-view",
        """
        COLOURS = {"red": "#f00", "green": "#0f0"}
        ALLOWED = ["a", "b"]

        @app.get("/colour/<name>")
        def colour(name):
            return COLOURS.get(name, "#000") + ",".join(ALLOWED)
        """,
        {},
    ),
    (
        "bounded-lru-cache",
        """
        @lru_cache(maxsize=128)
        def price(sku):
            return load(sku)

        @functools.lru_cache()
        def rate(currency):
            return load(currency)

        @lru_cache
        def region(code):
            return load(code)

        @app.get("/price")
        def get_price():
            return jsonify(price(request.args["sku"]), rate(request.args["cur"]), region(request.args["r"]))
        """,
        {},
    ),
    (
        "functools-cache-without-arguments",
        """
        @functools.cache
        def settings():
            return load("settings")

        @app.get("/settings")
        def get_settings():
            return jsonify(settings())
        """,
        {},
    ),
    (
        "cachetools-ttl-cache",
        """
        from cachetools import TTLCache, cached

        _profiles = TTLCache(maxsize=1024, ttl=300)

        @cached(cache=TTLCache(maxsize=256, ttl=60))
        def avatar(email):
            return load(email)

        @app.get("/u/<int:uid>")
        def profile(uid):
            _profiles[uid] = load(uid)
            return jsonify(_profiles[uid], avatar(request.args["email"]))
        """,
        {},
    ),
    (
        "g-attributes",
        """
        @app.before_request
        def load_user():
            g.user = load(session.get("user_id"))
            g.tenant = request.headers.get("X-Tenant")

        @app.get("/me")
        def me():
            g.seen = getattr(g, "seen", [])
            g.seen.append(request.path)
            return jsonify(g.user)
        """,
        {},
    ),
    (
        "flask-caching",
        """
        from flask_caching import Cache

        cache_ext = Cache(app, config={"CACHE_TYPE": "SimpleCache"})

        @cache_ext.memoize(timeout=60)
        def report(name):
            return load(name)

        @app.get("/report")
        def get_report():
            cache_ext.set(request.args["k"], 1)
            return jsonify(report(request.args["name"]))
        """,
        {},
    ),
    (
        "dict-cleared-at-teardown",
        """
        _request_cache = {}

        @app.get("/item/<key>")
        def item(key):
            _request_cache[key] = load(key)
            return jsonify(_request_cache[key])

        @app.teardown_request
        def forget(exc):
            _request_cache.clear()
        """,
        {},
    ),
    (
        "keyed-by-finite-request-values",
        """
        LAST_CALL = {}
        BY_METHOD = {}

        @app.before_request
        def stamp():
            LAST_CALL[request.endpoint] = time.time()
            BY_METHOD[request.method] = time.time()
        """,
        {},
    ),
    (
        "keyed-by-checked-language",
        """
        LANGUAGES = ("en", "de", "fr")
        _catalogues = {}

        @app.get("/<lang>/help")
        def help_page(lang):
            if lang not in LANGUAGES:
                return "unknown", 404
            _catalogues[lang] = load(lang)
            return jsonify(_catalogues[lang])
        """,
        {},
    ),
    (
        "keyed-by-config-value",
        """
        _clients = {}

        @app.get("/backend")
        def backend():
            name = current_app.config["BACKEND"]
            if name not in _clients:
                _clients[name] = load(name)
            return jsonify(_clients[name])
        """,
        {},
    ),
    (
        "deque-with-maxlen",
        """
        RECENT = deque(maxlen=100)

        @app.get("/recent")
        def recent():
            RECENT.append(request.path)
            return jsonify(list(RECENT))
        """,
        {},
    ),
    (
        "globals-assigned-at-import-and-in-factory",
        """
        _settings = None
        _db = None

        def create_app():
            global _settings
            _settings = load("settings")
            return app

        def init_db(url):
            global _db
            _db = load(url)

        init_db("sqlite://")

        @app.get("/s")
        def s():
            return jsonify(_settings, _db)
        """,
        {},
    ),
    (
        "global-assigned-in-cli",
        """
        import click

        _loaded = 0

        @app.cli.command("seed")
        @click.argument("count")
        def seed(count):
            global _loaded
            _loaded += int(count)
        """,
        {},
    ),
    (
        "lazy-singleton-global",
        """
        _client = None

        def client():
            global _client
            if _client is None:
                _client = load(current_app.config["API_URL"])
            return _client

        @app.get("/api")
        def api():
            return jsonify(client())
        """,
        {},
    ),
    (
        "itertools-count-and-locked-counter",
        """
        _ids = itertools.count(1)
        _lock = threading.Lock()
        _total = 0

        @app.post("/jobs")
        def jobs():
            global _total
            with _lock:
                _total += 1
            return jsonify(id=next(_ids))
        """,
        {},
    ),
    (
        "form-choices-on-instance",
        """
        from flask_wtf import FlaskForm
        from wtforms import SelectField

        class PickForm(FlaskForm):
            colour = SelectField(choices=[])

        @app.route("/pick", methods=["GET", "POST"])
        def pick():
            form = PickForm()
            form.colour.choices = [(c, c) for c in load("colours")]
            form.colour.choices.append(("other", "Other"))
            return "ok"
        """,
        {},
    ),
    (
        "setattr-on-class-built-per-request",
        """
        from flask_wtf import FlaskForm
        from wtforms import StringField

        def survey_form(questions):
            class F(FlaskForm):
                pass
            for q in questions:
                setattr(F, f"q{q}", StringField(q))
            return F

        @app.get("/survey/<int:survey_id>")
        def survey(survey_id):
            form = survey_form(load(survey_id)["questions"])()
            return str(form)
        """,
        {},
    ),
    (
        "keyed-by-logged-in-user",
        """
        _last_search = {}

        @app.get("/search")
        def search():
            _last_search[current_user.id] = request.args.get("q")
            return "ok"
        """,
        {},
    ),
    (
        "metric-labels-finite",
        """
        from prometheus_client import Counter as PCounter, Histogram

        REQS = PCounter("reqs", "Requests", ["endpoint", "method", "status"])
        LAT = Histogram("lat", "Latency", ["rule"])

        @app.after_request
        def count(response):
            REQS.labels(request.endpoint, request.method, response.status_code).inc()
            rule = request.url_rule.rule if request.url_rule else "none"
            LAT.labels(rule).observe(1.0)
            return response

        @app.get("/fixed")
        def fixed():
            REQS.labels(request.path, "GET", 200).inc()
            return "ok"
        """,
        {},
    ),
    (
        "weak-value-dict-of-objects",
        """
        import weakref

        class Conn:
            def __init__(self, name):
                self.name = name

        _live = weakref.WeakValueDictionary()

        @app.get("/c/<name>")
        def conn(name):
            _live[name] = c = Conn(name)
            return c.name
        """,
        {},
    ),
    (
        "list-local-to-view",
        """
        DEFAULTS = ["a"]

        @app.get("/list")
        def listing():
            names = list(DEFAULTS)
            names.append(request.args["x"])
            seen = set()
            seen.add(request.path)
            return jsonify(names)
        """,
        {},
    ),
    (
        "container-filled-in-before-first-request-style-startup",
        """
        ROUTES = []

        def collect_routes():
            for rule in app.url_map.iter_rules():
                ROUTES.append(rule.rule)

        with app.app_context():
            collect_routes()

        @app.get("/routes")
        def routes():
            return jsonify(ROUTES)
        """,
        {},
    ),
    (
        "setattr-on-instances",
        """
        from flask_wtf import FlaskForm

        class Profile:
            name = ""

        @app.post("/profile")
        def update_profile():
            profile = Profile()
            for field, value in request.form.items():
                setattr(profile, field, value)
            setattr(g, "profile", profile)
            return "ok"
        """,
        {},
    ),
    (
        "class-registry-filled-at-import",
        """
        class Plugins:
            registry = {}

            @classmethod
            def register(cls, name):
                def deco(fn):
                    cls.registry[name] = fn
                    return fn
                return deco

        @Plugins.register("echo")
        def echo(text):
            return text

        @app.get("/plugin/<name>")
        def plugin(name):
            return Plugins.registry[name](request.args["text"])
        """,
        {},
    ),
    (
        "bounded-cache-applied-by-call",
        """
        def _fetch(url):
            return load(url)

        fetch = functools.lru_cache(maxsize=256)(_fetch)

        @app.get("/fetch")
        def get_fetch():
            return jsonify(fetch(request.args["url"]))
        """,
        {},
    ),
    (
        "helper-keyed-by-endpoint",
        """
        _timings = {}

        def remember(endpoint, seconds):
            _timings[endpoint] = seconds

        @app.after_request
        def timing(response):
            remember(request.endpoint, 0.1)
            return response
        """,
        {},
    ),
    (
        "app-extensions-registry-filled-at-startup",
        """
        def create_app():
            application = Flask(__name__)
            application.extensions["exporters"] = {}
            for name in application.config.get("EXPORTERS", []):
                application.extensions["exporters"][name] = load(name)
            return application

        @app.get("/export/<kind>")
        def export(kind):
            return jsonify(current_app.extensions["exporters"][kind])
        """,
        {},
    ),
    (
        "app-attribute-bounded-caches",
        """
        from cachetools import LRUCache, TTLCache

        def create_app():
            application = Flask(__name__)
            application.previews = TTLCache(maxsize=512, ttl=600)
            application.extensions["avatars"] = LRUCache(maxsize=1024)
            return application

        @app.get("/preview")
        def preview():
            url = request.args["url"]
            current_app.previews[url] = load(url)
            current_app.extensions["avatars"][request.args["email"]] = load(url)
            return "ok"
        """,
        {},
    ),
    (
        "flask-caching-on-app",
        """
        from flask_caching import Cache

        def create_app():
            application = Flask(__name__)
            application.cache = Cache(application, config={"CACHE_TYPE": "RedisCache"})
            return application

        @app.get("/report")
        def report():
            key = request.args["name"]
            current_app.cache.add(key, load(key), timeout=60)
            current_app.cache.set(key, load(key))
            return "ok"
        """,
        {},
    ),
    (
        "per-request-g-containers",
        """
        @app.before_request
        def start():
            g.seen = {}
            g.queries = []

        @app.get("/q")
        def q():
            g.seen[request.args["q"]] = 1
            g.queries.append(request.args["q"])
            g.setdefault("extra", []).append(request.path)
            return "ok"
        """,
        {},
    ),
    (
        "app-dict-reset-in-teardown",
        """
        app.request_memo = {}

        @app.get("/item/<key>")
        def item(key):
            current_app.request_memo[key] = load(key)
            return jsonify(current_app.request_memo[key])

        @app.teardown_request
        def forget(exc):
            current_app.request_memo.clear()
        """,
        {},
    ),
    (
        "app-dict-keyed-by-fixed-values",
        """
        app.extensions["stats"] = {"by_method": {}, "by_endpoint": {}}

        @app.before_request
        def stamp():
            current_app.extensions["stats"]["by_method"][request.method] = time.time()
            current_app.extensions["stats"]["by_endpoint"][request.endpoint] = time.time()
        """,
        {},
    ),
    (
        "extension-stores-itself-in-init-app",
        """
        class Mailer:
            def __init__(self):
                self.backends = {}

            def init_app(self, application):
                application.extensions["mailer"] = self
                for name in application.config.get("MAIL_BACKENDS", []):
                    self.backends[name] = load(name)

            def send(self, backend, to):
                return self.backends[backend]

        mailer = Mailer()
        mailer.init_app(app)

        @app.post("/mail")
        def mail():
            mailer.send(request.form["backend"], request.form["to"])
            return "ok"
        """,
        {},
    ),
    (
        "per-request-instance-dict",
        """
        class Basket:
            def __init__(self):
                self.items = {}

            def add(self, sku):
                self.items[sku] = load(sku)

        @app.post("/basket")
        def basket():
            b = Basket()
            b.add(request.form["sku"])
            b.items[request.form["other"]] = 1
            return jsonify(b.items)
        """,
        {},
    ),
    (
        "app-config-read-and-constant-keys",
        """
        app.config["FEATURES"] = {"beta": False}

        @app.get("/features")
        def features():
            current_app.config["FEATURES"]["beta"] = request.args.get("beta") == "1"
            name = request.args["name"]
            return jsonify(current_app.config["FEATURES"].get(name))
        """,
        {},
    ),
    (
        "app-dict-keyed-by-user",
        """
        app.last_seen = {}

        @app.before_request
        def seen():
            current_app.last_seen[current_user.id] = time.time()
        """,
        {},
    ),
    (
        "app-dict-size-checked",
        """
        app.previews = {}

        @app.get("/preview")
        def preview():
            url = request.args["url"]
            if len(current_app.previews) > 500:
                current_app.previews.clear()
            current_app.previews[url] = load(url)
            return "ok"
        """,
        {},
    ),
    (
        "app-attributes-set-at-startup-or-constant",
        """
        import os

        def create_app():
            application = Flask(__name__)
            application.api_url = os.environ.get("API_URL", "")
            application.started = time.time()
            return application

        @app.before_request
        def mark():
            current_app.ready = True
            g.user = load(session.get("user_id"))
        """,
        {},
    ),
    (
        "class-attribute-cache-evicted",
        """
        class Tokens:
            issued = {}

            @classmethod
            def expire(cls, name):
                cls.issued.pop(name, None)

        @app.post("/tokens")
        def issue():
            Tokens.issued[request.form["name"]] = time.time()
            return "ok"

        @app.delete("/tokens/<name>")
        def revoke(name):
            Tokens.expire(name)
            return "ok"
        """,
        {},
    ),
    (
        "store-object-bounded-by-size",
        """
        class MemoryStore:
            def __init__(self, limit=1000):
                self.limit = limit
                self.data = {}

            def put(self, key, value):
                if len(self.data) >= self.limit:
                    self.data.pop(next(iter(self.data)))
                self.data[key] = value

        _store = None

        def init_store():
            global _store
            _store = MemoryStore()

        def store() -> MemoryStore:
            return _store

        def hello():
            s = store()
            s.put(request.remote_addr, 1)
            return "hi"

        def create_app():
            application = Flask(__name__)
            init_store()
            application.add_url_rule("/hello", view_func=hello)
            return application
        """,
        {},
    ),
    (
        "store-object-swept-in-a-loop",
        """
        class MemoryStore:
            def __init__(self):
                self.data = {}

            def put(self, key, value):
                self.data[key] = (value, time.time() + 60)

            def drop(self, key):
                del self.data[key]

            def sweep(self):
                for key, (_, deadline) in list(self.data.items()):
                    if deadline < time.time():
                        self.drop(key)

        store = MemoryStore()

        @app.get("/hello")
        def hello():
            store.put(request.remote_addr, 1)
            return "hi"
        """,
        {},
    ),
    (
        "singleton-dict-keyed-by-checked-language",
        """
        LANGUAGES = ("en", "fr")

        class Catalogues:
            def __init__(self):
                self.loaded = {}

            def get(self, lang):
                self.loaded[lang] = load(lang)
                return self.loaded[lang]

        catalogues = Catalogues()

        def catalogue_for(lang):
            return catalogues.get(lang)

        @app.get("/<lang>/terms")
        def terms(lang):
            if lang not in LANGUAGES:
                return "unknown", 404
            return jsonify(catalogue_for(lang))
        """,
        {},
    ),
    (
        # every key a request adds is removed when its background job ends (the callback pops it)
        "job-registry-pops-each-key-when-its-job-ends",
        """
        from concurrent.futures import ThreadPoolExecutor

        class Jobs:
            def __init__(self):
                self._pool = ThreadPoolExecutor(2)
                self._running = {}

            def start(self, key):
                if key in self._running:
                    return False
                self._running[key] = time.time()
                self._pool.submit(self._work, key)
                return True

            def _work(self, key):
                try:
                    load(key)
                finally:
                    self._running.pop(key, None)

        jobs = Jobs()

        @app.post("/summaries/<doc_id>")
        def summarise(doc_id):
            return jsonify(started=jobs.start(doc_id))
        """,
        {},
    ),
    (
        "lock-registry-built-per-request",
        """
        class NamedLocks:
            def __init__(self):
                self._by_name = {}

            def __getitem__(self, name):
                if name not in self._by_name:
                    self._by_name[name] = threading.Lock()
                return self._by_name[name]

        class Job:
            def __init__(self):
                self._locks = NamedLocks()

            def run(self, name):
                with self._locks[name]:
                    return load(name)

        @app.get("/run/<name>")
        def run(name):
            return jsonify(Job().run(name))
        """,
        {},
    ),
]


def _project(code: str, files: dict[str, str]) -> dict[str, str]:
    sources = {"app.py": HEAD.lstrip("\n") + textwrap.dedent(code)}
    sources.update(files)
    return sources


def _found(code: str, files: dict[str, str]) -> list:
    return found(_project(code, files), RULES, preview=True)


#: Variants the rules do not get right yet, with the reason.
XFAIL: dict[str, str] = {}


def _mark(name: str):
    return xfail_marks(XFAIL, name)


@pytest.mark.parametrize(
    "rule, code, files",
    [pytest.param(rule, code, files, id=name, marks=_mark(name)) for name, rule, code, files in BAD],
)
def test_bad_variant_is_reported(rule, code, files):
    found = _found(code, files)
    assert any(f.code == rule for f in found), [(f.code, f.message) for f in found]


@pytest.mark.parametrize(
    "code, files",
    [pytest.param(code, files, id=name, marks=_mark(name)) for name, code, files in GOOD],
)
def test_good_variant_is_silent(code, files):
    found = _found(code, files)
    assert found == [], [(f.code, f.location, f.message) for f in found]

"""FD402 http-call-without-timeout: Outgoing HTTP call (requests/urllib) or mail/socket client without a timeout
can hang a worker for ever."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.calls import (
    API_CLIENT_LAST_NAMES,
    HTTP_LAST_NAMES,
    INFLUXDB_CLIENT_LAST_NAMES,
    KAFKA_FLUSH_LAST_NAMES,
    KEYSTONE_SESSION_LAST_NAMES,
    LDAP_LAST_NAMES,
    MAIL_SEND_LAST_NAMES,
    OLLAMA_METHODS,
    OPENAI_DEFAULT,
    OPENAI_LAST_NAMES,
    SDK_CALL_LAST_NAMES,
    SOCKET_CLIENT_LAST_NAMES,
    application_builds_class,
    branch_no_caller_takes,
    classify_api_client,
    classify_broker_flush,
    classify_http_call,
    classify_http_method_parameter,
    classify_influxdb_client,
    classify_keystone_session,
    classify_ldap_client,
    classify_mail_send,
    classify_openai_call,
    classify_sdk_call,
    classify_socket_client,
    client_library,
    describe_where,
    http_method_parameters,
    only_tests_call,
    other_entries,
    path_doubt,
    producer_built_here,
    timed_in_other_branch,
)
from flask_doctor.static.facts.mentions import in_dead_code
from flask_doctor.static.facts.roles import FileRole, role_of
from flask_doctor.static.model import JOB, REQUEST, Project
from flask_doctor.static.rules.base import Context, FixExample, Invalid, Rule, Valid

#: How long each Kafka client keeps an undelivered message before giving it up, for the message.
BROKER_EXPIRY = {
    "kafka": "kafka-python's `request_timeout_ms`, 30 s by default",
    "confluent_kafka": "confluent-kafka's `message.timeout.ms`, 5 minutes by default",
}
#: Libraries whose finding is at a client's construction: the connection the built object keeps has no timeout.
#: Built inside a class the application itself instantiates, the client is the app's, not an SDK's.
BUILT_CLIENTS = frozenset({"keystoneauth1", "influxdb", "jira", "apache-atlas", "zeep"})
#: What each mail extension does about timeouts, for the message, and how to bound its connection.
MAIL_EXTENSIONS = {
    "flask_mail": "Flask-Mail passes none to smtplib and has no setting for one",
    "flask_mailman": "Flask-Mailman passes one only when `MAIL_TIMEOUT` is set",
}
MAIL_HINTS = {
    "flask_mail": "Flask-Mail has no timeout setting: call `socket.setdefaulttimeout(...)` at startup, or switch to"
    " Flask-Mailman with `MAIL_TIMEOUT`, and send from a background job.",
    "flask_mailman": "Set `MAIL_TIMEOUT` (seconds) in the app's configuration.",
}

#: What each LDAP client does about timeouts, for the message, and how to bound its connection.
LDAP_CLIENTS = {
    "python-ldap": "python-ldap sets no `OPT_NETWORK_TIMEOUT` or `OPT_TIMEOUT` by default, so every bind and search"
    " on it waits as long as the directory keeps silent",
    "ldap3": "ldap3's `receive_timeout` and the server's `connect_timeout` default to none, so every bind and search"
    " on it waits as long as the directory keeps silent",
}
LDAP_HINTS = {
    "python-ldap": "Set `conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)` and `conn.set_option(ldap.OPT_TIMEOUT, 10)`"
    " (or `ldap.set_option(...)` once at startup), and handle `ldap.TIMEOUT`/`ldap.SERVER_DOWN`.",
    "ldap3": "Pass `connect_timeout=` to `Server(...)` and `receive_timeout=` to `Connection(...)`.",
}
KEYSTONE_HINT = {
    "keystoneauth1": "Pass `timeout=` (seconds) to `Session(...)`, or load it with"
    " `load_session_from_conf_options` so the `timeout` option it registers applies.",
    "influxdb": "Pass `timeout=` (seconds) to the client, e.g. `InfluxDBClient(..., timeout=10)`.",
    "jira": "Pass `timeout=` to the client, e.g. `JIRA(server, basic_auth=..., timeout=(3.05, 30))`.",
    "zeep": "Pass `transport=Transport(operation_timeout=30)` (from `zeep.transports`): the transport's `timeout`"
    " bounds only the loading of the WSDL, its `operation_timeout` every call.",
    "apache-atlas": "The client has no timeout setting: give its `session` one (a `requests.Session` subclass whose"
    " `request` sets a default `timeout`, assigned to `client.session`), or call Atlas from a background job.",
}
FEEDPARSER_HINT = {
    "feedparser": "Fetch the feed yourself with a timeout, `requests.get(url, timeout=(3.05, 20))`, and hand"
    " `response.content` to `feedparser.parse`; better, refresh feeds in a background job.",
}
XMLRPC_HINT = {
    "xmlrpc": "`ServerProxy` has no timeout parameter: pass `transport=` a `Transport` (or `SafeTransport`) subclass"
    " whose `make_connection` sets the connection's `timeout`, or call `socket.setdefaulttimeout(...)` at startup.",
}
#: What each SDK whose calls are reported where they are made does about timeouts, for the message, and the fix.
SDK_DEFAULTS = {
    "twilio": "twilio's `Client` sends every call through a `TwilioHttpClient` whose timeout defaults to none",
    "sendgrid": "sendgrid's client sends every call through python-http-client, which opens it with urllib and no"
    " timeout",
    "ollama": "ollama's client hands its timeout, none by default, to the httpx client it builds, which disables"
    " httpx's 5 s default",
}
SDK_HINTS = {
    "twilio": "Build the client with an HTTP client that has a timeout: `Client(sid, token,"
    " http_client=TwilioHttpClient(timeout=10))` (from `twilio.http.http_client`), or send from a background job.",
    "sendgrid": "The client has no timeout parameter: call `socket.setdefaulttimeout(...)` at startup, or send from"
    " a background job.",
    "ollama": "Build a client with a timeout, `ollama.Client(host=..., timeout=120)`, and call its methods instead of"
    " the module's functions, or run the generation in a background job.",
}
#: What each API client does about timeouts, for the message.
API_CLIENT_DEFAULTS = {
    "jira": "jira's default is none, and it hands that to every request of its session",
    "apache-atlas": "apache-atlas's client sends every call through its `requests` session with no timeout and has"
    " no setting for one",
    "zeep": "zeep's transport sends every operation with its `operation_timeout`, none by default; its `timeout`"
    " bounds only the loading of the WSDL",
}


class HttpCallWithoutTimeout(Rule):
    """
    ## What it does
    Finds outgoing HTTP calls that can wait for ever: `requests.get/post/...`
    and `requests.Session` methods without `timeout=` (also the sessions of
    OAuth clients built on it: requests-oauthlib's and Authlib's
    `OAuth1Session`/`OAuth2Session`, their verbs and their token calls
    `fetch_token`, `refresh_token`, `fetch_access_token`...; a session a
    project function builds and returns counts as its type, and so does
    the session a class builds when its caller passes none,
    `self.session = session or requests.Session()`, unless the project has
    a session class with a default timeout that a caller may pass),
    `urllib.request.urlopen` without a timeout, feedparser's `feedparser.parse(url)`
    given a URL (an `http(s)://` string, or a name, attribute or key that
    says URL: `feed_url`, `feed.link`, `source["href"]`), which fetches it with
    urllib and has no timeout parameter (text to parse is not reported, nor
    any of it when the project calls `socket.setdefaulttimeout`, and only a
    request or a job is shown to reach it), and any of these or httpx
    with an explicit `timeout=None` (on the call, or on the module-level
    `httpx.Client(timeout=None)` the call goes through). A session a factory or a module hangs
    on the application (`app.http = requests.Session()`) is that session
    wherever views reach it as `current_app.http`. A session's method handed to a helper
    as a value counts too: `method(url)` inside `_req(self, method, url)`
    when every caller in the application passes a requests method
    (`self._req(self._sess.get, url)`), while a parameter any caller fills
    with something else (a project function, `json.dumps`) is not one.
    keystoneauth1's `session.Session(auth=...)` has no timeout unless given
    `timeout=` (its default is none, and it passes requests a timeout only
    when it has one), so every call through it and through the OpenStack
    clients built on it (`keystoneclient.v3.client.Client(session=sess)`,
    `Adapter(sess)`) waits as long as the server keeps silent; the finding
    is at the session's construction. A session built with `**options` is
    reported when neither the function nor its callers name `timeout`; one
    `load_session_from_conf_options` loads is not (it reads the `timeout`
    option it registers: the operator's configuration bounds it). So does
    influxdb-python's (InfluxDB 1.x) `InfluxDBClient(...)` and
    `DataFrameClient(...)` built without `timeout=` (its default is none,
    handed to requests as is): the finding is at the client's construction,
    a note unless a request or a job is shown to build it (the 2.x
    `influxdb_client` has a 10 s default and is not reported). Two API
    clients built on a `requests` session of their own are read the same
    way, at their construction: jira's `JIRA(server, ...)` without
    `timeout=` (its default is none, handed to every request), and
    apache-atlas's `AtlasClient(url, auth)`, which sends every call with no
    timeout and has no setting for one (unless the module replaces its
    session's `request`). zeep's SOAP `Client(wsdl)` and `CachingClient`
    are read so too: built without a `transport`, or with a `Transport(...)`
    given no `operation_timeout`, every operation waits as long as the
    server keeps silent (`operation_timeout` defaults to none; the
    transport's `timeout`, 300 s, bounds only the loading of the WSDL),
    unless the module sets one later (`client.transport.operation_timeout =
    10`) or around the calls (`with client.settings(timeout=10):`). The standard library's other network
    clients block the same way when a request or a job opens them without a
    timeout: `smtplib.SMTP`/`SMTP_SSL`, `ftplib.FTP`, `imaplib.IMAP4`,
    `poplib.POP3`, `telnetlib.Telnet`, `http.client.HTTPConnection` and
    `socket.create_connection` (sending mail from a view is the common one),
    and `xmlrpc.client.ServerProxy(url)`: it has no timeout parameter, and
    its default transport opens each connection with none, so every remote
    call through it waits as long as the server keeps silent (a proxy given
    a `transport=` of the project's, which may set one, is not reported).
    So do the mail extensions that open SMTP inside the call: Flask-Mail's
    `mail.send(msg)`, `mail.send_message(...)` and `with mail.connect()`
    (it passes no timeout to smtplib and has no setting for one), and
    Flask-Mailman's `mail.send(...)`, `mail.send_mail(...)` and
    `EmailMessage(...).send()` unless the configuration sets `MAIL_TIMEOUT`
    or a `MAIL_BACKEND` other than SMTP. The mail object may be a module
    instance, `current_app.extensions["mail"]`, or a config entry every
    assignment of which builds the extension (`app.config["mail"] = Mail(app)`).
    Three SDK clients are read at the call that waits (they are often built once
    at import, and the request or job is where a worker hangs): twilio's
    `Client(sid, token)` (`client.messages.create(...)`,
    `client.verify.v2.services(sid).verifications.create(...)`) sends through
    a `TwilioHttpClient` whose timeout defaults to none, unless the project
    gives it an HTTP client of its own (`http_client=`); sendgrid's
    `SendGridAPIClient(key)` (`sg.send(message)`,
    `sg.client.mail.send.post(...)`) sends through python-http-client, which
    opens each request with urllib and no timeout, unless the project calls
    `socket.setdefaulttimeout`; ollama's `Client(host)` (`client.chat(...)`,
    `client.generate(...)`) and the module's own functions (`ollama.chat(...)`,
    through a default client) hand httpx a timeout of none, which disables
    httpx's default, unless the project builds its client with `timeout=`.
    LDAP clients too: python-ldap's `ldap.initialize(uri)` (and
    `SimpleLDAPObject`/`ReconnectLDAPObject`) when the project sets neither
    `OPT_NETWORK_TIMEOUT` nor `OPT_TIMEOUT` (`conn.set_option(...)`, or
    `ldap.set_option(...)` for every connection) nor the connection's
    `timeout`/`network_timeout` attribute, and ldap3's `Connection(...)`
    without `receive_timeout=` on a `Server(...)` without `connect_timeout=`
    (both default to none).

    OpenAI's SDK reached from a request is a note: its default timeout is
    ten minutes, so a slow or stalled API holds the worker that long on
    every call. That is the 0.x module's resources
    (`openai.ChatCompletion.create(...)`, `openai.Completion.create`,
    `openai.Embedding.create`...) without `request_timeout=`, and the 1.x
    client's (`OpenAI()`, `AzureOpenAI()`, or the module's default one)
    `client.chat.completions.create(...)`, `client.embeddings.create(...)`,
    `client.responses.create(...)` without `timeout=`, which also retries
    twice. Not reported: a call given a timeout (or `**kwargs`), a
    `client.with_options(timeout=...)` chain, a project that builds an
    OpenAI client with `timeout=` or sets `openai.timeout`, and calls only
    jobs and commands make (a job may wait for a model).

    A Kafka producer's `flush()` without `timeout` (kafka-python's
    `KafkaProducer`, confluent-kafka's `Producer`) in request or job code is
    a note: the call waits until the broker acknowledges every buffered
    message, bounded only by the client's own expiry (30 s for
    kafka-python, 5 minutes for confluent-kafka), so a slow or unreachable
    broker holds the worker that long on every call, not for ever. A flush
    no request or job reaches, or one with a timeout, is not reported.

    ## Why is this bad?
    requests and urllib have **no default timeout**, and neither have the
    standard library's socket clients (the socket default is none): if the
    other side accepts the connection and never answers, the call blocks
    for ever. In
    a view that worker is lost until gunicorn kills it; in a Celery task
    the worker process hangs and the queue stops draining. The requests
    docs say nearly all production code should pass a timeout.

    Not reported: httpx calls without `timeout` (httpx defaults to 5
    seconds), Authlib sessions built with `default_timeout=`, a signal's
    `send(...)` (blinker's, however the project names it: it calls the
    receivers, it opens no connection), calls that pass a timeout (keyword, or positionally where the
    API allows), calls with `**kwargs` (the timeout may be in them),
    sessions of a project subclass that overrides `request`/`send` to set a
    timeout (but one that passes a class attribute declared `None`, such as
    `default_timeout`, only when it is set, and that the project sets only
    under an `if`, has no timeout by default and is reported, as a note:
    the project leaves the timeout to the deployment's configuration),
    sessions whose `request` or `send` the project replaces by itself with a
    timeout bound (`session.request = functools.partial(session.request,
    timeout=10)`), a call left without a timeout on purpose (the branch of
    an `if` that tests a timeout setting, `if not self.notimeout:`, whose
    other branch makes the same call with `timeout=`),
    `urlopen` and the socket clients when the project calls
    `socket.setdefaulttimeout`, a socket client no request or job reaches,
    test code, dead code (a function or method whose name the project
    writes nowhere but in its `def`: no call, reference or string, no
    template, entry point or server command; not a decorated function, a
    dunder, or a method of a class with a base from a library, which may call
    it by a name it builds), examples, docs and scripts (a theme's build script that reads `sys.argv` at
    module level too), the project's client package (a `client/`, `sdk/` or `gui/` package that the
    server neither imports nor builds on: it runs on the user's machine), and code only CLI commands
    reach: a person runs those and sees the hang. Nor are the methods of a client library
    the project ships for other programs (a `*_client.py` module or a
    `class FooClient`) that no request or job of its own reaches: the
    program that uses the client decides its timeouts.

    Severity follows the evidence that a worker waits. *Warning* when the
    call is reached from a request or a background job, with the chain in
    the evidence (and the other views or tasks that call one of the chain's
    helpers themselves, where they call it) — including the ways real projects reach their code that
    a plain call graph misses: plugin classes behind an abstract method
    (`issuer.create_certificate(...)`), registries of functions, classes or
    modules, classes loaded from configuration (`import_string(...)`),
    callbacks handed to executors and extensions (`executor.submit(fetch)`,
    `login_manager.user_loader`, a form's `validate_<field>` and WTForms
    validator objects), overrides a base class dispatches to
    (`self._process()`), and project decorators (one that enqueues the
    function or registers it with Celery/RQ makes it a job, and so does a
    `functools.partial` of RQ's `job` decorator, of a subclass of it or of a
    Celery app's `task`: `job = partial(QueueJob, connection=redis)`), and project
    helpers that queue the function they are given or start it in a new
    process (`submit(600, refresh, url)` with `def submit(timeout, func,
    *args): queue.enqueue(func, *args, ...)` or `Process(target=func)`,
    through any depth of such helpers: the function is a job). A thread a
    view starts counts as a job. The classes a flask-restful/flask-restx
    `Api` registers (`api.add_resource(Items, "/items")`) are views
    whatever library base they derive from: their verb methods and
    `__init__` run in every request. So are the functions of a URL table a
    loop registers (`for url, func in routes.items(): app.add_url_rule(url,
    None, func)`), the table followed through the helper's parameter to a
    module-level dict or list of pairs its callers pass. *Note* when the URL is written to this
    host (`http://localhost:...`, `127.0.0.1`, a `http+unix://` socket: a
    service the deployment runs beside the app), when a helper on the chain takes the path only
    under an argument its caller passes or an opt-in setting, when the chain
    is too deep to tell the branch taken, when the chain goes through a
    class loaded by a computed name (`getattr(__import__(path), name)(...)`:
    which plugin runs is configuration), and when no request or job path
    to the call is found (the message says so, without claiming that none
    exists: the call graph misses callbacks, registries and dynamic
    dispatch, so a `requests` or `urlopen` call of the application that
    nothing is known to reach is still worth a timeout). A call that runs
    once at import (module level or a class body) is not reported: a hang
    there stops the start-up, in front of whoever starts it. A property
    read is a call: `account.effective_apr` runs the `@property` of the
    receiver's class, or of the one project class that defines that
    compound name. Not reported either: a method or function
    only the test suite calls when the app uses its class or module (the
    model follows that class, and nothing of the app calls this one).

    ## Example
    ```python
    @app.get("/weather")
    def weather():
        return requests.get(WEATHER_URL, params=request.args).json()
    ```

    ## Use instead
    ```python
    @app.get("/weather")
    def weather():
        return requests.get(WEATHER_URL, params=request.args, timeout=(3.05, 10)).json()
    ```

    ## Fix safety
    Adding `timeout=` is safe but not automatic: the right value depends on
    the service, and callers must handle `requests.Timeout`.

    ## References
    - requests docs: "Timeouts" (Advanced Usage)
    - httpx docs: "Timeouts" — 5 second default
    - bandit B113 request_without_timeout
    """

    code = "FD402"
    name = "http-call-without-timeout"
    severity = Severity.WARNING
    catalog = ("S04", "S17")
    summary = "Outgoing HTTP call (requests/urllib) or mail/socket client without a timeout can hang a worker for ever."
    fix_safety = "safe"
    FIX_EXAMPLE = FixExample(
        before="""
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/weather")
            def weather():
                return requests.get(
                    "https://api.example.com/weather",
                    params={"city": "Oslo"},
                ).json()
            """,
        after="""
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/weather")
            def weather():
                return requests.get(
                    "https://api.example.com/weather",
                    params={"city": "Oslo"},
                    timeout=10,
                ).json()
            """,
    )

    call_names = (
        HTTP_LAST_NAMES
        | SOCKET_CLIENT_LAST_NAMES
        | MAIL_SEND_LAST_NAMES
        | LDAP_LAST_NAMES
        | KAFKA_FLUSH_LAST_NAMES
        | KEYSTONE_SESSION_LAST_NAMES
        | INFLUXDB_CLIENT_LAST_NAMES
        | API_CLIENT_LAST_NAMES
        | SDK_CALL_LAST_NAMES
        | OLLAMA_METHODS
        | OPENAI_LAST_NAMES
    )

    def project_call_names(self, project: Project) -> frozenset[str]:
        """The parameters every caller fills with a requests method (``method(url)`` in ``_req(self, method,
        url)``)."""
        return frozenset(name for params in http_method_parameters(project).values() for name in params)

    VALID = (
        # A twilio client given an HTTP client with a timeout, and a sendgrid client in a project that bounds
        # every socket at startup: their calls in views are bounded.
        Valid("""
            import os
            import socket
            from flask import Flask, request
            from sendgrid import SendGridAPIClient
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client
            socket.setdefaulttimeout(20)
            app = Flask(__name__)
            texts = Client(os.environ["SMS_SID"], os.environ["SMS_TOKEN"], http_client=TwilioHttpClient(timeout=8))

            @app.post("/remind")
            def remind():
                texts.messages.create(to=request.form["to"], from_="+15550100", body="Reminder")
                SendGridAPIClient(os.environ["MAIL_KEY"]).send({"subject": "Reminder"})
                return "queued"
            """),
        # An ollama client built with a timeout bounds every generation through it.
        Valid("""
            import ollama
            from flask import Flask, request
            app = Flask(__name__)
            llm = ollama.Client(host="http://models:11434", timeout=60)

            @app.post("/explain")
            def explain():
                return {"answer": llm.generate(model="phi3", prompt=request.json["question"])["response"]}
            """),
        # An OpenAI client built with a timeout, a 0.x call given `request_timeout`, and a model asked from a
        # background job (a job may wait for a model): nothing holds a request for ten minutes.
        Valid("""
            import openai
            from flask import Flask, request
            from openai import OpenAI
            app = Flask(__name__)
            llm = OpenAI(timeout=30)

            @app.post("/summary")
            def summary():
                reply = llm.chat.completions.create(model="gpt-4o-mini", messages=request.json["messages"])
                legacy = openai.ChatCompletion.create(model="gpt-4", messages=[], request_timeout=20)
                return {"text": reply.choices[0].message.content, "old": legacy.choices[0].message.content}
            """),
        Valid(
            """
            from celery import shared_task
            from flask import Flask
            from openai import OpenAI
            app = Flask(__name__)
            llm = OpenAI()

            @shared_task
            def summarise(document_id):
                return llm.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
            """
        ),
        # The agent connection is bounded except for the long operations a caller asks to run without a timeout:
        # the `if` tests that wish and the same call carries a timeout on its other branch, so leaving it open on
        # this one is the project's choice.
        Valid("""
            import socket
            from flask import Flask
            app = Flask(__name__)

            class AgentLink:
                def __init__(self, host, port, timeout=5, no_timeout=False):
                    self.address = (host, port)
                    self.timeout = timeout
                    self.no_timeout = no_timeout

                def open(self):
                    if not self.no_timeout:
                        return socket.create_connection(self.address, timeout=self.timeout)
                    else:
                        return socket.create_connection(self.address)

            @app.post("/agents/<name>/restore")
            def restore(name):
                link = AgentLink(name, 4971, no_timeout=True).open()
                link.sendall(b"restore")
                return "started"
            """),
        # A session the class body builds with a timeout on every call, and `with` on an object whose `__enter__`
        # returns another object (a cache, not the session): its `get` is the project's own.
        Valid("""
            import requests
            from flask import Flask
            app = Flask(__name__)

            class Cache:
                def get(self, key):
                    return key

            class Lease:
                def __enter__(self):
                    return Cache()

                def __exit__(self, *exc):
                    return False

            class Provider:
                session = requests.Session()
                lease = Lease()

                def search(self, query):
                    with self.lease as cache:
                        cache.get(query)
                    return self.session.get("https://books.example", params={"q": query}, timeout=10).json()

            @app.get("/metadata")
            def metadata():
                return Provider().search("dune")
            """),
        # A client class falls back to a plain session when none is passed, and the project's own session class
        # always sets a timeout: the caller may pass that one. A session subclass whose timeout attribute the
        # project always sets is bounded too.
        Valid("""
            import requests
            from flask import Flask
            app = Flask(__name__)

            class TimeoutSession(requests.Session):
                def request(self, method, url, **kwargs):
                    kwargs.setdefault("timeout", 10)
                    return super().request(method, url, **kwargs)

            class ConfigurableSession(requests.Session):
                default_timeout = None

                def send(self, request, **kwargs):
                    if self.default_timeout and not kwargs.get("timeout"):
                        kwargs["timeout"] = self.default_timeout
                    return super().send(request, **kwargs)

            class Index:
                def __init__(self, url, session=None):
                    self.url = url
                    self.session = session or requests.Session()

                def names(self):
                    return self.session.get(self.url).json()

            CONFIGURED = ConfigurableSession()
            CONFIGURED.default_timeout = 10
            INDEX = Index("https://pypi.example/simple/", TimeoutSession())

            @app.get("/names")
            def names():
                return {"names": INDEX.names(), "status": CONFIGURED.get("https://pypi.example/status").ok}
            """),
        # A session whose `request` is replaced by itself with a timeout bound (`functools.partial`), at module
        # level and in a client's constructor: every verb goes through `request`, so each call has that timeout.
        Valid("""
            import functools
            import requests
            from flask import Flask
            app = Flask(__name__)

            MIRROR = requests.Session()
            MIRROR.request = functools.partial(MIRROR.request, timeout=(3.05, 20))

            class Registry:
                def __init__(self, base, timeout=10):
                    self.base = base
                    self.http = requests.Session()
                    self.http.request = functools.partial(self.http.request, timeout=timeout)

                def tags(self, image):
                    return self.http.get(f"{self.base}/v2/{image}/tags/list").json()

            @app.get("/tags/<image>")
            def tags(image):
                return {"tags": Registry("https://registry.example").tags(image),
                        "mirror": MIRROR.head("https://mirror.example/").ok}
            """),
        # Dead code: a module function and a method of a project class that nothing in the project names (no
        # call, no reference, no string): no worker can run them.
        Valid("""
            import requests

            def legacy_probe(host):
                return requests.get(f"http://{host}/health").ok

            class Mirror:
                def sync(self, url):
                    return url

                def _old_listing(self, url):
                    return requests.get(url).json()
            """),
        # A keystoneauth1 session given `timeout=`, one loaded from the configuration (the `timeout` option it
        # registers is the operator's), a parameter its callers fill with plain functions, and a session method
        # handed to a helper that passes a timeout.
        Valid("""
            import json
            import requests
            from flask import Flask, request
            from keystoneauth1 import loading as ks_loading
            from keystoneauth1 import session
            from oslo_config import cfg
            app = Flask(__name__)
            CONF = cfg.CONF
            ks_loading.register_session_conf_options(CONF, "keystone_authtoken")

            def apply(func, value):
                return func(value)

            class StatusApi:
                def __init__(self):
                    self._sess = requests.Session()

                def _req(self, method, url):
                    return method(url, timeout=10)

                def status(self):
                    return self._req(self._sess.get, "https://api.example/status")

            @app.post("/tokens")
            def tokens():
                auth = ks_loading.load_auth_from_conf_options(CONF, "keystone_authtoken")
                loaded = ks_loading.load_session_from_conf_options(CONF, "keystone_authtoken", auth=auth)
                timed = session.Session(auth=auth, timeout=30)
                return {
                    "user": loaded.get_user_id(),
                    "project": timed.get_project_id(),
                    "body": apply(json.dumps, request.json),
                    "name": apply(str.upper, "x"),
                    "status": StatusApi().status().status_code,
                }
            """),
        # InfluxDB clients given a timeout (by keyword, or as the eighth positional argument), and the 2.x client,
        # whose default is 10 s.
        Valid("""
            from flask import Flask, request
            from influxdb import DataFrameClient, InfluxDBClient
            from influxdb_client import InfluxDBClient as InfluxDBClientV2
            app = Flask(__name__)

            @app.get("/totals")
            def totals():
                metric = request.args["metric"]
                timed = InfluxDBClient(host="influx", database="metrics", timeout=10)
                frames = DataFrameClient("influx", 8086, "reader", "secret", "metrics", False, False, 10)
                modern = InfluxDBClientV2(url="http://influx:8086", token="secret", org="ops")
                return {
                    "v1": list(timed.query(f"SELECT sum(value) FROM {metric}").get_points()),
                    "frames": len(frames.query(f"SELECT * FROM {metric}")),
                    "v2": len(modern.query_api().query(f'from(bucket: "{metric}")')),
                }
            """),
        # An issue tracker client given a timeout, and a metadata catalogue client only a command builds.
        Valid("""
            import click
            from apache_atlas.client.base_client import AtlasClient
            from flask import Flask
            from jira import JIRA
            app = Flask(__name__)

            @app.get("/issues/<key>")
            def issue(key):
                tracker = JIRA(app.config["JIRA_URL"], basic_auth=("bot", "secret"), timeout=(3.05, 20))
                return {"summary": tracker.issue(key).fields.summary}

            @app.cli.command("export-types")
            @click.argument("url")
            def export_types(url):
                catalogue = AtlasClient(url, ("admin", "admin"))
                click.echo(catalogue.typedef.get_all_typedefs())
            """),
        # SOAP clients whose transports bound each operation: inline, and through a transport built once beforehand.
        Valid("""
            from flask import Flask
            from zeep import Client
            from zeep.transports import Transport
            app = Flask(__name__)
            SHARED = Transport(timeout=10, operation_timeout=20)

            @app.get("/vat/<country>/<number>")
            def vat(country, number):
                checker = Client("https://vat.example/check?wsdl", transport=Transport(operation_timeout=15))
                return {"valid": checker.service.checkVat(country, number).valid}

            @app.get("/rates/<currency>")
            def rate(currency):
                return {"rate": Client("https://rates.example/soap?wsdl", transport=SHARED).service.Rate(currency)}
            """),
        # An InfluxDB client class the project ships for other programs: nothing of its own builds it.
        Valid("""
            from influxdb import InfluxDBClient

            class SeriesClient:
                def __init__(self, host):
                    self._conn = InfluxDBClient(host=host, database="series")

                def points(self, query):
                    return list(self._conn.query(query).get_points())
            """),
        # A Kafka flush bounded by `timeout=`, and a project buffer's own `flush()`.
        Valid("""
            from flask import Flask
            from kafka import KafkaProducer
            app = Flask(__name__)
            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            class Buffer:
                def flush(self):
                    return []

            @app.post("/events")
            def events():
                producer.send("events", b"created")
                producer.flush(timeout=5)
                Buffer().flush()
                return "ok"
            """),
        # LDAP clients bounded from the configuration: a global python-ldap option, an attribute on one connection,
        # an ldap3 server's connect timeout; and an ldap3 lookup only a command runs.
        Valid(
            """
            import click
            import ldap
            from flask import Flask, current_app, request
            from directory import Directory
            app = Flask(__name__)

            @app.post("/login")
            def login():
                ldap.set_option(ldap.OPT_NETWORK_TIMEOUT, current_app.config["LDAP_TIMEOUT"])
                conn = ldap.initialize(current_app.config["LDAP_URL"])
                conn.simple_bind_s(request.form["dn"], request.form["password"])
                return Directory().groups(request.form["dn"])

            @click.command()
            def sync_users():
                from ldap3 import Connection
                Connection("ldap://directory.example", auto_bind=True).search("dc=example", "(uid=*)")
            """,
            files={
                "directory.py": """
            from ldap3 import Connection, Server

            class Directory:
                def __init__(self):
                    self.server = Server("ldap://directory.example", connect_timeout=5)

                def groups(self, dn):
                    conn = Connection(self.server, auto_bind=True)
                    conn.search("dc=example", f"(member={dn})")
                    return [entry.entry_dn for entry in conn.entries]
            """
            },
        ),
        Valid("""
            import ldap
            from flask import Flask, g
            app = Flask(__name__)

            @app.before_request
            def load_groups():
                conn = ldap.initialize("ldap://directory.example")
                conn.timeout = 10
                conn.network_timeout = 5
                g.groups = conn.search_s("ou=groups,dc=example", ldap.SCOPE_ONELEVEL, "(memberUid=u)")
            """),
        # Flask-Mailman with `MAIL_TIMEOUT` set passes it to smtplib; a Flask-Mail send only a command reaches.
        Valid("""
            import click
            from flask import Flask, request
            from flask_mail import Mail as FlaskMail, Message
            from flask_mailman import Mail, EmailMessage
            app = Flask(__name__)
            app.config["MAIL_TIMEOUT"] = 10
            mail = Mail(app)
            legacy = FlaskMail(app)

            @app.post("/contact")
            def contact():
                mail.send_mail("Contact", request.form["message"], "site@example", ["team@example"])
                EmailMessage("Copy", request.form["message"], to=[request.form["email"]]).send()
                return "sent"

            @click.command()
            def mail_report():
                legacy.send(Message("Report", ["team@example"]))
            """),
        Valid("""
            import httpx
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/a")
            def a():
                r = requests.get("https://example.com", timeout=5)
                h = httpx.get("https://example.com")
                with httpx.Client() as client:
                    client.get("https://example.com")
                return r.text + h.text
            """),
        Valid("""
            import requests
            from urllib.request import urlopen

            def fetch(url, **kwargs):
                s = requests.Session()
                s.get(url, **kwargs)
                return urlopen(url, None, 10).read()
            """),
        Valid("""
            import requests

            class TimeoutSession(requests.Session):
                def request(self, method, url, **kwargs):
                    kwargs.setdefault("timeout", 10)
                    return super().request(method, url, **kwargs)

            http = TimeoutSession()

            def fetch(url):
                return http.get(url)
            """),
        # Calls that run once at import (a module's constant, a class attribute) and in a `__main__` block: a hang
        # stops the start-up or the script in front of whoever runs it, no worker waits on it.
        Valid("""
            import requests
            import urllib.request
            from flask import Flask
            app = Flask(__name__)

            SCHEMA = requests.get("https://schemas.example/v1.json").json()
            LICENSES = urllib.request.urlopen("https://spdx.example/licenses.json").read()

            class Countries:
                CODES = requests.get("https://countries.example/codes").json()

            @app.get("/schema")
            def schema():
                return SCHEMA

            if __name__ == "__main__":
                print(requests.get("https://schemas.example/v2.json").status_code)
            """),
        # The scoring server's client, shipped for users' scripts: the program that imports it sets the policy.
        Valid("""
            import requests

            class ScoringServerClient:
                def __init__(self, host, port):
                    self.url_prefix = f"http://{host}:{port}"

                def ping(self):
                    return requests.get(f"{self.url_prefix}/ping").status_code == 200

                def invoke(self, data):
                    return requests.post(f"{self.url_prefix}/invocations", json=data).json()
            """),
        # A developer's build script and an upgrade check of the command line: a person watches them run.
        Valid(
            """
            import click
            import requests

            @click.command()
            def launch():
                latest = requests.get("https://api.github.com/repos/o/r/releases").json()
                click.echo(latest[0]["tag_name"])
            """,
            files={
                "tools/build_emoji.py": """
            import requests
            data = requests.get("https://unicode.org/emoji.json").json()
            """,
                "examples/preview_client.py": """
            import requests

            def preview(sql):
                return requests.post("https://superset.example/sql", json={"sql": sql}).json()
            """,
            },
        ),
        # Mail sent with a timeout from a view, and a mail helper only a command line tool uses.
        Valid("""
            import smtplib
            import click
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/contact")
            def contact():
                with smtplib.SMTP("mail.example", 25, timeout=10) as smtp:
                    smtp.sendmail("site@example", ["team@example"], request.form["message"])
                return "sent"

            @click.command()
            def mail_report():
                with smtplib.SMTP("mail.example") as smtp:
                    smtp.sendmail("site@example", ["team@example"], "report")
            """),
        # An XML-RPC proxy with a transport of the project's that bounds its connections, and one a command builds.
        Valid("""
            import click
            import xmlrpc.client
            from flask import Flask
            app = Flask(__name__)

            class BoundedTransport(xmlrpc.client.Transport):
                def make_connection(self, host):
                    conn = super().make_connection(host)
                    conn.timeout = 10
                    return conn

            @app.get("/tickets/<int:number>")
            def ticket(number):
                tracker = xmlrpc.client.ServerProxy("https://tracker.example/rpc", transport=BoundedTransport())
                return tracker.ticket.get(number)

            @click.command()
            def dump_tickets():
                print(xmlrpc.client.ServerProxy("https://tracker.example/rpc").ticket.query("status=open"))
            """),
        # A wrapper that forwards **kwargs, and the caller passes a timeout; a session that sets its own default.
        Valid("""
            import requests
            from flask import Flask
            app = Flask(__name__)

            class DefaultTimeoutSession(requests.Session):
                def request(self, method, url, **kwargs):
                    kwargs.setdefault("timeout", 10)
                    return super().request(method, url, **kwargs)

            def fetch(url, **kwargs):
                return requests.get(url, **kwargs)

            @app.get("/status")
            def status():
                DefaultTimeoutSession().get("https://status.example")
                return fetch("https://status.example/api", timeout=5).json()
            """),
        # A DELETE helper whose bare branch runs only without headers, and every caller passes them.
        Valid("""
            import requests
            from flask import Flask
            app = Flask(__name__)
            TOKEN_HEADERS = {"X-Auth-Token": "secret"}

            def send_delete(url, headers=None):
                if headers:
                    return requests.delete(url, headers=headers, timeout=20).json()
                else:
                    return requests.delete(url).json()

            @app.delete("/beacon/<dataset>")
            def remove_dataset(dataset):
                return send_delete("https://beacon.example/" + dataset, headers=TOKEN_HEADERS)

            @app.delete("/matches/<patient>")
            def remove_patient(patient):
                return send_delete("https://matches.example/" + patient, TOKEN_HEADERS)
            """),
        # A submission API the views use, with a method only a test calls: no worker of the app runs it.
        Valid(
            """
            import requests
            from flask import Flask

            class SubmissionApi:
                def __init__(self, url):
                    self.url = url

                def submit(self, payload):
                    return requests.post(self.url, json=payload, timeout=30).json()

                def accession_from_summary(self, summary_url):
                    return requests.get(summary_url).json()["accession"]

            app = Flask(__name__)
            api = SubmissionApi("https://submit.example/api")

            @app.post("/submit")
            def submit():
                return api.submit({"variant": "x"})
            """,
            files={
                "tests/test_submission.py": """
            from app import SubmissionApi

            def test_accession(summary_url):
                assert SubmissionApi("u").accession_from_summary(summary_url) == "SCV1"
            """
            },
        ),
        # Authlib's session with a default timeout; a blinker signal sent from a view is no mail plugin's `send`.
        Valid(
            """
            from authlib.integrations.requests_client import OAuth2Session
            from flask import Flask, request
            from events import user_signed_in
            app = Flask(__name__)
            idp = OAuth2Session("client-id", "secret", default_timeout=10)

            @app.get("/callback")
            def callback():
                token = idp.fetch_token("https://idp.example/token", authorization_response=request.url)
                user_signed_in.send(app, token=token)
                return idp.get("https://idp.example/userinfo").json()
            """,
            files={
                "signals.py": """
            from blinker import Namespace
            namespace = Namespace()
            """,
                "events.py": """
            from signals import namespace
            user_signed_in = namespace.signal("user-signed-in")
            """,
                "notifications.py": """
            import smtplib

            class Notifier:
                def send(self, message):
                    raise NotImplementedError

            class EmailNotifier(Notifier):
                def send(self, message):
                    with smtplib.SMTP("mail.example") as smtp:
                        smtp.sendmail("site@example", ["team@example"], message)
            """,
            },
        ),
        # the project's command-line client, a package of its own that the server neither imports nor builds on,
        # and a theme's build script that reads its arguments at module level: both run on a person's machine
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)

            @app.get("/builds/<int:build_id>")
            def build(build_id):
                return {"id": build_id}
            """,
            files={
                "forge/__init__.py": "",
                "forge/client/__init__.py": "",
                "forge/client/api.py": """
            import requests

            class Builds:
                def __init__(self, server):
                    self.server = server

                def status(self, build_id):
                    return requests.get(f"{self.server}/builds/{build_id}").json()
            """,
                "forge/client/cli.py": """
            import sys
            from forge.client.api import Builds

            def main():
                print(Builds(sys.argv[1]).status(int(sys.argv[2])))
            """,
                "forge/themes/plain/fetch_icons.py": """
            import sys
            import requests

            RELEASE = sys.argv[1]

            def icon_names():
                return requests.get("https://icons.example/" + RELEASE).text.split()

            with open("icons.js", "w") as out:
                out.write(repr(icon_names()))
            """,
            },
        ),
        # feedparser given the text of a response fetched with a timeout: nothing to fetch, nothing to wait for
        Valid("""
            import feedparser
            import requests
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/subscriptions")
            def subscribe():
                response = requests.get(request.form["address"], timeout=(3.05, 20))
                return {"entries": len(feedparser.parse(response.content).entries)}
            """),
    )
    INVALID = (
        # the view asks the agent on this host: a note, the service is the deployment's own
        Invalid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/services")
            def services():
                return requests.get("http://127.0.0.1:8500/v1/agent/services").json()  # expect
            """,
            message="the URL names this host (`127.0.0.1`)",
        ),
        # ``hit.group(1)`` is a regex match's method, not the directory's ``group``: the chain is not joined by
        # the name alone, so no request is known to reach the lookup (a note); ``directory.group(...)`` on a
        # receiver whose name spells the class would be.
        Invalid(
            """
            import re
            import requests
            from flask import Flask, request
            app = Flask(__name__)
            MEMBER = re.compile(r"team-(\\w+)")

            class Directory:
                def group(self, name):
                    return {"name": name}

            class RemoteDirectory(Directory):
                def group(self, name):
                    return requests.get("https://directory.example.com/groups/" + name).json()  # expect

            @app.get("/members")
            def members():
                if hit := MEMBER.match(request.args["ref"]):
                    return {"team": hit.group(1)}
                return {"team": None}
            """,
            message="no request or job is known to reach it",
        ),
        # SDK clients whose calls have no timeout, reached from views: twilio's resource calls through a
        # module-level client (down a chain of resources), and sendgrid's send through a client a helper builds.
        Invalid(
            """
            import os
            from flask import Flask, request
            from sendgrid import SendGridAPIClient
            from twilio.rest import Client
            app = Flask(__name__)
            texts = Client(os.environ["SMS_SID"], os.environ["SMS_TOKEN"])

            def mail_receipt(address):
                SendGridAPIClient(os.environ["MAIL_KEY"]).send({"to": address, "subject": "Receipt"})  # expect

            @app.post("/orders/<int:order_id>/confirm")
            def confirm(order_id):
                check = texts.verify.v2.services("VS1").verification_checks.create(  # expect
                    to=request.form["phone"], code=request.form["code"]
                )
                mail_receipt(request.form["email"])
                return {"status": check.status}
            """,
            message="has no timeout (sendgrid's client sends every call through python-http-client",
        ),
        # A local model server asked through ollama's module function from a view: a stuck generation holds
        # the worker, since ollama turns httpx's default timeout off.
        Invalid(
            """
            import ollama
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/explain")
            def explain():
                answer = ollama.generate(model="phi3", prompt=request.json["question"])  # expect
                return {"answer": answer["response"]}
            """,
            message="ollama's client hands its timeout, none by default, to the httpx client it builds",
        ),
        # openai<1.0's resources wait up to `request_timeout`, 600 s by default: a stalled API holds the view's
        # worker ten minutes (a note: bounded, but far beyond a request's time).
        Invalid(
            """
            import openai
            from flask import Flask, request
            app = Flask(__name__)

            def ask(prompt):
                response = openai.ChatCompletion.create(  # expect
                    model="gpt-4", messages=[{"role": "user", "content": prompt}], max_tokens=500
                )
                return response.choices[0].message.content

            @app.get("/recommendations")
            def recommendations():
                return {"text": ask(request.args["goal"])}
            """,
            message="openai<1.0 gives every call a `request_timeout` of 600 s",
        ),
        # The 1.x client built without a timeout, kept on the instance the view's service class builds.
        Invalid(
            """
            from flask import Flask, request
            from openai import OpenAI
            app = Flask(__name__)

            class Assistant:
                def __init__(self):
                    self.client = OpenAI()

                def answer(self, question):
                    return self.client.chat.completions.create(  # expect
                        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
                    )

            @app.post("/ask")
            def ask():
                return {"answer": Assistant().answer(request.json["q"]).choices[0].message.content}
            """,
            message="waits up to ten minutes for the model's answer",
        ),
        # The view passes the job to the project's queueing helper, which hands it on to another that enqueues it.
        Invalid(
            """
            import requests
            from flask import Flask
            from rq import Queue
            from redis import Redis

            app = Flask(__name__)

            def _put(queue, timeout, func, *args):
                queue.enqueue(func, *args, job_timeout=timeout)

            def submit(timeout, func, *args):
                _put(Queue(connection=Redis()), timeout, func, *args)

            def mirror_feed(url):
                return requests.get(url).text  # expect

            @app.post("/feeds")
            def add_feed():
                submit(300, mirror_feed, "https://example.org/feed.xml")
                return {"queued": True}, 202
            """,
            message="in task `mirror_feed` has no timeout: if the server never answers, the job waits",
        ),
        # The `if` is about caching, not about the timeout, and the other branch calls another function: nothing
        # shows the project chose to wait without a bound.
        Invalid(
            """
            import requests
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/rates")
            def rates():
                if request.args.get("cached"):
                    return requests.get("https://cache.example/rates", timeout=2).json()
                else:
                    return requests.post("https://fx.example/rates", json={"base": "EUR"}).json()  # expect
            """,
            message="has no timeout",
        ),
        # A metadata provider builds its session in the class body (one for every instance) and uses it
        # directly and through `with self.session as session:`, also in a function defined in the method.
        Invalid(
            """
            import requests
            from flask import Flask, request
            app = Flask(__name__)

            class Amazon:
                session = requests.Session()
                session.headers = {"user-agent": "calibre-web"}

                def search(self, query):
                    def inner(link):
                        with self.session as session:
                            return session.get(link).text  # expect

                    found = self.session.get("https://amazon.example/s", params={"k": query})  # expect
                    return [inner(link) for link in found.json()]

            @app.get("/metadata")
            def metadata():
                return {"results": Amazon().search(request.args["q"])}
            """,
            message="request path: view `metadata` → `Amazon.search`",
        ),
        # Only the session whose `request` is bound to a timeout is bounded: another session of the same module,
        # and one whose partial binds `timeout=None`, still wait for ever.
        Invalid(
            """
            import functools
            import requests
            from flask import Flask
            app = Flask(__name__)

            TIMED = requests.Session()
            TIMED.request = functools.partial(TIMED.request, timeout=5)
            PLAIN = requests.Session()
            UNBOUNDED = requests.Session()
            UNBOUNDED.request = functools.partial(UNBOUNDED.request, timeout=None)

            @app.get("/status")
            def status():
                ok = TIMED.get("https://a.example/health").ok
                ok = ok and PLAIN.get("https://b.example/health").ok  # expect
                return {"ok": ok and UNBOUNDED.get("https://c.example/health").ok}  # expect
            """,
            message="`PLAIN.get(...)` in view `status` has no timeout",
        ),
        # The session is built when the caller passes none, and the project's session class injects its timeout
        # only when the configuration sets one (`default_timeout` is None otherwise): both calls have none.
        Invalid(
            """
            import os
            import requests
            from flask import Flask
            app = Flask(__name__)

            class ConfigurableSession(requests.Session):
                default_timeout = None

                def send(self, request, **kwargs):
                    if self.default_timeout and not kwargs.get("timeout"):
                        kwargs["timeout"] = self.default_timeout
                    return super().send(request, **kwargs)

            class Index:
                def __init__(self, url, session=None):
                    self.url = url
                    self.session = session or requests.Session()

                def names(self):
                    return self.session.get(self.url).json()  # expect

            SESSION = ConfigurableSession()
            if os.environ.get("HTTP_TIMEOUT"):
                SESSION.default_timeout = float(os.environ["HTTP_TIMEOUT"])
            INDEX = Index("https://pypi.example/simple/", SESSION)

            @app.get("/names")
            def names():
                return {"names": INDEX.names(), "status": SESSION.get("https://pypi.example/status").ok}  # expect
            """,
            message="has no timeout unless the configuration sets `ConfigurableSession.default_timeout`, which is"
            " `None` by default (note: the project leaves the timeout to the deployment's configuration",
        ),
        # Helpers no view is known to call, but the project names them: one in `__all__`, one as a value in a
        # table of hooks, a method called by name with `getattr`. Each may run; each stays a note.
        Invalid(
            """
            import requests

            __all__ = ["ping_mirror"]

            def ping_mirror(url):
                return requests.head(url).ok  # expect

            def refresh_feed(url):
                return requests.get(url).text  # expect

            HOOKS = {"feed": refresh_feed}

            class Mirror:
                def probe_upstream(self, url):
                    return requests.get(url).ok  # expect

            def run(mirror, url):
                return getattr(mirror, "probe_upstream")(url)
            """,
            message="no request or job is known to reach it",
        ),
        # A keystoneauth1 session built without `timeout=` in the request that creates a lease: the trust the
        # Keystone client makes through it waits as long as Keystone keeps silent.
        Invalid(
            """
            from flask import Flask, request
            from keystoneauth1 import session
            from keystoneauth1.identity import v3
            from keystoneclient.v3 import client as keystone_client
            app = Flask(__name__)

            def client_kwargs(**kwargs):
                auth = v3.Password(auth_url="https://keystone.example/v3", username="blazar", password="secret")
                sess_kwargs = dict(auth=auth)
                kwargs.setdefault("session", session.Session(**sess_kwargs))  # expect
                return kwargs

            @app.post("/v1/leases")
            def create_lease():
                keystone = keystone_client.Client(**client_kwargs())
                trust = keystone.trusts.create(trustor_user=request.json["user"], trustee_user="blazar")
                return {"trust_id": trust.id}
            """,
            message="builds a keystoneauth1 session without `timeout=`",
        ),
        # A metadata service's catalogue backend wraps an Atlas client; a loader picks the backend from the settings,
        # so no request is shown to build it: a note. The issue tracker client a view builds has no timeout either.
        Invalid(
            """
            from apache_atlas.client.base_client import AtlasClient
            from flask import Flask, request
            from jira import JIRA
            app = Flask(__name__)

            class CatalogueBackend:
                def __init__(self, host, port, user, password):
                    self.client = AtlasClient(f"http://{host}:{port}", (user, password))  # expect
                    self.client.session.verify = False

                def table(self, qualified_name):
                    return self.client.entity.get_entity_by_attribute("Table", [("qualifiedName", qualified_name)])

            @app.post("/tables/<name>/issue")
            def report_issue(name):
                tracker = JIRA(server=app.config["JIRA_URL"], basic_auth=("bot", "secret"))  # expect
                return {"key": tracker.create_issue(project="DATA", summary=request.json["title"]).key}
            """,
            message="builds an apache-atlas client without a timeout",
        ),
        # A SOAP client with the default transport, and one whose transport bounds only the loading of the WSDL:
        # the view's operations through either wait as long as the service keeps silent.
        Invalid(
            """
            import zeep
            from flask import Flask, request
            from zeep.transports import Transport
            app = Flask(__name__)

            @app.post("/shipments")
            def ship():
                carrier = zeep.Client("https://carrier.example/ws?wsdl")  # expect
                slow = Transport(timeout=30)
                tracking = zeep.CachingClient("https://tracking.example/ws?wsdl", transport=slow)  # expect
                label = carrier.service.CreateLabel(request.json["address"])
                return {"label": label, "status": tracking.service.Status(label)}
            """,
            message="builds a zeep client without a timeout (zeep's transport sends every operation with its"
            " `operation_timeout`, none by default",
        ),
        # A metrics store built on an InfluxDB 1.x client without a timeout, read by a view: every query
        # through it waits as long as the database keeps silent.
        Invalid(
            """
            import influxdb
            from flask import Flask, request
            app = Flask(__name__)

            class MetricStore:
                def __init__(self, settings):
                    self._conn = self._connect(settings)

                @staticmethod
                def _connect(settings):
                    return influxdb.InfluxDBClient(host=settings["host"], database=settings["db"])  # expect

                def totals(self, metric):
                    return list(self._conn.query(f"SELECT sum(value) FROM {metric}").get_points())

            @app.get("/totals")
            def totals():
                return {"totals": MetricStore(app.config["INFLUX"]).totals(request.args["metric"])}
            """,
            message="builds an InfluxDB client without `timeout=`",
        ),
        # The same client built by a class named like an SDK, but one the application's own storage builds: it is
        # the app's client. No request is shown to build it (plugins load it), so a note.
        Invalid(
            """
            from influxdb import InfluxDBClient

            class SeriesClient:
                def __init__(self, host):
                    self._conn = InfluxDBClient(host=host, database="series")  # expect

                def points(self, query):
                    return list(self._conn.query(query).get_points())

            class SeriesStorage:
                def __init__(self, host):
                    self._client = SeriesClient(host)
            """,
            message="no request or job is known to reach it",
        ),
        # A session's bound method handed to a helper that calls it without a timeout, from a view.
        Invalid(
            """
            import requests
            from flask import Flask, request
            app = Flask(__name__)

            class SearchClient:
                def __init__(self, url):
                    self._url = url
                    self._sess = requests.Session()

                def _req(self, method, path, body=None):
                    response = method(self._url + path, json=body)  # expect
                    return response.json()

                def search(self, query):
                    return self._req(self._sess.get, "/_search", {"query": query})

                def remove(self, doc_id):
                    return self._req(self._sess.delete, "/docs/" + doc_id)

            CLIENT = SearchClient("http://search:9200")

            @app.get("/frames")
            def frames():
                return CLIENT.search(request.args["q"])
            """,
            message="every caller passes a requests method as `method` (`self._sess.get`)",
        ),
        # A commit hook's helper builds a producer and flushes it without a timeout, from a view: a note.
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            def publish(messages):
                from kafka import KafkaProducer
                producer = KafkaProducer(bootstrap_servers="kafka:9092")
                for message in messages:
                    producer.send("composes", message)
                producer.flush()  # expect
                producer.close()

            @app.post("/composes")
            def create_compose():
                publish([b"created"])
                return "ok"
            """,
            message="the producer is built in this function, so every call also connects to the broker first",
        ),
        # Groups looked up in LDAP on every authenticated request, and an ldap3 bind from the login view.
        Invalid(
            """
            import ldap
            from flask import Flask, g, request
            from ldap3 import Connection, Server
            app = Flask(__name__)

            def query_ldap_groups(uid):
                client = ldap.initialize(app.config["AUTH_LDAP_SERVER"])  # expect
                return client.search_s("ou=groups,dc=example", ldap.SCOPE_ONELEVEL, f"(memberUid={uid})")

            @app.before_request
            def load_user():
                g.groups = query_ldap_groups(request.environ["REMOTE_USER"])

            @app.post("/login")
            def login():
                server = Server(app.config["LDAP_HOST"], use_ssl=True)
                conn = Connection(server, user=request.form["dn"], password=request.form["password"])  # expect
                return {"ok": conn.bind()}
            """,
            message="opens an LDAP connection without a timeout",
        ),
        # An OAuth login: requests-oauthlib's session (a `requests.Session`) waits on the provider for ever.
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            class GitHubLogin:
                def init(self):
                    from requests_oauthlib import OAuth2Session
                    self.client = OAuth2Session("client-id", redirect_uri="https://wiki.example/callback")

                def get_user(self):
                    self.client.fetch_token("https://github.com/login/oauth/access_token", code=request.args["code"])  # expect
                    return self.client.get("https://api.github.com/user").json()  # expect

            provider = GitHubLogin()

            @app.get("/callback")
            def callback():
                return provider.get_user()
            """,
            message="`self.client.fetch_token(...)` in `GitHubLogin.get_user` (request path: view `callback`",
        ),
        # A harvest job fetches through the session a project helper builds (a guarded `requests.Session`).
        Invalid(
            """
            import requests
            from celery import shared_task

            class GuardedSession(requests.Session):
                def send(self, request, **kwargs):
                    return super().send(request, **kwargs)

            def guarded_session():
                return GuardedSession()

            class Harvester:
                def __init__(self):
                    self.session = guarded_session()

                def get(self, url, **kwargs):
                    kwargs["verify"] = kwargs.get("verify", True)
                    return self.session.get(url, **kwargs)  # expect

                def harvest(self, url):
                    return self.get(url, headers={"Accept": "application/json"}).json()

            @shared_task
            def harvest(url):
                return Harvester().harvest(url)
            """,
            message="task `harvest`",
        ),
        # Flask-Mail opens smtplib without a timeout: the Mail object kept in the config, reached from a view.
        Invalid(
            """
            from flask import Flask, current_app, request
            from flask_mail import Mail, Message
            app = Flask(__name__)
            app.config["mail"] = Mail(app)

            def send_comment_email(text):
                current_app.config["mail"].send(Message("New comment", ["author@example"], body=text))  # expect

            @app.post("/comment")
            def comment():
                send_comment_email(request.form["text"])
                return "ok"
            """,
            message="opens an SMTP connection without a timeout (Flask-Mail passes none to smtplib",
        ),
        # Flask-Mailman without `MAIL_TIMEOUT`, sending from a Celery task.
        Invalid(
            """
            from celery import shared_task
            from flask_mailman import EmailMessage

            @shared_task
            def notify(address):
                EmailMessage("Done", "Your export is ready", to=[address]).send()  # expect
            """,
            message="the job waits for ever",
        ),
        # A view asks a package index over XML-RPC through the default transport, which sets no timeout.
        Invalid(
            """
            from xmlrpc.client import ServerProxy
            from flask import Flask
            app = Flask(__name__)

            def latest_release(package):
                index = ServerProxy("https://index.example/pypi")  # expect
                return index.package_releases(package)[0]

            @app.get("/outdated/<package>")
            def outdated(package):
                return {"latest": latest_release(package)}
            """,
            message="builds an XML-RPC proxy without a timeout (`ServerProxy` has no timeout parameter",
        ),
        # The settings page's test e-mail opens an SMTP connection with no timeout inside the request.
        Invalid(
            """
            from smtplib import SMTP
            from flask import Flask, current_app, jsonify, request
            app = Flask(__name__)

            def send_mail(host, port, content, emails):
                smtp = SMTP(host, port)  # expect
                smtp.sendmail("console@example", emails, content)
                smtp.quit()

            @app.post("/json/test_email")
            def post_test_email():
                conf = current_app.config
                send_mail(conf["SMTP_HOST"], conf["SMTP_PORT"], "test", request.json["email"])
                return jsonify({"message": "OK"})
            """,
            message="`SMTP(...)` in `send_mail` (request path: view `post_test_email` → `send_mail`) has no timeout: if",
        ),
        # `tls=False` is a flag: the view passes the operator's setting, which may be false, so both branches run
        Invalid(
            """
            from smtplib import SMTP, SMTP_SSL
            from flask import Flask, current_app, request
            app = Flask(__name__)

            def send_mail(host, port, content, emails, tls=False):
                if tls:
                    smtp = SMTP_SSL(host, port)  # expect
                else:
                    smtp = SMTP(host, port)  # expect
                smtp.sendmail("console@example", emails, content)

            @app.post("/json/test_email")
            def post_test_email():
                conf = current_app.config
                send_mail(conf["SMTP_HOST"], conf["SMTP_PORT"], "test", request.json["email"], conf["SMTP_TLS"])
                return "ok"
            """,
            message="depending on argument `tls`",
        ),
        # A wrapper passes its own **kwargs on and no caller puts a timeout in them; its session subclass
        # overrides `send` to check addresses, not to set a timeout.
        Invalid(
            """
            import requests
            from flask import Flask
            from guarded import GuardedSession
            app = Flask(__name__)

            class Catalog:
                def __init__(self):
                    self.session = GuardedSession()

                def fetch(self, url, **kwargs):
                    kwargs["verify"] = kwargs.get("verify", True)
                    return self.session.get(url, **kwargs)  # expect

                def api(self, **kwargs):
                    return requests.request("GET", "https://catalog.example/api", **kwargs)  # expect

            @app.get("/catalog")
            def catalog():
                remote = Catalog()
                return {"a": remote.fetch("https://catalog.example/a").json(), "b": remote.api(params={"q": 1}).json()}
            """,
            message="has no timeout",
            files={
                "guarded.py": """
            import requests

            class GuardedSession(requests.Session):
                def send(self, request, **kwargs):
                    check_address(request.url)
                    return super().send(request, **kwargs)
            """
            },
        ),
        # The project's `job` decorator hands over to its `task` decorator, which registers with Celery.
        Invalid(
            """
            import requests
            from celery import Celery
            celery = Celery()

            def task(*args, **kwargs):
                return celery.task(*args, **kwargs)

            def job(name, **kwargs):
                return task(name=name, bind=True, **kwargs)

            @job("compute-site-metrics")
            def compute_site_metrics(self):
                return requests.get("https://metrics.example/site").json()  # expect
            """,
            message="task `compute_site_metrics`",
        ),
        # The same helper, but one view leaves the headers out: its request takes the bare branch.
        Invalid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            def send_delete(url, headers=None):
                if headers is not None:
                    response = requests.delete(url, headers=headers, timeout=20)
                else:
                    response = requests.delete(url)  # expect
                return response.json()

            @app.delete("/beacon/<dataset>")
            def remove_dataset(dataset):
                return send_delete("https://beacon.example/" + dataset, headers={"X-Auth-Token": "secret"})

            @app.delete("/cache/<key>")
            def purge(key):
                return send_delete("https://cache.example/" + key)
            """,
            message="`requests.delete(...)` in `send_delete`",
        ),
        Invalid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/weather")
            def weather():
                return requests.get("https://api.example.com/weather").json()  # expect
            """,
            message="`requests.get(...)` in view `weather` has no timeout",
        ),
        Invalid(
            """
            import httpx
            import requests
            from celery import shared_task

            @shared_task
            def sync_orders():
                with requests.Session() as s:
                    s.post("https://erp.example.com/sync", json={})  # expect
                httpx.get("https://example.com", timeout=None)  # expect
            """,
            message="task `sync_orders`",
        ),
        # Nothing is known to reach these (a geocoder, a callback kept in a table the call graph does not follow),
        # but a request may: a note that says what is known.
        Invalid(
            """
            import requests
            from urllib.request import urlopen

            class Geocoder:
                def __init__(self):
                    self.session = requests.Session()

                def fetch(self, url):
                    return self.session.get(url)  # expect

            def fetch_feed(url):
                return urlopen(url).read()  # expect

            FETCHERS = {"feed": fetch_feed}

            def locate(place):
                return Geocoder().fetch("https://geo.example/search?q=" + place)
            """,
            message="no request or job is known to reach it; if one does, its worker waits for ever",
        ),
        # a `client` package the server imports is part of the server, whatever its folder is called
        Invalid(
            """
            from flask import Flask
            from shop.client.gateway import refund
            app = Flask(__name__)
            ADMIN_ACTIONS = {"refund": refund}
            """,
            files={
                "shop/__init__.py": "",
                "shop/client/__init__.py": "",
                "shop/client/gateway.py": """
            import requests

            def refund(order_id):
                return requests.post("https://pay.example/refunds", json={"order": order_id})  # expect
            """,
            },
            message="no request or job is known to reach it",
        ),
        # A model property that fetches a rate when its cache is stale, read while a view lists the loans
        # (``loan.effective_rate``: the loop variable's class is not shown, but one class defines the property).
        Invalid(
            """
            import requests
            from flask import Flask
            from models import Loan
            app = Flask(__name__)

            class RateService:
                def __init__(self, cached=None):
                    self.cached = cached

                def _download(self):
                    return requests.get("https://rates.example/base").json()["rate"]  # expect

                @property
                def base_rate(self):
                    if self.cached is None:
                        self.cached = self._download()
                    return self.cached

                def with_margin(self, margin):
                    return self.base_rate + margin

            class Loan:
                margin = 0.02

                @property
                def effective_rate(self):
                    return RateService().with_margin(self.margin)

            @app.get("/loans")
            def loans():
                listing = {"a": Loan(), "b": Loan()}
                return {key: listing[key].effective_rate for key in sorted(listing)}
            """,
            message="request path: view `loans` → `Loan.effective_rate` → `RateService.with_margin`",
        ),
        # An assistant's skills are classes in one-module packages, loaded by the name an order names: which one
        # runs is configuration, so a skill's call is a note with the path.
        Invalid(
            """
            from flask import Flask, request
            from assistant.loader import load_skill
            app = Flask(__name__)

            @app.post("/orders")
            def run_order():
                load_skill(request.json["skill"], request.json.get("parameters") or {})
                return "ok"
            """,
            message="through a class it loads by a computed name",
            files={
                "assistant/__init__.py": "",
                "assistant/loader.py": """
            def load_skill(name, parameters):
                path = "assistant.skills." + name.lower() + "." + name.lower()
                module = __import__(path, fromlist=[name.capitalize()])
                skill = getattr(module, name.capitalize())
                return skill(**parameters)
            """,
                "assistant/skills/__init__.py": "",
                "assistant/skills/weather/__init__.py": "from .weather import Weather",
                "assistant/skills/weather/weather.py": """
            import requests

            class Weather:
                def __init__(self, city="Oslo"):
                    self.report = requests.get("https://weather.example", params={"q": city}).text  # expect
            """,
                "assistant/skills/clock/__init__.py": "",
                "assistant/skills/clock/clock.py": """
            import time

            class Clock:
                def __init__(self):
                    self.now = time.time()
            """,
                "assistant/skills/echo/__init__.py": "",
                "assistant/skills/echo/echo.py": """
            class Echo:
                def __init__(self, text=""):
                    self.text = text
            """,
            },
        ),
        # A module-level httpx client with its default timeout switched off: every call through it may hang.
        Invalid(
            """
            import httpx
            from flask import Flask
            app = Flask(__name__)
            reports = httpx.Client(base_url="https://reports.example.com", timeout=None)

            @app.get("/report")
            def report():
                return reports.get("/latest").json()  # expect
            """,
            message="goes through an httpx client built with `timeout=None`",
        ),
        # The factory hangs a requests session on the application; views reach it as `current_app.http`.
        Invalid(
            """
            import requests
            from flask import Flask, current_app

            def create_app():
                app = Flask(__name__)
                app.http = requests.Session()
                app.add_url_rule("/search/<term>", view_func=search)
                return app

            def search(term):
                return current_app.http.get("https://search.example.com", params={"q": term}).json()  # expect
            """,
            message="`current_app.http.get(...)` in view `search` has no timeout",
        ),
        # Authentication helpers run in every request: a login loader and an OAuth token getter.
        Invalid(
            """
            import requests
            from flask_login import LoginManager
            from authlib.integrations.flask_client import OAuth
            login_manager = LoginManager()

            def fetch_profile(token):
                return requests.get("https://idp.example/userinfo", headers={"Authorization": token})  # expect

            @login_manager.request_loader
            def load_from_header(request):
                return fetch_profile(request.headers.get("Authorization"))

            def fetch_token(name):
                return requests.post("https://idp.example/token", data={"client": name}).json()  # expect

            oauth = OAuth(fetch_token=fetch_token)
            """,
            message="request callback",
        ),
        # WTForms calls a form's validate_<field> while the view validates it: a user-supplied avatar URL is fetched.
        Invalid(
            """
            import requests
            from flask_wtf import FlaskForm
            from wtforms import StringField

            def image_size(url):
                response = requests.get(url, stream=True)  # expect
                return int(response.headers.get("content-length", 0))

            class ProfileForm(FlaskForm):
                avatar = StringField("Avatar URL")

                def validate_avatar(self, field):
                    if image_size(field.data) > 1_000_000:
                        raise ValueError("too big")
            """,
            message="request callback `ProfileForm.validate_avatar`",
        ),
        # The project's own job decorator wraps RQ: the decorated function runs in a worker.
        Invalid(
            """
            import functools
            import requests
            from redis import Redis
            from rq import Queue
            queue = Queue(connection=Redis())

            def background(func):
                @functools.wraps(func)
                def wrapper(*args, **kwargs):
                    return queue.enqueue(func, *args, **kwargs)
                return wrapper

            @background
            def sync_crm(user_id):
                requests.post("https://crm.example/sync", json={"id": user_id})  # expect
            """,
            message="task `sync_crm`",
        ),
        # A DNS provider plugin reached through a registry of modules, from the view that issues certificates.
        Invalid(
            """
            import requests
            from flask import Flask
            import route53, nsone
            app = Flask(__name__)

            def provider_for(kind):
                providers = {"route53": route53, "nsone": nsone}
                return providers[kind]

            @app.post("/certificates")
            def issue():
                provider = provider_for("nsone")
                provider.create_txt_record("example.com", "token")
                return "ok"
            """,
            message="request path: view `issue` → `create_txt_record` → `_post`",
            files={
                "route53.py": """
            def create_txt_record(domain, token):
                return domain
            """,
                "nsone.py": """
            import requests

            def _post(path, data):
                return requests.post("https://api.nsone.net/v1" + path, json=data)  # expect

            def create_txt_record(domain, token):
                return _post("/zones/" + domain, {"answers": [token]})
            """,
            },
        ),
        # Only a test calls the override directly; the app calls it through the base type it loads from settings.
        Invalid(
            """
            from flask import Flask, current_app
            from providers import SensorStore, load_provider
            app = Flask(__name__)

            @app.put("/items/<item_id>")
            def update_item(item_id):
                provider = load_provider(current_app.config["PROVIDER"])
                return {"ok": provider.update(item_id)}

            @app.get("/sensors/status")
            def sensor_status():
                return {"status": SensorStore().status()}
            """,
            message="SensorStore.update",
            files={
                "providers.py": """
            import importlib
            import requests

            class BaseStore:
                def update(self, item_id):
                    raise NotImplementedError

                def describe(self):
                    return type(self).__name__

            class SensorStore(BaseStore):
                def status(self):
                    return "ok"

                def update(self, item_id):
                    return requests.put(f"https://sensors.example/{item_id}").ok  # expect

            def load_provider(dotted):
                module, name = dotted.rsplit(".", 1)
                return getattr(importlib.import_module(module), name)()
            """,
                "tests/test_store.py": """
            from providers import SensorStore

            def test_update():
                assert SensorStore().update("x") in (True, False)
            """,
            },
        ),
        # Metadata providers behind an abstract base, searched in a thread pool the view waits on.
        Invalid(
            """
            import concurrent.futures
            from flask import Flask, request
            from providers import Provider, Books
            app = Flask(__name__)
            SOURCES = [Books()]

            @app.post("/metadata/search")
            def search():
                with concurrent.futures.ThreadPoolExecutor() as executor:
                    futures = [executor.submit(s.search, request.form["q"]) for s in SOURCES]
                    return {"results": [f.result() for f in futures]}
            """,
            message="view `search`",
            files={
                "providers.py": """
            import abc
            import requests

            class Provider(abc.ABC):
                @abc.abstractmethod
                def search(self, query):
                    raise NotImplementedError

            class Books(Provider):
                def search(self, query):
                    return requests.get("https://books.example/api", params={"q": query}).json()  # expect
            """
            },
        ),
        # A handler class's static method, wrapped by hand in a login check where it is registered, is a view.
        Invalid(
            """
            import requests
            from flask import Flask
            from flask_login import login_required
            app = Flask(__name__)

            class Account:
                @staticmethod
                def leave():
                    requests.get("https://id.example.net/end-session")  # expect
                    return "bye"

            app.add_url_rule("/leave", "leave", login_required(Account.leave))
            """,
            message="in view `Account.leave` has no timeout",
        ),
        # feedparser fetches a URL itself, through urllib, and has no timeout parameter
        Invalid(
            """
            import feedparser
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/subscriptions")
            def subscribe():
                feed_url = request.form["address"]
                return {"entries": len(feedparser.parse(feed_url).entries)}  # expect
            """,
            message="fetches the URL with urllib and no timeout (feedparser has no timeout parameter",
        ),
        # the views are the values of a URL table a helper registers in a loop: the call runs in a request
        Invalid(
            """
            from flask import Flask
            from handlers import status
            from wiring import register_table
            app = Flask(__name__)

            TABLE = {"/status": status.upstream_status}
            register_table(app, TABLE)
            """,
            files={
                "wiring.py": """
            def register_table(app, table):
                for rule, handler in table.items():
                    app.add_url_rule(rule, None, handler, methods=["GET"])
            """,
                "handlers/__init__.py": "",
                "handlers/status.py": """
            import requests

            def upstream_status():
                return requests.get("https://upstream.example/health").json()  # expect
            """,
            },
            message="in view `upstream_status` has no timeout",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.is_test_code():
            return
        http = (
            classify_http_call(ctx, node)
            or classify_socket_client(ctx, node)
            or classify_mail_send(ctx, node)
            or classify_ldap_client(ctx, node)
            or classify_broker_flush(ctx, node)
            or classify_keystone_session(ctx, node)
            or classify_influxdb_client(ctx, node)
            or classify_api_client(ctx, node)
            or classify_sdk_call(ctx, node)
            or classify_http_method_parameter(ctx, node)
            or classify_openai_call(ctx, node)
        )
        if http is None or http.problem is None:
            return
        if role_of(ctx.project, ctx.module) is not FileRole.APPLICATION or ctx.in_cli_only:
            return  # an example, a script or a command: a person runs it and sees it hang
        hot = ctx.in_request or ctx.in_job
        if not hot and http.library not in ("requests", "httpx", "urllib", *BUILT_CLIENTS, *LDAP_CLIENTS):
            return  # a mail or socket client no request or job is shown to reach: nothing shows a worker waiting
        if not hot and only_tests_call(ctx):
            return  # the app uses its class or module, but only the test suite calls it
        if not hot and in_dead_code(ctx.project, ctx.function):
            return  # nothing in the project names the function: no worker can run it
        if not hot and client_library(ctx) and not (http.library in BUILT_CLIENTS and application_builds_class(ctx)):
            return  # an SDK for other programs (``*_client.py``, ``class FooClient``): its caller sets the policy
        if not hot and ctx.function is None and http.library in ("requests", "httpx", "urllib"):
            return  # the call runs once, at import: a hang stops the start-up, where the operator sees it
        if branch_no_caller_takes(ctx, node):
            return  # the branch runs only without an argument every caller of the app passes
        if timed_in_other_branch(ctx, node) is not None:
            return  # the other branch of the ``if`` bounds the same call: waiting here is the project's choice
        context, doubt = self._context(ctx, node) if hot else (REQUEST, None)
        if hot and doubt is None and http.library in ("requests", "httpx", "urllib"):
            doubt = _local_address(node)
        where_called = describe_where(ctx, context)
        if http.problem == "slow default":
            if context != REQUEST or doubt is not None:
                return  # a job may wait for a model; a request not surely on this path: nothing to say
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{http.label}(...)` in {where_called} waits up to ten minutes for the model's answer"
                    f" ({OPENAI_DEFAULT[http.via]}), so a slow or stalled API holds the request's worker that long"
                    " (note: bounded, but far beyond what a request should wait)",
                    hint="Pass a timeout that fits a request (`request_timeout=30` on openai<1.0, `timeout=30` on"
                    " the 1.x client or the call) and handle the timeout error, or generate in a background job.",
                    evidence=list(ctx.chain_evidence(context)),
                    severity=min(self.effective_severity, Severity.NOTE),
                )
            )
            return
        if http.problem == "bounded":
            if not hot or doubt is not None:
                return  # a bounded wait no request or job surely makes: nothing to say
            where = "request" if context == REQUEST else "job"
            evidence = list(ctx.chain_evidence(context))
            built = producer_built_here(ctx, node)
            fresh = ""
            if built is not None:
                fresh = "; the producer is built in this function, so every call also connects to the broker first"
                evidence.append(Evidence("a new producer, built on every call", ctx.location(built)))
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{http.label}(...)` in {where_called} waits, with no `timeout`, until the broker acknowledges "
                    f"every buffered message{fresh} (note: the client gives messages up after its own expiry, "
                    f"{BROKER_EXPIRY[http.library]}, so a slow or unreachable broker holds the {where} that long "
                    f"on every call, not for ever)",
                    hint="Pass `timeout=` to `flush()`, keep one producer per process, or publish from a job.",
                    evidence=evidence,
                    severity=min(self.effective_severity, Severity.NOTE),
                )
            )
            return
        if http.problem == "timeout=None":
            what = f"`{http.label}(...)` in {where_called} passes `timeout=None`, which disables the timeout"
        elif http.problem == "client timeout=None":
            what = (
                f"`{http.label}(...)` in {where_called} goes through an httpx client built with `timeout=None`,"
                " which disables httpx's 5 s default"
            )
        elif http.library in LDAP_CLIENTS:
            what = f"`{http.label}(...)` in {where_called} opens an LDAP connection without a timeout ({LDAP_CLIENTS[http.library]})"
        elif http.library in MAIL_EXTENSIONS:
            what = (
                f"`{http.label}(...)` in {where_called} opens an SMTP connection without a timeout"
                f" ({MAIL_EXTENSIONS[http.library]})"
            )
        elif http.library == "keystoneauth1":
            what = (
                f"`{http.label}(...)` in {where_called} builds a keystoneauth1 session without `timeout=`"
                " (keystoneauth1's default is none), so every request through it and the OpenStack clients built"
                " on it has no timeout"
            )
        elif http.library == "influxdb":
            what = (
                f"`{http.label}(...)` in {where_called} builds an InfluxDB client without `timeout=`"
                " (influxdb-python's default is none, and it hands that to requests), so every query and write"
                " through it waits as long as the server keeps silent"
            )
        elif http.library == "xmlrpc":
            what = (
                f"`{http.label}(...)` in {where_called} builds an XML-RPC proxy without a timeout (`ServerProxy`"
                " has no timeout parameter, and its default transport opens every connection with none)"
            )
        elif http.library == "feedparser":
            what = (
                f"`{http.label}(...)` in {where_called} fetches the URL with urllib and no timeout (feedparser has"
                " no timeout parameter, and the socket default is none)"
            )
        elif http.library in SDK_DEFAULTS:
            what = (
                f"`{http.label}(...)` in {where_called} has no timeout ({SDK_DEFAULTS[http.library]}), so it waits"
                " as long as the service keeps silent"
            )
        elif http.library in API_CLIENT_DEFAULTS:
            what = (
                f"`{http.label}(...)` in {where_called} builds {'an' if http.library[:1] in 'aeiou' else 'a'}"
                f" {http.library} client without a timeout"
                f" ({API_CLIENT_DEFAULTS[http.library]}), so every call through it waits as long as the server keeps"
                " silent"
            )
        elif http.via:
            what = (
                f"`{http.label}(...)` in {where_called} has no timeout: every caller passes a requests method as"
                f" `{http.label}` (`{http.via}`)"
            )
        elif http.configurable:
            what = (
                f"`{http.label}(...)` in {where_called} has no timeout unless the configuration sets"
                f" `{http.configurable}`, which is `None` by default"
            )
        else:
            what = f"`{http.label}(...)` in {where_called} has no timeout"
        if hot and doubt is None and http.configurable:
            where = "request" if context == REQUEST else "job"
            consequence = (
                f" (note: the project leaves the timeout to the deployment's configuration; where it is unset, the"
                f" {where} waits for ever when the server never answers and holds its worker)"
            )
        elif hot and doubt is None:
            where = "request" if context == REQUEST else "job"
            consequence = f": if the server never answers, the {where} waits for ever and holds its worker"
        elif hot:
            consequence = f" (note: reached from a {'request' if context == REQUEST else 'job'}, but {doubt})"
        else:
            consequence = (
                " (note: no request or job is known to reach it; if one does, its worker waits for ever when the"
                " server never answers)"
            )
        loud = hot and doubt is None and not http.configurable
        ctx.report(
            self.finding(
                ctx.location(node),
                what + consequence,
                hint=f"Give `{http.configurable}` a default, e.g. `(3.05, 30)`, so every call through the session"
                " is bounded unless the configuration says otherwise, and handle the Timeout exception."
                if http.configurable
                else (MAIL_HINTS | LDAP_HINTS | KEYSTONE_HINT | XMLRPC_HINT | FEEDPARSER_HINT | SDK_HINTS).get(
                    http.library,
                    "Pass `timeout=(connect, read)`, e.g. `timeout=(3.05, 30)`, and handle the Timeout exception.",
                ),
                evidence=[*ctx.chain_evidence(context), *other_entries(ctx, context)]
                if loud
                else ctx.chain_evidence(context)
                if hot
                else [],
                severity=self.effective_severity if loud else min(self.effective_severity, Severity.NOTE),
            )
        )

    @staticmethod
    def _context(ctx: Context, node: ast.Call) -> tuple[str, str | None]:
        """The request or job path to describe: one the code shows surely runs the call, else the first with
        the reason it may not."""
        candidates = [context for context in (REQUEST, JOB) if context in ctx.contexts]
        doubts = {context: path_doubt(ctx, node, context) for context in candidates}
        sure = next((context for context in candidates if doubts[context] is None), None)
        if sure is not None:
            return sure, None
        return candidates[0], doubts[candidates[0]]


#: Hosts that name the machine the app runs on.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "0.0.0.0")


def _local_address(node: ast.Call) -> str | None:
    """The call's URL is written to this host (``"http://localhost:8500/v1/kv/..."``, a ``http+unix://``
    socket): a service the deployment runs beside the app, so a hang there is less a matter of a remote
    server than of the deployment's own; the reason, for a note."""
    candidates = [*node.args[:2], *(kw.value for kw in node.keywords if kw.arg == "url")]
    for arg in candidates:
        text = _leading_text(arg)
        lowered = text.lower()
        if lowered.startswith(("http+unix://", "unix:")):
            return f"the URL names a local socket (`{text[:40]}`): a service the deployment runs beside the app"
        if lowered.startswith(("http://", "https://")):
            host = lowered.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
            name = host if host.startswith("[") else host.split(":", 1)[0]
            if name in LOCAL_HOSTS:
                return f"the URL names this host (`{name}`): a service the deployment runs beside the app"
    return None


def _leading_text(node: ast.expr) -> str:
    """The literal start of a string expression: a constant, an f-string's first part, ``"..." + x``,
    ``"...".format(x)``, ``"..." % x``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _leading_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _leading_text(node.func.value)
    return ""

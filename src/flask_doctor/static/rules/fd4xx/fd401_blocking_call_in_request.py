"""FD401 blocking-call-in-request: `time.sleep` or a subprocess wait without timeout in request code holds a worker."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.calls import (
    BRIEF_WAIT,
    SLEEP,
    SUBPROCESS_WAIT_NAMES,
    TINY_SLEEP,
    blocking_subprocess,
    bounded_total,
    bounded_wait,
    callee_name,
    cooperative,
    describe_where,
    drained_before_wait,
    enclosing_loop,
    in_request_code,
    in_retry_backoff,
    only_on_event_loop,
    other_entries,
    path_doubt,
    pause_before_failure,
    quick_command,
    sleep_seconds,
    version_query,
)
from flask_doctor.static.facts.gitpython import GIT_NETWORK_NAMES, KILL_AFTER, git_network_call
from flask_doctor.static.facts.roles import FileRole, role_of
from flask_doctor.static.facts.taint import request_derived
from flask_doctor.static.model import REQUEST
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid


class BlockingCallInRequest(Rule):
    """
    ## What it does
    Finds `time.sleep(...)` and subprocess waits without `timeout=`
    (`subprocess.run/call/check_call/check_output`, `Popen.communicate()`,
    `Popen.wait()`) in code that runs while a request is being served: a
    view, a request hook, an error handler, a Socket.IO handler, or any
    helper they call, however deep. GitPython's commands that talk to a
    remote count too (`origin.fetch()`, `repo.remote().pull()`,
    `repo.git.push()`, `Repo.clone_from(url, path)`, on objects the code
    shows to be GitPython's): they run `git` as a child process and wait
    for it with no limit unless given `kill_after_timeout=`. The evidence
    shows the request path, and the other views that call one of its
    helpers themselves (a sync helper a hook and five views call inline).
    A class given to a flask-restful or flask-restx `Api`
    (`api.add_resource(Items, "/items")`) is a view class whatever library
    base it derives from: `Api` wraps it with `as_view`, which builds an
    instance for every request and calls the method named after the HTTP
    verb, so those methods (own or inherited from project bases) and
    `__init__` are request code.

    ## Why is this bad?
    A sync gunicorn/uWSGI worker serves one request per thread. While it
    sleeps or waits for a child process it serves nobody, so a few slow
    requests exhaust the workers and every other request queues behind
    them (and eventually hits the worker timeout). A child process that
    hangs without a timeout holds the worker for ever. A sleep in a retry
    loop is the same problem multiplied by the number of attempts.

    Not reported: sleeps in CLI commands, background jobs and scripts
    (nothing waits on them), in functions that run as the target of a
    thread or process the request starts (`threading.Thread(target=...)`,
    `multiprocessing.Process(target=...)`, or `Process` of `multiprocess`,
    its drop-in fork: the request goes on without waiting), in functions a
    request hands to a project helper that queues them or starts them in a
    new process (`submit(600, rebuild, data)` with
    `def submit(timeout, func, *args): queue.enqueue(func, *args, ...)`, or a
    helper running `Process(target=func)`, to any depth of helpers: the
    function is a job, not a callback the request runs), constant sleeps under 0.1 s (`time.sleep(0)`
    is a thread yield, `time.sleep(0.01)` the poll interval of a short
    handshake),
    `gevent.sleep`/`eventlet.sleep`/`asyncio.sleep`, `time.sleep` when the
    project monkey-patches with gevent/eventlet or runs gevent/eventlet
    workers (the sleep then yields to other requests), sleeps inside
    `async def` functions and in plain helpers only async functions call
    (FD403 reports those), examples and scripts, and
    `Popen.wait()` after the child's output was read to its end (the child
    has finished writing; the wait returns with it) or after its
    `communicate()` (which already waited for the exit; the wait only reads
    the status), and a child run only
    to print its version (`["openvpn", "--version"]`, `"ip -V"`, `java
    -version`): it writes one line and exits, with nothing to wait for (a
    subcommand such as `docker version`, which asks a daemon, is still
    reported).

    Not reported either: a sleep in an `except` handler or a loop over
    failures, which backs off between retries after something failed (that
    is how a retry should wait). A sleep in an `except` handler that then
    returns or raises, with no loop around it, retries nothing: it delays
    the failure's answer (a failed login slowed down) and is reported like
    any other pause. Nor are sleeps reported whose count and lengths the
    code bounds to half a second or less in all (`for _ in range(3): ...
    time.sleep(0.1)`, or a retry written as recursion that stops at a
    counter: `time.sleep(0.1 * (3 - attempts)); return read(attempts - 1)`
    from `attempts=2`), a pause too brief to hold a worker.

    A deliberate bounded wait is a note, not a warning: a retry loop with a
    fixed count whose sleeps add up to 30 s or less (`for attempt in
    range(5): ... time.sleep(2)`), polling that stops at a deadline 30 s or
    less away (`deadline = time.monotonic() + 10`), or one fixed pause of
    5 s or less (slowing down a failed login). The worker is still held, but
    not for ever, and often on purpose. A longer deadline, or one the code
    does not show, stays a warning.

    The finding is a *note*, saying why, when the code does not show that
    every such request waits: a helper on the chain below the view takes
    the path only under an argument its caller passes or an opt-in setting
    (`save_model(pip_requirements=[...])` never infers requirements), the
    chain is too deep to tell the branch taken, the client chooses the delay (a
    test endpoint such as `/delay/<n>`: cap it), or the command is a short
    local one (`openssl`, `git rev-parse`), named in the call or in the
    module constant it is built from.

    ## Example
    ```python
    @app.post("/reports")
    def create_report():
        for attempt in range(5):
            if backend_ready():
                break
            time.sleep(2)
        output = subprocess.check_output(["wkhtmltopdf", url, "-"])
        return output
    ```

    ## Use instead
    ```python
    @app.post("/reports")
    def create_report():
        job = render_report.delay(url)  # Celery/RQ does the waiting
        return {"job": job.id}, 202
    ```
    or, if the work must stay in the request, bound it:
    `subprocess.check_output([...], timeout=10)`.

    ## Fix safety
    No automatic fix: moving work to a job changes the response.

    ## References
    - gunicorn docs: "Design" — sync workers handle a single request at a time
    - Python docs: `subprocess.run(..., timeout=...)`
    """

    code = "FD401"
    name = "blocking-call-in-request"
    severity = Severity.WARNING
    catalog = ("S17",)
    summary = "`time.sleep` or a subprocess wait without timeout in request code holds a worker."

    call_names = last_segments(SLEEP) | SUBPROCESS_WAIT_NAMES | GIT_NETWORK_NAMES

    VALID = (
        # A status page asks local programs for their versions: each prints a line and exits.
        Valid("""
            import subprocess
            from flask import Flask

            app = Flask(__name__)

            @app.get("/about")
            def about():
                codec = subprocess.check_output(["ffmpeg", "-version"], text=True)
                shell = subprocess.run("bash --version".split(), capture_output=True, text=True)
                return {"codec": codec.splitlines()[0], "shell": shell.stdout.splitlines()[0]}
            """),
        # The view hands the function to the project's queueing helper: it runs in a worker.
        Valid("""
            import time
            from flask import Flask
            from rq import Queue
            from redis import Redis

            app = Flask(__name__)

            def send_to_worker(timeout, func, *args):
                Queue(connection=Redis()).enqueue(func, *args, job_timeout=timeout)

            def rebuild_index(name):
                time.sleep(30)

            @app.post("/indexes/<name>")
            def rebuild(name):
                send_to_worker(600, rebuild_index, name)
                return {"queued": name}, 202
            """),
        # Back-off between database reconnection attempts, only after a connection failed.
        Valid("""
            import time
            import psycopg2
            from flask import Flask
            app = Flask(__name__)

            def connect(dsn, attempts=5):
                for attempt in range(attempts):
                    try:
                        return psycopg2.connect(dsn, connect_timeout=5)
                    except psycopg2.OperationalError:
                        time.sleep(2 ** attempt)
                raise RuntimeError("database unavailable")

            @app.get("/health")
            def health():
                connect(app.config["DSN"]).close()
                return "ok"
            """),
        # communicate() bounds the wait for the child; the wait() after it only reads the exit status
        Valid("""
            import subprocess
            from flask import Flask
            app = Flask(__name__)

            @app.post("/reindex")
            def reindex():
                child = subprocess.Popen(["indexer", "--rebuild"], stdout=subprocess.PIPE)
                output, _ = child.communicate(timeout=30)
                return {"status": child.wait(), "output": output.decode()}
            """),
        # A streamed command's output is read to its end before the wait: the child has finished.
        Valid("""
            import subprocess
            from flask import Flask, Response
            app = Flask(__name__)

            @app.post("/run")
            def run():
                def stream():
                    process = subprocess.Popen(["archive", "sync"], stdout=subprocess.PIPE)
                    for line in iter(process.stdout.readline, b""):
                        yield line
                    process.wait()
                return Response(stream(), mimetype="text/plain")
            """),
        Valid("""
            import time
            import click
            from celery import shared_task

            @click.command()
            def wait_for_db():
                time.sleep(5)

            @shared_task
            def poll():
                time.sleep(30)
            """),
        Valid("""
            import subprocess
            import time
            import gevent
            import asyncio
            from flask import Flask
            app = Flask(__name__)

            @app.route("/")
            def index():
                time.sleep(0)
                gevent.sleep(1)
                out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, timeout=5)
                return out.stdout
            """),
        # the hook starts a background indexer process; its periodic sleep holds no request worker
        Valid("""
            import time
            import threading
            import multiprocess as multiprocessing
            from flask import Flask
            app = Flask(__name__)

            def sync_loop():
                while True:
                    time.sleep(60)

            def watchdog():
                while True:
                    worker = multiprocessing.Process(target=sync_loop)
                    worker.start()
                    worker.join()
                    time.sleep(5)

            def flush(every):
                while True:
                    time.sleep(every)

            @app.before_request
            def start_indexing():
                if not getattr(app, "indexer", None):
                    app.indexer = multiprocessing.Process(target=watchdog)
                    app.indexer.start()
                    threading.Thread(target=flush, args=(30,), daemon=True).start()
            """),
        Valid("""
            from gevent import monkey
            monkey.patch_all()
            import time
            from flask import Flask
            app = Flask(__name__)

            @app.route("/slow")
            def slow():
                time.sleep(1)
                return "ok"
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            def sleep(seconds):
                return seconds

            @app.route("/")
            def index():
                sleep(3)
                return "ok"
            """),
        # A retry written as recursion, from 2 attempts: 0.1 s then 0.2 s in all; three 0.15 s polls: brief pauses.
        Valid("""
            import time
            from flask import Flask
            app = Flask(__name__)

            def read_yaml(path):
                return None

            def read_meta(path, retries=2):
                def helper(path, attempts_remaining=2):
                    result = read_yaml(path)
                    if result is not None or attempts_remaining == 0:
                        return result
                    time.sleep(0.1 * (3 - attempts_remaining))
                    return helper(path, attempts_remaining - 1)

                return helper(path, attempts_remaining=retries)

            def settle():
                for _ in range(3):
                    time.sleep(0.15)

            @app.get("/runs/<run_id>")
            def get_run(run_id):
                settle()
                return read_meta(f"/runs/{run_id}/meta.yaml") or {}
            """),
        # Unrelated hierarchies declare `refresh`: a call on an object the code does not type reaches neither,
        # and `cache.refresh()` is a cache's, never the report's that sleeps.
        Valid("""
            import abc
            import time
            from flask import Flask, g
            app = Flask(__name__)

            class Cache(abc.ABC):
                @abc.abstractmethod
                def refresh(self):
                    raise NotImplementedError

            class RedisCache(Cache):
                def refresh(self):
                    return True

            class Report(abc.ABC):
                @abc.abstractmethod
                def refresh(self):
                    raise NotImplementedError

            class SlowReport(Report):
                def refresh(self):
                    time.sleep(30)

            def current_store():
                return g.store

            @app.post("/refresh")
            def refresh():
                current_store().refresh()
                cache = current_store()
                cache.refresh()
                return "ok"
            """),
        # The view names the plugin it builds: the loader builds `Install`, never the `Sleep` plugin.
        Valid(
            """
            from flask import Flask
            from core.loader import load
            from core.neuron import Neuron
            app = Flask(__name__)

            def launch(neuron):
                return load("neurons", neuron.name, parameters=neuron.parameters)

            @app.post("/install")
            def install():
                launch(Neuron(name="install", parameters={"file": "install.yml"}))
                return "ok"
            """,
            files={
                "core/__init__.py": "",
                "core/neuron.py": """
            class Neuron:
                def __init__(self, name, parameters=None):
                    self.name = name
                    self.parameters = parameters
            """,
                "core/loader.py": """
            def load(package, name, parameters=None):
                module = __import__("core." + package + "." + name + "." + name, fromlist=[name.capitalize()])
                return getattr(module, name.capitalize())(**(parameters or {}))
            """,
                "core/neurons/__init__.py": "",
                "core/neurons/install/__init__.py": "",
                "core/neurons/install/install.py": """
            class Install:
                def __init__(self, file=None):
                    self.file = file
            """,
                "core/neurons/say/__init__.py": "",
                "core/neurons/say/say.py": """
            class Say:
                def __init__(self, message=None):
                    self.message = message
            """,
                "core/neurons/sleep/__init__.py": "",
                "core/neurons/sleep/sleep.py": """
            import time

            class Sleep:
                def __init__(self, seconds=1):
                    time.sleep(seconds)
            """,
            },
        ),
        # GitPython: a fetch bounded by `kill_after_timeout=`, a local index update, and a project class's own
        # `fetch` (no GitPython object): nothing waits on a remote for ever.
        Valid("""
            import git
            from flask import Flask
            app = Flask(__name__)
            repo = git.Repo("/srv/docs")

            class Feed:
                def fetch(self):
                    return []

            @app.post("/sync")
            def sync():
                repo.remote("origin").fetch(kill_after_timeout=30)
                repo.index.add(["README.md"])
                return {"items": Feed().fetch()}
            """),
    )
    INVALID = (
        # A class registered with flask-restful's ``add_resource`` is a view whatever base it has.
        Invalid(
            """
            import time
            from flask import Flask
            from flask_restful import Api
            from restkit.endpoints import JsonEndpoint

            app = Flask(__name__)
            api = Api(app)

            class Upload(JsonEndpoint):
                def put(self, upload_id):
                    while self.busy(upload_id):
                        time.sleep(3)  # expect
                    return {"id": upload_id}

                def busy(self, upload_id):
                    return upload_id.startswith("tmp")

            api.add_resource(Upload, "/uploads/<upload_id>")
            """,
            message="in view `Upload.put` holds the worker",
        ),
        # The request's repository is the app's `repository`, declared a `Repository` (the proxy stands for it):
        # `update()` runs the git override, which fetches and pulls from the remote with no limit.
        Invalid(
            """
            import git
            from flask import Flask, current_app
            from werkzeug.local import LocalProxy

            class Repository:
                def update(self):
                    pass

            class GitRepository(Repository):
                def __init__(self, path):
                    self.path = path

                @property
                def git(self):
                    if not hasattr(self, "_git"):
                        self._git = git.Repo(self.path)
                    return self._git

                @property
                def origin(self):
                    if "origin" in self.git.remotes:
                        return self.git.remote("origin")
                    return None

                def update(self):
                    self.origin.fetch()  # expect
                    self.git.git.pull("origin", "main")  # expect

            class DocsApp(Flask):
                def __init__(self, repo):
                    super().__init__(__name__)
                    self.repository = repo
                    assert isinstance(self.repository, Repository)

            current_repo = LocalProxy(lambda: current_app.repository)
            app = DocsApp(GitRepository("/srv/docs"))

            @app.post("/publish")
            def publish():
                current_repo.update()
                return "ok"
            """,
            message="`Remote.fetch(...)` without `kill_after_timeout=` in `GitRepository.update` (request path: "
            "view `publish` → `GitRepository.update`)",
        ),
        Invalid(
            """
            from time import sleep
            from flask import Flask
            app = Flask(__name__)

            def wait_for_backend(client):
                for attempt in range(5):
                    if client.ready():
                        return True
                    sleep(2)  # expect
                return False

            @app.route("/orders", methods=["POST"])
            def create_order():
                wait_for_backend(None)
                return "ok"
            """,
            message="at most 5 x 2 s = 10 s in all: a bounded wait",
        ),
        # a failed login waits a fixed second, and a poll gives up at a deadline: notes that say so
        Invalid(
            """
            import time
            from flask import Flask, abort, request
            app = Flask(__name__)

            def job_done(job_id):
                return False

            @app.post("/login")
            def login():
                if not check_password(request.form["user"], request.form["password"]):
                    time.sleep(1)  # expect
                    abort(401)
                return "ok"

            @app.post("/jobs/<job_id>/wait")
            def wait(job_id):
                deadline = time.monotonic() + 10
                while not job_done(job_id):
                    if time.monotonic() > deadline:
                        abort(504)
                    time.sleep(0.5)  # expect
                return "done"
            """,
            message="a fixed 1 s pause",
        ),
        # the failed login is caught and answered after a pause: nothing is retried, the worker just waits
        Invalid(
            """
            from time import sleep
            from flask import Flask, jsonify, make_response, request
            app = Flask(__name__)

            class WrongPassword(Exception):
                pass

            @app.post("/json/login")
            def json_login():
                try:
                    user = authenticate(request.json["username"], request.json["password"])
                except WrongPassword:
                    response = make_response(jsonify({"error": "Wrong username/password."}), 401)
                    sleep(1)  # expect
                    return response
                return jsonify({"user": user})
            """,
            message="a fixed 1 s pause",
        ),
        Invalid(
            """
            import subprocess
            from flask import Blueprint
            bp = Blueprint("pdf", __name__)

            @bp.get("/pdf")
            def pdf():
                proc = subprocess.Popen(["wkhtmltopdf", "-", "-"], stdout=subprocess.PIPE)
                out, _ = proc.communicate()  # expect
                return subprocess.check_output(["ls"])  # expect
            """,
            message="without `timeout=`",
        ),
        # The view always passes the argument that makes the helper take the subprocess branch: still a note,
        # because the helper chooses, and the message says on what.
        Invalid(
            """
            import subprocess
            from flask import Flask
            app = Flask(__name__)

            def save_model(path, requirements=None):
                if requirements is None:
                    requirements = subprocess.check_output(["pip", "freeze"]).split()  # expect
                return requirements

            @app.post("/models")
            def create_model():
                return {"requirements": save_model("/tmp/m", requirements=["mlflow"])}
            """,
            message="only depending on argument `requirements`",
        ),
        # A certificate export runs a short openssl conversion (a note) and a video preview runs ffmpeg (a warning).
        Invalid(
            """
            import subprocess
            from flask import Flask
            app = Flask(__name__)

            @app.post("/certificates/<int:cert_id>/export")
            def export(cert_id):
                return subprocess.check_output(["openssl", "x509", "-in", f"/certs/{cert_id}.pem", "-outform", "der"])  # expect

            @app.post("/videos/<int:video_id>/preview")
            def preview(video_id):
                subprocess.run(["ffmpeg", "-i", f"/videos/{video_id}.mp4", "-t", "5", "/tmp/preview.mp4"])  # expect
                return "ok"
            """,
            message="`openssl` is a short local command",
        ),
        # A test service's delay endpoint: the client picks the sleep, capped; said as a note.
        Invalid(
            """
            import time
            from flask import Flask
            app = Flask(__name__)

            @app.get("/delay/<delay>")
            def delay_response(delay):
                delay = min(float(delay), 10)
                time.sleep(delay)  # expect
                return {"delayed": delay}
            """,
            message="the client chooses the delay",
        ),
        # A poll loop in a preview client loaded from configuration: the view waits up to a minute.
        Invalid(
            """
            import time
            from flask import Flask, current_app
            from werkzeug.utils import import_string
            from clients import BasePreviewClient
            app = Flask(__name__)

            @app.post("/preview")
            def preview():
                client = import_string(current_app.config["PREVIEW_CLIENT"])()
                return client.get_preview_data({"table": "t"})
            """,
            message="request path: view `preview` → `QueryPreviewClient.get_preview_data`",
            files={
                "clients.py": """
            import abc
            import time

            class BasePreviewClient(abc.ABC):
                @abc.abstractmethod
                def get_preview_data(self, params):
                    pass

            class QueryPreviewClient(BasePreviewClient):
                def get_preview_data(self, params):
                    job = self.start(params)
                    while not job.done():
                        time.sleep(0.5)  # expect
                    return job.result()

                def start(self, params):
                    return params
            """
            },
        ),
        # The plugin is named in configuration: any neuron may run, the sleeping one included (a note says so).
        Invalid(
            """
            from flask import Flask, current_app
            from core.loader import load
            app = Flask(__name__)

            @app.post("/run")
            def run():
                load("neurons", current_app.config["NEURON"])
                return "ok"
            """,
            message="through a class it loads by a computed name",
            files={
                "core/__init__.py": "",
                "core/loader.py": """
            def load(package, name):
                module = __import__("core." + package + "." + name + "." + name, fromlist=[name.capitalize()])
                return getattr(module, name.capitalize())()
            """,
                "core/neurons/__init__.py": "",
                "core/neurons/install/__init__.py": "",
                "core/neurons/install/install.py": """
            class Install:
                def __init__(self):
                    self.done = True
            """,
                "core/neurons/say/__init__.py": "",
                "core/neurons/say/say.py": """
            class Say:
                def __init__(self):
                    self.said = True
            """,
                "core/neurons/sleep/__init__.py": "",
                "core/neurons/sleep/sleep.py": """
            import time

            class Sleep:
                def __init__(self, seconds=60):
                    time.sleep(seconds)  # expect
            """,
            },
        ),
        # A retry by recursion from 5 attempts doubling its pause: 2 + 4 + 8 + 16 + 32 s is no brief pause.
        Invalid(
            """
            import time
            from flask import Flask
            app = Flask(__name__)

            def fetch(key):
                return None

            def fetch_with_retry(key, attempts=5):
                result = fetch(key)
                if result is not None or attempts == 0:
                    return result
                time.sleep(2 ** (6 - attempts))  # expect
                return fetch_with_retry(key, attempts - 1)

            @app.get("/items/<key>")
            def item(key):
                return fetch_with_retry(key) or {}
            """,
            message="holds the worker while it sleeps",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not in_request_code(ctx) or ctx.function is None:
            return
        if ctx.function.is_async or only_on_event_loop(ctx.project, ctx.function.qualname):
            return  # FD403 reports blocking calls in async functions and the plain helpers they call inline
        if role_of(ctx.project, ctx.module) is not FileRole.APPLICATION:
            return  # an example or a script is not the deployed application
        name = callee_name(ctx, node)
        if name in SLEEP:
            self._sleep(node, ctx)
            return
        git = git_network_call(ctx, node)
        if git is not None:
            self._git(node, ctx, git)
            return
        waited = blocking_subprocess(ctx, node)
        if waited is None or drained_before_wait(ctx, node):
            return  # a wait after reading the child's output to its end returns with it
        if version_query(ctx, node):
            return  # `curl --version` prints a line and exits: there is nothing it could wait for
        short = waited.replace("subprocess.Popen.", "Popen.")
        quick = quick_command(ctx, node)
        doubt = f"`{quick}` is a short local command" if quick else path_doubt(ctx, node, REQUEST)
        message = (
            f"`{short}(...)` without `timeout=` in {describe_where(ctx, REQUEST)}: the worker waits for the "
            f"child process, for ever if it hangs"
        )
        self._report(
            ctx,
            node,
            message,
            doubt,
            list(ctx.chain_evidence(REQUEST)),
            "Pass `timeout=` (and handle subprocess.TimeoutExpired), or run the command in a background job.",
        )

    def _git(self, node: ast.Call, ctx: Context, name: str) -> None:
        """A GitPython fetch/pull/push/clone: ``git`` talks to the remote while the request waits."""
        message = (
            f"`{name}(...)` without `{KILL_AFTER}=` in {describe_where(ctx, REQUEST)}: GitPython runs `git` "
            f"against the remote and waits for it, for ever if the remote or the network hangs"
        )
        self._report(
            ctx,
            node,
            message,
            path_doubt(ctx, node, REQUEST),
            list(ctx.chain_evidence(REQUEST)),
            f"Sync the repository in a background job, or pass `{KILL_AFTER}=` (seconds) to the command.",
        )

    def _sleep(self, node: ast.Call, ctx: Context) -> None:
        seconds = sleep_seconds(node)
        if seconds is not None and seconds < TINY_SLEEP:
            return  # a yield or a spin-wait handshake, not a held worker
        if cooperative(ctx.project):
            return
        loop = enclosing_loop(ctx)
        message = f"`{ast.unparse(node)}` in {describe_where(ctx, REQUEST)} holds the worker while it sleeps"
        evidence = list(ctx.chain_evidence(REQUEST))
        if in_retry_backoff(ctx) and not pause_before_failure(ctx, node):
            return  # a back-off between retries after a failure: how a retry should wait
        total = bounded_total(ctx, node)
        if total is not None and total <= BRIEF_WAIT:
            return  # a few short pauses, half a second at most in all: no worker is held to speak of
        if node.args and self._client_chosen(ctx, node.args[0]):
            doubt: str | None = "the client chooses the delay, so the endpoint is made to wait; cap it"
        else:
            doubt = bounded_wait(ctx, node) or path_doubt(ctx, node, REQUEST)
        if loop is not None and doubt is None:
            message += "; it sits in a loop, so the worker is held once per iteration"
            evidence.append(Evidence("inside this loop", ctx.location(loop)))
        self._report(
            ctx,
            node,
            message,
            doubt,
            evidence,
            "Move the waiting to a background job (Celery/RQ) and return 202, or poll from the client.",
        )

    def _report(
        self, ctx: Context, node: ast.Call, message: str, doubt: str | None, evidence: list[Evidence], hint: str
    ) -> None:
        """A warning when the request surely waits; a note saying why not when the path or purpose is in doubt."""
        if doubt is None:
            evidence = [*evidence, *other_entries(ctx, REQUEST)]
        ctx.report(
            self.finding(
                ctx.location(node),
                message if doubt is None else f"{message} (note: {doubt})",
                hint=hint,
                evidence=evidence,
                severity=self.effective_severity if doubt is None else min(self.effective_severity, Severity.NOTE),
            )
        )

    @staticmethod
    def _client_chosen(ctx: Context, argument: ast.expr) -> bool:
        """The sleep's length comes from the request (a URL variable of the view, ``request.args``)."""
        fn = ctx.function
        while fn is not None:
            if request_derived(ctx.project, argument, fn):
                return True
            fn = fn.parent  # a streaming generator sleeps for its view's variables
        return False

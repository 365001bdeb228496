"""Variant matrix for catalogue S17 (blocking calls exhaust workers) and S18 (async views).

Rules: FD401 blocking-call-in-request (off by default on measured precision, selected here), FD402
http-call-without-timeout, FD403 blocking-call-in-async-view.

Each variant is a small project written from common Flask / requests / httpx / urllib / subprocess idioms and
the libraries' own documentation (not from the corpus). A bad shape must be reported by its rule as a warning
or an error: the call is shown to run while a request is served. A good shape must draw none of these rules.
What is true, from the libraries' documentation:

- requests and urllib have no default timeout: a call without one waits as long as the server keeps silent.
- httpx raises ``TimeoutException`` after 5 s of network inactivity by default (httpx docs, "Timeouts"): an
  httpx call without ``timeout`` is no hang; only ``timeout=None`` disables it.
- Flask runs an ``async def`` view in an event loop on the worker thread (Flask docs, "Using async and
  await"): a blocking call inside it stops that loop, whatever its timeout.
- Sleeping in CLI commands, jobs and scripts holds no request worker.

A third list holds calls no request or job is shown to reach: those are notes at most, never warnings.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found, xfail_marks

RULES = ["FD401", "FD402", "FD403"]

REQUIREMENTS = "flask==3.0.3\nrequests==2.32.3\nhttpx==0.27.2\n"

#: A factory with a blueprint the variants' views live in.
APP = """
from flask import Flask


def create_app():
    app = Flask(__name__)
    from views import bp
    app.register_blueprint(bp)
    return app
"""


def _files(**extra: str) -> dict[str, str]:
    files = {"app.py": APP, "requirements.txt": REQUIREMENTS}
    files.update(extra)
    return files


# name, rule, files
BAD: list[tuple[str, str, dict[str, str]]] = [
    # ------------------------------------------------------------------ FD402 http-call-without-timeout
    (
        # twilio's Client sends through a TwilioHttpClient whose timeout defaults to none (twilio-python,
        # twilio/http/http_client.py): a verification text sent from a view waits as long as Twilio keeps silent.
        "twilio-module-client-in-sms-helper-from-view",
        "FD402",
        _files(
            sms="""
            import os
            from twilio.rest import Client

            texts = Client(os.environ["SMS_SID"], os.environ["SMS_TOKEN"])

            def send_code(number, code):
                texts.messages.create(to=number, from_="+15550100", body=f"Your code: {code}")
            """,
            views="""
            from flask import Blueprint, request
            from sms import send_code

            bp = Blueprint("phone", __name__)

            @bp.post("/phone")
            def add_phone():
                send_code(request.form["number"], 4711)
                return "sent"
            """,
        ),
    ),
    (
        # a service object keeps the client on self; the view reaches its method
        "twilio-client-on-service-object-from-view",
        "FD402",
        _files(
            views="""
            import os
            from flask import Blueprint, request
            from twilio.rest import Client

            bp = Blueprint("calls", __name__)

            class Dialer:
                def __init__(self):
                    self.client = Client(os.environ["SMS_SID"], os.environ["SMS_TOKEN"])

                def ring(self, number):
                    return self.client.calls.create(to=number, from_="+15550100", url="https://example.org/twiml")

            @bp.post("/ring")
            def ring():
                return {"sid": Dialer().ring(request.form["number"]).sid}
            """,
        ),
    ),
    (
        # ollama's module functions go through a default client that hands httpx timeout=None (ollama-python,
        # ollama/_client.py BaseClient): a chat view waits as long as the model server keeps silent
        "ollama-module-chat-in-view",
        "FD402",
        _files(
            views="""
            import ollama
            from flask import Blueprint, request

            bp = Blueprint("assistant", __name__)

            @bp.post("/assistant")
            def assistant():
                reply = ollama.chat(model="mistral", messages=[{"role": "user", "content": request.json["text"]}])
                return {"reply": reply["message"]["content"]}
            """,
        ),
    ),
    (
        # sendgrid's client sends through python-http-client, urllib without a timeout (sendgrid-python,
        # sendgrid/base_interface.py): a password-reset mail sent from the view can hang it
        "sendgrid-send-in-helper-from-view",
        "FD402",
        _files(
            views="""
            import os
            from flask import Blueprint, request
            from sendgrid import SendGridAPIClient
            from sendgrid.helpers.mail import Mail

            bp = Blueprint("account", __name__)

            def mail_reset(address):
                letter = Mail(from_email="no-reply@example.org", to_emails=address, subject="Reset", html_content="x")
                SendGridAPIClient(os.environ["SG_KEY"]).send(letter)

            @bp.post("/forgot")
            def forgot():
                mail_reset(request.form["email"])
                return "check your inbox"
            """,
        ),
    ),
    (
        "requests-get-in-blueprint-view",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint, request

            bp = Blueprint("weather", __name__)

            @bp.get("/weather")
            def weather():
                return requests.get("https://api.example.com/weather", params={"q": request.args["city"]}).json()
            """
        ),
    ),
    (
        "requests-post-in-helper-one-call-from-view",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint, request

            bp = Blueprint("hooks", __name__)

            def notify_slack(text):
                requests.post("https://hooks.slack.com/services/T000/B000/XXX", json={"text": text})

            @bp.post("/orders")
            def create_order():
                notify_slack(f"new order {request.json['id']}")
                return {"ok": True}, 201
            """
        ),
    ),
    (
        "requests-in-service-module-two-calls-from-view",
        "FD402",
        _files(
            views="""
            from flask import Blueprint
            from services.geo import locate

            bp = Blueprint("geo", __name__)

            @bp.get("/where/<ip>")
            def where(ip):
                return locate(ip)
            """,
            **{
                "services/__init__.py": "",
                "services/geo.py": """
            import requests

            GEO_URL = "https://ipinfo.example.com/{}/json"

            def _fetch(ip):
                response = requests.get(GEO_URL.format(ip))
                response.raise_for_status()
                return response.json()

            def locate(ip):
                data = _fetch(ip)
                return {"city": data.get("city"), "country": data.get("country")}
            """,
            },
        ),
    ),
    (
        "requests-aliased-import-from",
        "FD402",
        _files(
            views="""
            from flask import Blueprint
            from requests import get as http_get

            bp = Blueprint("status", __name__)

            @bp.get("/upstream")
            def upstream():
                return {"status": http_get("https://status.example.com/api").status_code}
            """
        ),
    ),
    (
        "requests-module-alias",
        "FD402",
        _files(
            views="""
            import requests as rq
            from flask import Blueprint, request

            bp = Blueprint("proxy", __name__)

            @bp.route("/translate", methods=["POST"])
            def translate():
                return rq.post("https://translate.example.com/v2", data=request.form).json()
            """
        ),
    ),
    (
        "method-view-calls-requests",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint
            from flask.views import MethodView

            bp = Blueprint("repos", __name__)

            class RepoAPI(MethodView):
                def get(self, owner):
                    return requests.get(f"https://api.github.com/users/{owner}/repos").json()

            bp.add_url_rule("/repos/<owner>", view_func=RepoAPI.as_view("repos"))
            """
        ),
    ),
    (
        "flask-restx-resource-calls-requests-helper",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint
            from flask_restx import Api, Namespace, Resource

            bp = Blueprint("api", __name__)
            api = Api(bp)
            ns = Namespace("rates")
            api.add_namespace(ns)

            def latest_rates(base):
                return requests.get("https://rates.example.com/latest", params={"base": base}).json()

            @ns.route("/<string:base>")
            class Rates(Resource):
                def get(self, base):
                    return latest_rates(base)
            """
        ),
    ),
    (
        "module-level-requests-session-in-view",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("books", __name__)
            http = requests.Session()
            http.headers.update({"User-Agent": "books/1.0"})

            @bp.get("/books/<isbn>")
            def book(isbn):
                return http.get(f"https://openlibrary.example.org/isbn/{isbn}.json").json()
            """
        ),
    ),
    (
        "api-client-class-with-session-used-from-view",
        "FD402",
        _files(
            views="""
            from flask import Blueprint, current_app
            from billing import BillingClient

            bp = Blueprint("billing", __name__)

            @bp.post("/invoices/<int:invoice_id>/pay")
            def pay(invoice_id):
                client = BillingClient(current_app.config["BILLING_KEY"])
                return client.charge(invoice_id)
            """,
            billing="""
            import requests

            class BillingClient:
                def __init__(self, key):
                    self.session = requests.Session()
                    self.session.headers["Authorization"] = f"Bearer {key}"

                def charge(self, invoice_id):
                    return self.session.post(f"https://billing.example.com/invoices/{invoice_id}/charge").json()
            """,
        ),
    ),
    (
        "oauth-code-exchange-in-callback-view",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint, current_app, redirect, request, session

            bp = Blueprint("auth", __name__)

            def exchange_code(code):
                response = requests.post(
                    "https://github.com/login/oauth/access_token",
                    data={
                        "client_id": current_app.config["GITHUB_CLIENT_ID"],
                        "client_secret": current_app.config["GITHUB_CLIENT_SECRET"],
                        "code": code,
                    },
                    headers={"Accept": "application/json"},
                )
                return response.json()["access_token"]

            def github_user(token):
                return requests.get("https://api.github.com/user", headers={"Authorization": f"token {token}"}).json()

            @bp.get("/auth/callback")
            def callback():
                token = exchange_code(request.args["code"])
                session["user"] = github_user(token)["login"]
                return redirect("/")
            """
        ),
    ),
    (
        "requests-oauthlib-fetch-token-in-view",
        "FD402",
        _files(
            views="""
            from flask import Blueprint, current_app, request, session
            from requests_oauthlib import OAuth2Session

            bp = Blueprint("oauth", __name__)

            @bp.get("/oauth/callback")
            def callback():
                google = OAuth2Session(current_app.config["CLIENT_ID"], state=session["state"])
                token = google.fetch_token(
                    "https://oauth2.googleapis.com/token",
                    client_secret=current_app.config["CLIENT_SECRET"],
                    authorization_response=request.url,
                )
                session["token"] = token
                return "ok"
            """
        ),
    ),
    (
        "ldap-bind-in-login-helper",
        "FD402",
        _files(
            views="""
            from flask import Blueprint, request
            from auth import ldap_authenticate

            bp = Blueprint("login", __name__)

            @bp.post("/login")
            def login():
                if not ldap_authenticate(request.form["username"], request.form["password"]):
                    return "invalid credentials", 401
                return "welcome"
            """,
            auth="""
            import ldap
            from flask import current_app

            def ldap_authenticate(username, password):
                conn = ldap.initialize(current_app.config["LDAP_URI"])
                try:
                    conn.simple_bind_s(f"uid={username},ou=people,dc=example,dc=com", password)
                    return True
                except ldap.INVALID_CREDENTIALS:
                    return False
                finally:
                    conn.unbind_s()
            """,
        ),
    ),
    (
        "ldap3-connection-in-login-helper",
        "FD402",
        _files(
            views="""
            from flask import Blueprint, request
            from directory import check_password

            bp = Blueprint("login", __name__)

            @bp.post("/login")
            def login():
                return ("ok", 200) if check_password(request.form["user"], request.form["password"]) else ("no", 401)
            """,
            directory="""
            from ldap3 import Connection, Server

            def check_password(user, password):
                server = Server("ldap://ldap.example.com")
                conn = Connection(server, user=f"uid={user},dc=example,dc=com", password=password)
                return conn.bind()
            """,
        ),
    ),
    (
        "sso-token-validation-in-before-request",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint, abort, g, request

            bp = Blueprint("api", __name__)

            def introspect(token):
                response = requests.post("https://sso.example.com/oauth/introspect", data={"token": token})
                return response.json()

            @bp.before_app_request
            def authenticate():
                info = introspect(request.headers.get("Authorization", ""))
                if not info.get("active"):
                    abort(401)
                g.user = info["sub"]
            """
        ),
    ),
    (
        "login-manager-user-loader-fetches-profile",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint
            from flask_login import LoginManager, UserMixin

            bp = Blueprint("main", __name__)
            login_manager = LoginManager()

            class User(UserMixin):
                def __init__(self, data):
                    self.id = data["id"]

            @login_manager.user_loader
            def load_user(user_id):
                data = requests.get(f"https://users.example.com/api/users/{user_id}").json()
                return User(data)
            """
        ),
    ),
    (
        "urlopen-in-view",
        "FD402",
        _files(
            views="""
            import json
            from urllib.request import urlopen
            from flask import Blueprint

            bp = Blueprint("feed", __name__)

            @bp.get("/feed")
            def feed():
                with urlopen("https://feeds.example.com/latest.json") as response:
                    return json.load(response)
            """
        ),
    ),
    (
        "httpx-timeout-none-in-view",
        "FD402",
        _files(
            views="""
            import httpx
            from flask import Blueprint

            bp = Blueprint("report", __name__)

            @bp.get("/report")
            def report():
                return httpx.get("https://reports.example.com/big", timeout=None).json()
            """
        ),
    ),
    (
        "requests-timeout-none-from-helper",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("export", __name__)

            def download(url):
                return requests.get(url, timeout=None).content

            @bp.get("/export")
            def export():
                return download("https://exports.example.com/latest.csv")
            """
        ),
    ),
    (
        "requests-in-view-of-app-module",
        "FD402",
        {
            "requirements.txt": REQUIREMENTS,
            "app.py": """
            import requests
            from flask import Flask, jsonify

            app = Flask(__name__)

            @app.route("/joke")
            def joke():
                return jsonify(requests.get("https://icanhazdadjoke.com/", headers={"Accept": "application/json"}).json())
            """,
        },
    ),
    # ------------------------------------------------------------------ FD401 blocking-call-in-request
    (
        # `docker version` asks the daemon for its version too: a stuck daemon holds the request
        "docker-version-subcommand-in-view",
        "FD401",
        _files(
            views="""
            import subprocess
            from flask import Blueprint

            bp = Blueprint("status", __name__)

            @bp.get("/engine")
            def engine():
                return {"engine": subprocess.check_output(["docker", "version"], text=True)}
            """,
        ),
    ),
    (
        "time-sleep-in-view",
        "FD401",
        _files(
            views="""
            import time
            from flask import Blueprint

            bp = Blueprint("reports", __name__)

            @bp.post("/reports")
            def create_report():
                start_report()
                time.sleep(10)
                return {"status": "probably done"}

            def start_report():
                return None
            """
        ),
    ),
    (
        "sleep-aliased-in-helper",
        "FD401",
        _files(
            views="""
            from time import sleep as pause
            from flask import Blueprint

            bp = Blueprint("sync", __name__)

            def wait_for_replica():
                pause(15)

            @bp.post("/sync")
            def sync():
                wait_for_replica()
                return "ok"
            """
        ),
    ),
    (
        "subprocess-run-in-view",
        "FD401",
        _files(
            views="""
            import subprocess
            from flask import Blueprint, request

            bp = Blueprint("convert", __name__)

            @bp.post("/convert")
            def convert():
                path = f"/tmp/{request.form['name']}"
                subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", path], check=True)
                return "ok"
            """
        ),
    ),
    (
        "subprocess-check-output-in-service",
        "FD401",
        _files(
            views="""
            from flask import Blueprint
            from media import thumbnail

            bp = Blueprint("media", __name__)

            @bp.post("/videos/<int:video_id>/thumbnail")
            def make_thumbnail(video_id):
                return thumbnail(f"/videos/{video_id}.mp4")
            """,
            media="""
            import subprocess

            def thumbnail(path):
                return subprocess.check_output(["ffmpeg", "-i", path, "-vframes", "1", "-f", "image2", "-"])
            """,
        ),
    ),
    (
        "popen-communicate-in-method-view",
        "FD401",
        _files(
            views="""
            import subprocess
            from flask import Blueprint
            from flask.views import MethodView

            bp = Blueprint("backup", __name__)

            class BackupAPI(MethodView):
                def post(self):
                    proc = subprocess.Popen(["pg_dump", "appdb"], stdout=subprocess.PIPE)
                    out, _ = proc.communicate()
                    return {"size": len(out)}

            bp.add_url_rule("/backup", view_func=BackupAPI.as_view("backup"))
            """
        ),
    ),
    (
        "time-sleep-in-restx-resource",
        "FD401",
        _files(
            views="""
            import time
            from flask import Blueprint
            from flask_restx import Api, Resource

            bp = Blueprint("api", __name__)
            api = Api(bp)

            @api.route("/jobs/<int:job_id>/result")
            class JobResult(Resource):
                def get(self, job_id):
                    while not job_done(job_id):
                        time.sleep(1)
                    return {"job": job_id}

            def job_done(job_id):
                return False
            """
        ),
    ),
    # ------------------------------------------------------------------ FD403 blocking-call-in-async-view
    (
        "async-view-requests-get",
        "FD403",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("dash", __name__)

            @bp.get("/dashboard")
            async def dashboard():
                return requests.get("https://api.example.com/stats", timeout=5).json()
            """
        ),
    ),
    (
        "async-view-time-sleep",
        "FD403",
        _files(
            views="""
            import asyncio
            import time
            from flask import Blueprint

            bp = Blueprint("slow", __name__)

            async def fetch_a():
                await asyncio.sleep(0.1)
                return 1

            @bp.get("/slow")
            async def slow():
                value = await fetch_a()
                time.sleep(2)
                return {"value": value}
            """
        ),
    ),
    (
        "async-helper-awaited-by-view-uses-requests",
        "FD403",
        _files(
            views="""
            import asyncio
            import requests
            from flask import Blueprint

            bp = Blueprint("agg", __name__)

            async def fetch(url):
                return requests.get(url, timeout=5).json()

            @bp.get("/aggregate")
            async def aggregate():
                a, b = await asyncio.gather(fetch("https://a.example.com"), fetch("https://b.example.com"))
                return {"a": a, "b": b}
            """
        ),
    ),
    (
        "async-method-view-requests-session",
        "FD403",
        _files(
            views="""
            import requests
            from flask import Blueprint
            from flask.views import MethodView

            bp = Blueprint("items", __name__)
            http = requests.Session()

            class ItemAPI(MethodView):
                async def get(self, item_id):
                    return http.get(f"https://items.example.com/{item_id}", timeout=5).json()

            bp.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
            """
        ),
    ),
    (
        "async-view-sync-httpx-client",
        "FD403",
        _files(
            views="""
            import httpx
            from flask import Blueprint

            bp = Blueprint("prices", __name__)

            @bp.get("/prices")
            async def prices():
                with httpx.Client(timeout=10) as client:
                    return client.get("https://prices.example.com/all").json()
            """
        ),
    ),
    (
        "async-view-subprocess-run",
        "FD403",
        _files(
            views="""
            import subprocess
            from flask import Blueprint

            bp = Blueprint("ops", __name__)

            @bp.post("/deploy")
            async def deploy():
                subprocess.run(["ansible-playbook", "site.yml"], timeout=600)
                return "deployed"
            """
        ),
    ),
    (
        "session-in-with-block-in-view",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("mirror", __name__)

            @bp.post("/mirror/<path:url>")
            def mirror(url):
                with requests.Session() as s:
                    s.headers["User-Agent"] = "mirror/1.0"
                    return s.get(url).content
            """
        ),
    ),
    (
        "session-on-app-attribute",
        "FD402",
        _files(
            views="""
            from flask import Blueprint, current_app

            bp = Blueprint("search", __name__)

            @bp.get("/search/<term>")
            def search(term):
                return current_app.http.get("https://search.example.com", params={"q": term}).json()
            """,
            app="""
            import requests
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.http = requests.Session()
                from views import bp
                app.register_blueprint(bp)
                return app
            """,
        ),
    ),
    (
        "module-level-client-instance-used-by-restx-resource",
        "FD402",
        _files(
            views="""
            from flask import Blueprint
            from flask_restx import Api, Resource
            from clients import crm

            bp = Blueprint("api", __name__)
            api = Api(bp)

            @api.route("/contacts/<int:contact_id>")
            class Contact(Resource):
                def get(self, contact_id):
                    return crm.contact(contact_id)
            """,
            clients="""
            import requests

            class CRM:
                def __init__(self, base):
                    self.base = base
                    self.session = requests.Session()

                def contact(self, contact_id):
                    return self.session.get(f"{self.base}/contacts/{contact_id}").json()

            crm = CRM("https://crm.example.com/api")
            """,
        ),
    ),
    (
        "plain-view-class-dispatch-request",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint
            from flask.views import View

            bp = Blueprint("pages", __name__)

            class RemotePage(View):
                def __init__(self, url):
                    self.url = url

                def dispatch_request(self):
                    return requests.get(self.url).text

            bp.add_url_rule("/about", view_func=RemotePage.as_view("about", "https://cms.example.com/about"))
            """
        ),
    ),
    (
        "smorest-blueprint-method-view",
        "FD402",
        _files(
            views="""
            import requests
            from flask.views import MethodView
            from flask_smorest import Blueprint

            bp = Blueprint("pets", __name__, url_prefix="/pets")

            @bp.route("/<int:pet_id>/photo")
            class PetPhoto(MethodView):
                def get(self, pet_id):
                    return {"url": requests.get(f"https://photos.example.com/pets/{pet_id}").json()["url"]}
            """
        ),
    ),
    (
        "custom-auth-decorator-validates-token-remotely",
        "FD402",
        _files(
            views="""
            import functools
            import requests
            from flask import Blueprint, abort, request

            bp = Blueprint("api", __name__)

            def token_required(view):
                @functools.wraps(view)
                def wrapper(*args, **kwargs):
                    token = request.headers.get("Authorization", "")
                    response = requests.get("https://sso.example.com/userinfo", headers={"Authorization": token})
                    if response.status_code != 200:
                        abort(401)
                    return view(*args, **kwargs)
                return wrapper

            @bp.get("/me")
            @token_required
            def me():
                return {"ok": True}
            """
        ),
    ),
    (
        "flask-httpauth-verify-token-calls-sso",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint
            from flask_httpauth import HTTPTokenAuth

            bp = Blueprint("api", __name__)
            auth = HTTPTokenAuth(scheme="Bearer")

            @auth.verify_token
            def verify_token(token):
                response = requests.post("https://sso.example.com/introspect", data={"token": token})
                return response.json().get("sub")

            @bp.get("/secret")
            @auth.login_required
            def secret():
                return {"user": auth.current_user()}
            """
        ),
    ),
    (
        "jwt-user-lookup-loader-fetches-user",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint
            from flask_jwt_extended import JWTManager, current_user, jwt_required

            bp = Blueprint("api", __name__)
            jwt = JWTManager()

            @jwt.user_lookup_loader
            def user_lookup(_jwt_header, jwt_data):
                return requests.get(f"https://users.example.com/{jwt_data['sub']}").json()

            @bp.get("/profile")
            @jwt_required()
            def profile():
                return current_user
            """
        ),
    ),
    (
        "errorhandler-posts-to-webhook",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("main", __name__)

            @bp.app_errorhandler(500)
            def internal_error(error):
                requests.post("https://hooks.example.com/alerts", json={"error": str(error)})
                return "internal error", 500
            """
        ),
    ),
    (
        "after-request-analytics",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint, request

            bp = Blueprint("main", __name__)

            @bp.after_app_request
            def track(response):
                requests.post("https://analytics.example.com/hit", json={"path": request.path})
                return response
            """
        ),
    ),
    (
        "add-url-rule-view-in-other-module",
        "FD402",
        {
            "requirements.txt": REQUIREMENTS,
            "app.py": """
            from flask import Flask
            from handlers import status

            app = Flask(__name__)
            app.add_url_rule("/status", view_func=status)
            """,
            "handlers.py": """
            import requests

            def status():
                return {"upstream": requests.head("https://upstream.example.com/health").status_code}
            """,
        },
    ),
    (
        "sleep-in-sse-stream-generator",
        "FD401",
        _files(
            views="""
            import json
            import time
            from flask import Blueprint, Response

            bp = Blueprint("events", __name__)

            def current_state():
                return {}

            @bp.get("/events")
            def events():
                def stream():
                    while True:
                        yield f"data: {json.dumps(current_state())}\\n\\n"
                        time.sleep(2)
                return Response(stream(), mimetype="text/event-stream")
            """
        ),
    ),
    (
        "popen-wait-in-view",
        "FD401",
        _files(
            views="""
            import subprocess
            from flask import Blueprint

            bp = Blueprint("build", __name__)

            @bp.post("/build")
            def build():
                proc = subprocess.Popen(["make", "docs"])
                code = proc.wait()
                return {"exit": code}
            """
        ),
    ),
    (
        "async-view-calls-sync-helper-that-blocks",
        "FD403",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("dash", __name__)

            def load_stats():
                return requests.get("https://api.example.com/stats", timeout=5).json()

            @bp.get("/dashboard")
            async def dashboard():
                return load_stats()
            """
        ),
    ),
    (
        "async-before-request-hook-requests",
        "FD403",
        _files(
            views="""
            import requests
            from flask import Blueprint, g, request

            bp = Blueprint("api", __name__)

            @bp.before_app_request
            async def load_user():
                g.user = requests.get(
                    "https://sso.example.com/me", headers={"Authorization": request.headers.get("Authorization", "")}, timeout=5
                ).json()
            """
        ),
    ),
    (
        "async-view-urlopen-and-from-import-sleep",
        "FD403",
        _files(
            views="""
            from time import sleep
            from urllib.request import urlopen
            from flask import Blueprint

            bp = Blueprint("feed", __name__)

            @bp.get("/feed")
            async def feed():
                sleep(1)
                with urlopen("https://feeds.example.com/latest.json", timeout=5) as response:
                    return response.read()
            """
        ),
    ),
    (
        "requests-session-factory-function-lowercase",
        "FD402",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("links", __name__)
            http = requests.session()

            @bp.post("/links/check")
            def check_link():
                return {"alive": http.head("https://example.com").ok}
            """
        ),
    ),
    (
        "time-module-alias-sleep",
        "FD401",
        _files(
            views="""
            import time as t
            from flask import Blueprint

            bp = Blueprint("throttle", __name__)

            @bp.post("/export")
            def export():
                t.sleep(20)
                return "ok"
            """
        ),
    ),
    (
        "async-method-view-calls-sync-helper-that-sleeps",
        "FD403",
        _files(
            views="""
            import time
            from flask import Blueprint
            from flask.views import MethodView

            bp = Blueprint("settle", __name__)

            def settle():
                time.sleep(2)

            class SettleAPI(MethodView):
                async def post(self):
                    settle()
                    return "ok"

            bp.add_url_rule("/settle", view_func=SettleAPI.as_view("settle"))
            """
        ),
    ),
    (
        "module-httpx-client-timeout-none",
        "FD402",
        _files(
            views="""
            import httpx
            from flask import Blueprint

            bp = Blueprint("exports", __name__)
            exports = httpx.Client(base_url="https://exports.example.com", timeout=None)

            @bp.get("/exports/latest")
            def latest():
                return exports.get("/latest.csv").text
            """
        ),
    ),
    (
        "sleep-helper-shared-by-sync-and-async-views",
        "FD401",
        _files(
            views="""
            import time
            from flask import Blueprint

            bp = Blueprint("sync", __name__)

            def wait_for_replica():
                time.sleep(15)

            @bp.post("/sync")
            def sync():
                wait_for_replica()
                return "ok"

            @bp.post("/sync-async")
            async def sync_async():
                wait_for_replica()
                return "ok"
            """
        ),
    ),
    # An issue tracker's API client built in the view without a timeout: every call through it can hang.
    (
        "jira-client-without-timeout-in-view",
        "FD402",
        _files(
            views="""
            from flask import Blueprint, current_app, request
            from jira import JIRA

            bp = Blueprint("main", __name__)

            @bp.post("/feedback")
            def feedback():
                tracker = JIRA(server=current_app.config["TRACKER_URL"], token_auth=current_app.config["TRACKER_TOKEN"])
                issue = tracker.create_issue(project="WEB", summary=request.form["title"], issuetype={"name": "Bug"})
                return {"key": issue.key}
            """
        ),
    ),
    # a service registers static methods of handler classes, each wrapped by hand in its login check
    (
        "requests-in-view-wrapped-by-hand-at-registration",
        "FD402",
        {
            "service.py": """
            import requests
            from flask import Flask

            class Guard:
                def require(self, view, optional=False):
                    return view

            class Session:
                @staticmethod
                def signout(credentials=None):
                    requests.post("https://sso.example.org/revoke", data={"token": credentials})
                    return "bye"

            class Service:
                def __init__(self):
                    self.app = Flask(__name__)
                    self.guard = Guard()
                    self.app.add_url_rule("/signout", "signout", self.guard.require(Session.signout), methods=["GET"])
            """,
            "requirements.txt": REQUIREMENTS,
        },
    ),
    (
        "poll-loop-without-deadline-in-view-wrapped-by-hand",
        "FD401",
        {
            "service.py": """
            import os
            import time
            from flask import Flask
            from flask_login import login_required

            class Job:
                @staticmethod
                def cancel(name):
                    open(f"/srv/jobs/{name}.stop", "w").close()
                    while not os.path.exists(f"/srv/jobs/{name}.stopped"):
                        time.sleep(1)
                    return "stopped"

            app = Flask(__name__)
            app.add_url_rule("/jobs/<name>", view_func=login_required(Job.cancel), methods=["DELETE"])
            """,
            "requirements.txt": REQUIREMENTS,
        },
    ),
    # xmlrpc.client.ServerProxy has no timeout parameter; its default transport opens connections with none
    (
        "xmlrpc-proxy-in-job",
        "FD402",
        _files(
            tasks="""
            import xmlrpc.client
            from celery import shared_task

            @shared_task
            def mirror_release(package):
                index = xmlrpc.client.ServerProxy("https://index.example/pypi")
                return index.release_urls(package, index.package_releases(package)[0])
            """
        ),
    ),
    # zeep's default transport sends operations with operation_timeout=None
    (
        "zeep-client-default-transport-in-view",
        "FD402",
        _files(
            views="""
            from flask import Blueprint, request
            from zeep import Client

            bp = Blueprint("payments", __name__)

            @bp.post("/refunds")
            def refund():
                gateway = Client("https://gateway.example/soap?wsdl")
                return {"ok": gateway.service.Refund(request.json["payment"]).Success}
            """
        ),
    ),
    (
        "zeep-client-wsdl-timeout-only-in-job",
        "FD402",
        _files(
            tasks="""
            from celery import shared_task
            from zeep import Client, Transport

            @shared_task
            def sync_stock(sku):
                client = Client("https://erp.example/ws?wsdl", transport=Transport(timeout=20))
                return client.service.StockLevel(sku)
            """
        ),
    ),
    (
        "xmlrpc-proxy-transport-none-in-view",
        "FD402",
        _files(
            views="""
            from xmlrpc.client import ServerProxy
            from flask import Blueprint

            bp = Blueprint("builds", __name__)

            @bp.post("/builds/<name>")
            def trigger(name):
                ServerProxy("https://ci.example/rpc", transport=None).build.start(name)
                return "queued"
            """
        ),
    ),
]


# name, files
GOOD: list[tuple[str, dict[str, str]]] = [
    (
        # each child is asked only for its version: it prints a line and exits, with nothing to wait for
        "tool-version-queries-in-about-view",
        _files(
            views="""
            import subprocess
            from flask import Blueprint

            bp = Blueprint("about", __name__)

            @bp.get("/about")
            def about():
                tools = {}
                tools["ffmpeg"] = subprocess.check_output(["ffmpeg", "-version"], text=True).splitlines()[0]
                tools["route"] = subprocess.run(["ip", "-V"], capture_output=True, text=True).stdout
                probe = "rsync --version"
                tools["sync"] = subprocess.check_output(probe.split(), text=True).splitlines()[0]
                return tools
            """,
        ),
    ),
    (
        # an ollama client built with a timeout; a list's own copy() is no ollama call
        "ollama-client-with-timeout",
        _files(
            views="""
            import ollama
            from flask import Blueprint, request

            bp = Blueprint("assistant", __name__)
            llm = ollama.Client(host="http://models:11434", timeout=120)

            @bp.post("/assistant")
            def assistant():
                history = list(request.json["history"]).copy()
                reply = llm.chat(model="mistral", messages=history)
                return {"reply": reply["message"]["content"]}
            """,
        ),
    ),
    (
        # the twilio client is given an HTTP client with a timeout; sendgrid's urllib sockets are bounded by the
        # process-wide default
        "twilio-with-timed-http-client-and-sendgrid-with-socket-default",
        _files(
            views="""
            import os
            import socket
            from flask import Blueprint, request
            from sendgrid import SendGridAPIClient
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            socket.setdefaulttimeout(15)
            bp = Blueprint("notify", __name__)
            texts = Client(os.environ["SMS_SID"], os.environ["SMS_TOKEN"], http_client=TwilioHttpClient(timeout=10))

            @bp.post("/notify")
            def notify():
                texts.messages.create(to=request.form["number"], from_="+15550100", body="hello")
                SendGridAPIClient(os.environ["SG_KEY"]).send({"subject": "hello"})
                return "ok"
            """,
        ),
    ),
    # the wrapped view bounds its call; the class handed to a view factory is its model, not a view
    (
        "view-wrapped-by-hand-with-timeout",
        {
            "service.py": """
            import time
            import requests
            from flask import Flask
            from flask_login import login_required

            class Report:
                def rebuild(self):
                    time.sleep(30)

            def table_view(model):
                def view():
                    return {"model": model.__name__}
                return view

            class Session:
                @staticmethod
                def signout():
                    requests.post("https://sso.example.org/revoke", timeout=5)
                    return "bye"

            app = Flask(__name__)
            app.add_url_rule("/signout", view_func=login_required(Session.signout))
            app.add_url_rule("/reports", view_func=login_required(table_view(Report)))
            """,
            "requirements.txt": REQUIREMENTS,
        },
    ),
    (
        "requests-with-timeout-keyword",
        _files(
            views="""
            import requests
            from flask import Blueprint, request

            bp = Blueprint("weather", __name__)

            @bp.get("/weather")
            def weather():
                return requests.get(
                    "https://api.example.com/weather", params={"q": request.args["city"]}, timeout=(3.05, 10)
                ).json()
            """
        ),
    ),
    (
        "timeout-from-config",
        _files(
            views="""
            import requests
            from flask import Blueprint, current_app

            bp = Blueprint("rates", __name__)

            @bp.get("/rates")
            def rates():
                return requests.get("https://rates.example.com", timeout=current_app.config["HTTP_TIMEOUT"]).json()
            """
        ),
    ),
    (
        "positional-timeouts",
        _files(
            views="""
            import json
            import requests
            from urllib.request import urlopen
            from flask import Blueprint

            bp = Blueprint("feed", __name__)
            http = requests.Session()

            @bp.get("/feed")
            def feed():
                with urlopen("https://feeds.example.com/latest.json", None, 10) as response:
                    data = json.load(response)
                extra = http.request("GET", "https://feeds.example.com/extra", None, None, None, None, None, None, 10)
                return {"data": data, "extra": extra.json()}
            """
        ),
    ),
    (
        "session-with-timeout-adapter",
        _files(
            views="""
            from flask import Blueprint
            from http_client import session

            bp = Blueprint("books", __name__)

            @bp.get("/books/<isbn>")
            def book(isbn):
                return session.get(f"https://openlibrary.example.org/isbn/{isbn}.json").json()
            """,
            http_client="""
            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry

            class TimeoutHTTPAdapter(HTTPAdapter):
                def __init__(self, *args, timeout=10, **kwargs):
                    self.timeout = timeout
                    super().__init__(*args, **kwargs)

                def send(self, request, **kwargs):
                    if kwargs.get("timeout") is None:
                        kwargs["timeout"] = self.timeout
                    return super().send(request, **kwargs)

            session = requests.Session()
            adapter = TimeoutHTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5))
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            """,
        ),
    ),
    (
        "session-subclass-with-default-timeout",
        _files(
            views="""
            from flask import Blueprint
            from http_client import TimeoutSession

            bp = Blueprint("status", __name__)
            http = TimeoutSession()

            @bp.get("/upstream")
            def upstream():
                return {"status": http.get("https://status.example.com/api").status_code}
            """,
            http_client="""
            import requests

            class TimeoutSession(requests.Session):
                def request(self, method, url, **kwargs):
                    kwargs.setdefault("timeout", 10)
                    return super().request(method, url, **kwargs)
            """,
        ),
    ),
    (
        "session-request-bound-by-partial",
        _files(
            views="""
            import functools
            import requests
            from flask import Blueprint

            bp = Blueprint("search", __name__)
            http = requests.Session()
            http.request = functools.partial(http.request, timeout=10)

            @bp.get("/search/<term>")
            def search(term):
                return http.get("https://search.example.com", params={"q": term}).json()
            """
        ),
    ),
    (
        "wrapper-sets-default-timeout",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("cms", __name__)

            def api_get(url, **kwargs):
                kwargs.setdefault("timeout", 5)
                return requests.get(url, **kwargs)

            @bp.get("/pages/<slug>")
            def page(slug):
                return api_get(f"https://cms.example.com/pages/{slug}", headers={"Accept": "application/json"}).json()
            """
        ),
    ),
    (
        "kwargs-dict-holds-timeout",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("maps", __name__)
            REQUEST_OPTIONS = {"timeout": 5, "headers": {"User-Agent": "maps/1.0"}}

            @bp.get("/geocode/<query>")
            def geocode(query):
                return requests.get("https://maps.example.com/geocode", params={"q": query}, **REQUEST_OPTIONS).json()
            """
        ),
    ),
    (
        "httpx-without-timeout-has-5s-default",
        _files(
            views="""
            import httpx
            from flask import Blueprint

            bp = Blueprint("report", __name__)

            @bp.get("/report")
            def report():
                return httpx.get("https://reports.example.com/summary").json()
            """
        ),
    ),
    (
        "httpx-client-built-with-timeout",
        _files(
            views="""
            import httpx
            from flask import Blueprint

            bp = Blueprint("prices", __name__)
            client = httpx.Client(base_url="https://prices.example.com", timeout=httpx.Timeout(10.0, connect=3.0))

            @bp.get("/prices")
            def prices():
                return client.get("/all").json()

            @bp.post("/prices/refresh")
            def refresh():
                with httpx.Client() as fresh:
                    return fresh.post("https://prices.example.com/refresh").json()
            """
        ),
    ),
    (
        "authlib-session-default-timeout",
        _files(
            views="""
            from authlib.integrations.requests_client import OAuth2Session
            from flask import Blueprint, current_app, request

            bp = Blueprint("oauth", __name__)

            @bp.get("/oauth/callback")
            def callback():
                client = OAuth2Session(current_app.config["CLIENT_ID"], current_app.config["CLIENT_SECRET"], default_timeout=10)
                token = client.fetch_token("https://idp.example.com/token", authorization_response=request.url)
                return {"scope": token.get("scope")}
            """
        ),
    ),
    (
        "ldap-with-network-timeout",
        _files(
            views="""
            from flask import Blueprint, request
            from auth import ldap_authenticate

            bp = Blueprint("login", __name__)

            @bp.post("/login")
            def login():
                return ("ok", 200) if ldap_authenticate(request.form["user"], request.form["password"]) else ("no", 401)
            """,
            auth="""
            import ldap
            from flask import current_app

            def ldap_authenticate(username, password):
                conn = ldap.initialize(current_app.config["LDAP_URI"])
                conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)
                conn.set_option(ldap.OPT_TIMEOUT, 10)
                try:
                    conn.simple_bind_s(f"uid={username},dc=example,dc=com", password)
                    return True
                except ldap.INVALID_CREDENTIALS:
                    return False
            """,
        ),
    ),
    (
        "subprocess-with-timeout-in-view",
        _files(
            views="""
            import subprocess
            from flask import Blueprint

            bp = Blueprint("convert", __name__)

            @bp.post("/convert/<name>")
            def convert(name):
                try:
                    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", f"/tmp/{name}"], timeout=60, check=True)
                except subprocess.TimeoutExpired:
                    return "too slow", 504
                return "ok"
            """
        ),
    ),
    (
        "sleep-in-flask-cli-command",
        _files(
            views="""
            from flask import Blueprint

            bp = Blueprint("main", __name__)

            @bp.get("/")
            def index():
                return "hello"
            """,
            commands="""
            import time
            import click
            import requests
            from flask import Blueprint

            ops = Blueprint("ops", __name__, cli_group="ops")

            @ops.cli.command("wait-for-db")
            @click.option("--seconds", default=30)
            def wait_for_db(seconds):
                for _ in range(seconds):
                    if requests.get("http://db:5432").ok:
                        return
                    time.sleep(1)
            """,
        ),
    ),
    (
        "sleep-in-celery-task",
        _files(
            views="""
            from flask import Blueprint
            from tasks import build_report

            bp = Blueprint("reports", __name__)

            @bp.post("/reports")
            def create_report():
                job = build_report.delay()
                return {"job": job.id}, 202
            """,
            tasks="""
            import time
            from celery import shared_task

            @shared_task
            def build_report():
                time.sleep(30)
                return "done"
            """,
        ),
    ),
    (
        "sleep-and-requests-in-script",
        _files(
            **{
                "views.py": """
            from flask import Blueprint

            bp = Blueprint("main", __name__)

            @bp.get("/")
            def index():
                return "hello"
            """,
                "scripts/seed.py": """
            import time
            import requests

            def main():
                for page in range(10):
                    requests.post("http://localhost:5000/api/items", json={"page": page})
                    time.sleep(1)

            if __name__ == "__main__":
                main()
            """,
            }
        ),
    ),
    (
        "requests-in-tests",
        _files(
            **{
                "views.py": """
            from flask import Blueprint

            bp = Blueprint("main", __name__)

            @bp.get("/")
            def index():
                return "hello"
            """,
                "tests/test_live.py": """
            import time
            import requests

            def test_live_server():
                time.sleep(2)
                assert requests.get("http://localhost:5000/").status_code == 200
            """,
            }
        ),
    ),
    (
        "async-view-httpx-async-client-and-asyncio-sleep",
        _files(
            views="""
            import asyncio
            import httpx
            from flask import Blueprint

            bp = Blueprint("dash", __name__)

            @bp.get("/dashboard")
            async def dashboard():
                async with httpx.AsyncClient(timeout=10) as client:
                    a, b = await asyncio.gather(client.get("https://a.example.com"), client.get("https://b.example.com"))
                await asyncio.sleep(0.5)
                return {"a": a.json(), "b": b.json()}
            """
        ),
    ),
    (
        "async-view-offloads-requests-to-thread",
        _files(
            views="""
            import asyncio
            import functools
            import requests
            from flask import Blueprint

            bp = Blueprint("agg", __name__)

            @bp.get("/aggregate")
            async def aggregate():
                fetch = functools.partial(requests.get, timeout=5)
                a = await asyncio.to_thread(fetch, "https://a.example.com")
                return a.json()
            """
        ),
    ),
    (
        "view-starts-thread-that-sleeps",
        _files(
            views="""
            import threading
            import time
            from flask import Blueprint

            bp = Blueprint("warm", __name__)

            def warm_cache():
                time.sleep(5)

            @bp.post("/warm")
            def warm():
                threading.Thread(target=warm_cache, daemon=True).start()
                return "", 202
            """
        ),
    ),
    (
        "tiny-sleep-yield",
        _files(
            views="""
            import time
            from flask import Blueprint

            bp = Blueprint("poll", __name__)

            @bp.get("/tick")
            def tick():
                time.sleep(0)
                return "ok"
            """
        ),
    ),
    (
        "aiohttp-session-in-async-view",
        _files(
            views="""
            import aiohttp
            from flask import Blueprint

            bp = Blueprint("dash", __name__)

            @bp.get("/dashboard")
            async def dashboard():
                async with aiohttp.ClientSession() as session:
                    async with session.get("https://api.example.com/stats") as response:
                        return await response.json()
            """
        ),
    ),
    (
        "httpx-async-client-without-timeout-in-async-view",
        _files(
            views="""
            import httpx
            from flask import Blueprint

            bp = Blueprint("dash", __name__)
            client = httpx.AsyncClient()

            @bp.get("/dashboard")
            async def dashboard():
                response = await client.get("https://api.example.com/stats")
                return response.json()
            """
        ),
    ),
    (
        "run-in-executor-from-async-view",
        _files(
            views="""
            import asyncio
            import requests
            from flask import Blueprint

            bp = Blueprint("agg", __name__)

            def fetch(url):
                return requests.get(url, timeout=5).json()

            @bp.get("/aggregate")
            async def aggregate():
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, fetch, "https://a.example.com")
            """
        ),
    ),
    (
        "urlopen-with-socket-default-timeout",
        _files(
            views="""
            import json
            from urllib.request import urlopen
            from flask import Blueprint

            bp = Blueprint("feed", __name__)

            @bp.get("/feed")
            def feed():
                with urlopen("https://feeds.example.com/latest.json") as response:
                    return json.load(response)
            """,
            app="""
            import socket
            from flask import Flask

            def create_app():
                socket.setdefaulttimeout(10)
                app = Flask(__name__)
                from views import bp
                app.register_blueprint(bp)
                return app
            """,
        ),
    ),
    (
        "sleep-under-gevent-workers",
        _files(
            views="""
            import time
            from flask import Blueprint

            bp = Blueprint("slow", __name__)

            @bp.get("/slow")
            def slow():
                time.sleep(10)
                return "ok"
            """,
            **{"gunicorn.conf.py": 'worker_class = "gevent"\nworkers = 4\n'},
        ),
    ),
    (
        "sleep-in-dev-runner-main-block",
        {
            "requirements.txt": REQUIREMENTS,
            "app.py": """
            import time
            import requests
            from flask import Flask

            app = Flask(__name__)

            @app.get("/")
            def index():
                return "hello"

            if __name__ == "__main__":
                while requests.get("http://db:8080/health").status_code != 200:
                    time.sleep(1)
                app.run()
            """,
        },
    ),
    (
        "popen-fire-and-forget",
        _files(
            views="""
            import subprocess
            from flask import Blueprint

            bp = Blueprint("build", __name__)

            @bp.post("/build")
            def build():
                subprocess.Popen(["make", "docs"], start_new_session=True)
                return "", 202
            """
        ),
    ),
    (
        "requests-call-at-import-for-config",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("main", __name__)
            JWKS = requests.get("https://idp.example.com/.well-known/jwks.json").json()

            @bp.get("/keys")
            def keys():
                return JWKS
            """
        ),
    ),
    (
        "apscheduler-job-sleeps",
        _files(
            views="""
            from flask import Blueprint

            bp = Blueprint("main", __name__)

            @bp.get("/")
            def index():
                return "hello"
            """,
            scheduler="""
            import time
            import requests
            from apscheduler.schedulers.background import BackgroundScheduler

            scheduler = BackgroundScheduler()

            @scheduler.scheduled_job("interval", minutes=5)
            def refresh_prices():
                for attempt in range(3):
                    if requests.get("https://prices.example.com/ready", timeout=5).ok:
                        break
                    time.sleep(10)

            scheduler.start()
            """,
        ),
    ),
    (
        "client-class-passes-timeout-attribute",
        _files(
            views="""
            import requests
            from flask import Blueprint

            bp = Blueprint("api", __name__)

            class Upstream:
                def __init__(self, base, timeout=10):
                    self.base = base
                    self.timeout = timeout

                def get(self, path):
                    return requests.get(self.base + path, timeout=self.timeout).json()

            @bp.get("/proxy/<path:path>")
            def proxy(path):
                return Upstream("https://upstream.example.com/").get(path)
            """
        ),
    ),
    (
        "api-clients-with-timeout-or-from-a-command",
        _files(
            views="""
            from flask import Blueprint, current_app, request
            from jira import JIRA

            bp = Blueprint("main", __name__)

            @bp.post("/feedback")
            def feedback():
                tracker = JIRA(server=current_app.config["TRACKER_URL"], timeout=(3.05, 20))
                issue = tracker.create_issue(project="WEB", summary=request.form["title"], issuetype={"name": "Bug"})
                return {"key": issue.key}
            """,
            commands="""
            import click
            from apache_atlas.client.base_client import AtlasClient
            from flask import Blueprint

            cli = Blueprint("catalogue", __name__, cli_group="catalogue")

            @cli.cli.command("count-types")
            @click.argument("url")
            def count_types(url):
                click.echo(len(AtlasClient(url, ("reader", "secret")).typedef.get_all_typedefs().entityDefs))
            """,
        ),
    ),
    # XML-RPC proxies bounded by a transport of the project's or by the process-wide socket default
    (
        "xmlrpc-proxy-with-bounded-transport",
        _files(
            views="""
            import xmlrpc.client
            from flask import Blueprint

            bp = Blueprint("builds", __name__)

            class QuickTransport(xmlrpc.client.SafeTransport):
                def make_connection(self, host):
                    connection = super().make_connection(host)
                    connection.timeout = 5
                    return connection

            @bp.post("/builds/<name>")
            def trigger(name):
                xmlrpc.client.ServerProxy("https://ci.example/rpc", QuickTransport()).build.start(name)
                return "queued"
            """
        ),
    ),
    (
        "zeep-client-transport-with-operation-timeout",
        _files(
            views="""
            from flask import Blueprint, request
            from zeep import Client
            from zeep.transports import Transport

            bp = Blueprint("payments", __name__)

            @bp.post("/refunds")
            def refund():
                transport = Transport(operation_timeout=25)
                gateway = Client("https://gateway.example/soap?wsdl", transport=transport)
                return {"ok": gateway.service.Refund(request.json["payment"]).Success}
            """
        ),
    ),
    (
        "zeep-client-timeout-set-around-its-calls",
        _files(
            views="""
            from flask import Blueprint, request
            from zeep import Client

            bp = Blueprint("payments", __name__)
            GATEWAY_WSDL = "https://gateway.example/soap?wsdl"

            @bp.post("/refunds")
            def refund():
                gateway = Client(GATEWAY_WSDL)
                with gateway.settings(timeout=25):
                    return {"ok": gateway.service.Refund(request.json["payment"]).Success}

            @bp.post("/captures")
            def capture():
                gateway = Client(GATEWAY_WSDL)
                gateway.transport.operation_timeout = 25
                return {"ok": gateway.service.Capture(request.json["payment"]).Success}
            """
        ),
    ),
    (
        "xmlrpc-proxy-with-socket-default-timeout",
        _files(
            views="""
            import socket
            import xmlrpc.client
            from flask import Blueprint

            socket.setdefaulttimeout(15)
            bp = Blueprint("builds", __name__)

            @bp.post("/builds/<name>")
            def trigger(name):
                xmlrpc.client.ServerProxy("https://ci.example/rpc").build.start(name)
                return "queued"
            """
        ),
    ),
]


#: No request or job is shown to reach these calls: at most a note (the code gives no evidence a worker waits).
NOTE_AT_MOST: list[tuple[str, dict[str, str]]] = [
    (
        "unreached-helper-requests",
        _files(
            views="""
            from flask import Blueprint

            bp = Blueprint("main", __name__)

            @bp.get("/")
            def index():
                return "hello"
            """,
            integrations="""
            import requests

            def post_to_chat(text):
                return requests.post("https://chat.example.com/hooks/abc", json={"text": text})
            """,
            chat_hooks="""
            from integrations import post_to_chat

            HANDLERS = {"chat": post_to_chat}
            """,
        ),
    ),
    (
        "async-helper-no-view-awaits",
        _files(
            views="""
            from flask import Blueprint

            bp = Blueprint("main", __name__)

            @bp.get("/")
            def index():
                return "hello"
            """,
            maintenance="""
            import time
            import requests

            async def warm_up():
                time.sleep(1)
                return requests.get("https://cache.example.com/warm", timeout=5).ok
            """,
        ),
    ),
    (
        "atlas-backend-loaded-by-name",
        _files(
            views="""
            from flask import Blueprint, current_app
            from werkzeug.utils import import_string

            bp = Blueprint("main", __name__)

            @bp.get("/tables/<name>")
            def table(name):
                backend = import_string(current_app.config["BACKEND"])(current_app.config["BACKEND_URL"])
                return backend.describe(name)
            """,
            atlas_backend="""
            from apache_atlas.client.base_client import AtlasClient

            class AtlasBackend:
                def __init__(self, url):
                    self.client = AtlasClient(url, ("reader", "secret"))

                def describe(self, name):
                    return self.client.entity.get_entity_by_attribute("Table", [("qualifiedName", name)]).entity
            """,
        ),
    ),
    (
        "module-level-zeep-client",
        _files(
            views="""
            from flask import Blueprint
            from zeep import Client

            bp = Blueprint("main", __name__)
            GATEWAY = Client("https://gateway.example/soap?wsdl")
            """,
        ),
    ),
    (
        "unreached-xmlrpc-proxy",
        _files(
            views="""
            import xmlrpc.client
            from flask import Blueprint

            bp = Blueprint("main", __name__)

            def release_count(package):
                return len(xmlrpc.client.ServerProxy("https://index.example/pypi").package_releases(package))
            """,
        ),
    ),
]


def _project(files: dict[str, str]) -> dict[str, str]:
    sources = {}
    for name, text in files.items():
        path = name if "." in name else f"{name}.py"
        sources[path] = textwrap.dedent(text).lstrip("\n")
    return sources


def _found(files: dict[str, str]) -> list:
    return found(_project(files), RULES)


#: Variants the rules do not get right yet, with the reason.
XFAIL: dict[str, str] = {}


def _mark(name: str):
    return xfail_marks(XFAIL, name)


@pytest.mark.parametrize(
    "rule, files",
    [pytest.param(rule, files, id=name, marks=_mark(name)) for name, rule, files in BAD],
)
def test_bad_variant_is_reported(rule, files):
    found = _found(files)
    assert any(f.code == rule and f.severity >= Severity.WARNING for f in found), [
        (f.code, f.severity.name, f.message) for f in found
    ]


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in GOOD],
)
def test_good_variant_is_silent(files):
    found = _found(files)
    assert found == [], [(f.code, str(f.location), f.message) for f in found]


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in NOTE_AT_MOST],
)
def test_unreached_call_is_a_note_at_most(files):
    found = _found(files)
    assert all(f.severity <= Severity.NOTE for f in found), [(f.code, f.severity.name, f.message) for f in found]

"""FD301 secret-key-generated-at-startup: SECRET_KEY is generated when the process starts, so every worker signs sessions differently."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config import (
    SECRET_KEYS,
    TOKEN_SIGNERS,
    from_object_loaders,
    live_in_production,
    overridden_later,
    refused_when_missing,
    secret_env_exports,
    server_launchers,
    settings,
    where,
)
from flask_doctor.static.facts.config_values import (
    RANDOM_CALLS,
    env_default,
    env_variables,
    persisted_by_module,
    random_call,
    short,
    supplied_by_deploy,
)
from flask_doctor.static.facts.csrf import secret_key_signs_anything
from flask_doctor.static.facts.devserver import single_process_entry
from flask_doctor.static.facts.roles import FileRole, role_of
from flask_doctor.static.facts.scopes import enclosing_function, imports_at
from flask_doctor.static.facts.server import app_processes
from flask_doctor.static.facts.signing_keys import SIGNING_CALLS, bound_locally
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import FACTORY, ConfigSetting, Project
from flask_doctor.static.names import dotted as dotted_name
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.rules.base import FixExample, Invalid, Rule, Valid

#: Names a branch tests to know it runs under a server that forks several workers.
_MULTI_PROCESS_SERVER = on_first_use(r"gunicorn|uwsgi", re.IGNORECASE)


class SecretKeyGeneratedAtStartup(Rule):
    """
    ## What it does
    Finds a `SECRET_KEY` (or `JWT_SECRET_KEY`, `WTF_CSRF_SECRET_KEY`,
    `SECURITY_PASSWORD_SALT`, `app.secret_key`) that is generated when the
    process starts: `os.urandom(24)`, `secrets.token_hex()`,
    `uuid.uuid4().hex`, `random.choice(...)`.

    ## Why is this bad?
    Flask's session is a cookie signed with `SECRET_KEY`. It works across
    any number of workers and hosts *as long as every one of them has the
    same key*. A key generated at start-up is different in every gunicorn
    worker and after every restart: a cookie signed by one worker fails the
    signature check in the next one, so users are logged out at random,
    flashed messages and CSRF tokens vanish, and every deploy logs everyone
    out. A key that only falls back to a random value when the environment
    variable is missing (`os.environ.get("SECRET_KEY") or os.urandom(24)`)
    hides a broken deployment behind exactly this symptom, so it is
    reported too, and so is a key generated in a branch
    that only runs when the key is not configured (`if not
    app.config.get(ConfigKey.SECRET_KEY): ...`) or after the configured
    value (`config["SECRET_KEY"] or str(uuid.uuid4())`). Such a fallback is
    not reported when the production deploy files hand the app the variable
    (compose `SECRET_KEY: ${SECRET_KEY}`) or the app refuses to start
    without it (`if not os.environ.get("SECRET_KEY"): raise ...`): it never
    runs in a deployment. A key the same function then replaces by loading a
    config class or module that sets it (`app.config.from_object(Settings)`
    with `SECRET_KEY = os.environ["SECRET_KEY"]`) is not reported; one that a
    later `from_pyfile`/`from_envvar` may replace is a fallback. A project helper that returns
    a random value (`_random_password(24)` built on `secrets.choice`) counts
    as random. So is production code that exports the variable a secret
    setting reads (`os.environ["SECRET_KEY"] = os.getenv("FERNET_KEY",
    Fernet.generate_key())` in the command that then starts gunicorn): the
    workers of one start share that key, but every restart and every
    replica makes its own, so it is reported as a note. So is a key an application module generates when it is
    imported and hands to an itsdangerous serializer or signer built there
    (`INVITE_KEY = secrets.token_urlsafe(32)`, `URLSafeTimedSerializer(INVITE_KEY)`:
    invitation, confirmation and reset links signed by one worker fail in
    the next; also when the value only replaces a missing environment
    variable that the deploy files do not set and start-up code does not
    insist on). The same holds for the random call written in the
    serializer itself (`URLSafeTimedSerializer(os.urandom(24))` at module
    level or in the app factory, which every worker runs) and for a module
    constant generated at import that `jwt.encode`/`jwt.decode` sign or
    check login tokens with (`TOKEN_KEY = secrets.token_hex(32)` read by a
    view). A variable production hands to `jwt.encode`/`jwt.decode` as
    the key is a signing secret whatever its name: a key (an RSA key pair
    too) written into it when the app module is imported is made by every
    worker process on its own, so tokens issued by one worker fail in the
    next. Keys in development and testing configuration, and keys
    generated once and stored (a project function that writes the key to a
    file, a config module that writes its generated defaults into the
    operator's config file) are not reported. When the installed command
    serves the app itself with Werkzeug and nothing declares another server
    (one process by design), the only effect is a logout on every restart: a
    note.

    A key that differs per process only costs something when it signs what
    outlives a request: a `SECRET_KEY` that signs nothing (the views never use
    the session beyond flashed messages, and no login, CSRF or token extension
    signs with it) is not reported, nor is a random key the code only makes
    when it is not running under gunicorn or uWSGI (an earlier branch that
    tests for the server gives the key another value). The finding is a
    warning only when the deploy files show several processes that each build
    the app (gunicorn or uWSGI workers, compose replicas) or a production
    server whose worker count they do not show; with one worker, with workers
    forked after the master built the app (`--preload`, a custom gunicorn
    application holding the built app), or with no visible deployment, the
    key is shared or the harm is not shown, and it is a note: every restart
    still logs everyone out.

    ## Example
    ```python
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.urandom(24)
    ```

    ## Use instead
    ```python
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    ```
    Generate the key once (`python -c "import secrets; print(secrets.token_hex())"`)
    and give the same value to every process through the environment or a
    secrets manager.

    ## Fix safety
    No automatic fix: the key has to be provisioned in the deployment.

    ## References
    - Flask docs, Configuration: `SECRET_KEY` ("a long random string ... keep it secret")
    - Flask docs, Sessions: the session is a cookie signed with the secret key
    """

    code = "FD301"
    name = "secret-key-generated-at-startup"
    severity = Severity.ERROR
    catalog = ("S03",)
    summary = "SECRET_KEY is generated when the process starts, so every worker signs sessions differently."
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.urandom(24)
            """,
        after="""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
            """,
    )

    VALID = (
        # the settings module keeps the key in a file: generated once, when the file is still empty, and read back
        # by every later process
        Valid(
            """
            import secrets

            with open(".signing_key", "a+") as stored:
                stored.seek(0)
                signing_key = stored.read()
                if not signing_key:
                    signing_key = secrets.token_hex(32)
                    stored.write(signing_key)

            SECRET_KEY = signing_key
            """
        ),
        # a placeholder key, replaced at once by the settings module that reads the deployment's key
        Valid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.urandom(16)
            app.config.from_object("appsettings")
            """,
            files={"appsettings.py": "import os\nSECRET_KEY = os.environ['APP_KEY']\n"},
        ),
        # the generated key is only a fallback, and the app refuses to start without the variable
        Valid("""
            import os
            import secrets
            import sys
            import jwt
            from flask import Flask, request
            app = Flask(__name__)
            if not os.environ.get("TOKEN_KEY"):
                sys.exit("set TOKEN_KEY")
            TOKEN_KEY = os.environ.get("TOKEN_KEY") or secrets.token_hex(32)

            @app.get("/me")
            def me():
                return jwt.decode(request.headers["X-Token"], TOKEN_KEY, algorithms=["HS256"])
            """),
        Valid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
            """),
        Valid("""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")

            class DevelopmentConfig(Config):
                SECRET_KEY = os.urandom(24)

            class TestingConfig(Config):
                TESTING = True
                SECRET_KEY = "test"
            """),
        Valid("""
            import os
            from flask import Flask

            def load_or_create_key(path):
                if os.path.exists(path):
                    return open(path, "rb").read()
                key = os.urandom(32)
                with open(path, "wb") as fh:
                    fh.write(key)
                return key

            app = Flask(__name__)
            app.secret_key = load_or_create_key("instance/secret.key")
            """),
        Valid("""
            import secrets
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.secret_key = secrets.token_hex()
                app.run(debug=True)
            """),
        # a config template: defaults generated once, written to the operator's config file on first run
        Valid(
            """
            from flask import Flask
            from configuration import conf
            app = Flask(__name__)
            app.secret_key = conf["webserver"]["secret_key"]
            """,
            files={
                "configuration.py": (
                    "import os\n"
                    "from base64 import b64encode\n\n"
                    "def write_default_config(path):\n"
                    "    if not os.path.exists(path):\n"
                    "        with open(path, 'w') as fh:\n"
                    "            fh.write(TEMPLATE.format(**{k: v for k, v in globals().items() if k.isupper()}))\n\n"
                    "SECRET_KEY = b64encode(os.urandom(16)).decode()\n"
                    "conf = read_config()\n"
                )
            },
        ),
        # the fallback never runs in production: the compose file hands the app the variable
        Valid(
            """
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY") or os.urandom(32)
            """,
            files={
                "docker-compose.yml": """
                    services:
                      web:
                        build: .
                        command: gunicorn -w 4 app:app
                        environment:
                          SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}
                    """,
            },
        ),
        # ... or the app refuses to start without it
        Valid("""
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or os.urandom(32)
                if not app.debug and not os.environ.get("SECRET_KEY"):
                    raise RuntimeError("SECRET_KEY must be set")
                return app
            """),
        # a setup command prints a fresh key for the operator; it starts no server
        Valid("""
            import os
            import secrets
            import click

            class Config:
                TOKEN_SIGNING_KEY = os.getenv("SECRET_KEY")

            @click.command()
            def make_env():
                os.environ["SECRET_KEY"] = secrets.token_hex(32)
                os.system("env > .env.generated")
            """),
        # The token key is provisioned by the deployment; the app never makes one.
        Valid("""
            import os
            import jwt
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/session")
            def open_session():
                return {"jwt": jwt.encode({"sub": request.json["login"]}, os.environ["SESSION_JWT_KEY"], "RS256")}
            """),
        # the session holds only flashed messages: a key per process signs nothing that outlives a request
        Valid("""
            import os
            import secrets
            from flask import Flask, flash, redirect

            app = Flask(__name__)
            app.secret_key = os.environ.get("TOOL_SECRET_KEY") or secrets.token_hex(32)

            @app.post("/refresh")
            def refresh():
                flash("refreshed")
                return redirect("/")
            """),
        # under gunicorn the code gives the key another value; the random one only serves the built-in server
        Valid("""
            import os
            from flask import Flask, session

            def create_app(conf, gunicorn=False):
                app = Flask(__name__)
                app.secret_key = conf.get("appsecret")
                if app.secret_key == "random" and gunicorn:
                    app.secret_key = conf["fixed_secret"]
                if not app.secret_key or app.secret_key == "random":
                    app.secret_key = os.urandom(64)

                @app.get("/me")
                def me():
                    return {"user": session.get("user_id")}
                return app
            """),
        # the serializer signs with a key every process reads from the environment
        Valid("""
            import os
            from itsdangerous import URLSafeTimedSerializer

            INVITE_KEY = os.environ["INVITE_KEY"]
            invites = URLSafeTimedSerializer(INVITE_KEY)
            """),
    )
    INVALID = (
        # the operating system's generator, reached through ``random.SystemRandom``, is still new at every start
        Invalid(
            """
            import random
            import string
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = "".join(random.SystemRandom().choice(string.hexdigits) for _ in range(48))  # expect
            """,
        ),
        # a random key unless the operator's file, loaded afterwards, sets one
        Invalid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            app.secret_key = os.urandom(24)  # expect
            app.config.from_envvar("GALLERY_SETTINGS")
            """,
            files={"Procfile": "web: gunicorn -w 3 app:app\n"},
            message="only replaced when the later `app.config.from_envvar(...)` loads a file that sets it",
        ),
        # the app is built on a shared settings module and taken back from it before the key is set
        Invalid(
            """
            import random
            from flask import Flask, session
            import registry
            registry.app = Flask(__name__)
            app = registry.app
            app.secret_key = str(random.getrandbits(128))  # expect

            @app.get("/")
            def home():
                return {"user": session.get("user_id")}
            """,
            files={"registry.py": "app = None\n"},
        ),
        # the random key is written in the serializer itself, built when each worker imports the module
        Invalid(
            """
            import os
            from flask import Flask, request
            from itsdangerous import URLSafeTimedSerializer
            app = Flask(__name__)
            confirm_links = URLSafeTimedSerializer(os.urandom(24))  # expect

            @app.get("/confirm/<token>")
            def confirm(token):
                return {"email": confirm_links.loads(token, max_age=86400)}
            """,
            message="the key of `URLSafeTimedSerializer` is generated with `os.urandom`",
        ),
        # a login-token key each worker makes at import, read by the views that sign and check tokens
        Invalid(
            """
            import secrets
            import jwt
            from flask import Flask, request
            app = Flask(__name__)
            LOGIN_KEY = secrets.token_hex(32)  # expect

            @app.post("/token")
            def token():
                return {"token": jwt.encode({"sub": request.json["login"]}, LOGIN_KEY, algorithm="HS256")}

            @app.get("/me")
            def me():
                return jwt.decode(request.headers["X-Token"], LOGIN_KEY, algorithms=["HS256"])
            """,
            message="`jwt.encode` signs tokens with it",
        ),
        # the app factory makes the key: every worker runs the factory
        Invalid(
            """
            import os
            from flask import Flask, request
            from itsdangerous import URLSafeTimedSerializer

            def create_app():
                app = Flask(__name__)
                share_links = URLSafeTimedSerializer(os.urandom(32), salt="share")  # expect

                @app.get("/shared/<token>")
                def shared(token):
                    return {"doc": share_links.loads(token)}
                return app
            """,
            message="when the app factory runs",
        ),
        Invalid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.urandom(24)  # expect
            """,
            message="`os.urandom`",
        ),
        Invalid(
            """
            import uuid

            class ProductionConfig:
                SECRET_KEY = uuid.uuid4().hex  # expect
            """,
            message="ProductionConfig",
        ),
        Invalid(
            """
            import os
            import secrets
            from flask import Flask
            app = Flask(__name__)
            app.secret_key = os.environ.get("SECRET_KEY") or secrets.token_hex(32)  # expect
            """,
            message="falls back",
        ),
        # the configured value first, a random one when the operator left it out
        Invalid(
            """
            import uuid
            from flask import Flask

            class WikiApp(Flask):
                def __init__(self, **kwargs):
                    super().__init__(__name__)
                    self.config.update(kwargs)
                    self.config["SECRET_KEY"] = self.config["SECRET_KEY"] or str(uuid.uuid4())  # expect
            """,
            message="falls back",
        ),
        # a project helper built on secrets.choice is still a new key per process
        Invalid(
            """
            import os
            import secrets
            import string

            def _random_password(size):
                return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(size))

            class ProductionConfig:
                SECRET_KEY = os.environ.get("SECRET_KEY") or _random_password(24)  # expect
            """,
            message="_random_password",
        ),
        # the key's name spelled by a project constant, filled in when the operator left it out
        Invalid(
            """
            import secrets
            from flask import Flask

            class ConfigKey:
                SECRET_KEY = "SECRET_KEY"

            def create_app():
                app = Flask(__name__)
                app.config.from_envvar("APP_CONFIG")
                if not app.config.get(ConfigKey.SECRET_KEY):
                    app.config[ConfigKey.SECRET_KEY] = secrets.token_hex()  # expect
                return app
            """,
            message="falls back",
        ),
        # the command that starts gunicorn exports a fresh key when the operator gave none
        Invalid(
            """
            import os
            import secrets
            import click

            class Config:
                TOKEN_SIGNING_KEY = os.getenv("SECRET_KEY")

            @click.command()
            def start():
                os.environ["SECRET_KEY"] = os.getenv("SIGNING_KEY", secrets.token_hex(32))  # expect
                os.system("gunicorn -w 4 app:app")
            """,
            message="every restart and every replica",
        ),
        # A key pair made at import when the variable is absent: each worker signs and checks JWTs with its own.
        Invalid(
            """
            import os
            import jwt
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            from flask import Flask, request
            app = Flask(__name__)

            if "SESSION_JWT_KEY" not in os.environ:
                made = rsa.generate_private_key(public_exponent=65537, key_size=3072)
                os.environ["SESSION_JWT_KEY"] = made.private_bytes(  # expect
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ).decode()

            @app.post("/session")
            def open_session():
                return {"jwt": jwt.encode({"sub": request.json["login"]}, os.environ["SESSION_JWT_KEY"], "RS256")}
            """,
            message="every worker process, every restart and every replica gets a different key",
        ),
        # an invitation signer keyed with a value each worker process makes when it imports the module
        Invalid(
            """
            import secrets
            from flask import Flask, request
            from itsdangerous import URLSafeTimedSerializer

            app = Flask(__name__)
            INVITE_KEY = secrets.token_urlsafe(32)  # expect
            invites = URLSafeTimedSerializer(INVITE_KEY)

            @app.post("/invite")
            def invite():
                return {"link": "/join/" + invites.dumps(request.form["email"])}
            """,
            files={"Procfile": "web: gunicorn -w 4 app:app\n"},
            message="every worker process makes its own key",
        ),
        # gunicorn forks its workers after building the app (preload): they share the key, and only a restart or a
        # second host makes a new one, so this is a note
        Invalid(
            """
            import os
            from flask import Flask, session
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or os.urandom(24)  # expect

            @app.get("/me")
            def me():
                return {"user": session.get("user_id")}
            """,
            files={"Procfile": "web: gunicorn --preload -w 4 app:app\n"},
            message="so its workers share the key, but every restart and every further host makes a new one",
        ),
        # a desktop tool: its installed command's `serve` sub-command reaches a plain `app.run()` through a helper,
        # so one process holds the key and a restart is the only harm
        Invalid(
            """
            import os
            import click
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config["SECRET_KEY"] = os.urandom(24)  # expect
                return app

            @click.group()
            def main():
                pass

            def start():
                app = create_app()
                app.run()

            @main.command()
            def serve():
                start()
            """,
            files={
                "setup.py": 'from setuptools import setup\nsetup(entry_points={"console_scripts": ["jot = app:main"]})\n'
            },
            message="the app runs as one process (the `jot` command serves it itself)",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        self._module_signers(project, report)
        for setting in settings(project, SECRET_KEYS):
            if not live_in_production(project, setting):
                continue
            found = random_call(project, setting)
            if found is None or persisted_by_module(project, setting):
                continue  # not random, or a config template that writes the generated key to a file once
            call, label, is_fallback = found
            if is_fallback and self._refused_when_missing(project, setting):
                continue  # the app refuses to start without the key: the fallback never reaches a deployment
            if self._replaced_by_config_object(project, setting):
                continue  # a config class or module loaded after it sets the key for good
            if setting.key == "SECRET_KEY" and not secret_key_signs_anything(project):
                continue  # nothing that outlives a request is signed with it: a key per process loses nothing
            if self._multi_process_branch_sets_key(project, setting):
                continue  # the code gives the key another value under gunicorn/uWSGI: the random one serves one process
            target = "app.secret_key" if setting.owner == "app" else setting.key
            severity, reach, processes = self._reach(project)
            # ``app.secret_key = os.urandom(24)`` then ``app.config.from_envvar(...)``: the operator's file may
            # set the key, and the generated one is only what runs when it does not (a key that is already a
            # fallback keeps its own message)
            later = (
                overridden_later(project, setting)
                if setting.owner in ("app", "app.config") and not is_fallback
                else None
            )
            if later is not None:
                message = (
                    f"`{target}` {where(project, setting)} is generated with `{label}` and only replaced when the later "
                    f"`{short(later[0].func)}(...)` loads a file that sets it: a deployment whose file lacks the key "
                    f"runs with a key made at start-up; {reach}"
                )
            elif is_fallback:
                message = (
                    f"`{target}` {where(project, setting)} falls back to `{label}` when the key is not configured: a "
                    f"deployment that forgets it runs with a key made at start-up instead of refusing to start; {reach}"
                )
                if "warns when" in label:
                    severity = Severity.NOTE  # and the operator is told in the log when it happens
            else:
                message = (
                    f"`{target}` {where(project, setting)} is generated with `{label}` when the process starts: {reach}"
                )
            at = Location(setting.location.path, call.lineno, call.col_offset + 1)
            evidence = [Evidence(f"generated by `{short(call)}`", at), *processes]
            report(
                self.finding(
                    setting.location,
                    message,
                    hint=(
                        f'Read one key from the environment (`os.environ["{setting.key}"]`) and give every process '
                        "the same value; fail at start-up when it is missing."
                    ),
                    evidence=evidence,
                    severity=min(severity, self.effective_severity),
                )
            )
        generated: set[tuple[str, int, int]] = set()
        for exported in secret_env_exports(project):
            setting = exported.export
            found = random_call(project, setting)
            if found is None:
                continue
            call, label, is_fallback = found
            origin = (setting.location.path, call.lineno, call.col_offset)
            if origin in generated:
                continue  # the public half of the same key pair: one finding for one generated key
            generated.add(origin)
            reader = exported.readers[0]
            when = " (when the variable it copies is missing)" if is_fallback else ""
            per_worker = self._on_import(project, setting)
            if reader.owner in TOKEN_SIGNERS:
                when = " (when the variable is not set)" if is_fallback else ""
                message = (
                    f"`os.environ[{setting.key!r}]` is set to a new `{label}` key "
                    f"{'when the module is imported' if per_worker else 'before the app starts'}{when}, and "
                    f"`{reader.owner}` signs or checks tokens with it: "
                    f"{'every worker process, ' if per_worker else ''}every restart and every replica gets a "
                    "different key, so a token issued by one is rejected by the next and users are logged out"
                )
            else:
                message = (
                    f"`os.environ[{setting.key!r}]` is set to a new `{label}` value before the app starts{when}, "
                    f"and `{reader.key}` {where(project, reader)} signs with it: every restart and every replica "
                    "gets a different key, so tokens and sessions signed by one are rejected by the next"
                )
            # one key per start, shared by the workers it starts: only restarts and replicas differ
            severity, _, processes = self._reach(project) if per_worker else (Severity.NOTE, "", [])
            report(
                self.finding(
                    setting.location,
                    message,
                    hint=(
                        f"Require the key from the deployment (fail when `{setting.key}` is not provided) instead "
                        "of generating one."
                    ),
                    evidence=[
                        Evidence(
                            f"generated by `{short(call)}`",
                            Location(setting.location.path, call.lineno, call.col_offset + 1),
                        ),
                        Evidence(f"read by `{reader.key}`", reader.location),
                        *processes,
                    ],
                    severity=min(severity, self.effective_severity),
                )
            )

    @staticmethod
    def _replaced_by_config_object(project: Project, setting: ConfigSetting) -> bool:
        """``app.config["SECRET_KEY"] = os.urandom(24)`` and then, in the same function,
        ``app.config.from_object(Settings)`` where ``Settings`` sets the key without generating it."""
        if setting.owner not in ("app", "app.config"):
            return False
        fn = enclosing_function(project, setting.location.path, setting.location.line)
        for target, sites in from_object_loaders(project).items():
            if not any(
                site.module.path == setting.location.path
                and site.function is fn
                and site.node.lineno > setting.location.line
                for site in sites
            ):
                continue
            own = [other for other in settings(project, (setting.key,)) if other.owner == target]
            if own and all(random_call(project, other) is None for other in own):
                return True
        return False

    #: itsdangerous classes that sign with the key they are built with.
    SIGNERS = frozenset(
        {
            "URLSafeTimedSerializer",
            "URLSafeSerializer",
            "TimedSerializer",
            "Serializer",
            "TimestampSigner",
            "Signer",
            "TimedJSONWebSignatureSerializer",
            "JSONWebSignatureSerializer",
        }
    )

    #: Signing calls whose key a module may generate at import: itsdangerous signers and JWT encode/decode,
    #: by qualified name -> (position, keyword) of the key argument.
    SIGNER_KEYS = {
        **SIGNING_CALLS,
        **{f"itsdangerous.{name}": (0, "secret_key") for name in SIGNERS},
    }

    def _module_signers(self, project: Project, report: Callable[[Finding], None]) -> None:
        """A token signer whose key each process generates when it starts.

        ``TOKEN_KEY = secrets.token_hex(32)`` and ``URLSafeTimedSerializer(TOKEN_KEY)`` at the top of an
        application module (or ``jwt.encode(claims, TOKEN_KEY)`` in a view), the random call written in the
        signer itself (``URLSafeTimedSerializer(os.urandom(24))`` at module level or in the app factory):
        every worker process imports the module (runs the factory) and makes its own key, so a token one
        worker signs (an invitation, a password-reset or e-mail confirmation link, a login token) fails the
        check in the next.
        """
        seen: set[Location] = set()
        names = frozenset(self.SIGNERS | {name.rpartition(".")[2] for name in SIGNING_CALLS})
        for site in calls_named(project, names):
            call = site.node
            if site.in_main or role_of(project, site.module) is not FileRole.APPLICATION:
                continue
            table = imports_at(project, site.module.path, call.lineno)
            qualified = table.qualify(dotted_name(call.func) or "") or site.name
            spec = self.SIGNER_KEYS.get(qualified) or self.SIGNER_KEYS.get(site.name)
            if spec is None and site.name.startswith("itsdangerous") and site.name.rsplit(".", 1)[-1] in self.SIGNERS:
                spec = (0, "secret_key")
            if spec is None:
                continue
            position, keyword = spec
            key = next((k.value for k in call.keywords if k.arg == keyword), None)
            if key is None and len(call.args) > position:
                key = call.args[position]
            if isinstance(key, ast.Call) and isinstance(key.func, ast.Attribute) and not key.args:
                key = key.func.value  # ``KEY.encode()``
            name: str | None = None
            if isinstance(key, ast.Name):
                if bound_locally(site.function, key.id):
                    continue  # a parameter or local of the function, not the module's constant
                values = [
                    stmt.value
                    for stmt in site.module.tree.body
                    if isinstance(stmt, ast.Assign)
                    for target in stmt.targets
                    if isinstance(target, ast.Name) and target.id == key.id
                ]
                if len(values) != 1:
                    continue
                value, name = values[0], key.id
            elif isinstance(key, ast.Call | ast.BoolOp) and (site.function is None or FACTORY in site.function.roles):
                value = key  # the key is made in the call itself, once per process (import or app factory)
            else:
                continue
            value_table = imports_at(project, site.module.path, value.lineno)
            default = env_default(value, value_table)
            generated = next(
                (
                    node
                    for node in ast.walk(default if default is not None else value)
                    if isinstance(node, ast.Call)
                    and (value_table.qualify(dotted_name(node.func) or "") or "") in RANDOM_CALLS
                ),
                None,
            )
            where_key = Location(site.module.path, value.lineno, value.col_offset + 1)
            if generated is None or where_key in seen:
                continue
            seen.add(where_key)
            label = RANDOM_CALLS[value_table.qualify(dotted_name(generated.func) or "") or ""]
            severity, reach, processes = self._reach(project)
            when = ""
            if default is not None:
                variables = env_variables(value, value_table)
                if supplied_by_deploy(project, value, value_table) or any(
                    refused_when_missing(project, variable) is not None for variable in variables
                ):
                    continue  # the deployment hands the app the variable, or the app refuses to start without it
                when = ", if the environment variable is missing"
            signer = qualified.rsplit(".", 1)[-1] if qualified in self.SIGNER_KEYS else site.name.rsplit(".", 1)[-1]
            if qualified.startswith(("jwt.", "jose.")):
                signer = qualified.removeprefix("jose.")
            made = (
                "when the app factory runs"
                if name is None and site.function is not None
                else "when the module is imported"
            )
            subject = (
                f"`{name}` is generated with `{label}` {made}{when}, and `{signer}` signs tokens with it"
                if name
                else (f"the key of `{signer}` is generated with `{label}` {made}{when}")
            )
            report(
                self.finding(
                    where_key,
                    f"{subject}: {reach}",
                    hint=f"Read {f'`{name}`' if name else 'the key'} from the environment (or derive the serializer "
                    "from the app's `SECRET_KEY` with a salt) so that every process signs with the same key.",
                    evidence=[
                        Evidence("the key is used here", Location(site.module.path, call.lineno, call.col_offset + 1)),
                        *processes,
                    ],
                    severity=min(severity, self.effective_severity),
                )
            )

    @staticmethod
    def _reach(project: Project) -> tuple[Severity, str, list[Evidence]]:
        """What a key made per process costs in this project's deployment: the severity, the consequence, the
        evidence.

        A warning only when the deploy files show several processes that each build the app (workers without
        ``preload_app``, replicas) or a production server whose worker count is not visible; one process (the
        installed command serves the app itself, one worker, workers forked after the app is built) and no
        visible deployment at all are a note.
        """
        single = single_process_entry(project)
        if single is not None:
            return (
                Severity.NOTE,
                f"the app runs as one process (the `{single.name}` command serves it itself), so this only logs "
                "everyone out on every restart",
                [],
            )
        processes = app_processes(project)
        if processes is None:
            return (
                Severity.NOTE,
                "each process that serves the app makes its own key, so with several workers or hosts what one "
                "signs is rejected by the next, and every restart logs everyone out",
                [],
            )
        evidence = [Evidence(processes.description, processes.location)]
        if processes.spread == "one":
            return (
                Severity.NOTE,
                f"{processes.description}, so its workers share the key, but every restart and every further host "
                "makes a new one and logs everyone out",
                evidence,
            )
        if processes.spread == "several":
            return (
                Severity.WARNING,
                f"every worker process makes its own key ({processes.description}), so what one signs is rejected "
                "by the next: users are logged out at random and on every restart",
                evidence,
            )
        return (
            Severity.WARNING,
            f"every worker process and host that serves it makes its own key ({processes.description}), so with "
            "several of them what one signs is rejected by the next, and every restart logs everyone out",
            evidence,
        )

    @staticmethod
    def _multi_process_branch_sets_key(project: Project, setting: ConfigSetting) -> bool:
        """Earlier in the same function, a branch taken under gunicorn or uWSGI gives the key another value.

        ``if app.secret_key == "random" and gunicorn: app.secret_key = "..."`` then
        ``if app.secret_key == "random": app.secret_key = os.urandom(32)``: the code knows which server runs it,
        and the random key only serves the single-process built-in server.
        """
        fn = enclosing_function(project, setting.location.path, setting.location.line)
        if fn is None:
            return False
        targets = {
            ast.dump(target)
            for node in ast.walk(fn.node)
            if isinstance(node, ast.Assign) and node.lineno == setting.location.line
            for target in node.targets
        }
        if not targets:
            return False
        for node in ast.walk(fn.node):
            if not isinstance(node, ast.If) or node.lineno >= setting.location.line:
                continue
            if not any(
                isinstance(name, ast.Name | ast.Attribute) and _MULTI_PROCESS_SERVER().search(dotted_name(name) or "")
                for name in ast.walk(node.test)
            ):
                continue
            if any(
                isinstance(stmt, ast.Assign) and any(ast.dump(t) in targets for t in stmt.targets)
                for stmt in ast.walk(ast.Module(body=node.body, type_ignores=[]))
            ):
                return True
        return False

    @staticmethod
    def _on_import(project: Project, setting: ConfigSetting) -> bool:
        """The export runs at module level of an application module (not a command that starts the server):
        each worker process that imports the app runs it and makes its own key."""
        if setting.location.path in server_launchers(project):
            return False
        return enclosing_function(project, setting.location.path, setting.location.line) is None

    @staticmethod
    def _refused_when_missing(project: Project, setting: ConfigSetting) -> bool:
        """Start-up code refuses to run without the key (or the environment variable it reads)."""
        table = imports_at(project, setting.location.path, setting.location.line)
        names = {setting.key, *env_variables(setting.value, table)}
        return any(refused_when_missing(project, name) is not None for name in names)

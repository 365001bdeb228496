"""FD302 hardcoded-secret-key: A secret key is written in source code that production uses."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config import (
    SECRET_KEYS,
    generated_secret,
    live_in_production,
    overridden_later,
    replaced_in_function,
    settings,
    startup_guard,
    where,
)
from flask_doctor.static.facts.config_files import loaded_config_secrets
from flask_doctor.static.facts.config_values import (
    literal_secret,
    missing,
    settings_default,
    short,
    traced_secret,
)
from flask_doctor.static.facts.csrf import secret_key_signs_anything
from flask_doctor.static.facts.declared_options import credential_option_defaults
from flask_doctor.static.facts.roles import FileRole, role_of_path
from flask_doctor.static.facts.scopes import imports_at
from flask_doctor.static.facts.signing_keys import configuration_signing_keys, inline_signing_keys
from flask_doctor.static.model import ConfigSetting, Project
from flask_doctor.static.rules.base import FixExample, Invalid, Rule, Valid


class HardcodedSecretKey(Rule):
    """
    ## What it does
    Finds a literal `SECRET_KEY`, `app.secret_key`, `JWT_SECRET_KEY`,
    `WTF_CSRF_SECRET_KEY` or `SECURITY_PASSWORD_SALT` in configuration
    that production uses (a production config class, or a base config /
    `app.config` assignment that production inherits). The literal may be
    written away from the setting: a constant the setting names
    (`app.secret_key = SIGNING_KEY`, imported from another module of the
    project), or the fallback of a settings holder the setting reads
    (`app.config["SECRET_KEY"] = settings.secret_key` with
    `self.secret_key = os.getenv("SECRET_KEY") or DEFAULT_KEY`); the
    finding is then where the literal is written, with the setting as
    evidence.

    A signing secret written in a YAML configuration file that the
    package ships and its own code loads (`defaults.yml` merged under the
    operator's file, `secret_key:` or a `secret:` of an `auth`/`jwt`
    section) is reported one severity lower, as a default; as a note when
    the value or the comment on its line says it is a placeholder
    (`secret_key: "x"  # change this!`). A top-level `SECRET_KEY` of a
    settings file `app.config.from_file(...)` loads (JSON, TOML, YAML,
    `from_json`, `from_pyfile("app.cfg")`) is a setting like one in a config
    class, unless the file is named for development, tests or as an example
    (`config.dev.json`, `settings.sample.toml`) or the value is a placeholder
    the deploy fills in (`"${SECRET_KEY}"`). So is `FLASK_SECRET_KEY=...`
    written in a production deploy file (Dockerfile `ENV`, compose
    `environment:`, `.env.production`) when the app calls
    `app.config.from_prefixed_env()`.

    A credential option a service declares with oslo.config
    (`cfg.StrOpt("admin_password", default="service")`, names ending in
    `password`, `secret` or `token`) with a literal default is reported
    the same way: the default is what every installation whose `.conf`
    file leaves the option out runs with.

    So is a literal that a project's own configuration object holds
    (`self.SECRET_KEY = "..."` in the class of a module-level
    `settings = Settings()`) when the key argument of a token-signing call
    is that attribute (`jwt.encode(payload, settings.SECRET_KEY)`,
    `jwt.decode`, python-jose, itsdangerous serializers): the tokens are
    signed with it whether or not Flask ever sees it. One severity lower
    when the class also fills the attribute from somewhere else (a file
    the operator may provide); not reported when it can come from the
    environment (`os.environ.get("SECRET_KEY", ...)`). So is the key of a
    token-signing call in application code written as a literal in the call
    (`URLSafeTimedSerializer("reset-secret")` for password-reset links,
    `jwt.encode(claims, "secret")`) or in a module constant the call names
    (`TOKEN_KEY = "..."`, in the same module or imported from another one,
    or a local the function that builds the signer assigns once);
    one severity lower when the literal is the default of an environment
    read (`os.getenv("TOKEN_KEY", "dev")`) that the deploy files do not set
    and start-up code does not insist on. Not reported: a public key (PEM
    `PUBLIC KEY`, a certificate), which only verifies, and a `jwt.decode`
    that switches signature checking off (the key is not used).

    ## Why is this bad?
    Whoever can read the source (the repository, a leaked image, a public
    fork) can sign their own session cookies and log in as any user, forge
    CSRF and JWT tokens, and with Flask-Security compute password peppers.
    A literal *default* (`os.environ.get("SECRET_KEY", "dev")`, or the same
    through a helper named for it: `read_env("SECRET_KEY", "dev")`, `env(...)`)
    ships the same way whenever the variable is missing (environs' and
    django-environ's `env.str("SECRET_KEY", default="dev")` too, the default
    of a pydantic `BaseSettings` field the setting reads, `secret_key: str =
    "dev"`, and a value the application writes into the environment first,
    `os.environ.setdefault("SECRET_KEY", "dev")`), so it is
    reported one severity lower; so does the default of a settings holder that copies
    the operator's file (`self.SECRET_KEY = settings.get("SECRET_KEY",
    "dev")` in a class handed to `app.config.from_object`,
    `getattr(site_settings, "SECRET_KEY", "dev")`), and the literal after
    `or` when what comes first reads the same key
    (`app.secret_key = app.config.get("SECRET_KEY") or "dev"`,
    `options["secret_key"] or "dev"`). A literal immediately followed by
    `app.config.from_pyfile(...)`/`from_envvar(...)`/`from_prefixed_env()`
    (the Flask tutorial's pattern: a development default that the instance
    config overrides) is reported as a note, and so is a value that says it
    is a placeholder (`"CHANGE_ME"`, `"WARNING: set this..."`) or that a
    start-up check warns about (a fallback that says "change me" stays one
    severity lower: the variable may well be missing in production). A project settings getter's second argument that
    spells the key's own name (`options.get("secret_key", "SECRET_KEY")`) names
    the environment variable to read, it is no default. Not reported: keys in development and testing
    configuration (that is what they are for) and in example apps
    (`examples/`) and docs snippets, which readers copy and adapt; a literal
    the app refuses to
    start with (`if SECRET_KEY == "changeme": raise RuntimeError(...)`,
    `if len(key) < 16: sys.exit(...)`); a literal that a later load of the
    operator's file replaces when the project also makes sure it is
    replaced: a setup command writes a fresh random value for the setting
    into the instance config (`"secret_key": os.urandom(24).hex()` in the
    values a `makeconfig` command renders), or a start-up check warns when
    it is still the default (a value that only says "change me" is no such
    check: it stays a note); Flask-Security's `SECURITY_PASSWORD_SALT` under
    the same later load (a pepper mixed into passwords before a salted
    hash, not a signing key); a literal that the same function sets again
    later in a statement of its own body, not under an `if` or `try`
    (`app.config.update(SECRET_KEY="dev")` and then
    `app.config["SECRET_KEY"] = secrets.token_hex(32)`): it never takes
    effect; and a `SECRET_KEY` that signs
    nothing that matters -- the app serves views, uses the session only for
    flashed messages or a constant non-identity key, and no login or token
    extension signs with it (Flask-Login registered only with request
    loaders, no `user_loader`, reads no login from the session), or never
    uses the session at all -- unless its own code reads the key to sign
    something (`jwt.encode(claims, app.config["SECRET_KEY"])`).

    ## Example
    ```python
    class Config:
        SECRET_KEY = "super-secret"
    ```

    ## Use instead
    ```python
    class Config:
        SECRET_KEY = os.environ["SECRET_KEY"]
    ```
    or `app.config.from_prefixed_env()` with `FLASK_SECRET_KEY` set in the
    environment.

    ## Fix safety
    No automatic fix: the new key has to be provisioned, and rotating it
    logs every user out.

    ## References
    - Flask docs, Configuration: `SECRET_KEY`, `from_prefixed_env`
    - Flask tutorial, "Make the Project Installable" / "Deploy to Production": set a real `SECRET_KEY`
    """

    code = "FD302"
    name = "hardcoded-secret-key"
    severity = Severity.ERROR
    catalog = ("S20",)
    summary = "A secret key is written in source code that production uses."
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            class Config:
                SECRET_KEY = "super-secret"
            """,
        after="""
            import os

            class Config:
                SECRET_KEY = os.environ["SECRET_KEY"]
            """,
    )

    VALID = (
        # the key would sign only Flask-WTF's CSRF tokens, which production switches off; the session holds
        # nothing but flashed messages (FD309 reports the switched-off tokens)
        Valid("""
            from flask import Flask, flash, redirect, request
            from flask_wtf import FlaskForm

            def create_app():
                app = Flask(__name__)
                app.config.from_mapping({"SECRET_KEY": "reader-key", "WTF_CSRF_ENABLED": False})
                return app

            app = create_app()

            class NoteForm(FlaskForm):
                pass

            @app.post("/notes")
            def add_note():
                save_note(request.form["text"])
                flash("saved")
                return redirect("/")
            """),
        # the factory's literal is replaced a few lines later by a random key: the literal never signs anything
        Valid("""
            import secrets
            from flask import Flask
            from flask_login import LoginManager

            def create_app():
                app = Flask(__name__)
                app.config.update({"SECRET_KEY": "harbour-dev-key", "TESTING": False})
                app.config["SECRET_KEY"] = secrets.token_hex(32)
                LoginManager(app)
                return app
            """),
        # the project's settings getter takes the key's name in the file, then the environment variable's name:
        # there is no default, a missing key stops the app
        Valid(
            """
            from flask import Flask, session
            from greenhouse import settings

            app = Flask(__name__)
            app.config["SECRET_KEY"] = settings.SECRET_KEY

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={
                "greenhouse/__init__.py": "",
                "greenhouse/settings.py": """
                    import os
                    import yaml

                    class Options:
                        def __init__(self, path):
                            with open(path) as handle:
                                self.values = yaml.safe_load(handle)

                        def get(self, name, env_name=None, default=None):
                            value = os.environ.get(env_name) if env_name else None
                            if value is None:
                                value = self.values.get(name, default)
                            if value is None:
                                raise LookupError(name)
                            return value

                    options = Options("greenhouse.yaml")
                    SECRET_KEY = options.get("secret_key", "SECRET_KEY")
                """,
            },
        ),
        # A token read without checking its signature, and a public key that only verifies: neither is a secret.
        Valid("""
            import jwt
            from flask import Flask, request
            app = Flask(__name__)
            VERIFY_KEY = "-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\\n-----END PUBLIC KEY-----"

            @app.get("/claims")
            def claims():
                return jwt.decode(request.args["t"], "", options={"verify_signature": False})

            @app.get("/me")
            def me():
                return jwt.decode(request.args["t"], VERIFY_KEY, algorithms=["ES256"])
            """),
        # The link signer uses the app's own key, and the API key comes from the environment with no default.
        Valid("""
            import os
            import jwt
            from flask import Flask, current_app, request
            from itsdangerous import URLSafeTimedSerializer
            app = Flask(__name__)
            API_KEY = os.environ["API_TOKEN_KEY"]

            def links():
                return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invite")

            @app.get("/whoami")
            def whoami():
                return jwt.decode(request.headers["X-Token"], API_KEY, algorithms=["HS256"])
            """),
        # The configuration object's signing key comes from the environment: nothing to forge with.
        Valid("""
            import os
            import jwt

            class Settings:
                def __init__(self):
                    self.TOKEN_KEY = "dev-token-key"
                    if "TOKEN_KEY" in os.environ:
                        self.TOKEN_KEY = os.environ.get("TOKEN_KEY")

            settings = Settings()

            def issue(user_id):
                return jwt.encode({"sub": user_id}, settings.TOKEN_KEY, algorithm="HS256")
            """),
        # the file the app loads is a template the deploy fills in; the example is for users to copy
        Valid(
            """
            import json
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file("config.json", load=json.load)
                return app
            """,
            files={
                "config.json": '{"SECRET_KEY": "${SECRET_KEY}"}\n',
                "config.example.json": '{"SECRET_KEY": "9f2c4e-example"}\n',
            },
        ),
        Valid("""
            import os

            class Config:
                SECRET_KEY = os.environ["SECRET_KEY"]

            class DevelopmentConfig(Config):
                SECRET_KEY = "dev"

            class TestingConfig(Config):
                SECRET_KEY = "testing"
                WTF_CSRF_ENABLED = False
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            app.config.from_prefixed_env()
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if app.debug:
                app.secret_key = "dev"
            """),
        Valid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "")
            """),
        # the app refuses to start with the placeholder outside debug mode
        Valid("""
            import os
            import sys

            DEBUG = os.environ.get("DEBUG") == "1"
            SECRET_KEY = os.getenv("SECRET_KEY", "insecure-default")
            if SECRET_KEY == "insecure-default" and not DEBUG and "pytest" not in sys.modules:
                raise RuntimeError("Set SECRET_KEY before serving: the default is public")
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = "CHANGE ME"
            app.config.from_envvar("WIKI_SETTINGS", silent=True)

            if len(app.config["SECRET_KEY"]) < 16 or app.config["SECRET_KEY"] == "CHANGE ME":
                fatal_error("Please configure a random SECRET_KEY of at least 16 characters.")
            """),
        # a JSON API that never touches the session: Flask signs nothing with the key
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)
            app.config["SECRET_KEY"] = "segretissima"

            @app.post("/posts")
            def create_post():
                return save_post(request.get_json()), 201
            """),
        # the session only remembers which log stream a browser tails; logins use HTTP basic auth
        Valid("""
            from flask import Flask, request, session
            app = Flask(__name__)
            app.secret_key = "change-me-or-not"

            @app.get("/logs/<int:log_id>/tail")
            def tail(log_id):
                client = session.get("client_id") or new_client_id()
                session["client_id"] = client
                return read_from(log_id, client)
            """),
        # Flask-Login learns the user from each request's client certificate: the session holds no login
        Valid("""
            from flask import Flask, request
            from flask_login import LoginManager, login_required

            app = Flask(__name__)
            app.config["SECRET_KEY"] = "4f1c9e0b7d2a"
            login_manager = LoginManager(app)

            @login_manager.request_loader
            def user_from_certificate(req):
                return find_operator(req.environ.get("SSL_CLIENT_S_DN_CN"))

            @app.post("/builds")
            @login_required
            def start_build():
                return queue_build(request.get_json())
            """),
        # the env-reading helper has no default: a missing variable stops the app
        Valid("""
            from flask import Flask, session
            from farmcore.config import read_env

            def get_application():
                settings = {"DEBUG": False, "SECRET_KEY": read_env("FARM_SECRET_KEY")}
                app = Flask(__name__)
                app.config.update(settings)
                return app

            app = get_application()

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """),
        # the settings holder requires the key from the site's settings: nothing hard-coded
        Valid("""
            class SiteOptions:
                def __init__(self, options):
                    self.DEBUG = options.get("DEBUG", False)
                    self.SECRET_KEY = options["SECRET_KEY"]
            """),
        # a settings module's development class keeps its development key
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.config.from_object("portal.settings.Local")
            """,
            files={
                "portal/__init__.py": "",
                "portal/settings.py": "class Local:\n    DEBUG = True\n    SECRET_KEY = 'portal-dev'\n",
            },
        ),
        # the constant the app uses comes from the environment, without a default
        Valid(
            """
            from flask import Flask, session
            from signing import SIGNING_KEY
            app = Flask(__name__)
            app.secret_key = SIGNING_KEY

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={"signing.py": "import os\nSIGNING_KEY = os.environ['SIGNING_KEY']\n"},
        ),
        # a YAML file nothing in the package loads (a sample for the operator), and a test's configuration
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "docs/sample-config.yml": "auth:\n  jwt:\n    secret: k9-signing-2020\n",
                "tests/config.yml": "secret_key: testing-key\n",
                "tests/conftest.py": "CONFIG = 'tests/config.yml'\n",
            },
        ),
        # the credential options have no default: the operator's file must set them, and the log masks them
        Valid("""
            from oslo_config import cfg

            service_opts = [
                cfg.StrOpt("keystone_user", default="booking"),
                cfg.StrOpt("keystone_password", secret=True, help="Password of the service user."),
                cfg.StrOpt("token_cache_dir", default="/var/cache/booking"),
            ]
            cfg.CONF.register_opts(service_opts)
            """),
        # defaults the operator's file replaces; the setup command writes fresh random keys into that file
        Valid(
            """
            import os
            import click
            from flask import Flask, session

            class BaseSettings:
                SECRET_KEY = "forum-dev-key"
                WTF_CSRF_SECRET_KEY = "forum-csrf-dev"

            def create_app(path=None):
                app = Flask(__name__)
                app.config.from_object(BaseSettings)
                app.config.from_pyfile(path or "forum.cfg", silent=True)
                return app

            @click.command("init-config")
            def init_config():
                values = {"secret_key": os.urandom(24).hex(), "csrf_secret_key": os.urandom(24).hex()}
                write_settings(values, "forum.cfg.template", "forum.cfg")

            app = create_app()

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
        ),
        # a defaults module the operator's file overrides; start-up warns while the key is still the default
        Valid(
            """
            import warnings
            from flask import Flask, session
            from ledger import default_settings

            def create_app():
                app = Flask(__name__)
                app.config.from_object("ledger.default_settings")
                app.config.from_envvar("LEDGER_SETTINGS", silent=True)
                if app.config["SECRET_KEY"] == default_settings.SECRET_KEY:
                    warnings.warn("SECRET_KEY is unchanged: sessions can be forged", UserWarning)
                return app

            app = create_app()

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={"ledger/__init__.py": "", "ledger/default_settings.py": "DEBUG = False\nSECRET_KEY = 'pennies'\n"},
        ),
        # a password pepper in a defaults module the operator's file overrides
        Valid(
            """
            from flask import Flask, session

            def create_app():
                app = Flask(__name__)
                app.config.from_object("alarms.settings")
                app.config.from_pyfile("/etc/alarms.conf", silent=True)
                return app

            app = create_app()

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={
                "alarms/__init__.py": "",
                "alarms/settings.py": (
                    "import os\nDEBUG = False\nSECRET_KEY = os.environ['SECRET_KEY']\n"
                    "SECURITY_PASSWORD_SALT = 'alarms-pepper'\n"
                ),
            },
        ),
        # the configured key or a marker the app refuses to serve with: the literal never signs anything
        Valid(
            """
            import sys
            from flask import Flask, session

            app = Flask(__name__)
            app.config.from_envvar("GREENHOUSE_SETTINGS", silent=True)
            app.secret_key = app.config.get("SECRET_KEY") or "greenhouse-unset"
            if app.secret_key == "greenhouse-unset":
                sys.exit("GREENHOUSE_SETTINGS must name a file that sets SECRET_KEY")

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """
        ),
        # the fallback after the configured key is only taken in debug mode
        Valid(
            """
            from flask import Flask, session

            app = Flask(__name__)
            app.config.from_envvar("GREENHOUSE_SETTINGS", silent=True)
            if app.debug:
                app.secret_key = app.config.get("SECRET_KEY") or "greenhouse-dev"

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """
        ),
        # environs' typed reader without a default: a missing variable stops the app at start-up
        Valid("""
            from environs import Env
            from flask import Flask, session

            env = Env()

            class Settings:
                SECRET_KEY = env.str("BOARD_SECRET_KEY")

            app = Flask(__name__)
            app.config.from_object(Settings)

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """),
        # pydantic fills the field from the environment, and the field has no default: a missing variable
        # stops the app; the example app under examples/ is for readers to copy, not what is deployed
        Valid(
            """
            from flask import Flask, session
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                secret_key: str
                database_url: str = "sqlite:///notes.db"

            settings = Settings()
            app = Flask(__name__)
            app.config["SECRET_KEY"] = settings.secret_key

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={
                "examples/minimal_app.py": (
                    "from flask import Flask, session\n"
                    "app = Flask(__name__)\n"
                    "app.secret_key = 'q81nv0e7zk'\n"
                    "@app.post('/login')\n"
                    "def login():\n"
                    "    session['user_id'] = 1\n"
                    "    return 'ok'\n"
                ),
            },
        ),
    )
    INVALID = (
        # the random key replaces the literal only when a flag is set: otherwise the literal is the key
        Invalid(
            """
            import os
            import secrets
            from flask import Flask
            from flask_login import LoginManager

            def create_app():
                app = Flask(__name__)
                app.config.update({"SECRET_KEY": "harbour-dev-key"})  # expect
                if os.environ.get("ROTATE_KEY"):
                    app.config["SECRET_KEY"] = secrets.token_hex(32)
                LoginManager(app)
                return app
            """,
            message="is the literal",
        ),
        # no session, but the app signs its own API tokens with the key
        Invalid(
            """
            import jwt
            from flask import Flask, request
            app = Flask(__name__)
            app.config["SECRET_KEY"] = "segretissima"  # expect

            @app.post("/token")
            def issue():
                user = check_password(request.get_json())
                return {"token": jwt.encode({"sub": user.id}, app.config["SECRET_KEY"], algorithm="HS256")}
            """,
            message="is the literal",
        ),
        # the key of a password-reset link signer written in the call itself
        Invalid(
            """
            from flask import Flask, request
            from itsdangerous import URLSafeTimedSerializer
            app = Flask(__name__)
            reset_links = URLSafeTimedSerializer("lantern-reset-4410")  # expect

            @app.get("/reset/<token>")
            def reset(token):
                return {"email": reset_links.loads(token, salt="reset", max_age=3600)}
            """,
            message="forge the tokens",
        ),
        # a module constant that a view signs login tokens with
        Invalid(
            """
            import jwt
            from flask import Flask, request
            app = Flask(__name__)
            TOKEN_SIGNING = "quarry-9021-sign"  # expect

            @app.post("/token")
            def token():
                return {"token": jwt.encode({"sub": request.json["login"]}, TOKEN_SIGNING, algorithm="HS256")}
            """,
            message="`TOKEN_SIGNING` is the literal",
        ),
        # the literal default of an environment read, used whenever the deployment forgets the variable
        Invalid(
            """
            import os
            from flask import Flask
            from itsdangerous import URLSafeTimedSerializer
            app = Flask(__name__)
            INVITE_KEY = os.getenv("INVITE_KEY", "meadow-invite-77")  # expect
            invites = URLSafeTimedSerializer(INVITE_KEY)
            """,
            message="literal default",
        ),
        # A literal key on the project's own configuration object signs the API tokens.
        Invalid(
            """
            import jwt

            class Settings:
                def __init__(self):
                    self.TOKEN_KEY = "orchard-signing-2021"  # expect

                def read(self, parser):
                    if parser.has_option("auth", "token_key"):
                        self.TOKEN_KEY = parser.get("auth", "token_key")

            settings = Settings()

            def issue(user_id):
                return jwt.encode({"sub": user_id}, settings.TOKEN_KEY, algorithm="HS256")
            """,
            message="unless the operator's configuration file replaces it",
        ),
        # a user loader next to the request loader: the session's user id logs the holder in
        Invalid(
            """
            from flask import Flask
            from flask_login import LoginManager

            app = Flask(__name__)
            app.config["SECRET_KEY"] = "4f1c9e0b7d2a"  # expect
            login_manager = LoginManager(app)

            @login_manager.user_loader
            def load_user(user_id):
                return find_operator_by_id(user_id)

            @login_manager.request_loader
            def user_from_token(req):
                return find_operator_by_token(req.headers.get("X-Api-Token"))

            @app.get("/")
            def home():
                return "ok"
            """,
            message="`SECRET_KEY`",
        ),
        # a literal in the TOML settings file the factory loads
        Invalid(
            """
            import tomllib
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file("settings.toml", load=tomllib.load, text=False)
                return app
            """,
            message="settings file `settings.toml`",
            files={"settings.toml": 'SECRET_KEY = "9f2c4e-shipped-in-the-repo"  # expect\n'},
        ),
        Invalid(
            """
            class Config:
                SECRET_KEY = "super-secret"  # expect
            """,
            message="`SECRET_KEY`",
        ),
        Invalid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")  # expect
            """,
            message="default",
        ),
        Invalid(
            """
            from flask import Flask

            def create_app():
                app = Flask(__name__, instance_relative_config=True)
                app.config.from_mapping(SECRET_KEY="dev")  # expect
                app.config.from_pyfile("config.py", silent=True)
                return app
            """,
            message="from_pyfile",
        ),
        # the operator's file may replace the default, but nothing makes sure it does: the setup command only
        # generates the CSRF key, and nothing checks the session key at start-up
        Invalid(
            """
            import secrets
            import click
            from flask import Flask, session

            class BaseSettings:
                SECRET_KEY = "notes-2019-key"  # expect

            def create_app():
                app = Flask(__name__)
                app.config.from_object(BaseSettings)
                app.config.from_pyfile("notes.cfg", silent=True)
                return app

            @click.command("init-config")
            def init_config():
                with open("notes.cfg", "w") as handle:
                    handle.write(f"WTF_CSRF_SECRET_KEY = '{secrets.token_hex(16)}'")

            app = create_app()

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            message="from_pyfile",
        ),
        # "change me" in a defaults module the operator's file overrides: nothing checks that it was changed
        Invalid(
            """
            from flask import Flask, session

            def create_app():
                app = Flask(__name__)
                app.config.from_object("pager.settings")
                app.config.from_pyfile("/etc/pager.conf", silent=True)
                return app

            app = create_app()

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={"pager/__init__.py": "", "pager/settings.py": "DEBUG = False\nSECRET_KEY = 'changeme'  # expect\n"},
            message="used in production unless the later `app.config.from_pyfile(...)`",
        ),
        # a settings holder copies the site's settings file, with a literal when the file leaves the key out
        Invalid(
            """
            from flask import Flask

            class SiteOptions:
                def __init__(self, options):
                    self.DEBUG = options.get("DEBUG", False)
                    self.SECRET_KEY = options.get("SECRET_KEY", "letmein")  # expect
                    self.SITE_TITLE = options.get("SITE_TITLE", "My site")

            def create_app(options):
                app = Flask(__name__)
                app.config.from_object(SiteOptions(options))
                return app
            """,
            message="the settings leave it out",
        ),
        # a default class of a settings module, whatever its name
        Invalid(
            """
            from flask import Flask

            def create_app(config="portal.settings.Base"):
                app = Flask(__name__)
                app.config.from_object(config)
                return app
            """,
            files={
                "portal/__init__.py": "",
                "portal/settings.py": "class Base:\n    DEBUG = False\n    SECRET_KEY = 'portal-key-2019'  # expect\n",
            },
            message="`SECRET_KEY`",
        ),
        # the key is a constant of another module of the project
        Invalid(
            """
            from flask import Flask, session
            from signing import SIGNING_KEY
            app = Flask(__name__)
            app.secret_key = SIGNING_KEY

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={"signing.py": "SIGNING_KEY = 'k9-signing-key-2020'  # expect\n"},
            message="'k9-s…'",
        ),
        # an env-reading helper's default, through the settings dict the factory hands to `app.config.update`
        Invalid(
            """
            from flask import Flask, session
            from farmcore.config import read_env

            def get_application():
                secret_key = read_env("FARM_SECRET_KEY", "farm", log_result=False)  # expect
                settings = {"DEBUG": False, "SECRET_KEY": secret_key}
                app = Flask(__name__)
                app.config.update(settings)
                return app

            app = get_application()

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            message="literal default 'farm'",
        ),
        # a settings holder falls back to the package's constant when neither the environment nor the file sets it
        Invalid(
            """
            from flask import Flask, session
            from notes.settings import NotesSettings
            settings = NotesSettings()
            app = Flask(__name__)
            app.config["SECRET_KEY"] = settings.secret_key

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={
                "notes/__init__.py": "",
                "notes/settings.py": """
            import os
            import yaml

            DEFAULT_KEY = "n0tes-default-key"  # expect

            class NotesSettings:
                def __init__(self):
                    values = yaml.safe_load(open("notes.yaml"))
                    self.secret_key = os.getenv("SECRET_KEY") or values.get("secret_key", DEFAULT_KEY)
            """,
            },
            message="literal default",
        ),
        # the package ships defaults merged under the operator's file: a JWT secret left out there is this one
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "taxi/__init__.py": "",
                "taxi/config.py": (
                    "import os\nimport yaml\n\n"
                    "DEFAULTS = os.path.join(os.path.dirname(__file__), 'defaults.yml')\n\n"
                    "def load(path):\n"
                    "    config = yaml.safe_load(open(DEFAULTS))\n"
                    "    config.update(yaml.safe_load(open(path)))\n"
                    "    return config\n"
                ),
                "taxi/defaults.yml": "auth_api:\n  parameters:\n    secret: k9-signing-2020  # expect\n",
            },
            message="`auth_api.parameters.secret` in `taxi/defaults.yml`, which the application loads",
        ),
        # a service account's password the operator's file sets: a literal default ships to every install
        Invalid(
            """
            from oslo_config import cfg

            service_opts = [
                cfg.StrOpt("keystone_user", default="booking"),
                cfg.StrOpt("keystone_password", default="booking-pass"),  # expect
            ]
            cfg.CONF.register_opts(service_opts)
            """,
            message="option `keystone_password` has the literal default",
        ),
        # the factory signs with the literal after `or` whenever the options it is handed carry no key
        Invalid(
            """
            from flask import Flask, session

            def build(options):
                app = Flask(__name__)
                app.secret_key = options.get("secret_key") or "tulip-signing-9"  # expect
                return app

            app = build(load_options())

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            message="literal default 'tuli…': when the settings leave it out",
        ),
        # `getattr` with a default: a site module without the attribute leaves the literal in place
        Invalid(
            """
            from flask import Flask, session
            import site_overrides

            class Settings:
                SECRET_KEY = getattr(site_overrides, "SECRET_KEY", "kiln-7731-sig")  # expect

            app = Flask(__name__)
            app.config.from_object(Settings)

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            files={"site_overrides.py": "DEBUG = False\n"},
            message="literal default",
        ),
        # environs' typed reader falls back to the literal whenever the variable is not set
        Invalid(
            """
            from environs import Env
            from flask import Flask, session

            env = Env()

            class Settings:
                SECRET_KEY = env.str("BOARD_SECRET_KEY", default="board-signing-5512")  # expect

            app = Flask(__name__)
            app.config.from_object(Settings)

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            message="literal default",
        ),
        # a pydantic settings field's default is what production runs with when the variable is not set
        Invalid(
            """
            from flask import Flask, session
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                secret_key: str = "notes-signing-0c1d"  # expect
                database_url: str = "sqlite:///notes.db"

            settings = Settings()
            app = Flask(__name__)
            app.config["SECRET_KEY"] = settings.secret_key

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            message="literal default",
        ),
        # the module writes a value into the environment before the setting reads it
        Invalid(
            """
            import os
            from flask import Flask, session

            os.environ.setdefault("LEDGER_SECRET_KEY", "ledger-3390-sig")  # expect
            app = Flask(__name__)
            app.secret_key = os.environ["LEDGER_SECRET_KEY"]

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
            message="literal default",
        ),
    )

    #: What a leaked value of each key lets an attacker do.
    RISKS = {
        "SECRET_KEY": "anyone who can read the source can sign session cookies and log in as any user",
        "JWT_SECRET_KEY": "anyone who can read the source can mint JWT access tokens for any user",
        "WTF_CSRF_SECRET_KEY": "anyone who can read the source can forge valid CSRF tokens",
        "SECURITY_PASSWORD_SALT": (
            "anyone who can read the source knows the salt of Flask-Security's password HMAC and signed tokens"
        ),
    }

    @staticmethod
    def _redact(text: str) -> str:
        """The secret for a message: short ones whole (``'dev'``), long ones cut to four characters."""
        if len(text) <= 8:
            return repr(text)
        return repr(text[:4] + "…")

    #: Words of a value that says "replace me" (``"CHANGE_ME"``, ``"WARNING: set this..."``).
    PLACEHOLDER = re.compile(
        r"change|replace|placeholder|your[-_ ]?secret|set[-_ ]this|todo|fixme|example|insecure|not[-_ ]secret"
        r"|<[^>]+>|xxx",
        re.IGNORECASE,
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        reported: set[Location] = set()
        for setting in settings(project, SECRET_KEYS):
            if not live_in_production(project, setting):
                continue
            if role_of_path(setting.location.path) in (FileRole.EXAMPLE, FileRole.DOCS):
                continue  # an example app or a docs snippet: code users copy and adapt, not what is deployed
            table = imports_at(project, setting.location.path, setting.location.line)
            target = "app.secret_key" if setting.owner == "app" else setting.key
            literal = literal_secret(setting.value)
            default = None if literal is not None else settings_default(setting.value, table, setting.key)
            default_text = literal_secret(default) if default is not None else None
            at = setting.location
            evidence: list[Evidence] = []
            if literal is None and default_text is None:
                traced = traced_secret(project, setting)
                if traced is None:
                    continue
                if traced.fallback:
                    default_text = traced.text
                else:
                    literal = traced.text
                at = traced.location  # where the literal is written, which is what has to change
                evidence.append(Evidence(f"used as `{target}` here", setting.location))
            value = literal if literal is not None else default_text
            if value is None or at in reported:
                continue
            if literal is not None and replaced_in_function(project, setting) is not None:
                continue  # the same function sets the key again, unconditionally: this value never takes effect
            if setting.key == "SECRET_KEY" and not secret_key_signs_anything(project):
                continue  # the session holds no login, no token is signed with it: a forged cookie grants nothing
            guard = startup_guard(project, setting, value)
            if guard is not None and guard[0] == "refuse":
                continue  # the app refuses to start with this value outside development
            severity = self.effective_severity
            if literal is not None:
                found = overridden_later(project, setting)
                if found is not None and self._handled(project, setting, guard):
                    continue  # a default the instance config replaces, and the project sees to it that it does
                if found is not None:
                    override, override_path = found
                    severity = Severity.NOTE
                    message = (
                        f"`{target}` {where(project, setting)} is the literal {self._redact(literal)}, used in "
                        f"production unless the later `{short(override.func, 40)}(...)` loads a file or variable that "
                        "replaces it"
                    )
                    replaced = Location(override_path, override.lineno, override.col_offset + 1)
                    evidence.append(Evidence("may be replaced here", replaced))
                elif self.PLACEHOLDER.search(literal):
                    severity = Severity.NOTE
                    message = (
                        f"`{target}` {where(project, setting)} is the placeholder {self._redact(literal)}: a "
                        "deployment that forgets to replace it runs with a key anyone can read in the source (refuse "
                        "to start with it)"
                    )
                else:
                    message = (
                        f"`{target}` {where(project, setting)} is the literal {self._redact(literal)}: "
                        f"{self.RISKS[setting.key]}"
                    )
            else:
                severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # one step lower: only a fallback
                when = (
                    missing(setting.value, table)
                    if default is not None
                    else "the environment and settings leave it out"
                )
                message = (
                    f"`{target}` {where(project, setting)} has the literal default "
                    f"{self._redact(default_text or '')}: when {when}, production runs "
                    "with a key anyone can read in the source"
                )
            if guard is not None:
                severity = Severity.NOTE
                message += " (the app warns at start-up when it is unchanged, but still starts)"
                evidence.append(Evidence("start-up check that only warns", guard[1]))
            reported.add(at)
            report(
                self.finding(
                    at,
                    message,
                    hint=(
                        f'Read it from the environment without a default (`os.environ["{setting.key}"]`), so a '
                        "missing key stops the app at start-up."
                    ),
                    evidence=evidence,
                    severity=min(severity, self.effective_severity),
                )
            )
        self._config_files(project, report)
        self._credential_options(project, report)
        self._configuration_signing_keys(project, report, reported)
        self._inline_signing_keys(project, report, reported)

    def _inline_signing_keys(
        self, project: Project, report: Callable[[Finding], None], reported: set[Location]
    ) -> None:
        """A literal key written in a JWT/itsdangerous call, or in the module constant the call names."""
        seen: set[tuple[str, str]] = set()  # one finding per secret and file: encode and decode repeat it
        # a Flask secret setting's line is judged by the checks above (reported, or excused by a start-up guard)
        judged = {(at.path, at.line) for at in reported} | {
            (setting.location.path, setting.location.line) for setting in settings(project, SECRET_KEYS)
        }
        for key in inline_signing_keys(project):
            if (key.location.path, key.location.line) in judged or (key.location.path, key.literal) in seen:
                continue  # reported as a Flask setting or a configuration object's attribute already
            reported.add(key.location)
            seen.add((key.location.path, key.literal))
            call = key.call_name.removeprefix("itsdangerous.").removeprefix("jose.")
            severity = self.effective_severity
            if not key.literal:
                what = f"`{call}(...)` signs or checks tokens with an empty key"
            else:
                named = f"`{key.name}` is the literal" if key.name else "the key is the literal"
                what = f"{named} {self._redact(key.literal)} and `{call}(...)` signs or checks tokens with it"
            if key.fallback:
                severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # only a default
                what = what.replace(" the literal ", " the literal default ", 1)
                consequence = (
                    "when the environment leaves the variable out, anyone who reads the source can forge tokens "
                    "the app accepts"
                )
            elif key.literal and self.PLACEHOLDER.search(key.literal):
                severity = Severity.NOTE
                consequence = "a deployment that keeps this placeholder accepts tokens anyone can forge"
            else:
                consequence = (
                    "anyone who reads the source can forge the tokens (password-reset, confirmation or login links) "
                    "the app accepts"
                )
            in_call = (key.used.path, key.used.line) == (key.location.path, key.location.line)
            evidence = [] if in_call else [Evidence(f"used as the key of `{call}(...)` here", key.used)]
            report(
                self.finding(
                    key.location,
                    f"{what}: {consequence}",
                    hint=(
                        'Sign with the app\'s own key (`current_app.config["SECRET_KEY"]`) or read the key from the'
                        " environment without a default, so a missing key stops the app at start-up."
                    ),
                    evidence=evidence,
                    severity=min(severity, self.effective_severity),
                )
            )

    def _configuration_signing_keys(
        self, project: Project, report: Callable[[Finding], None], reported: set[Location]
    ) -> None:
        """A literal on a project configuration object that a JWT/itsdangerous call signs with."""
        for key in configuration_signing_keys(project):
            if key.location in reported or key.from_environment:
                continue  # reported as a Flask setting already, or the environment can set it
            reported.add(key.location)
            severity = self.effective_severity
            if self.PLACEHOLDER.search(key.literal):
                severity = Severity.NOTE
            elif key.from_file:
                severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # a default a file may replace
            when = "unless the operator's configuration file replaces it, " if key.from_file else ""
            message = (
                f"`{key.attribute}` is the literal {self._redact(key.literal)} and `{key.call_name}(...)` signs or "
                f"checks tokens with it: {when}anyone who reads the source can forge tokens the app accepts"
            )
            report(
                self.finding(
                    key.location,
                    message,
                    hint="Read the key from the environment without a default, so a missing key stops the app at"
                    " start-up.",
                    evidence=[Evidence(f"used as the key of `{key.call_name}(...)` here", key.used)],
                    severity=min(severity, self.effective_severity),
                )
            )

    @staticmethod
    def _handled(project: Project, setting: ConfigSetting, guard: tuple[str, Location] | None) -> bool:
        """The literal of a defaults module that a later load replaces, and the project makes sure it does.

        A setup command writes a random value for the setting into the instance config (FlaskBB's
        ``makeconfig``), a start-up check warns when the value is still the default, or the setting is
        Flask-Security's password salt: a pepper mixed in before a salted hash (bcrypt, argon2), whose
        default makes no hash weaker than without one.  A value that only says "change me" is no such
        care: nothing stops a deployment that forgets the file, so it stays a note.
        """
        return (
            generated_secret(project, setting.key) is not None
            or guard is not None
            or setting.key == "SECURITY_PASSWORD_SALT"
        )

    def _credential_options(self, project: Project, report: Callable[[Finding], None]) -> None:
        """Credential options declared with oslo.config whose literal default ships to every installation."""
        for option in credential_option_defaults(project):
            severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # a default the operator may set
            logged = (
                ""
                if option.masked
                else ", and without `secret=True` oslo.config prints it whenever the service logs its options"
            )
            if self.PLACEHOLDER.search(option.default):
                severity = Severity.NOTE
                message = (
                    f"option `{option.name}` has the placeholder default {self._redact(option.default)}: a "
                    f"deployment whose configuration leaves it out uses a credential anyone can read{logged}"
                )
            else:
                message = (
                    f"option `{option.name}` has the literal default {self._redact(option.default)}: every "
                    "deployment whose configuration leaves it out uses a credential anyone can read in the source"
                    f"{logged}"
                )
            report(
                self.finding(
                    option.location,
                    message,
                    hint=(
                        "Declare the option without a default (or `default=None` with `required=True`) and "
                        "`secret=True`, so a missing value stops the service and the log masks it."
                    ),
                    severity=min(severity, self.effective_severity),
                )
            )

    def _config_files(self, project: Project, report: Callable[[Finding], None]) -> None:
        """Secrets written in a YAML configuration file the application ships and loads."""
        for loaded in loaded_config_secrets(project):
            secret = loaded.secret
            name = secret.keys[-1]
            dotted_key = ".".join(secret.keys)
            if name.lower().replace("-", "_") in ("secret_key", "flask_secret_key") and not secret_key_signs_anything(
                project
            ):
                continue  # the session holds no login, no token is signed with it: a forged cookie grants nothing
            risk = (
                self.RISKS["SECRET_KEY"]
                if "secret_key" in name.lower().replace("-", "_")
                else "anyone who can read the file can sign tokens (or sessions) that the app accepts as genuine"
            ).replace("the source", "the file")
            severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # a default the operator may replace
            if self.PLACEHOLDER.search(secret.value) or self.PLACEHOLDER.search(secret.comment):
                severity = Severity.NOTE
                message = (
                    f"`{dotted_key}` in `{secret.source.path}`, which the application loads, is the placeholder "
                    f"{self._redact(secret.value)}: a deployment whose own configuration leaves it out signs with a "
                    "value anyone can read (refuse to start with it)"
                )
            else:
                message = (
                    f"`{dotted_key}` in `{secret.source.path}`, which the application loads, is the literal "
                    f"{self._redact(secret.value)}: unless the deployment's own configuration replaces it, {risk}"
                )
            report(
                self.finding(
                    secret.source,
                    message,
                    hint=(
                        "Leave the secret out of the shipped file and read it from the environment or the operator's "
                        "configuration, refusing to start when it is missing."
                    ),
                    evidence=[Evidence("the application names the file here", loaded.named_at)],
                    severity=min(severity, self.effective_severity),
                )
            )

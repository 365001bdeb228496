"""FD303 insecure-cookie-flag: A session or remember-me cookie flag (Secure/HttpOnly) is switched off in production."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config import (
    env_label,
    live_in_production,
    overridden_later,
    settings,
    talisman_cookie_flag_off,
    where,
)
from flask_doctor.static.facts.config_values import false_constant, flag_when_unset, missing, short
from flask_doctor.static.facts.csrf import AuthCookie, auth_cookies
from flask_doctor.static.facts.scopes import imports_at
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import FixExample, Invalid, Rule, Valid


class InsecureCookieFlag(Rule):
    """
    ## What it does
    Finds `SESSION_COOKIE_SECURE`, `SESSION_COOKIE_HTTPONLY`,
    `REMEMBER_COOKIE_SECURE` or `REMEMBER_COOKIE_HTTPONLY` explicitly set
    to `False` in configuration that production uses, or to a value read
    from an environment variable that is `False` when the variable is missing
    (`os.environ.get("SESSION_COOKIE_SECURE", "false") == "true"`,
    `bool(int(os.getenv("SESSION_COOKIE_SECURE", "0")))`,
    `env.bool("SESSION_COOKIE_SECURE", default=False)`: one severity
    lower, production gets it unless the operator sets the variable).

    ## Why is this bad?
    Without `Secure` the browser also sends the session (or Flask-Login
    remember-me) cookie over plain HTTP, where anyone on the network can
    copy it and take over the account. Without `HttpOnly` any injected
    script can read it. Flask's default for `SESSION_COOKIE_SECURE` is
    `False`, so a *missing* setting is something to verify on the running
    app (`flask-doctor audit`), not a finding here, and neither is a base
    config that writes `SECURE = False` (the same default, restated) -- unless
    production also tells Flask-Talisman not to mark the session cookie
    Secure (`session_cookie_secure=False` passed to `Talisman` or in a
    `TALISMAN_CONFIG` production uses), which leaves nothing to set it (a
    note): only an explicit `False` in production configuration, and an `HTTPONLY = False`
    in base configuration (a note when a later `from_pyfile`/`from_envvar`
    may replace it), are reported. Development and testing configuration may
    switch the flags off. A login cookie the app sets by hand
    (`response.set_cookie("sid", token)` read back by views to let users in,
    the token made at random in the view or by a project helper it calls,
    or an OAuth provider's access token; also when the view hands the cookie
    to a project helper that sets each item of a dict,
    `for key, value in cookies.items(): response.set_cookie(key, value)`)
    with Werkzeug's defaults has no HttpOnly, Secure or SameSite at all: it
    is reported too, at the `set_cookie` call. A cookie that carries no
    credential (a theme, a language) is not.

    ## Example
    ```python
    class ProductionConfig(Config):
        SESSION_COOKIE_SECURE = False
    ```

    ## Use instead
    ```python
    class ProductionConfig(Config):
        SESSION_COOKIE_SECURE = True
        SESSION_COOKIE_HTTPONLY = True
        REMEMBER_COOKIE_SECURE = True
    ```

    ## Fix safety
    No automatic fix: a site still served over plain HTTP would stop
    keeping sessions once `Secure` is set.

    ## References
    - Flask docs, Security Considerations: "Set-Cookie options"
    - Flask-Login docs: `REMEMBER_COOKIE_SECURE`, `REMEMBER_COOKIE_HTTPONLY`
    """

    code = "FD303"
    name = "insecure-cookie-flag"
    severity = Severity.WARNING
    catalog = ("S20",)
    summary = "A session or remember-me cookie flag (Secure/HttpOnly) is switched off in production."
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            class ProductionConfig:
                SESSION_COOKIE_SECURE = False
                SESSION_COOKIE_HTTPONLY = False
            """,
        after="""
            class ProductionConfig:
                SESSION_COOKIE_SECURE = True
                SESSION_COOKIE_HTTPONLY = True
            """,
    )

    VALID = (
        Valid("""
            class Config:
                SESSION_COOKIE_SECURE = True

            class DevelopmentConfig(Config):
                SESSION_COOKIE_SECURE = False
            """),
        Valid("""
            import os

            class ProductionConfig:
                SESSION_COOKIE_SECURE = os.environ.get("HTTPS", "1") == "1"
                SESSION_COOKIE_HTTPONLY = True
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if app.testing:
                app.config["SESSION_COOKIE_SECURE"] = False
            """),
        # a sample config restating Flask's default; HTTPS deployments set it in their own copy
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.config.from_object("wikiconfig")
            """,
            files={
                "wikiconfig.py": (
                    "SESSION_COOKIE_HTTPONLY = True  # keep the cookie away from scripts\n"
                    "SESSION_COOKIE_SECURE = False  # flask default is False; set True behind HTTPS\n"
                    "SESSION_COOKIE_SAMESITE = 'Lax'\n"
                )
            },
        ),
        # the restated default is harmless here: Talisman keeps marking the session cookie Secure in production
        Valid(
            """
            from flask import Flask
            from flask_talisman import Talisman

            SESSION_COOKIE_HTTPONLY = True
            SESSION_COOKIE_SECURE = False
            TALISMAN_CONFIG = {"force_https": False}
            TALISMAN_DEV_CONFIG = {"force_https": False, "session_cookie_secure": False}

            app = Flask(__name__)
            app.config.from_object(__name__)
            Talisman(app, **(TALISMAN_DEV_CONFIG if app.debug else TALISMAN_CONFIG))
            """
        ),
        # on unless the operator switches it off
        Valid("""
            import os

            class ProductionConfig:
                SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "true").lower() == "true"
            """),
        # a numeric switch that is on unless the operator sets it to 0
        Valid("""
            import os

            class ProductionConfig:
                SESSION_COOKIE_SECURE = bool(int(os.getenv("SESSION_COOKIE_SECURE", "1")))
            """),
        # the cookie a helper returns holds the chosen theme, not a login
        Valid("""
            from flask import Flask, make_response, redirect, request
            app = Flask(__name__)

            def chosen_theme(form):
                return form.get("theme", "light")

            @app.post("/login/theme")
            def login_theme():
                response = make_response(redirect("/login"))
                response.set_cookie("login_theme", chosen_theme(request.form))
                return response

            @app.get("/login")
            def login_page():
                return f"<body class={request.cookies.get('login_theme', 'light')}>"
            """),
        # the flags passed by position, in Werkzeug's order (max_age, expires, path, domain, secure, httponly, samesite)
        Valid("""
            import secrets
            from flask import Flask, abort, make_response, request
            app = Flask(__name__)
            SESSIONS = set()

            @app.post("/login")
            def login():
                token = secrets.token_urlsafe(32)
                SESSIONS.add(token)
                response = make_response("ok")
                response.set_cookie("sid", token, 3600, None, "/", None, True, True, "Lax")
                return response

            @app.get("/private")
            def private():
                if request.cookies.get("sid") not in SESSIONS:
                    abort(401)
                return "private"
            """),
        # a helper sets the cookies its callers hand over: this one holds a language, not a credential
        Valid("""
            from flask import Flask, make_response, request
            app = Flask(__name__)

            def with_cookies(response, cookies=None):
                for key, value in (cookies or {}).items():
                    response.set_cookie(key, value)
                return response

            @app.get("/lang/<code>")
            def choose_language(code):
                return with_cookies(make_response("ok"), cookies={"user_lang": code})

            @app.get("/")
            def home():
                return f"lang={request.cookies.get('user_lang', 'en')}"
            """),
    )
    INVALID = (
        Invalid(
            """
            class ProductionConfig:
                SESSION_COOKIE_SECURE = False  # expect
                REMEMBER_COOKIE_HTTPONLY = False  # expect
            """,
            message="plain HTTP",
        ),
        # production reads the flag from an environment variable that defaults to off
        Invalid(
            """
            import os

            class ProductionConfig:
                SESSION_COOKIE_SECURE = os.getenv("COOKIES_SECURE", "no").lower() in ("1", "yes")  # expect
            """,
            message="whenever the environment variable is missing",
        ),
        # a numeric switch read from the environment, and environs' typed reader, both off by default
        Invalid(
            """
            import os
            from environs import Env

            env = Env()

            class ProductionConfig:
                REMEMBER_COOKIE_SECURE = bool(int(os.getenv("REMEMBER_SECURE", "0")))  # expect
                SESSION_COOKIE_HTTPONLY = env.bool("SESSION_HTTPONLY", default=False)  # expect
            """,
            message="whenever the environment variable is missing",
        ),
        # a hand-made login cookie with set_cookie's defaults
        Invalid(
            """
            import secrets
            from flask import Flask, make_response, redirect, request
            app = Flask(__name__)
            TOKENS = set()

            @app.post("/login")
            def login():
                token = secrets.token_urlsafe(64)
                response = make_response(redirect("/"))
                response.set_cookie("wiki_session", token)  # expect
                TOKENS.add(token)
                return response

            @app.post("/edit")
            def edit():
                if request.cookies.get("wiki_session") not in TOKENS:
                    return redirect("/login")
                return "saved"
            """,
            message="HttpOnly",
        ),
        # the login token comes from a project helper that makes it at random and stores it
        Invalid(
            """
            import secrets
            from flask import Flask, abort, make_response, redirect, request
            app = Flask(__name__)
            OPEN = {}

            def open_login(user_id):
                token = secrets.token_hex(32)
                OPEN[token] = user_id
                return token

            @app.post("/signin")
            def signin():
                response = make_response(redirect("/"))
                response.set_cookie("desk_token", open_login(check_password()))  # expect
                return response

            @app.get("/desk")
            def desk():
                if request.cookies.get("desk_token") not in OPEN:
                    abort(401)
                return "desk"
            """,
            message="login cookie `desk_token`",
        ),
        # a login cookie holding a value the server signs, marked Secure but readable by scripts
        Invalid(
            """
            from flask import Flask, g, jsonify, make_response, request
            from tornado.web import create_signed_value, decode_signed_value
            app = Flask(__name__)

            @app.post("/json/login")
            def json_login():
                response = make_response(jsonify({"message": "OK"}))
                signed = create_signed_value(app.config["COOKIE_SECRET"], "console", request.json["username"])
                response.set_cookie("console", signed.decode(), secure=True)  # expect
                return response

            @app.before_request
            def load_user():
                if "console" in request.cookies:
                    g.user = decode_signed_value(app.config["COOKIE_SECRET"], "console", request.cookies["console"])
            """,
            message="without HttpOnly, SameSite",
        ),
        # the view hands the OAuth bearer token to a helper that sets each cookie with only a max age
        Invalid(
            """
            from flask import Flask, abort, make_response, request
            from requests_oauthlib import OAuth2Session
            app = Flask(__name__)

            def with_cookies(response, cookies=None, max_age=None):
                for key, value in (cookies or {}).items():
                    response.set_cookie(key, value, max_age)  # expect
                return response

            @app.get("/login")
            def login():
                token = OAuth2Session(app.config["CLIENT_ID"]).fetch_token(app.config["TOKEN_URL"], code=request.args["code"])
                return with_cookies(make_response("ok"), cookies={"oauth_access_token": token["access_token"]})

            @app.get("/projects")
            def projects():
                if not request.cookies.get("oauth_access_token"):
                    abort(401)
                return "projects"
            """,
            message="login cookie `oauth_access_token`",
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.config.update(SESSION_COOKIE_HTTPONLY=False)  # expect
            """,
            message="script",
        ),
        # the shipped default config restates Flask's default and also turns off Talisman's Secure cookie
        Invalid(
            """
            from flask import Flask
            from flask_talisman import Talisman

            SESSION_COOKIE_HTTPONLY = True
            SESSION_COOKIE_SECURE = False  # expect
            TALISMAN_CONFIG = {"force_https": False, "session_cookie_secure": False}

            app = Flask(__name__)
            app.config.from_object(__name__)
            Talisman(app, **TALISMAN_CONFIG)
            """,
            message="Flask-Talisman",
        ),
    )

    COOKIE_FLAGS = (
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "REMEMBER_COOKIE_SECURE",
        "REMEMBER_COOKIE_HTTPONLY",
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, self.COOKIE_FLAGS):
            if not live_in_production(project, setting):
                continue
            unset = None  # when the flag is False only if an environment variable is missing: what is missing
            if not false_constant(setting.value):
                table = imports_at(project, setting.location.path, setting.location.line)
                if flag_when_unset(setting.value, table) is not False:
                    continue
                unset = missing(setting.value, table)
            cookie = "Flask-Login remember-me" if setting.key.startswith("REMEMBER") else "session"
            severity = self.effective_severity
            evidence: list[Evidence] = []
            if setting.key.endswith("SECURE"):
                risk = (
                    f"the browser also sends the {cookie} cookie over plain HTTP, where anyone on the network can copy "
                    "it"
                )
                if setting.env != "production":
                    # Flask's and Flask-Login's default, restated in a base config: the audit's question, unless
                    # production also switches off Flask-Talisman, which would otherwise mark the cookie Secure
                    talisman = (
                        talisman_cookie_flag_off(project, "session_cookie_secure")
                        if setting.key == "SESSION_COOKIE_SECURE"
                        else None
                    )
                    if talisman is None:
                        continue
                    severity = Severity.NOTE  # a default deployments are told to override
                    risk += " (Flask-Talisman would mark it Secure, but production switches that off too)"
                    evidence.append(Evidence("Talisman's session_cookie_secure switched off here", talisman))
                hint = f"Set `{setting.key} = True` in production (and serve the site over HTTPS only)."
            else:
                risk = f"any injected script can read the {cookie} cookie and send it away"
                hint = f"Set `{setting.key} = True` (the default of Flask and Flask-Login)."
                found = overridden_later(project, setting)
                if found is not None:
                    severity = Severity.NOTE  # a default the operator's config file may replace
                    risk += f", unless the later `{short(found[0].func, 40)}(...)` replaces it"
                    evidence.append(
                        Evidence("may be replaced here", Location(found[1], found[0].lineno, found[0].col_offset + 1))
                    )
            head = f"`{setting.key} = False` {where(project, setting)} ({env_label(setting)})"
            if unset is not None:
                # only a fallback: one step lower
                severity = Severity(max(Severity.NOTE, min(severity, self.effective_severity) - 1))
                head = f"`{setting.key}` {where(project, setting)} ({env_label(setting)}) is False whenever {unset}"
            report(
                self.finding(
                    setting.location,
                    f"{head}: {risk}",
                    hint=hint,
                    severity=min(severity, self.effective_severity),
                    evidence=evidence,
                )
            )
        for cookie in auth_cookies(project).values():
            self._hand_made(cookie, report)

    def _hand_made(self, cookie: AuthCookie, report: Callable[[Finding], None]) -> None:
        """A login cookie set with ``set_cookie`` and Werkzeug's defaults: no HttpOnly, Secure or SameSite."""
        # Werkzeug's order: key, value, max_age, expires, path, domain, secure, httponly, samesite
        positional = ("key", "value", "max_age", "expires", "path", "domain", "secure", "httponly", "samesite")
        given = dict(zip(positional, cookie.call.args))
        given.update({kw.arg: kw.value for kw in cookie.call.keywords if kw.arg})
        missing = [
            flag
            for flag, key in (("HttpOnly", "httponly"), ("Secure", "secure"), ("SameSite", "samesite"))
            if key not in given
            or false_constant(given[key])
            or (isinstance(given[key], ast.Constant) and given[key].value is None)
        ]
        if (
            not missing
            or any(kw.arg is None for kw in cookie.call.keywords)
            or any(isinstance(a, ast.Starred) for a in cookie.call.args)
        ):
            return  # all set, or ``**options`` may set them
        severity = self.effective_severity if "HttpOnly" in missing else Severity.NOTE
        report(
            self.finding(
                cookie.set_at,
                f"the login cookie `{cookie.name}` is set without {', '.join(missing)} (Werkzeug's `set_cookie` "
                "defaults): "
                + ("any injected script can read it and log in elsewhere; " if "HttpOnly" in missing else "")
                + ("it also travels over plain HTTP; " if "Secure" in missing else "")
                + ("other sites' forms carry it (CSRF)" if "SameSite" in missing else "").rstrip("; "),
                hint=f'response.set_cookie("{cookie.name}", token, httponly=True, secure=True, samesite="Lax")',
                severity=min(severity, self.effective_severity),
                evidence=[
                    Evidence("read back to authenticate here", cookie.read_at),
                    *(
                        [Evidence("handed to the helper that sets it here", cookie.passed_at)]
                        if cookie.passed_at
                        else []
                    ),
                ],
            )
        )

"""FD304 samesite-none-without-secure: SameSite=None cookie without Secure: browsers reject it."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config import live_in_production, settings, where
from flask_doctor.static.facts.config_values import false_constant
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class SameSiteNoneWithoutSecure(Rule):
    """
    ## What it does
    Finds `SESSION_COOKIE_SAMESITE = "None"` (or `REMEMBER_COOKIE_SAMESITE`)
    in production configuration when the matching `..._SECURE` flag is not
    set to a true value, and a cookie set by hand with
    `response.set_cookie(..., samesite="None")` and no `secure=True`
    (outside tests).

    ## Why is this bad?
    `SameSite=None` asks the browser to send the cookie on cross-site
    requests too, which is only accepted together with `Secure`: current
    browsers reject a `SameSite=None` cookie that lacks `Secure`, so the
    session silently stops working (users cannot log in), and older
    browsers send it cross-site over plain HTTP. Note that the Python value
    `None` (Flask's default, no SameSite attribute) is a different thing and
    is not reported.

    ## Example
    ```python
    class ProductionConfig:
        SESSION_COOKIE_SAMESITE = "None"
    ```

    ## Use instead
    ```python
    class ProductionConfig:
        SESSION_COOKIE_SAMESITE = "None"
        SESSION_COOKIE_SECURE = True
    ```
    or `"Lax"` when the cookie does not need to cross sites.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs, Configuration: `SESSION_COOKIE_SAMESITE`
    - MDN, Set-Cookie: "SameSite=None ... the Secure attribute must also be set"
    """

    code = "FD304"
    name = "samesite-none-without-secure"
    severity = Severity.ERROR
    catalog = ("S20",)
    summary = "SameSite=None cookie without Secure: browsers reject it."

    VALID = (
        Valid("""
            class ProductionConfig:
                SESSION_COOKIE_SAMESITE = "None"
                SESSION_COOKIE_SECURE = True
            """),
        Valid("""
            class Config:
                SESSION_COOKIE_SAMESITE = None
                REMEMBER_COOKIE_SAMESITE = "Lax"
            """),
        Valid("""
            from flask import Flask, make_response
            app = Flask(__name__)

            @app.post("/widget/session")
            def widget_session():
                resp = make_response("ok")
                resp.set_cookie("widget_sid", new_sid(), secure=True, httponly=True, samesite="None")
                return resp
            """),
    )
    INVALID = (
        Invalid(
            """
            class ProductionConfig:
                SESSION_COOKIE_SAMESITE = "None"  # expect
            """,
            message="reject",
        ),
        # a cookie set by hand for cross-site use, without Secure
        Invalid(
            """
            from flask import Flask, make_response
            app = Flask(__name__)

            @app.post("/widget/session")
            def widget_session():
                resp = make_response("ok")
                resp.set_cookie("widget_sid", new_sid(), httponly=True, samesite="None")  # expect
                return resp
            """,
            message="reject",
        ),
    )

    #: Each SameSite setting and the Secure flag its cookie needs with ``None``.
    SAMESITE_KEYS = {
        "SESSION_COOKIE_SAMESITE": "SESSION_COOKIE_SECURE",
        "REMEMBER_COOKIE_SAMESITE": "REMEMBER_COOKIE_SECURE",
    }

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, tuple(self.SAMESITE_KEYS)):
            value = setting.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.lower() == "none"):
                continue
            if not live_in_production(project, setting):
                continue
            secure_key = self.SAMESITE_KEYS[setting.key]
            secure = [s for s in settings(project, (secure_key,)) if live_in_production(project, s)]
            if any(not false_constant(s.value) for s in secure):
                continue
            report(
                self.finding(
                    setting.location,
                    f'`{setting.key} = "None"` {where(project, setting)} without `{secure_key} = True`: browsers '
                    f"reject a SameSite=None cookie that is not Secure, so the cookie is dropped",
                    hint=f'Set `{secure_key} = True` next to it, or use `"Lax"` if the cookie need not cross sites.',
                    evidence=[Evidence(f"`{secure_key}` is False here", s.location) for s in secure],
                )
            )
        self._set_cookies(project, report)

    #: Werkzeug's ``set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite)``.
    SECURE_POSITION = 6
    SAMESITE_POSITION = 8

    def _set_cookies(self, project: Project, report: Callable[[Finding], None]) -> None:
        """``response.set_cookie(..., samesite="None")`` without ``secure=True``."""
        for site in calls_named(project, ("set_cookie",)):
            call = site.node
            if is_test_path(site.module.path) or not isinstance(call.func, ast.Attribute):
                continue
            if any(kw.arg is None for kw in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
                continue  # ``**options`` may set Secure
            given = {kw.arg: kw.value for kw in call.keywords}
            if len(call.args) > self.SAMESITE_POSITION:
                given.setdefault("samesite", call.args[self.SAMESITE_POSITION])
            if len(call.args) > self.SECURE_POSITION:
                given.setdefault("secure", call.args[self.SECURE_POSITION])
            samesite = given.get("samesite")
            if not (
                isinstance(samesite, ast.Constant)
                and isinstance(samesite.value, str)
                and samesite.value.lower() == "none"
            ):
                continue
            secure = given.get("secure")
            if secure is not None and not false_constant(secure):
                continue
            name = call.args[0] if call.args else given.get("key")
            label = f"`{name.value}`" if isinstance(name, ast.Constant) else "a cookie"
            report(
                self.finding(
                    Location(site.module.path, call.lineno, call.col_offset + 1),
                    f'{label} is set with `samesite="None"` and no `secure=True`: browsers reject a SameSite=None '
                    "cookie that is not Secure, so the cookie is dropped",
                    hint='Pass `secure=True` with `samesite="None"`, or use `samesite="Lax"` if the cookie need not '
                    "cross sites.",
                )
            )

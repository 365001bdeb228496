from __future__ import annotations

from datetime import timedelta

from flask_doctor.audit.checks import config as c
from flask_doctor.findings import Evidence, Finding, Severity
from tests.audit.conftest import GOOD_KEY, SAFE_CONFIG, audit, codes, make_app

DEFAULT = Evidence("not set: the default applies")
UNTRACED = Evidence("set outside the config calls the audit traces (no source location)")


def test_safe_production_config_has_no_findings() -> None:
    assert audit(make_app()) == []


def test_debug_in_production_with_deploy_flag() -> None:
    app = make_app(DEBUG=True)
    assert audit(app, deploy=True) == [
        Finding(
            code="FD305",
            name="debug-in-production",
            severity=Severity.ERROR,
            message="DEBUG = True in a production configuration: the Werkzeug debugger runs arbitrary code for anyone who can trigger an error",
            hint=c.DEBUG_ON.hint,
            obj="config:DEBUG",
            evidence=(UNTRACED,),
            catalog=("S25",),
            surface="audit",
        )
    ]


def test_debug_without_deploy_is_judged_development_and_skips_deploy_checks() -> None:
    app = make_app(DEBUG=True, SECRET_KEY="dev", SESSION_COOKIE_SECURE=False)
    assert audit(app) == [c.DEBUG_DEV(obj="config:DEBUG", evidence=[UNTRACED], hint=c.production_hint_for(None))]
    assert audit(app)[0].severity is Severity.NOTE


def test_testing_on() -> None:
    assert audit(make_app(TESTING=True)) == [c.TESTING_ON(obj="config:TESTING", evidence=[UNTRACED])]


def test_secret_key_missing() -> None:
    assert audit(make_app(SECRET_KEY=None)) == [
        c.SECRET_MISSING(obj="config:SECRET_KEY", evidence=[DEFAULT], value="not set")
    ]


def test_secret_key_placeholder_is_never_printed() -> None:
    [finding] = audit(make_app(SECRET_KEY="Change_Me"))
    assert finding == c.SECRET_DEFAULT(
        obj="config:SECRET_KEY", evidence=[UNTRACED], value="<str, 9 chars, ~27 bits of entropy>"
    )
    assert "Change_Me" not in repr(finding)


def test_secret_key_short_and_low_entropy() -> None:
    [short] = audit(make_app(SECRET_KEY="x8Gh2kQ"))
    assert (short.code, short.severity) == ("FD341", Severity.ERROR)
    assert "too short" in short.message
    [weak] = audit(make_app(SECRET_KEY="abababababababababababababab"))
    assert (weak.code, weak.severity) == ("FD341", Severity.WARNING)
    assert "low entropy" in weak.message


def test_cookie_flags() -> None:
    app = make_app(SESSION_COOKIE_SECURE=False, SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE="None")
    found = audit(app)
    assert [(f.code, f.obj) for f in found] == [
        ("FD303", "config:SESSION_COOKIE_HTTPONLY"),
        ("FD303", "config:SESSION_COOKIE_SECURE"),
        ("FD304", "config:SESSION_COOKIE_SAMESITE"),
    ]
    assert (
        found[1].message
        == "SESSION_COOKIE_SECURE = False: the cookie is also sent over plain HTTP, where it can be read on the network"
    )


def test_samesite_none_with_secure_is_fine_and_unset_is_a_note() -> None:
    assert audit(make_app(SESSION_COOKIE_SAMESITE="None")) == []
    [note] = audit(make_app(SESSION_COOKIE_SAMESITE=None))
    assert (note.code, note.severity) == ("FD343", Severity.NOTE)


def test_long_lifetime_and_url_scheme_and_hosts() -> None:
    app = make_app(
        PERMANENT_SESSION_LIFETIME=timedelta(days=400),
        PREFERRED_URL_SCHEME="http",
        TRUSTED_HOSTS=None,
        SERVER_NAME=None,
    )
    assert codes(audit(app)) == ["FD344", "FD345", "FD346"]
    assert audit(make_app(TRUSTED_HOSTS=None, SERVER_NAME="example.com")) == []


def test_max_content_length_only_matters_with_body_routes() -> None:
    app = make_app(MAX_CONTENT_LENGTH=None)
    assert audit(app) == []

    @app.post("/upload")
    def upload() -> str:
        return "ok"

    [finding] = audit(app)
    assert finding.code == "FD322" and finding.severity is Severity.NOTE
    assert finding.evidence == (Evidence("/upload [POST] -> upload"),)


def test_remember_cookie_only_with_flask_login() -> None:
    from flask_login import LoginManager

    app = make_app()
    assert audit(app) == []
    LoginManager(app)
    assert [(f.code, f.obj) for f in audit(app)] == [("FD303", "config:REMEMBER_COOKIE_SECURE")]
    app.config["REMEMBER_COOKIE_SECURE"] = True
    assert audit(app) == []


def test_safe_config_is_what_the_good_app_uses() -> None:
    assert SAFE_CONFIG["SESSION_COOKIE_SECURE"] is True


def test_weak_secret_key_fallback() -> None:
    found = audit(make_app(SECRET_KEY_FALLBACKS=["x" * 40, "dev", GOOD_KEY[::-1]]))
    assert [(f.code, f.obj, f.severity) for f in found] == [
        ("FD341", "config:SECRET_KEY_FALLBACKS", Severity.WARNING),
        ("FD341", "config:SECRET_KEY_FALLBACKS", Severity.ERROR),
    ]
    assert found[0].message.startswith("SECRET_KEY_FALLBACKS[0] has low entropy")
    assert found[1].message.startswith("SECRET_KEY_FALLBACKS[1] is a well-known placeholder")

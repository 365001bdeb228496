"""One redaction for every surface: planted secrets never survive, ordinary text does."""

from __future__ import annotations

import pytest

from flask_doctor.redaction import (
    MASK,
    app_secrets,
    is_secret_config_key,
    is_secret_name,
    redact_line,
    redact_params,
    redact_text,
    redact_url,
)

#: (text with a planted secret, the secret): after redact_text no part of the secret may remain.
PLANTED = [
    ("postgresql://app:hunter22@db:5432/x", "hunter22"),
    ("postgresql://u:p@ss/w0rd@host/db", "p@ss/w0rd"),
    ("mysql+pymysql://root:a/b@c@d@127.0.0.1:3306/app?charset=utf8mb4", "a/b@c@d"),
    ("redis://:r3d1s-t0k3n@cache:6379/0", "r3d1s-t0k3n"),
    ("redis://bare-t0k3n@cache:6379/0", "bare-t0k3n"),
    ("amqp://guest:gu:est@rabbit:5672//", "gu:est"),
    ("OperationalError: could not connect to 'postgresql://app:s3cr3t@db/app' (timeout)", "s3cr3t"),
    ("conn failed: password=hunter23 retrying", "hunter23"),
    ("Driver={ODBC Driver 18};Server=db;UID=sa;PWD=Str0ng!Pass;Database=app", "Str0ng!Pass"),
    ("Server=db;UID=sa;PWD={se;cr=et};Encrypt=yes", "se;cr=et"),
    ("DB_PASSWD: 'quoted-value'", "quoted-value"),
    ('{"api_key": "sk_live_51H8"}', "sk_live_51H8"),
    ("X-Api-Key: ak-9f8e7d", "ak-9f8e7d"),
    ("client_secret=cs-1234567", "cs-1234567"),
    ("refresh token: rt.abc.def", "rt.abc.def"),
    ("Cookie: session=eyJ1c2VyIjoxfQ.ZkX9.abc; theme=dark", "eyJ1c2VyIjoxfQ.ZkX9.abc"),
    ("Set-Cookie: remember_token=1|abcdef; Path=/", "1|abcdef"),
    ("bad request with session=eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9.payload.sig"),
    ("Authorization: Bearer xyz.abc.def", "xyz.abc.def"),
    ("proxy said Authorization: Digest username=x, response=6629fae4", "6629fae4"),
    ("auth header was Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
]


@pytest.mark.parametrize(("text", "secret"), PLANTED, ids=[s for _, s in PLANTED])
def test_planted_secret_is_masked(text: str, secret: str) -> None:
    out = redact_text(text)
    assert MASK in out
    for piece in {secret, *secret.replace("@", " ").replace("/", " ").replace(";", " ").split()}:
        if len(piece) >= 3:
            assert piece not in out, out


def test_known_secret_values_are_masked_wherever_they_appear() -> None:
    secrets = app_secrets(
        {
            "SECRET_KEY": "mysecretvalue",
            "MAIL_PASSWORD": b"mailpass1",
            "DEBUG": True,
            "SESSION_TYPE": "filesystem",
            "SESSION_COOKIE_NAME": "session",
            "SHORT_KEY": "abc",
        }
    )
    assert secrets == ("mysecretvalue", "mailpass1")
    assert redact_text("key is mysecretvalue, mail mailpass1", secrets) == "key is ***, mail ***"


@pytest.mark.parametrize(
    "text",
    [
        'Traceback (most recent call last):\n  File "app/views.py", line 12, in show\n    return render(x)',
        "ZeroDivisionError: division by zero",
        "redis://cache:6379/0",
        "https://example.com/users/42?page=2",
        "sqlalchemy.orm.session: flushing 3 objects",
        "the session expired",
        "using basic",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert redact_text(text) == text


def test_urls() -> None:
    assert redact_url("postgresql://app:s3cret@db/app") == "postgresql://app:***@db/app"
    assert redact_url("postgresql://u:p@ss/w0rd@host/db") == "postgresql://u:***@host/db"
    assert redact_url("redis://:tok@cache:6379/0") == "redis://:***@cache:6379/0"
    assert redact_url("redis://tok@cache:6379/0") == "redis://***@cache:6379/0"
    assert redact_url("redis://cache:6379/0") == "redis://cache:6379/0"
    assert redact_url("amqp://guest:guest@rabbit//") == "amqp://guest:***@rabbit//"
    assert redact_url(redact_url("redis://:tok@cache")) == "redis://:***@cache"  # idempotent
    assert redact_url("sqlite:///app.db") == "sqlite:///app.db"


def test_sqlalchemy_url_objects_are_rendered_without_password() -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    url = sqlalchemy.engine.make_url("postgresql+psycopg2://app:pw@db.internal/app")
    assert redact_url(url) == "postgresql+psycopg2://app:***@db.internal/app"
    # The object knows "postgres" is the user; as plain text it could be a token (https://ghp_x@github.com).
    assert redact_url(sqlalchemy.engine.make_url("postgresql://postgres@db/app")) == "postgresql://postgres@db/app"
    assert redact_url("https://ghp_abc123@github.com/org/repo.git") == "https://***@github.com/org/repo.git"


def test_source_lines() -> None:
    assert redact_line('    SECRET_KEY = "change-me"') == '    SECRET_KEY = "***"'
    assert (
        redact_line('    SECRET_KEY = os.environ.get("APP_SECRET", "dev")')
        == '    SECRET_KEY = os.environ.get("APP_SECRET", "***")'
    )
    assert redact_line('DB = "postgresql://u:p@ss/w0rd@h/d"') == 'DB = "postgresql://u:***@h/d"'
    assert redact_line('TITLE = "My blog"') == 'TITLE = "My blog"'


def test_names() -> None:
    for name in ("password", "user_passwd", "PWD", "api-key", "csrf_token", "session_id", "auth_code", "cookie"):
        assert is_secret_name(name), name
    for name in ("user_id", "title", "email"):
        assert not is_secret_name(name), name
    for key in ("SECRET_KEY", "MAIL_PASSWORD", "STRIPE_API_KEY", "SECURITY_PASSWORD_SALT", "JWT_PRIVATE_KEY"):
        assert is_secret_config_key(key), key
    for key in ("SESSION_TYPE", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_NAME", "DEBUG", "SQLALCHEMY_ECHO"):
        assert not is_secret_config_key(key), key


def test_sql_parameters() -> None:
    assert redact_params({"id": 1, "password": "x"}, capture=False) is None
    assert redact_params({"id": 1, "password": "x", "name": "n" * 80}, capture=True) == {
        "id": 1,
        "password": MASK,
        "name": "n" * 61 + "...",
    }
    assert redact_params((1, "a"), capture=True) == [1, "a"]

"""Config checks: debug, testing, SECRET_KEY, cookie flags, limits, hosts."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.messages import Message
from flask_doctor.audit.redact import describe_secret, entropy_bits, redact_line, show_value
from flask_doctor.audit.registry import register
from flask_doctor.audit.sources import _ENV_PATTERNS, line_text
from flask_doctor.findings import Evidence, Finding, Severity

DEBUG_ON = Message(
    "FD305",
    "DEBUG = True in a production configuration: the Werkzeug debugger runs arbitrary code for anyone who can trigger an error",
    "set DEBUG = False in the production config (and never wrap the app in DebuggedApplication); run it under gunicorn/uWSGI/waitress",
)
DEBUG_DEV = Message(
    "FD305",
    "DEBUG = True: judged as a development configuration, so deployment checks were skipped",
    "audit the production configuration (e.g. --app 'app:create_app(\"production\")'), or pass --deploy to judge this one as production",
    severity=Severity.NOTE,
)
TESTING_ON = Message(
    "FD340",
    "TESTING = True in a production configuration: exceptions propagate and extensions switch to test behaviour",
    "set TESTING = False outside the test suite",
)
SECRET_MISSING = Message(
    "FD342",
    "SECRET_KEY is {value}: session, flash() and Flask-Login raise RuntimeError on first use",
    'set SECRET_KEY from the environment: SECRET_KEY = os.environ["SECRET_KEY"]',
)
SECRET_DEFAULT = Message(
    "FD341",
    "SECRET_KEY is a well-known placeholder {value}: anyone can forge session cookies",
    "generate a key with python -c 'import secrets; print(secrets.token_hex(32))' and read it from the environment",
)
SECRET_SHORT = Message(
    "FD341",
    "SECRET_KEY is too short {value}: it can be brute-forced from one session cookie",
    "use at least 32 random bytes: python -c 'import secrets; print(secrets.token_hex(32))'",
)
SECRET_WEAK = Message(
    "FD341",
    "SECRET_KEY has low entropy {value}: it looks guessable",
    "use at least 32 random bytes: python -c 'import secrets; print(secrets.token_hex(32))'",
    severity=Severity.WARNING,
)
SECRET_GENERATED = Message(
    "FD301",
    "SECRET_KEY is generated at start-up {value}: every worker process signs sessions with its own key, so users are logged out at random and on every restart",
    'read one key from the environment shared by all workers: SECRET_KEY = os.environ["SECRET_KEY"]',
)
SECRET_HARDCODED = Message(
    "FD302",
    "SECRET_KEY is written in the source code {value}: everyone with access to the repository can forge sessions",
    "move the key to the environment or a secrets manager and rotate it",
)
COOKIE_FLAG = Message(
    "FD303",
    "{key} = {value}: {why}",
    "set {key} = {good} in the production config",
)
SAMESITE_NONE = Message(
    "FD304",
    "{key} = 'None' while {secure_key} = False: browsers reject SameSite=None cookies that are not Secure",
    "set {secure_key} = True, or use SameSite 'Lax'",
)
SAMESITE_UNSET = Message(
    "FD343",
    "SESSION_COOKIE_SAMESITE = None: the session cookie has no SameSite attribute (Firefox and Safari send it on cross-site requests)",
    'set SESSION_COOKIE_SAMESITE = "Lax"',
)
LONG_LIFETIME = Message(
    "FD344",
    "PERMANENT_SESSION_LIFETIME = {value}: a stolen session cookie stays valid that long",
    "use a shorter lifetime (Flask's default is 31 days)",
)
NO_BODY_LIMIT = Message(
    "FD322",
    "MAX_CONTENT_LENGTH = None while {count} routes accept request bodies: uploads and request.get_data()/get_json() read bodies of any size (Flask 3.1 bounds only form fields, MAX_FORM_MEMORY_SIZE = {form})",
    "set MAX_CONTENT_LENGTH to the largest body you accept, e.g. 16 * 1024 * 1024",
)
HTTP_SCHEME = Message(
    "FD345",
    "PREFERRED_URL_SCHEME = 'http' although the session cookie is Secure: url_for(_external=True) outside requests (e-mails, tasks) builds http:// links",
    'set PREFERRED_URL_SCHEME = "https"',
)
ANY_HOST = Message(
    "FD346",
    "neither TRUSTED_HOSTS nor SERVER_NAME is set: any Host header is accepted and used in external URLs (password-reset link poisoning)",
    'set TRUSTED_HOSTS = ["example.com"] (Flask 3.1+) unless your proxy already rejects unknown hosts',
)

#: Placeholders from tutorials and templates, compared case- and separator-insensitively.
KNOWN_DEFAULT_KEYS = {
    "dev",
    "development",
    "devkey",
    "changeme",
    "changethis",
    "changeit",
    "secret",
    "secretkey",
    "yoursecretkey",
    "mysecretkey",
    "supersecret",
    "supersecretkey",
    "default",
    "password",
    "test",
    "testing",
    "key",
    "s3cr3t",
    "notsosecret",
    "youwillneverguess",
    "hardtoguessstring",
    "replaceme",
    "pleasechangeme",
    "insecure",
    "thisisasecret",
    "flask",
    "flasksecret",
    "abc123",
    "123456",
    "12345678",
    "none",
    "null",
    "xxx",
    "todo",
    "mysecret",
    "topsecret",
    "verysecret",
    "secret123",
}
MIN_KEY_LENGTH = 16
MIN_ENTROPY_BITS = 64
_GENERATORS = re.compile(
    r"\b(urandom|token_hex|token_bytes|token_urlsafe|uuid[14]|getrandbits|randbytes|gen_salt|random\.)"
)


def _normalised(value: str | bytes) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return re.sub(r"[\s_\-.!]", "", text).lower()


def production_hint(audit: AuditContext) -> str:
    """How to audit the production configuration instead, for the factory this app really has."""
    return production_hint_for(audit.factory)


def production_hint_for(factory: Any) -> str:
    deploy = "or pass --deploy to judge this configuration as production"
    if factory is None:
        return f"audit the app with the environment and files production uses, {deploy}"
    target = f"{getattr(factory, '__module__', '?')}:{getattr(factory, '__name__', 'create_app')}"
    try:
        params = [
            p
            for p in inspect.signature(factory).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and "test" not in p.name.lower()
        ]
    except (TypeError, ValueError):
        params = []
    if not params:
        names = _env_vars_read(factory)
        reads = f" and reads {', '.join(names)}" if names else ""
        example = f"{names[0]}=... " if names else ""
        return (
            f"{target}() takes no configuration argument{reads}: audit it with the environment production "
            f"uses ({example}flask-doctor audit --app '{target}()'), {deploy}"
        )
    first = params[0]
    if isinstance(first.default, type):
        return (
            f"{target}({first.name}=...) takes a config class, which --app cannot pass: add a wsgi.py that "
            f"calls {target.replace(':', '.')}({_production_name(factory, classes=True)}) and audit "
            f"--app wsgi, {deploy}"
        )
    return f"audit the production configuration: --app '{target}(\"{_production_name(factory)}\")', {deploy}"


def _env_vars_read(func: Any) -> list[str]:
    try:
        source = inspect.getsource(inspect.unwrap(func))
    except (OSError, TypeError):
        return []
    found = [m.group(1) for p in _ENV_PATTERNS for m in p.finditer(source)]
    return list(dict.fromkeys(found))


def _production_name(factory: Any, classes: bool = False) -> str:
    """A key of a config mapping (``{"prod": ProdConfig}``) or a config class name that says production."""
    module = inspect.getmodule(factory)
    for name, value in sorted(vars(module).items()) if module is not None else ():
        if classes and isinstance(value, type) and "prod" in name.lower():
            return name
        if not classes and isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and "prod" in key.lower():
                    return key
    return "ProductionConfig" if classes else "production"


@register(tags=("config",))
def check_debug(audit: AuditContext) -> Iterator[Finding]:
    if not audit.app.debug:
        return
    facts = audit.evidence("DEBUG")
    if audit.deploy:
        yield DEBUG_ON(obj="config:DEBUG", location=audit.location("DEBUG"), evidence=facts)
    else:
        yield DEBUG_DEV(
            obj="config:DEBUG", location=audit.location("DEBUG"), evidence=facts, hint=production_hint(audit)
        )


@register(tags=("config",), deploy=True)
def check_testing(audit: AuditContext) -> Iterator[Finding]:
    if audit.app.config.get("TESTING"):
        yield TESTING_ON(obj="config:TESTING", location=audit.location("TESTING"), evidence=audit.evidence("TESTING"))


def _is_literal_in_source(value: Any, text: str) -> bool:
    """True when the live value is spelled out on its source line."""
    if not text or not isinstance(value, (str, bytes)) or not value:
        return False
    if isinstance(value, bytes) and repr(value) in text:
        return True
    if isinstance(value, str):
        for quoted in (f'"{value}"', f"'{value}'"):
            if quoted in text:
                return True
    try:  # SECRET_KEY = "..." across a line continuation
        node = ast.parse(text.strip())
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Constant) and n.value == value for n in ast.walk(node))


def _weakness(key: Any) -> str:
    """Why a key is weak ("" when it is not): placeholder, short or low entropy."""
    if not isinstance(key, (str, bytes)):
        return ""
    if _normalised(key) in KNOWN_DEFAULT_KEYS:
        return "placeholder"
    if len(key) < MIN_KEY_LENGTH:
        return "short"
    if entropy_bits(key) < MIN_ENTROPY_BITS:
        return "weak"
    return ""


_WEAK_MESSAGES = {"placeholder": SECRET_DEFAULT, "short": SECRET_SHORT, "weak": SECRET_WEAK}


@register(tags=("config", "security"), deploy=True)
def check_secret_key_fallbacks(audit: AuditContext) -> Iterator[Finding]:
    """Flask 3.1 still accepts sessions signed with SECRET_KEY_FALLBACKS: they must be strong too."""
    fallbacks = audit.app.config.get("SECRET_KEY_FALLBACKS") or []
    for i, key in enumerate(fallbacks):
        weakness = _weakness(key)
        if weakness:
            msg = _WEAK_MESSAGES[weakness]
            yield msg(
                obj="config:SECRET_KEY_FALLBACKS",
                location=audit.location("SECRET_KEY_FALLBACKS"),
                evidence=audit.evidence("SECRET_KEY_FALLBACKS"),
                text=msg.text.replace("SECRET_KEY", f"SECRET_KEY_FALLBACKS[{i}]", 1),
                value=describe_secret(key),
            )


@register(tags=("config", "security"), deploy=True)
def check_secret_key(audit: AuditContext) -> Iterator[Finding]:
    key = audit.app.config.get("SECRET_KEY")
    loc = audit.location("SECRET_KEY")
    obj = "config:SECRET_KEY"
    facts = audit.evidence("SECRET_KEY")
    source = audit.source("SECRET_KEY")
    env_var = source.env_var if source is not None else ""
    variable = env_var or "SECRET_KEY"
    reads = f'SECRET_KEY = os.environ["{variable}"]'
    if not key:
        hint = (
            f"set the environment variable {env_var}, which the app reads ({reads})"
            if env_var
            else f"set SECRET_KEY from the environment: {reads}"
        )
        yield SECRET_MISSING(
            obj=obj, location=loc, evidence=facts, value="empty" if key == "" else "not set", hint=hint
        )
        return
    value = describe_secret(key)
    text = line_text(loc)
    if audit.second_app is not None:
        other = audit.second_app.config.get("SECRET_KEY")
        if other != key:
            yield SECRET_GENERATED(
                obj=obj,
                location=loc,
                value=value,
                hint=_shared_key_hint(reads),
                evidence=[
                    *facts,
                    Evidence(
                        f"two calls of the app factory produced different keys ({value} and {describe_secret(other)})"
                    ),
                ],
            )
            return
    from_env = bool(env_var) and audit.env_value(env_var) is not None
    if text and _GENERATORS.search(text) and not from_env:
        yield SECRET_GENERATED(
            obj=obj,
            location=loc,
            value=value,
            hint=_shared_key_hint(reads),
            evidence=[*facts, Evidence(f"computed when the module is imported: {redact_line(text.strip())}")],
        )
        return
    weakness = _weakness(key)
    if weakness:
        yield _WEAK_MESSAGES[weakness](obj=obj, location=loc, evidence=facts, value=value)
        return
    if loc is not None and loc.path.endswith(".py") and _is_literal_in_source(key, text):
        yield SECRET_HARDCODED(obj=obj, location=loc, evidence=facts, value=value)


def _shared_key_hint(reads: str) -> str:
    return f"read one key from the environment shared by all workers: {reads}"


def _cookie_checks(audit: AuditContext, prefix: str, secure_default: bool) -> Iterator[Finding]:
    config = audit.app.config
    secure_key, httponly_key, samesite_key = f"{prefix}_SECURE", f"{prefix}_HTTPONLY", f"{prefix}_SAMESITE"
    secure = bool(config.get(secure_key, secure_default))
    if not secure:
        yield COOKIE_FLAG(
            obj=f"config:{secure_key}",
            location=audit.location(secure_key),
            evidence=audit.evidence(secure_key),
            key=secure_key,
            value=show_value(secure_key, config.get(secure_key, secure_default)),
            good="True",
            why="the cookie is also sent over plain HTTP, where it can be read on the network",
        )
    if not config.get(httponly_key, True):
        yield COOKIE_FLAG(
            obj=f"config:{httponly_key}",
            location=audit.location(httponly_key),
            evidence=audit.evidence(httponly_key),
            key=httponly_key,
            value="False",
            good="True",
            why="JavaScript can read the cookie, so any XSS steals the session",
        )
    samesite = config.get(samesite_key)
    if isinstance(samesite, str) and samesite.lower() == "none" and not secure:
        yield SAMESITE_NONE(
            obj=f"config:{samesite_key}",
            location=audit.location(samesite_key),
            evidence=audit.evidence(samesite_key),
            key=samesite_key,
            secure_key=secure_key,
        )


@register(tags=("config", "security", "sessions"), deploy=True)
def check_session_cookie(audit: AuditContext) -> Iterator[Finding]:
    yield from _cookie_checks(audit, "SESSION_COOKIE", False)
    if audit.app.config.get("SESSION_COOKIE_SAMESITE") is None:
        yield SAMESITE_UNSET(
            obj="config:SESSION_COOKIE_SAMESITE",
            location=audit.location("SESSION_COOKIE_SAMESITE"),
            evidence=audit.evidence("SESSION_COOKIE_SAMESITE"),
        )


@register(tags=("config", "security", "flask-login"), deploy=True)
def check_remember_cookie(audit: AuditContext) -> Iterator[Finding]:
    if getattr(audit.app, "login_manager", None) is None:
        return
    yield from _cookie_checks(audit, "REMEMBER_COOKIE", False)


@register(tags=("config", "sessions"), deploy=True)
def check_session_lifetime(audit: AuditContext) -> Iterator[Finding]:
    lifetime = audit.app.permanent_session_lifetime
    if isinstance(lifetime, timedelta) and lifetime > timedelta(days=31):
        yield LONG_LIFETIME(
            obj="config:PERMANENT_SESSION_LIFETIME",
            location=audit.location("PERMANENT_SESSION_LIFETIME"),
            evidence=audit.evidence("PERMANENT_SESSION_LIFETIME"),
            value=str(lifetime),
        )


_BODY_METHODS = {"POST", "PUT", "PATCH"}


@register(tags=("config", "security"), deploy=True)
def check_max_content_length(audit: AuditContext) -> Iterator[Finding]:
    config = audit.app.config
    if config.get("MAX_CONTENT_LENGTH") is not None:
        return
    rules = [r for r in audit.app.url_map.iter_rules() if (r.methods or set()) & _BODY_METHODS]
    if not rules:
        return
    text = None if has_flask_31() else NO_BODY_LIMIT.text.split(" (Flask 3.1", 1)[0]
    yield NO_BODY_LIMIT(
        obj="config:MAX_CONTENT_LENGTH",
        location=audit.location("MAX_CONTENT_LENGTH"),
        text=text,
        evidence=[
            Evidence(f"{r.rule} [{', '.join(sorted((r.methods or set()) & _BODY_METHODS))}] -> {r.endpoint}")
            for r in rules[:5]
        ],
        count=len(rules),
        form=config.get("MAX_FORM_MEMORY_SIZE", "n/a"),
    )


@register(tags=("config",), deploy=True)
def check_url_scheme(audit: AuditContext) -> Iterator[Finding]:
    config = audit.app.config
    if config.get("PREFERRED_URL_SCHEME", "http") == "http" and config.get("SESSION_COOKIE_SECURE"):
        yield HTTP_SCHEME(
            obj="config:PREFERRED_URL_SCHEME",
            location=audit.location("PREFERRED_URL_SCHEME"),
            evidence=audit.evidence("PREFERRED_URL_SCHEME"),
        )


def flask_version() -> tuple[int, int]:
    """(major, minor) of the installed Flask; (0, 0) when it cannot be read."""
    try:
        from importlib.metadata import version

        major, minor = version("flask").split(".")[:2]
        return int(major), int(minor)
    except Exception:  # not installed as a distribution
        return (0, 0)


def has_flask_31() -> bool:
    """Flask 3.1 added TRUSTED_HOSTS, SECRET_KEY_FALLBACKS and SESSION_COOKIE_PARTITIONED as config keys."""
    return flask_version() >= (3, 1)


@register(tags=("config", "security"), deploy=True)
def check_trusted_hosts(audit: AuditContext) -> Iterator[Finding]:
    config = audit.app.config
    modern = has_flask_31()
    if config.get("SERVER_NAME") or (modern and config.get("TRUSTED_HOSTS")):
        return
    if modern:
        yield ANY_HOST(obj="config:TRUSTED_HOSTS", location=audit.location("TRUSTED_HOSTS"))
        return
    major, minor = flask_version()
    facts = (
        [
            Evidence(
                f"TRUSTED_HOSTS is set but Flask {major}.{minor} ignores it (it is read from Flask 3.1 on)",
                audit.location("TRUSTED_HOSTS"),
            )
        ]
        if config.get("TRUSTED_HOSTS")
        else []
    )
    yield ANY_HOST(
        obj="config:SERVER_NAME",
        location=audit.location("SERVER_NAME"),
        evidence=facts,
        text="SERVER_NAME is not set: any Host header is accepted and used in external URLs "
        "(password-reset link poisoning)",
        hint=f"reject unknown hosts at the proxy (nginx: server_name example.com with a default server "
        f'that returns 444), or set SERVER_NAME = "example.com"; Flask {major}.{minor} has no '
        "TRUSTED_HOSTS setting (it arrived in 3.1)",
    )

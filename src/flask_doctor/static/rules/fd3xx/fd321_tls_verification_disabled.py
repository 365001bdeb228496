"""FD321 tls-verification-disabled: TLS certificate verification is switched off for outgoing requests."""

from __future__ import annotations

import ast
import re
from urllib.parse import urlsplit

from flask_doctor.findings import Severity
from flask_doctor.static.context import callee_names, last_segments
from flask_doctor.static.facts.config_values import false_constant, short
from flask_doctor.static.facts.roles import FileRole, role_of_path
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid

HTTP_CLIENTS = ("requests.", "httpx.", "urllib3.", "aiohttp.")
HTTP_TYPES = ("requests.Session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient", "requests.session")
#: A test that names the operator's choice (``VERIFY_SSL``, ``insecure``) or a development/test run.
_OPT_IN = on_first_use(r"verify|ssl|tls|insecure|skip|cert|unsafe|debug|testing|develop|\bdev\b", re.IGNORECASE)
#: Names of a switch that, when true, turns verification off (``INSECURE``, ``SKIP_SSL_VERIFY``, ``DEBUG``) ...
_OFF_SWITCH = on_first_use(r"insecure|skip|unsafe|no_?verif|disable|debug|testing|develop|\bdev\b", re.IGNORECASE)
#: ... and, when true, keeps it on (``self.verify``, ``VERIFY_SSL``, ``check_certs``).
_ON_SWITCH = on_first_use(r"verif|ssl|tls|cert", re.IGNORECASE)
#: Hosts that are this machine: a connection to them never crosses a network an attacker sits on.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


#: ``ssl`` functions that build a context accepting any certificate.
UNVERIFIED_CONTEXTS = frozenset({"ssl._create_unverified_context", "ssl._create_stdlib_context"})
_UNVERIFIED_LAST_NAMES = last_segments(UNVERIFIED_CONTEXTS)


class TlsVerificationDisabled(Rule):
    """
    ## What it does
    Finds TLS certificate checks switched off: `verify=False` on
    `requests`/`httpx` calls, sessions and clients (`session.verify = False`),
    `ssl._create_unverified_context()`, `ssl.CERT_NONE` and
    `check_hostname = False`.

    ## Why is this bad?
    Without certificate verification, anyone on the network path (a
    compromised router, a cloud neighbour, public Wi-Fi) can impersonate the
    server the app talks to and read or change the traffic: API keys,
    payment calls, OAuth tokens. A `verify=` that comes from configuration
    (`verify=app.config["CA_BUNDLE"]`) is not reported, nor code under an
    explicit opt-in (`if config.SKIP_SSL_VERIFY:`, or after `if self.verify:
    return ...`, so that only the operator's "off" reaches it), under a test
    for a development run (`if app.config["ENV"] == "dev":`), a request to
    this machine (`https://localhost:5000/...`), and example or docs code.
    A request that carries
    no credentials (no `auth=`, token or key header, password or cookie: an
    anonymous version check) is a note: an attacker in the middle can only
    change the answer.

    ## Example
    ```python
    resp = requests.get(url, timeout=10, verify=False)
    ```

    ## Use instead
    ```python
    resp = requests.get(url, timeout=10, verify="/etc/ssl/certs/internal-ca.pem")
    ```

    ## Fix safety
    No automatic fix: servers with self-signed certificates need their CA
    bundle configured.

    ## References
    - Requests docs, "SSL Cert Verification"
    - Python docs, ssl: "Security considerations"
    """

    code = "FD321"
    name = "tls-verification-disabled"
    severity = Severity.WARNING
    catalog = ()
    summary = "TLS certificate verification is switched off for outgoing requests."

    attribute_names = frozenset({"CERT_NONE"})

    VALID = (
        Valid("""
            import requests

            def fetch(url, ca_bundle):
                return requests.get(url, timeout=10, verify=ca_bundle)
            """),
        Valid("""
            import ssl

            def smtp_context(skip_ssl_verify):
                ctx = ssl.create_default_context()
                if skip_ssl_verify:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                return ctx
            """),
        # a monitor that connects only to read the certificate a host presents (its serial, its expiry):
        # it must accept self-signed ones and sends nothing over the connection
        Valid("""
            import socket
            import ssl

            def presented_certificate(host, port=443):
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                with socket.create_connection((host, port), timeout=5) as raw:
                    with context.wrap_socket(raw, server_hostname=host) as tls:
                        return ssl.DER_cert_to_PEM_cert(tls.getpeercert(True))
            """),
        Valid("""
            import jwt

            def claims(token, key):
                return jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
            """),
        # the client's own option, on by default: the unverified call runs only when the operator turned it off
        Valid("""
            import requests

            class InventoryClient:
                def __init__(self, base_url, token, verify=True):
                    self.base_url = base_url
                    self.token = token
                    self.verify = verify

                def hosts(self):
                    headers = {"Authorization": f"Bearer {self.token}"}
                    if self.verify:
                        return requests.get(self.base_url + "/hosts", headers=headers, timeout=10)
                    return requests.get(self.base_url + "/hosts", headers=headers, timeout=10, verify=False)
            """),
        # a development run against the local server, and a call to this machine: no network path to attack
        Valid("""
            import os
            import requests

            def warm_cache(token):
                if os.environ.get("APP_ENV") == "development":
                    return requests.get("https://dev.example.internal/warm", headers={"X-Token": token}, verify=False)
                return requests.get("https://cache.example.org/warm", headers={"X-Token": token})

            def health(token):
                return requests.get("https://127.0.0.1:8443/health", headers={"X-Token": token}, verify=False)
            """),
        # a TLS server that asks no client certificate: CERT_NONE is about clients, not about whom we call
        Valid("""
            import ssl

            def server_context(cert, key):
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(cert, key)
                context.verify_mode = ssl.CERT_NONE
                return context

            def accept(sock, cert):
                return ssl.wrap_socket(sock, server_side=True, certfile=cert, cert_reqs=ssl.CERT_NONE)
            """),
    )
    INVALID = (
        Invalid(
            """
            import requests

            def fetch(url):
                return requests.get(url, timeout=10, verify=False)  # expect
            """,
            message="verify=False",
        ),
        Invalid(
            """
            import ssl
            import urllib.request

            def fetch(url):
                ctx = ssl._create_unverified_context()  # expect
                return urllib.request.urlopen(url, context=ctx, timeout=10)
            """,
            message="_create_unverified_context",
        ),
        # an early return on something else than the operator's choice does not make the call opt-in
        Invalid(
            """
            import requests

            def report(url, token, payload):
                if not payload:
                    return None
                return requests.post(url, json=payload, headers={"Authorization": token}, verify=False)  # expect
            """,
            message="verify=False",
        ),
        # the same setting on a client context does skip the server's certificate
        Invalid(
            """
            import socket
            import ssl

            def connect(host, token):
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False  # expect
                context.verify_mode = ssl.CERT_NONE  # expect
                sock = context.wrap_socket(socket.create_connection((host, 443)), server_hostname=host)
                sock.sendall(token.encode())
                return sock
            """,
            message="check_hostname",
        ),
    )

    #: Keywords that switch an HTTP client's certificate check off when ``False``.
    VERIFY_KEYWORDS = frozenset({"verify", "ssl", "verify_ssl"})

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        keyword = self._verify_off(node) if node.keywords else None
        if keyword is None and _UNVERIFIED_LAST_NAMES.isdisjoint(callee_names(ctx, node)):
            return  # the cheap tests first: every call of the project comes here
        if ctx.is_test_code():
            return
        name = ctx.resolve(node.func) or ""
        if name in UNVERIFIED_CONTEXTS:
            self._report(ctx, node, f"`{name}()` builds an SSL context that accepts any certificate")
            return
        if keyword is None:
            return
        if not self._http_call(node, ctx, name):
            return
        if self._to_this_machine(node):
            return  # ``https://localhost:5000/...``: the traffic never leaves the host
        self._report(
            ctx,
            node,
            f"`{short(node.func)}(...)` with `{keyword.arg}=False` skips certificate checks",
            carries=self._credentials(ast.unparse(node)),
        )

    @classmethod
    def _verify_off(cls, node: ast.Call) -> ast.keyword | None:
        """The first ``verify=``-like keyword of the call when it is the constant ``False``."""
        for keyword in node.keywords:
            if keyword.arg in cls.VERIFY_KEYWORDS:
                value = keyword.value
                return keyword if isinstance(value, ast.Constant) and value.value is False else None
        return None

    @staticmethod
    def _to_this_machine(node: ast.Call) -> bool:
        """The URL is written in the call and names a loopback host (``https://127.0.0.1:8443/health``)."""
        url = node.args[0] if node.args else next((kw.value for kw in node.keywords if kw.arg == "url"), None)
        if isinstance(url, ast.JoinedStr) and url.values:
            url = url.values[0]  # ``f"https://localhost:{port}/..."``: the host is in the fixed head
        if not (isinstance(url, ast.Constant) and isinstance(url.value, str)):
            return False
        try:
            host = urlsplit(url.value).hostname or ""
        except ValueError:
            return False
        return host in LOOPBACK_HOSTS or host.endswith(".localhost")

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if node.attr != "CERT_NONE" or ctx.is_test_code():
            return
        if ctx.resolve(node) != "ssl.CERT_NONE":
            return
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Compare):
            return  # ``if ctx.verify_mode == ssl.CERT_NONE:`` reads it
        if self._server_side(ctx):
            return  # a server that asks no client certificate: the normal HTTPS server, no outgoing check skipped
        self._report(ctx, node, "`ssl.CERT_NONE` accepts any certificate")

    #: A context or socket that *serves* TLS: its verify_mode is about client certificates.
    SERVER_SIDE = re.compile(r"PROTOCOL_TLS_SERVER|server_side\s*=\s*True|Purpose\.CLIENT_AUTH")
    #: A context that connects out: CERT_NONE there does skip the server's certificate.
    CLIENT_SIDE = re.compile(r"PROTOCOL_TLS_CLIENT|Purpose\.SERVER_AUTH|server_hostname\s*=|server_side\s*=\s*False")

    def _server_side(self, ctx: Context) -> bool:
        """``CERT_NONE`` on a server-side context (``PROTOCOL_TLS_SERVER``, ``server_side=True``).

        There it means "do not ask clients for a certificate", which is how every
        public HTTPS server runs; the server's own certificate is still presented.
        """
        call = next((a for a in reversed(ctx.ancestors) if isinstance(a, ast.Call)), None)
        if call is not None and any(kw.arg == "server_side" for kw in call.keywords):
            return any(
                kw.arg == "server_side" and isinstance(kw.value, ast.Constant) and kw.value.value is True
                for kw in call.keywords
            )
        scope = ctx.function.node if ctx.function is not None else None
        if scope is None:
            return False
        text = ast.unparse(scope)
        return bool(self.SERVER_SIDE.search(text)) and not self.CLIENT_SIDE.search(text)

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        if not false_constant(node.value) or ctx.is_test_code():
            return
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr in ("verify", "check_hostname"):
                type_name = ctx.type_of(target.value) or ""
                if target.attr == "check_hostname" or type_name.startswith(HTTP_TYPES):
                    scope = ctx.function.node if ctx.function is not None else ctx.module.tree
                    owner = short(target.value)
                    uses = " ".join(
                        ast.unparse(n)
                        for n in ast.walk(scope)
                        if isinstance(n, (ast.Call, ast.Assign)) and owner in ast.unparse(n)[:200]
                    )
                    self._report(
                        ctx,
                        node,
                        f"`{short(target)} = False` switches certificate checks off",
                        carries=target.attr == "check_hostname" or self._credentials(uses),
                    )

    def _http_call(self, node: ast.Call, ctx: Context, name: str) -> bool:
        if name.startswith(HTTP_CLIENTS):
            return True
        if isinstance(node.func, ast.Attribute):
            type_name = ctx.type_of(node.func.value) or ""
            if type_name.startswith(HTTP_TYPES) or type_name.startswith(HTTP_CLIENTS):
                return True
        return False

    #: What makes a request worth intercepting: credentials in its headers, auth, cookies or body.
    CREDENTIALS = re.compile(
        r"auth|token|api[_-]?key|apikey|secret|passw|cookie|bearer|session_id|cert=|private", re.IGNORECASE
    )

    def _credentials(self, text: str) -> bool:
        return bool(self.CREDENTIALS.search(text))

    #: Reading the certificate the server presents (to inspect or record it) rather than talking to it.
    PEER_CERT = frozenset({"getpeercert", "get_peer_certificate", "get_peer_cert_chain", "get_unverified_chain"})
    #: Calls that send data over the connection.
    SENDS = frozenset({"send", "sendall", "write", "request", "urlopen", "makefile", "getresponse"})

    def _inspects_certificate(self, ctx: Context) -> bool:
        """The function fetches the peer certificate and sends nothing: a scanner must accept any certificate."""
        if ctx.function is None:
            return False
        called = {
            n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
            for n in ast.walk(ctx.function.node)
            if isinstance(n, ast.Call)
        }
        return bool(called & self.PEER_CERT) and not called & self.SENDS

    @staticmethod
    def _after_opt_in_exit(ctx: Context, node: ast.AST) -> bool:
        """An earlier ``if self.verify: return ...`` in an enclosing block: what follows runs with the option off."""
        path = [*ctx.ancestors, node]
        for parent, child in zip(path, path[1:]):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(parent, field, None)
                if not isinstance(block, list) or child not in block:
                    continue
                for earlier in block[: block.index(child)]:
                    if (
                        isinstance(earlier, ast.If)
                        and earlier.body
                        and isinstance(earlier.body[-1], (ast.Return, ast.Raise))
                        and TlsVerificationDisabled._off_when_false(earlier.test)
                    ):
                        return True
        return False

    @staticmethod
    def _off_when_false(test: ast.expr) -> bool:
        """The code after ``if <test>: return`` runs only with the operator's switch at "no verification".

        ``if self.verify:`` and ``if not insecure:`` say so; ``if insecure:`` says the opposite (what follows
        is the *verifying* path), and a test of anything else says nothing.
        """
        negations = 0
        while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            negations, test = negations + 1, test.operand
        if not isinstance(test, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            return False
        text = ast.unparse(test)
        if _OFF_SWITCH().search(text):
            return negations % 2 == 1  # ``if not insecure: return ...``: what follows runs when insecure
        if _ON_SWITCH().search(text):
            return negations % 2 == 0  # ``if self.verify: return ...``: what follows runs with verify off
        return False

    def _report(self, ctx: Context, node: ast.AST, what: str, carries: bool = True) -> None:
        if self._inspects_certificate(ctx):
            return  # reads whatever certificate the host presents (expiry/serial checks), self-signed included
        if role_of_path(ctx.module.path) in (FileRole.EXAMPLE, FileRole.DOCS):
            return  # an example client or a docs snippet: not what the project deploys
        for ancestor in ctx.ancestors:
            if isinstance(ancestor, (ast.If, ast.IfExp)) and _OPT_IN().search(ast.unparse(ancestor.test)):
                return  # ``if app.config["SKIP_SSL_VERIFY"]:``: an operator's explicit choice, or a development run
        if self._after_opt_in_exit(ctx, node):
            return  # ``if self.verify: return session.get(url)`` first: only the operator's "off" gets here
        if carries:
            risk = "anyone on the network path can impersonate the server and read or change the traffic"
            severity = self.effective_severity
        else:
            risk = (
                "no credentials travel on this request, but anyone on the network path can impersonate the server "
                "and change the answer the app acts on"
            )
            severity = Severity.NOTE
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{what}: {risk}",
                hint='Keep verification on; for private CAs pass verify="/path/to/ca.pem" (or set REQUESTS_CA_BUNDLE).',
                severity=min(severity, self.effective_severity),
            )
        )

"""FD301/FD302: the secret key comes from the environment (unsafe: the deployment must now set it).

``SECRET_KEY = "dev"`` / ``os.urandom(24)`` / ``env.get(...) or secrets.token_hex()`` becomes
``os.environ["SECRET_KEY"]``: one key for every worker, kept out of the source, and a missing key stops
the start-up with a ``KeyError`` naming it instead of signing sessions with a guessable or random key.
"""

from __future__ import annotations

import re

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip
from flask_doctor.static.fixes.cures._helpers import key_of, setting_parts

_ATTRIBUTES = {"secret_key": "SECRET_KEY"}
_KEY = re.compile(r"[A-Z][A-Z0-9_]*\Z")


def secret_from_environment(tree: FixTree, finding: Finding) -> Plan:
    holder, value = setting_parts(tree, finding)
    key = key_of(holder)
    key = _ATTRIBUTES.get(key or "", key)
    if key is None or not _KEY.match(key):
        raise Skip("the setting's name is not a plain upper-case key")
    replacement = cst.parse_expression(f'os.environ["{key}"]')
    return Plan([Change(value, lambda node: replacement)], imports=[("os", None)])


class SecretGeneratedAtStartup(Cure):
    code = "FD301"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        return secret_from_environment(tree, finding)


class HardcodedSecretKey(Cure):
    code = "FD302"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        return secret_from_environment(tree, finding)

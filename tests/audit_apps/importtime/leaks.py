"""Fails at import with secrets and terminal escapes in the error."""

import os

DATABASE_URL = "postgresql://shop:Tr0ub4dor-p@ss/word@db.internal/shop"
PASSWORD = os.environ.get("IMPORTTIME_PASSWORD", "hunter2-from-the-source")


def connect() -> None:
    raise ConnectionError(f"cannot reach {DATABASE_URL} (password={PASSWORD}) \x1b]52;c;cHduZWQ=\x07\x1b[2J")


connect()

"""SQL text built from strings: where the holes are, and which holes are safe.

FD318 reads a string built with an f-string, ``%``, ``+`` or ``.format``
back into its constant text (holes as ``?``) to see that it is SQL and what
fills each hole; a constant, a quoting or escaping call or a ``join`` of
placeholders fills a hole safely.
"""

from __future__ import annotations

import ast
import re

from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

#: text that starts like a statement
SQL_START = on_first_use(
    r"^\s*\(?\s*(select|insert|update|delete|with|replace|merge|create|drop|alter|truncate|exec|call|pragma)\b",
    re.IGNORECASE,
)
#: text that holds a statement's key phrases
SQL_WORDS = on_first_use(
    r"\b(select\s.+\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|where\s)", re.IGNORECASE | re.DOTALL
)
#: methods and functions that run SQL text
SQL_METHODS = {"execute", "executemany", "executescript", "exec_driver_sql", "raw"}
SQL_FUNCS = {
    "sqlalchemy.text",
    "sqlalchemy.sql.text",
    "sqlalchemy.sql.expression.text",
    "pandas.read_sql",
    "pandas.read_sql_query",
}
#: words in the name of a call that makes a value safe to put in SQL text
SQL_ESCAPES = ("quote", "escape", "literal", "int", "float", "len", "bool", "ident", "sanitize", "bindparam")


def sql_template(node: ast.expr) -> tuple[str | None, list[tuple[ast.expr, bool]]]:
    """The constant text of a built string (holes as ``?``) and its holes, each with 'inside quotes'."""
    parts: list[str | ast.expr] = []
    if isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append(value.value)
    elif (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
    ):
        values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        chunks = re.split(r"(%(?:\([^)]*\))?[sdrif])", node.left.value)
        index = 0
        for chunk in chunks:
            if re.fullmatch(r"%(?:\([^)]*\))?[sdrif]", chunk) and not isinstance(node.right, ast.Dict):
                if index < len(values):
                    parts.append(values[index])
                    index += 1
            else:
                parts.append(chunk)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        stack: list[ast.expr] = [node]
        flat: list[ast.expr] = []
        while stack:
            current = stack.pop()
            if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                stack.append(current.right)
                stack.append(current.left)
            else:
                flat.append(current)
        if not any(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in flat):
            return None, []
        for piece in flat:
            if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                parts.append(piece.value)
            elif isinstance(piece, ast.JoinedStr):
                text, holes = sql_template(piece)
                parts.extend(_split_template(text or "", holes))
            else:
                parts.append(piece)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        chunks = re.split(r"(\{[^{}]*\})", node.func.value.value)
        positional = list(node.args)
        keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        auto = 0
        for chunk in chunks:
            if re.fullmatch(r"\{[^{}]*\}", chunk):
                key = chunk[1:-1].split(":")[0].split("!")[0]
                if key == "":
                    value = positional[auto] if auto < len(positional) else None
                    auto += 1
                elif key.isdigit():
                    value = positional[int(key)] if int(key) < len(positional) else None
                else:
                    value = keywords.get(key.split(".")[0].split("[")[0])
                if value is not None:
                    parts.append(value)
            else:
                parts.append(chunk)
    else:
        return None, []
    text = ""
    holes: list[tuple[ast.expr, bool]] = []
    for part in parts:
        if isinstance(part, str):
            text += part
        else:
            quoted = text.count("'") % 2 == 1 or (text.count('"') % 2 == 1 and not text.rstrip().endswith('"'))
            holes.append((part, quoted))
            text += "?"
    return text, holes


def _split_template(text: str, holes: list[tuple[ast.expr, bool]]) -> list[str | ast.expr]:
    out: list[str | ast.expr] = []
    pieces = text.split("?")
    for i, piece in enumerate(pieces):
        out.append(piece)
        if i < len(holes):
            out.append(holes[i][0])
    return out


def escaped(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call):
        name = (dotted(node.func) or "").rsplit(".", 1)[-1].lower()
        return any(word in name for word in SQL_ESCAPES) or name == "join"
    return False


__all__ = ["SQL_FUNCS", "SQL_METHODS", "SQL_START", "SQL_WORDS", "escaped", "sql_template"]

"""SELECTs written as SQL text and run through a DB-API connection or cursor (``sqlite3``, ``psycopg2``, PyMySQL).

Many Flask applications (the official tutorial among them) skip the ORM: ``db = get_db()``, then
``db.execute("SELECT ... FROM post ORDER BY created DESC").fetchall()``, or a cursor's ``execute`` followed by
``fetchall()``. These facts say which expressions are the rows of such a SELECT, which table they come from, and
which tables request or job code adds rows to (``INSERT INTO post ...``), the evidence that a table grows.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.orm.usage import admin_only
from flask_doctor.static.facts.sql_strings import sql_template
from flask_doctor.static.model import JOB, REQUEST
from flask_doctor.static.syntax import walk

if TYPE_CHECKING:
    from flask_doctor.static.model import FunctionInfo, Project

#: Methods of a DB-API connection or cursor that run SQL text.
_RUN = frozenset({"execute"})
#: Methods of a cursor (or of sqlite3's ``Connection.execute`` result) that hand over every row of the result.
_FETCH_ALL = frozenset({"fetchall"})
_SELECT = re.compile(r"^\s*\(?\s*select\b", re.IGNORECASE)
_FROM = re.compile(r"\bfrom\s+[`\"\[]?(\w+)", re.IGNORECASE)
_INSERT = re.compile(r"^\s*(?:insert|replace)\s+(?:or\s+\w+\s+)?into\s+[`\"\[]?(\w+)", re.IGNORECASE)
#: What narrows or folds the rows of a SELECT (a filter, a cap, an aggregate, a parameter marker).
_NARROWED = re.compile(
    r"\b(where|having|limit|top|fetch|offset|group\s+by|distinct|union|count|sum|avg|min|max)\b|%s|%\(|(?<![:\w]):\w",
    re.IGNORECASE,
)
#: ``LIMIT n`` with a literal ``n``.
_LIMIT = re.compile(r"\blimit\s+(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class RawSelect:
    """``conn.execute("SELECT ...", params)``: the call, its SQL text (holes as ``?``) and the first table read."""

    call: ast.Call
    text: str
    table: str | None
    #: The expressions filling the statement: its parameters and the holes of a built string.
    inputs: tuple[ast.expr, ...]

    @property
    def limit(self) -> int | None:
        found = _LIMIT.search(self.text)
        return int(found.group(1)) if found else None

    @property
    def whole_table(self) -> bool:
        """Every row of the table: no ``WHERE``/``HAVING``, no ``LIMIT``/``TOP``/``FETCH``, no parameter, no
        aggregate or ``GROUP BY``/``DISTINCT`` folding rows together, and no ``UNION`` (a second statement)."""
        return not _NARROWED.search(self.text) and "?" not in self.text and not self.inputs

    @property
    def label(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 60 else text[:57] + "..."


def _text(node: ast.expr) -> tuple[str | None, list[ast.expr]]:
    """The SQL text of a constant or built string (holes as ``?``), and the expressions filling the holes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, []
    text, holes = sql_template(node)
    return text, [hole for hole, _ in holes]


@keyed_fact
def writes_select_text(project: Project, module_name: str) -> bool:
    """The module's text holds the word SELECT in any case: SQL text :func:`raw_select` could read is written
    in the module, so a module without it runs none (asked before walking a loop for one)."""
    module = project.modules.get(module_name)
    return module is not None and _SELECT_WORD.search(module.text) is not None


#: The SQL keyword anywhere in a module's text.
_SELECT_WORD = re.compile(r"select", re.IGNORECASE)


def raw_select(node: ast.AST) -> RawSelect | None:
    """``X.execute("SELECT ...", params)`` with SQL text (not SQLAlchemy's ``text()`` or ``select()``)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RUN):
        return None
    if not node.args:
        return None
    text, holes = _text(node.args[0])
    if text is None or not _SELECT.match(text):
        return None
    table = _FROM.search(text)
    inputs = (*holes, *node.args[1:], *(k.value for k in node.keywords))
    return RawSelect(node, text, table.group(1).lower() if table else None, tuple(inputs))


def _last_before(fn: ast.AST, line: int, match: type[ast.AST], test: object) -> ast.AST | None:
    found: ast.AST | None = None
    for sub in walk(fn):
        if isinstance(sub, match) and getattr(sub, "lineno", line) < line and test(sub):  # type: ignore[operator]
            if found is None or sub.lineno > found.lineno:  # type: ignore[attr-defined]
                found = sub
    return found


def raw_rows(expr: ast.expr, fn: ast.AST, line: int, _depth: int = 0) -> RawSelect | None:
    """The SELECT whose every row ``expr`` holds, read before ``line`` of function ``fn``, or ``None``.

    ``conn.execute("SELECT ...")`` (sqlite3 returns a cursor to iterate) and its ``.fetchall()``; a cursor's
    ``fetchall()`` or the cursor itself after ``cur.execute("SELECT ...")``; ``list()`` of either; a local
    assigned one of these. ``fetchmany(n)`` and ``fetchone()`` are a few rows, not these.
    """
    if _depth > 3:
        return None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "list" and expr.args:
        return raw_rows(expr.args[0], fn, line, _depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _FETCH_ALL:
        receiver = expr.func.value
        direct = raw_select(receiver)
        if direct is not None:
            return direct
        if isinstance(receiver, ast.Name):
            return _executed_on(receiver.id, fn, getattr(expr, "lineno", line), line)
        return None
    direct = raw_select(expr)
    if direct is not None:
        return direct
    if isinstance(expr, ast.Name):
        assigned = _last_before(
            fn,
            line,
            ast.Assign,
            lambda a: len(a.targets) == 1 and isinstance(a.targets[0], ast.Name) and a.targets[0].id == expr.id,
        )
        if isinstance(assigned, ast.Assign):
            value = assigned.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "cursor":
                return _executed_on(expr.id, fn, line, line)  # ``for row in cur:`` after ``cur.execute(...)``
            return raw_rows(value, fn, assigned.lineno, _depth + 1)
    return None


def _executed_on(name: str, fn: ast.AST, before: int, line: int) -> RawSelect | None:
    """The last ``name.execute(...)`` before ``before``, when it is a SELECT."""
    executed = _last_before(
        fn,
        min(before, line) + 1,
        ast.Call,
        lambda c: (
            isinstance(c.func, ast.Attribute)
            and c.func.attr in _RUN
            and isinstance(c.func.value, ast.Name)
            and c.func.value.id == name
        ),
    )
    return raw_select(executed) if executed is not None else None


@project_fact
def raw_inserts(project: Project) -> dict[str, tuple[FunctionInfo, Location]]:
    """Tables that request or job code adds rows to with SQL text (``INSERT INTO post ...``), with where.

    Not a page only administrators open: the rows they add (settings, registered clients) are few by design.
    """
    found: dict[str, tuple[FunctionInfo, Location]] = {}
    for fn in project.functions.values():
        if not fn.contexts & {REQUEST, JOB}:
            continue
        if JOB not in fn.contexts and admin_only(project, fn):
            continue
        for sub in walk(fn.node):
            if not (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.args):
                continue
            if sub.func.attr not in ("execute", "executemany"):
                continue
            text, _ = _text(sub.args[0])
            match = _INSERT.match(text) if text else None
            if match is not None:
                table = match.group(1).lower()
                found.setdefault(table, (fn, Location(fn.module.path, sub.lineno, sub.col_offset)))
    return found

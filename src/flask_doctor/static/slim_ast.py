"""Smaller syntax trees: a one-line node does not store its ``end_lineno``.

Every run holds every module's tree until the project rules have run, and the
trees are most of the heap (``docs/speed.md``, "Issue 13: memory"). An AST
node keeps its fields and positions in an instance dict that ``ast.parse``
fills key by key: up to five keys it is a 184-byte dict, from six a 272-byte
one. ``Name``, ``Constant``, ``keyword``, ``alias``, ``Tuple``, ``List``,
``Dict``... have two fields and four positions, six keys, and most of them sit
on one line, where ``end_lineno`` repeats ``lineno``. For those classes
``end_lineno`` becomes a property that stores the value only when it differs
from ``lineno`` (or is ``None``) and otherwise gives ``lineno`` back: the dict
stays at five keys, about 88 bytes less per node, a tenth of a tree.
``Attribute`` and ``Subscript`` have seven keys; there ``ctx`` is not stored
either when it is the parser's shared ``Load`` (reading gives that same object
back); in ``Assign``, ``arg`` and ``With`` ``type_comment`` is not stored when it
is ``None`` (it always is: trees are parsed without type comments).

Reading is unchanged: ``node.end_lineno`` gives what ``ast.parse`` (or the code
that built the node) set. A node whose ``end_lineno`` was never set gives
``None`` as before; it is told apart from a node whose ``end_lineno`` equals
``lineno`` by ``end_col_offset``, which every writer of positions
(``ast.parse``, ``copy_location``, ``increment_lineno``, the constructors) sets
right after it. Only ``node.__dict__`` shows the difference (and ``ast.dump``, which
prints a ``type_comment=None`` it used to leave out because the class default is
now the property). The sizes are CPython 3.11's; elsewhere the properties cost a
little and read the same.
"""

from __future__ import annotations

import ast

#: The most keys an instance dict holds at its small (8-slot, 184-byte) size.
_SMALL_DICT_KEYS = 5


def _get_end_lineno(node: ast.AST) -> int | None:
    d = node.__dict__
    if "end_lineno" in d:
        return d["end_lineno"]  # type: ignore[no-any-return]
    if "end_col_offset" in d:
        return d.get("lineno")
    return None


def _set_end_lineno(node: ast.AST, value: int | None) -> None:
    d = node.__dict__
    if value is None or value != d.get("lineno"):
        d["end_lineno"] = value
    elif "end_lineno" in d:
        del d["end_lineno"]


def _del_end_lineno(node: ast.AST) -> None:
    node.__dict__.pop("end_lineno", None)


_END_LINENO = property(_get_end_lineno, _set_end_lineno, _del_end_lineno)
#: The ``Load`` object every parsed tree shares (``ast.parse`` gives one instance per interpreter).
_LOAD: ast.AST | None = None


def _get_ctx(node: ast.AST) -> ast.AST:
    d = node.__dict__
    if "ctx" in d:
        return d["ctx"]  # type: ignore[no-any-return]
    if "end_col_offset" in d:  # positions set and no ``ctx`` stored: the parser's ``Load``
        return _LOAD  # type: ignore[return-value]
    raise AttributeError(f"{node.__class__.__name__!r} object has no attribute 'ctx'")


def _set_ctx(node: ast.AST, value: ast.AST) -> None:
    d = node.__dict__
    if value is _LOAD:
        d.pop("ctx", None)
    else:
        d["ctx"] = value


def _del_ctx(node: ast.AST) -> None:
    node.__dict__.pop("ctx", None)


_CTX = property(_get_ctx, _set_ctx, _del_ctx)


def _get_type_comment(node: ast.AST) -> str | None:
    return node.__dict__.get("type_comment")


def _set_type_comment(node: ast.AST, value: str | None) -> None:
    if value is None:
        node.__dict__.pop("type_comment", None)
    else:
        node.__dict__["type_comment"] = value


def _del_type_comment(node: ast.AST) -> None:
    node.__dict__.pop("type_comment", None)


_TYPE_COMMENT = property(_get_type_comment, _set_type_comment, _del_type_comment)
_installed = False


def install() -> None:
    """Make ``end_lineno`` (and ``ctx``/``type_comment``) implicit where that saves a dict size (once per process)."""
    global _installed, _LOAD
    if _installed:
        return
    _installed = True
    load = ast.parse("x").body[0].value.ctx  # type: ignore[attr-defined]
    _LOAD = load if ast.parse("y").body[0].value.ctx is load else None  # type: ignore[attr-defined]
    for name in dir(ast):
        cls = getattr(ast, name)
        if not (isinstance(cls, type) and issubclass(cls, ast.AST) and "end_lineno" in getattr(cls, "_attributes", ())):
            continue
        keys = len(cls._fields) + len(cls._attributes)
        if keys == _SMALL_DICT_KEYS + 1:
            cls.end_lineno = _END_LINENO  # type: ignore[attr-defined]
        elif keys == _SMALL_DICT_KEYS + 2 and "ctx" in cls._fields and _LOAD is not None:
            cls.end_lineno = _END_LINENO  # type: ignore[attr-defined]
            cls.ctx = _CTX  # type: ignore[attr-defined]
        elif keys == _SMALL_DICT_KEYS + 2 and "type_comment" in cls._fields:
            cls.end_lineno = _END_LINENO  # type: ignore[attr-defined]
            cls.type_comment = _TYPE_COMMENT  # type: ignore[attr-defined]

"""Where the name a client gave an uploaded file ends up in a path.

``FileStorage.filename`` is the name the client sent in the multipart body: any text,
``../../app.py`` and ``/etc/cron.d/x`` included. :func:`client_name_path` says whether a path
expression is built from it so that the client's text *starts a path segment* -- the only place
where ``..`` or an absolute path can climb out of the folder the path is meant to stay in.

A path is read as a sequence of pieces (:class:`Piece`): fixed text, a separator (the boundary
between ``os.path.join`` arguments or ``Path`` parts), the client's file name, or anything else
(a call, a configuration value: text that might end with ``/``). The client's name is harmless
where fixed text without a separator comes right before it in the same segment
(``f"{uuid4()}_{f.filename}"``): the system then needs a directory called ``<prefix>..`` to
climb, and none exists. A path that is normalised (``os.path.normpath``/``abspath``) loses that
protection: ``normpath("d/x_../../../app.py")`` is ``app.py``.

Calls other than path joins and the string methods that keep text end the trail
(``secure_filename(name)``, ``os.path.basename(name)``, ``uuid4().hex``), as in
:mod:`~flask_doctor.static.facts.taint`; so do ``name.split("/")[-1]`` and
``name.replace("/", "_")``, which drop every separator.
"""

from __future__ import annotations

import ast
import re

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts.flows import callers
from flask_doctor.static.facts.guards import allow_listed, bound_arguments, lets_through, whole_pattern
from flask_doctor.static.facts.taint import bindings, taint
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.names import dotted

#: Calls that join path parts: each argument starts a segment.
JOINS = frozenset(
    {"os.path.join", "posixpath.join", "ntpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"}
)
#: Calls that keep their argument's text as it is.
KEEPS = frozenset({"str", "os.fspath", "os.fsencode", "os.fsdecode", "os.path.expanduser"})
#: Calls that keep the text but resolve ``..`` in it (a same-segment prefix no longer protects).
NORMALISES = frozenset({"os.path.normpath", "os.path.abspath", "posixpath.normpath", "posixpath.abspath"})
#: String methods whose result keeps the receiver's text (and its separators).
TEXT_METHODS = frozenset(
    {"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title", "capitalize", "encode", "decode", "replace"}
)
#: Methods of a path object that resolve it.
PATH_NORMALISERS = frozenset({"resolve", "absolute"})
_SEPARATORS = ("/", "\\")
_FORMAT_FIELD = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdrif]|\{[^{}]*\}")


@dataclass(frozen=True)
class Piece:
    """One part of a path: ``text`` (fixed), ``sep`` (a join boundary), ``client`` (the client's file
    name, ``node`` is where it was read) or ``other`` (anything else)."""

    kind: str
    text: str = ""
    node: ast.AST | None = None
    #: the caller a client name came from, when it came through a parameter
    via: tuple[FunctionInfo, ast.Call] | None = None


@dataclass(frozen=True)
class ClientPath:
    """A path whose segment starts with the client's file name."""

    #: the ``x.filename`` read
    node: ast.AST
    #: where it entered, when a caller passed it in: (caller, call)
    via: tuple[FunctionInfo, ast.Call] | None


OTHER = Piece("other")
SEP = Piece("sep")


class _Reader:
    """Turns expressions of one function into pieces, following its locals and (one level) its callers."""

    def __init__(self, project: Project, fn: FunctionInfo, line: int, depth: int = 0) -> None:
        self.project, self.fn, self.line, self.depth = project, fn, line, depth
        self.normalised = False
        self._seen: set[str] = set()

    # -------------------------------------------------------------- sources
    def is_upload(self, node: ast.expr) -> tuple[FunctionInfo, ast.Call] | bool:
        """``node`` is an uploaded file: request data in this function, or a parameter a caller fills with one."""
        if taint(self.project, self.fn).source(node) is not None:
            return True
        if isinstance(node, ast.Name) and node.id in _parameters(self.fn) and self.depth == 0:
            for call, caller in callers(self.project).get(self.fn.qualname, ()):
                value = _argument(self.fn, call, node.id)
                if value is not None and taint(self.project, caller).source(value) is not None:
                    return caller, call
        return False

    # --------------------------------------------------------------- pieces
    def pieces(self, node: ast.AST) -> list[Piece]:
        if isinstance(node, ast.Constant):
            return [Piece("text", node.value)] if isinstance(node.value, str) else [OTHER]
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            if node.attr == "filename":
                upload = self.is_upload(node.value)
                if upload:
                    return [Piece("client", node=node, via=upload if isinstance(upload, tuple) else None)]
            return [OTHER]
        if isinstance(node, ast.JoinedStr):
            out: list[Piece] = []
            for value in node.values:
                out += self.pieces(value.value if isinstance(value, ast.FormattedValue) else value)
            return out
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                return self.pieces(node.left) + self.pieces(node.right)
            if isinstance(node.op, ast.Div):  # ``Path(folder) / name``
                return self.pieces(node.left) + [SEP] + self.pieces(node.right)
            if (
                isinstance(node.op, ast.Mod)
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
            ):
                values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return self._formatted(node.left.value, values)
            return [OTHER]
        if isinstance(node, ast.IfExp):
            body, orelse = self.pieces(node.body), self.pieces(node.orelse)
            return body if any(p.kind == "client" for p in body) else orelse
        if isinstance(node, ast.BoolOp):
            options = [self.pieces(v) for v in node.values]
            return next((o for o in options if any(p.kind == "client" for p in o)), [OTHER])
        if isinstance(node, (ast.Await, ast.Starred, ast.NamedExpr)):
            return self.pieces(node.value)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        return [OTHER]

    def _name(self, node: ast.Name) -> list[Piece]:
        if node.id in self._seen and not any(
            b.value.lineno < self.line for b in bindings(self.project, self.fn) if node.id in b.names
        ):
            return [OTHER]
        bound = [b for b in bindings(self.project, self.fn) if node.id in b.names]
        if bound:
            # the last binding before the line being read (``name = name.replace(...)`` reads the one before it)
            before = [b for b in bound if b.value.lineno < self.line] or bound
            chosen = max(before, key=lambda b: b.value.lineno)
            if chosen.kind.value in ("for", "async-for", "comprehension"):
                return [OTHER]  # ``for name in names``: an element of what was walked, not its text
            self._seen.add(node.id)
            line, self.line = self.line, chosen.value.lineno
            try:
                return self.pieces(chosen.value)
            finally:
                self._seen.discard(node.id)
                self.line = line
        if node.id in _parameters(self.fn) and self.depth == 0:
            return self._parameter(node.id)
        return [OTHER]

    def _parameter(self, name: str) -> list[Piece]:
        """What callers pass as ``name``: their client name, when one builds the argument from it."""
        for call, caller in callers(self.project).get(self.fn.qualname, ()):
            value = _argument(self.fn, call, name)
            if value is None:
                continue
            reader = _Reader(self.project, caller, call.lineno, self.depth + 1)
            found = reader.pieces(value)
            client = next((p for p in found if p.kind == "client"), None)
            if client is None or _guarded(self.project, caller, value, client.node):
                continue
            self.normalised |= reader.normalised
            return [Piece(p.kind, p.text, p.node, (caller, call)) if p.kind == "client" else p for p in found]
        return [OTHER]

    def _normalised(self, found: list[Piece]) -> list[Piece]:
        """Pieces that ``normpath``/``abspath``/``resolve()`` run over: ``..`` in the client's name is resolved
        against whatever precedes it, so a prefix in its segment no longer protects."""
        if any(p.kind == "client" for p in found):
            self.normalised = True
        return found

    def _formatted(self, template: str, values: list[ast.expr]) -> list[Piece]:
        out: list[Piece] = []
        position = 0
        for index, field in enumerate(_FORMAT_FIELD.finditer(template)):
            out.append(Piece("text", template[position : field.start()]))
            out += self.pieces(values[index]) if index < len(values) else [OTHER]
            position = field.end()
        out.append(Piece("text", template[position:]))
        return out

    def _subscript(self, node: ast.Subscript) -> list[Piece]:
        value = node.value
        if isinstance(node.slice, ast.Slice):
            return self.pieces(value)  # ``name[:100]``
        if not (isinstance(value, ast.Call) and value.args):
            return [OTHER]
        index = _constant(node.slice)
        name = dotted(value.func) or ""
        if (self.fn.imports.qualify(name) or name) in ("os.path.splitext", "posixpath.splitext"):
            # the stem keeps every separator of the name, the extension has none
            return self._client_only(value.args[0]) if index == 0 else [OTHER]
        if isinstance(value.func, ast.Attribute) and value.func.attr in ("split", "rsplit", "partition", "rpartition"):
            if _constant(value.args[0]) in _SEPARATORS:
                return [OTHER]  # ``name.split("/")[-1]``: no separator left
            return self._client_only(value.func.value)
        return [OTHER]

    def _client_only(self, node: ast.expr) -> list[Piece]:
        """A part of ``node``'s text: the client's name if it carries one (with whatever separators it holds)."""
        return [next((p for p in self.pieces(node) if p.kind == "client"), OTHER)]

    def _call(self, node: ast.Call) -> list[Piece]:
        func = node.func
        name = dotted(func) or ""
        qualified = self.fn.imports.qualify(name) or name
        if qualified in JOINS or name in ("os.path.join", "Path", "PurePath", "PosixPath"):
            out: list[Piece] = []
            for index, arg in enumerate(node.args):
                out += ([SEP] if index else []) + self.pieces(arg)
            return out or [OTHER]
        if qualified in NORMALISES or name in ("os.path.normpath", "os.path.abspath"):
            return self._normalised(self.pieces(node.args[0]) if node.args else [OTHER])
        if qualified in KEEPS or name in ("str", "os.fspath"):
            return self.pieces(node.args[0]) if node.args else [OTHER]
        if not isinstance(func, ast.Attribute):
            return [OTHER]
        receiver = func.value
        if isinstance(receiver, ast.Constant) and isinstance(receiver.value, str):
            if func.attr == "join" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
                out = []
                for index, element in enumerate(node.args[0].elts):
                    out += ([Piece("text", receiver.value)] if index else []) + self.pieces(element)
                return out
            if func.attr == "format":
                return self._formatted(receiver.value, list(node.args))
            return [OTHER]
        if func.attr in PATH_NORMALISERS:
            return self._normalised(self.pieces(receiver))
        if func.attr == "joinpath":
            out = self.pieces(receiver)
            for arg in node.args:
                out += [SEP] + self.pieces(arg)
            return out
        if func.attr == "replace" and node.args and _constant(node.args[0]) in _SEPARATORS:
            return [OTHER]  # ``name.replace("/", "_")``
        if func.attr in TEXT_METHODS:
            return self.pieces(receiver)
        return [OTHER]


def _constant(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _parameters(fn: FunctionInfo) -> set[str]:
    args = fn.node.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} - {"self", "cls"}


def _argument(fn: FunctionInfo, call: ast.Call, param: str) -> ast.expr | None:
    if any(isinstance(a, ast.Starred) for a in call.args):
        return next((kw.value for kw in call.keywords if kw.arg == param), None)
    return bound_arguments(fn, call).get(param)


def segment_start(pieces: list[Piece], normalised: bool) -> Piece | None:
    """The first client piece that a climb out of the folder can start from."""
    previous: Piece | None = None
    for piece in pieces:
        if piece.kind == "text" and not piece.text:
            continue
        if piece.kind == "client":
            if normalised or previous is None or previous.kind in ("sep", "other"):
                return piece
            if previous.kind == "text" and previous.text.endswith(_SEPARATORS):
                return piece
        previous = piece
    return None


#: Names whose presence in a function says it keeps a path inside its folder.
CONTAINMENT_WORDS = ("commonpath", "is_relative_to", "relative_to(", "safe_join")
_RESOLVERS = ("realpath", "abspath", "resolve(", "normpath")


def _guarded(project: Project, fn: FunctionInfo, target: ast.expr, name: ast.AST | None = None) -> bool:
    """The function holds the path inside its folder, or the name (``name``, the ``x.filename`` read) to a
    fixed set, before using it."""
    text = "\n".join(fn.module.lines[fn.node.lineno - 1 : (fn.node.end_lineno or fn.node.lineno)])
    if any(word in text for word in CONTAINMENT_WORDS):
        return True
    for node in ast.walk(fn.node):
        if isinstance(node, (ast.If, ast.IfExp, ast.Assert, ast.While)):
            test = ast.unparse(node.test)
            if "startswith" in test and any(r in test for r in _RESOLVERS):
                return True  # ``if not realpath(p).startswith(realpath(FOLDER)): abort(400)``
            if _refuses_separators(node.test) or (name is not None and _held_whole(fn, node, target, ast.dump(name))):
                return True
    return allow_listed(project, fn, target)


def _held_whole(fn: FunctionInfo, guard: ast.AST, target: ast.expr, name: str) -> bool:
    """``if not PATTERN.fullmatch(f.filename): abort(400)`` or ``if f.filename not in ALLOWED: abort(400)``:
    the very name read, held whole before the write (a deny-list, ``if f.filename in RESERVED: abort()``, is not)."""
    test = guard.test  # type: ignore[attr-defined]
    for part in ast.walk(test):
        if isinstance(part, ast.Call) and whole_pattern(part, fn) and any(ast.dump(a) == name for a in part.args):
            return _before(fn, guard, target) and (not isinstance(guard, ast.If) or _passes(guard, part, target, True))
        if (
            isinstance(part, ast.Compare)
            and ast.dump(part.left) == name
            and len(part.ops) == 1
            and isinstance(part.ops[0], (ast.In, ast.NotIn))
        ):
            return (
                isinstance(guard, ast.If)
                and _before(fn, guard, target)
                and _passes(guard, part, target, isinstance(part.ops[0], ast.In))
            )
    return False


def _before(fn: FunctionInfo, guard: ast.AST, target: ast.expr) -> bool:
    """Does ``guard`` hold ``target`` (it contains it, or comes before it in a block that contains it)?

    A check in one loop says nothing about the write in the next loop, even with the same names.
    """
    if any(node is target for node in ast.walk(guard)):
        return True
    for block_owner in ast.walk(fn.node):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(block_owner, field, None)
            if not isinstance(block, list) or not any(stmt is guard for stmt in block):
                continue
            index = next(i for i, stmt in enumerate(block) if stmt is guard)
            return any(node is target for stmt in block[index + 1 :] for node in ast.walk(stmt))
    return False


def _passes(guard: ast.If, test: ast.expr, target: ast.expr, passes_when: bool) -> bool:
    """:func:`~flask_doctor.static.facts.guards.lets_through`, and ``if not ok(name): continue`` in a loop."""
    if lets_through(guard, test, target, passes_when):
        return True
    if not guard.body or not isinstance(guard.body[-1], (ast.Continue, ast.Break)):
        return False
    whole = guard.test
    if isinstance(whole, ast.UnaryOp) and isinstance(whole.op, ast.Not):
        return whole.operand is test and passes_when
    return whole is test and not passes_when


def _refuses_separators(test: ast.expr) -> bool:
    """``".." in name``, ``"/" in name``, ``name.startswith("/")``: a test for what a climb needs."""
    for part in ast.walk(test):
        if (
            isinstance(part, ast.Compare)
            and isinstance(part.left, ast.Constant)
            and part.left.value in ("..", "/", "\\", "../")
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in part.ops)
        ):
            return True
    return False


def client_name_path(project: Project, fn: FunctionInfo, target: ast.expr) -> ClientPath | None:
    """Does ``target`` (a path ``fn`` writes to) start a segment with the client's name for an uploaded file?

    Not when ``fn`` holds the path inside its folder (``commonpath``, ``safe_join``, a ``realpath``
    prefix test), refuses names with ``..`` or ``/``, or holds the name to an allow-list or a
    whole-name pattern (:func:`~flask_doctor.static.facts.guards.allow_listed`).
    """
    reader = _Reader(project, fn, target.lineno)
    pieces = reader.pieces(target)
    found = segment_start(pieces, reader.normalised)
    if found is None or found.node is None or _guarded(project, fn, target, found.node):
        return None
    return ClientPath(found.node, found.via)


def upload_object(project: Project, fn: FunctionInfo, node: ast.expr) -> tuple[FunctionInfo, ast.Call] | bool:
    """``node`` is an uploaded file (``request.files[...]``, an element of ``request.files.getlist(...)``,
    or a parameter a caller fills with one): True, the (caller, call) that passes it, or False."""
    return _Reader(project, fn, getattr(node, "lineno", 0)).is_upload(node)


__all__ = ["ClientPath", "Piece", "client_name_path", "segment_start", "upload_object"]

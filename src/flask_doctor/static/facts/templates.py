"""Facts about Jinja templates: which file a view renders, and what its loops read.

The classic N+1 of a Flask page is written in a template: the view passes
query results (``render_template("posts.html", posts=Post.query.all())``)
and the template reads a lazy relationship (``{{ p.author.name }}``) or
calls a query-running method, filter or global on each row of a
``{% for p in posts %}`` loop.  The rules about per-row queries (FD202,
FD203) judge those reads with the same facts as Python loops; this module
gives them the loops, written as Python expressions.

* Reading: the engine reads the files of each module's template folder
  (``templates/`` next to the module, or the folder named by a constant
  ``template_folder=``), bounded in number and size
  (:func:`read_template_files`), into ``Project.templates``.
* Parsing: with Jinja's own parser (``Environment().parse``), never
  rendering anything nor importing the application; a template that does
  not parse (an unknown extension's tag, a syntax error) is skipped.  Without
  Jinja installed no template is read.
* Linking: a ``render_template("name.html", var=expr)`` call names the
  template by a constant; the file is looked up by that name in the
  template folders, the nearest to the calling module first (Flask looks in
  the application's folder, then in each blueprint's).
* Loops: ``{% for x in var %}`` (also ``var.items`` of a pagination
  object, or ``var|sort(...)``) whose ``var`` the view passes.  Their body is
  given as Python expressions (``x.author.name``, ``x.get_bills()``, a filter
  ``x.tags|excerpt`` as the call ``excerpt(x.tags)``) with the template's
  line numbers; an ``{% include %}`` in the body is read in too (one level).
  Macros called with the row and loops in a parent layout (``{% extends %}``)
  are not followed.
* Filters and globals: the project functions registered with
  ``@app.template_filter``/``template_global`` (and the blueprint
  ``app_`` forms), ``add_template_filter``/``add_template_global``,
  assignments into ``app.jinja_env.filters``/``globals`` and the functions
  a context processor returns in its dict (:func:`template_functions`).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.safe_text import printable
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import all_child_nodes, statements, walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, Project
    from flask_doctor.static.source import SourceModule

#: File names read as templates.
TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".xml", ".txt")
#: At most this many template files per project, each at most this many bytes.
MAX_TEMPLATES = 3000
MAX_TEMPLATE_BYTES = 512 * 1024
#: Directories below a template folder not walked (vendored assets, caches).
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", ".git", "static", "dist", "build"})
_TEMPLATE_FOLDER = re.compile(r"""template_folder\s*=\s*(["'])([^"'\\\n]{1,200})\1""")
#: Render functions whose first argument names a template file.
RENDER_CALLS = frozenset({"render_template", "stream_template"})
#: Jinja filters that keep the rows of what they filter (``posts|sort(attribute="name")``).
_ROW_FILTERS = frozenset({"sort", "reverse", "list", "unique", "select", "reject", "selectattr", "rejectattr"})


@dataclass(frozen=True, eq=False)
class TemplateFile:
    """A template file: its path (relative to the root, as findings show it), its folder and name in it."""

    path: str
    folder: str
    name: str
    text: str


def _folders(module: SourceModule) -> list[str]:
    """The template folders a module may declare: ``templates/`` next to it and ``template_folder="..."``."""
    names = ["templates"]
    names.extend(m.group(2) for m in _TEMPLATE_FOLDER.finditer(module.text) if "{" not in m.group(2))
    return list(dict.fromkeys(names))


def read_template_files(modules: Sequence[SourceModule], root: Path) -> dict[str, TemplateFile]:
    """The template files of the folders next to ``modules`` (display path -> file), bounded.

    Only folders inside ``root`` are read, links to directories are not followed, and a file that
    cannot be read (too large, not a regular file, not UTF-8) is left out.
    """
    from flask_doctor.bounded_read import read_text_bounded
    from flask_doctor.static.source import display_path

    try:
        top = root.resolve()
    except OSError:
        return {}
    found: dict[str, TemplateFile] = {}
    seen: set[Path] = set()
    # the modules of one package name the same folders: each is resolved (a few system calls) once
    asked: set[str] = set()
    for module in modules:
        base = (root / module.path).parent
        for name in _folders(module):
            candidate = base / name
            key = str(candidate)
            if key in asked:
                continue
            asked.add(key)
            try:
                folder = candidate.resolve()
            except (OSError, RuntimeError):
                continue
            if folder in seen or not folder.is_dir() or (folder != top and top not in folder.parents):
                continue
            seen.add(folder)
            shown_folder = display_path(folder, root)
            for path in template_paths(folder):
                if len(found) >= MAX_TEMPLATES:
                    return found
                try:
                    text = read_text_bounded(path, MAX_TEMPLATE_BYTES)
                except OSError:
                    continue
                shown = display_path(path, root)
                if shown not in found:
                    found[shown] = TemplateFile(shown, shown_folder, path.relative_to(folder).as_posix(), text)
    return found


def template_paths(folder: Path) -> Iterator[Path]:
    """The template files under ``folder``, sorted, at most :data:`MAX_TEMPLATES`; links to directories
    are not followed."""
    count = 0
    for directory, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for file_name in sorted(files):
            if file_name.endswith(TEMPLATE_SUFFIXES):
                count += 1
                if count > MAX_TEMPLATES:
                    return
                yield Path(directory) / file_name


def templates_from_sources(sources: dict[str, str]) -> dict[str, TemplateFile]:
    """In-memory template files (the examples' harness): non-Python files under a ``templates/`` directory."""
    found: dict[str, TemplateFile] = {}
    for path, text in sources.items():
        parts = path.split("/")
        if path.endswith(".py") or "templates" not in parts[:-1]:
            continue
        cut = parts.index("templates") + 1
        found[path] = TemplateFile(path, "/".join(parts[:cut]), "/".join(parts[cut:]), text)
    return found


def find_template(project: Project, module_path: str, name: str) -> TemplateFile | None:
    """The file ``render_template(name)`` in ``module_path`` renders: the nearest folder holding ``name``."""
    candidates = [t for t in project.templates.values() if t.name == name]
    if not candidates:
        return None
    here = module_path.split("/")[:-1]

    def shared(template: TemplateFile) -> int:
        folder = template.folder.split("/")[:-1]
        count = 0
        for a, b in zip(here, folder):
            if a != b:
                break
            count += 1
        return count

    return max(candidates, key=lambda t: (shared(t), -len(t.folder), t.path))


def _environment() -> Any:
    """A Jinja environment that only parses: templates are never rendered, and no app code is imported."""
    import jinja2  # a dependency of flask-doctor (and of Flask)

    extensions = ["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"]
    try:
        return jinja2.Environment(extensions=extensions)
    except Exception:  # pragma: no cover - an old Jinja without one of the extensions
        return jinja2.Environment()


@project_fact
def _jinja(project: Project) -> Any:
    return _environment()


@keyed_fact
def parsed_template(project: Project, path: str) -> Any:
    """The Jinja syntax tree of the template file at ``path``, or ``None`` (not read, does not parse)."""
    template = project.templates.get(path)
    env = _jinja(project)
    if template is None or env is None:
        return None
    try:
        return env.parse(template.text)
    except Exception:  # a syntax error, an unknown tag: the template is left out, never a crash
        return None


# ------------------------------------------------------------------ loops


@dataclass(eq=False)
class TemplateLoop:
    """A ``{% for var in rows %}`` loop of a rendered template, over rows the view passes.

    ``iterable`` is the view's expression for the rows (the keyword's value, or ``value.items`` for a
    pagination object); ``body`` the loop body as Python expressions carrying the template's line
    numbers; :meth:`location` maps any of them (or ``node``, the loop itself) to its template file.
    The body (with the templates it includes) is converted the first time it is asked for: rules ask
    only about loops over a query's rows, so most loops never need it.
    """

    var: str
    iterable: ast.expr
    node: ast.expr
    template: TemplateFile
    passed: ast.keyword
    jinja_loop: Any = field(repr=False, compare=False)  # the ``jinja2.nodes.For``
    project: Project = field(repr=False, compare=False)
    module_path: str = field(repr=False, compare=False)  # the module rendering it (finds included templates)

    @cached_property
    def _converted(self) -> tuple[list[ast.expr], dict[int, str]]:
        return _loop_body(self.project, self.module_path, self.template, self.jinja_loop)

    @property
    def body(self) -> list[ast.expr]:
        return self._converted[0]

    @property
    def paths(self) -> dict[int, str]:
        """Which template file (path) each node of an included template's part of :attr:`body` comes from."""
        return self._converted[1]

    def location(self, node: ast.AST) -> Location:
        path = self.paths.get(id(node), self.template.path)
        return Location(path, getattr(node, "lineno", 0) or 0, 0)

    @property
    def shown_name(self) -> str:
        return printable(self.template.name)


def _at(node: ast.expr, line: int) -> ast.expr:
    """``node`` with ``line`` on each node below it that has no line yet (contexts too).

    :func:`_python` builds bottom-up, each part already placed: a node with a line has one on every node
    below it (placed the same way), so the walk does not enter it again (placing a nested expression cost
    a walk of its parts at every level above them).
    """
    stack: list[ast.AST] = [node]
    while stack:
        sub = stack.pop()
        if getattr(sub, "lineno", None):
            continue
        sub.lineno = line  # type: ignore[attr-defined]
        sub.col_offset = 0  # type: ignore[attr-defined]
        sub.end_lineno = line  # type: ignore[attr-defined]
        sub.end_col_offset = 0  # type: ignore[attr-defined]
        stack += all_child_nodes(sub)
    return node


def _python(node: Any) -> ast.expr | None:
    """A Jinja expression as the Python expression it evaluates like (reads, calls), with its line."""
    from jinja2 import nodes

    line = getattr(node, "lineno", 0) or 0
    result: ast.expr | None
    if isinstance(node, nodes.Name):
        result = ast.Name(id=node.name, ctx=ast.Load())
    elif isinstance(node, nodes.Getattr):
        value = _python(node.node)
        result = ast.Attribute(value=value, attr=node.attr, ctx=ast.Load()) if value is not None else None
    elif isinstance(node, nodes.Getitem):
        value = _python(node.node)
        if value is None:
            return None
        arg = node.arg
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and arg.value.isidentifier():
            result = ast.Attribute(value=value, attr=arg.value, ctx=ast.Load())  # ``p["author"]`` reads it too
        else:
            result = ast.Subscript(value=value, slice=_python(arg) or ast.Constant(None), ctx=ast.Load())
    elif isinstance(node, (nodes.Call, nodes.Filter)):
        if isinstance(node, nodes.Filter):
            func: ast.expr | None = ast.Name(id=node.name, ctx=ast.Load())
            first = [_python(node.node)] if node.node is not None else []
        else:
            func, first = _python(node.node), []
        if func is None:
            return None
        args = [a for a in (*first, *(_python(a) for a in node.args)) if a is not None]
        keywords = [ast.keyword(arg=k.key, value=_python(k.value) or ast.Constant(None)) for k in node.kwargs]
        result = ast.Call(func=func, args=args, keywords=keywords)
    elif isinstance(node, nodes.Const):
        value = node.value if isinstance(node.value, (str, int, float, bool)) or node.value is None else None
        result = ast.Constant(value)
    elif isinstance(node, (nodes.If, nodes.CondExpr)):
        # ``{% if x %}...{% else %}...{% endif %}`` / ``a if x else b``: the test keeps its place, so rules see
        # what is only tested for truth (``{% if post.comments %}``) apart from what is rendered
        test = _python(node.test) or ast.Constant(None)
        if isinstance(node, nodes.If):
            body = _expressions(node.body)
            orelse = _expressions([*node.elif_, *node.else_])
        else:
            body = _python(node.expr1) or ast.Constant(None)
            orelse = _python(node.expr2) if node.expr2 is not None else ast.Constant(None)
            orelse = orelse or ast.Constant(None)
        result = ast.IfExp(test=test, body=body, orelse=orelse)
    elif isinstance(node, (nodes.And, nodes.Or)):
        left, right = _python(node.left), _python(node.right)
        operands = [p for p in (left, right) if p is not None]
        op: ast.boolop = ast.And() if isinstance(node, nodes.And) else ast.Or()
        result = ast.BoolOp(op=op, values=operands) if len(operands) == 2 else (operands[0] if operands else None)
    elif isinstance(node, nodes.Not):
        operand = _python(node.node)
        result = ast.UnaryOp(op=ast.Not(), operand=operand) if operand is not None else None
    elif isinstance(node, nodes.Node):
        parts = [p for p in (_python(c) for c in node.iter_child_nodes()) if p is not None]
        result = ast.Tuple(elts=parts, ctx=ast.Load())
    else:
        return None
    return _at(result, line) if result is not None else None


def _expressions(body: Sequence[Any]) -> ast.expr:
    """Jinja statements as one Python expression (a tuple of what each evaluates)."""
    return ast.Tuple(elts=[p for p in (_python(n) for n in body) if p is not None], ctx=ast.Load())


def _rows_of(node: Any, passed: dict[str, ast.keyword]) -> tuple[ast.keyword, ast.expr] | None:
    """What a loop's ``iter`` walks among the view's variables: ``posts``, ``page.items``, ``posts|sort``."""
    from jinja2 import nodes

    while isinstance(node, nodes.Filter) and node.name in _ROW_FILTERS and node.node is not None:
        node = node.node
    if isinstance(node, nodes.Name) and node.name in passed:
        keyword = passed[node.name]
        return keyword, keyword.value
    if (
        isinstance(node, nodes.Getattr)
        and node.attr == "items"
        and isinstance(node.node, nodes.Name)
        and node.node.name in passed
    ):
        keyword = passed[node.node.name]
        return keyword, ast.copy_location(ast.Attribute(value=keyword.value, attr="items", ctx=ast.Load()), keyword)
    return None


def _statements(body: Sequence[Any]) -> Iterator[Any]:
    """Every Jinja node under ``body`` (statements and expressions)."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(node.iter_child_nodes())))


@keyed_fact
def _for_loops(project: Project, path: str) -> tuple[Any, ...]:
    """Every ``{% for %}`` of the template file at ``path`` (Jinja's ``find_all`` order); none when it does not parse.

    Searched once per template: each ``render_template`` call of a template asks for its loops, and Jinja's
    search walks the whole template.
    """
    from jinja2 import nodes

    tree = parsed_template(project, path)
    return () if tree is None else tuple(tree.find_all(nodes.For))


#: A character of a Jinja name: anything but ASCII punctuation, control characters and white space (a
#: superset of Jinja's own name characters, which are Python's identifier characters).
_NAME_CHAR = r"[^\s\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
#: A ``{% for name in rows ... %}`` tag whose target is one name (in any parentheses), capturing the first
#: name of ``rows``; only when that name is not then indexed, called or read for an attribute other than
#: ``items`` (``rows[0]``, ``rows.all()``), which :func:`_rows_of` never takes.  Jinja's block start with
#: its ``-``/``+`` whitespace control, ``{%for`` and line breaks inside the tag included.
_FOR_ROWS = re.compile(
    rf"\{{%[-+]?\s*for(?!{_NAME_CHAR})[\s(]*{_NAME_CHAR}+[\s)]*in(?!{_NAME_CHAR})[\s(]*"
    rf"({_NAME_CHAR}+)(?!{_NAME_CHAR})(?![\s)]*(?:[\[(]|\.(?!\s*items(?!{_NAME_CHAR}))))"
)


def _may_loop_over(text: str, passed: dict[str, ast.keyword]) -> bool:
    """Whether the template text can hold a loop over a passed variable, asked before parsing it.

    Never false for a template that has one: such a loop is a ``{% for %}`` tag with a one-name target
    whose rows are a passed name, its ``items`` or either through filters (:func:`_rows_of`), so the tag
    matches :data:`_FOR_ROWS` with that name first after ``in``.  Loops with two names
    (``{% for topic, post in rows %}``) or over another variable's part (``result['posts']``) are not
    parsed for.
    """
    if "for" not in text:
        return False
    return any(match.group(1) in passed for match in _FOR_ROWS.finditer(text))


def _rendered_with_variables(
    project: Project, key: tuple[ast.Call, str]
) -> tuple[TemplateFile, dict[str, ast.keyword]] | None:
    """The project template a ``render_template("name.html", var=...)`` call renders, with the variables
    it passes by keyword; ``None`` for a computed name, no keyword variables or a template not found."""
    call, module_path = key
    if not project.templates or not call.args:
        return None
    first = call.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    passed = {kw.arg: kw for kw in call.keywords if kw.arg}
    if not passed:
        return None
    template = find_template(project, module_path, first.value)
    return None if template is None else (template, passed)


@keyed_fact
def rendered_loops(project: Project, key: tuple[ast.Call, str]) -> list[TemplateLoop]:
    """The loops over rows the view passes in the template a ``render_template(...)`` call renders.

    ``key`` is the call and the path of the module holding it.
    """
    found_template = _rendered_with_variables(project, key)
    if found_template is None:
        return []  # a loop is only kept when it walks a passed variable
    rendered, passed = found_template
    module_path = key[1]
    from jinja2 import nodes

    found: list[TemplateLoop] = []
    for template in _rendered_files(project, module_path, rendered):
        if not _may_loop_over(template.text, passed):
            continue
        for loop in _for_loops(project, template.path):
            if not isinstance(loop.target, nodes.Name):
                continue
            rows = _rows_of(loop.iter, passed)
            if rows is None:
                continue
            keyword, iterable = rows
            found.append(
                TemplateLoop(
                    loop.target.name,
                    iterable,
                    _at(ast.Name(id=loop.target.name, ctx=ast.Load()), loop.lineno),
                    template,
                    keyword,
                    loop,
                    project,
                    module_path,
                )
            )
    return found


#: How deep :func:`_rendered_files` follows ``{% include %}`` tags below the rendered template.
_INCLUDE_DEPTH = 3


#: ``{% include "rows.html" %}`` (optionally ``ignore missing`` and ``with context``): an include of one named
#: template that sees the including template's variables. A computed name, a list of names or ``without context``
#: does not match.
_INCLUDE = re.compile(
    r"\{%[-+]?\s*include\s+([\"'])([^\"'\n{}%]+)\1\s*(?:ignore\s+missing\s*)?(?:with\s+context\s*)?[-+]?%\}"
)


def _rendered_files(project: Project, module_path: str, template: TemplateFile) -> list[TemplateFile]:
    """The rendered template, then the templates it includes with its context (and they include), in order.

    ``{% include "bookmark-list.html" %}`` sees every variable the view passes, so a ``{% for b in bookmarks %}``
    written in the included file walks the view's rows as if it were written in place.  Includes ``without
    context`` do not see them; a computed name is not followed. The tags are read from the text (no Jinja parse:
    most templates include something, few of the included ones loop over what the view passes).
    """
    files = [template]
    seen = {template.path}
    frontier = [template]
    for _ in range(_INCLUDE_DEPTH):
        following: list[TemplateFile] = []
        for current in frontier:
            if "include" not in current.text:
                continue
            for match in _INCLUDE.finditer(_without_comments(current.text)):
                other = find_template(project, module_path, match.group(2))
                if other is None or other.path in seen:
                    continue
                seen.add(other.path)
                files.append(other)
                following.append(other)
        frontier = following
    return files


def _without_comments(text: str) -> str:
    """The template's text with its ``{# ... #}`` comments blanked (a commented-out include is not followed)."""
    return re.sub(r"\{#.*?#\}", "", text, flags=re.S) if "{#" in text else text


#: ``{% for name in obj.children %}``: a one-name target walking an attribute of a name, capturing both names;
#: only when the attribute is not then indexed, called or read further (``obj.children.all()``).
_FOR_COLLECTION = re.compile(
    rf"\{{%[-+]?\s*for(?!{_NAME_CHAR})[\s(]*{_NAME_CHAR}+[\s)]*in(?!{_NAME_CHAR})[\s(]*"
    rf"({_NAME_CHAR}+)\s*\.\s*({_NAME_CHAR}+)(?!{_NAME_CHAR})(?![\s)]*[\[(.])"
)


@keyed_fact
def rendered_collections(project: Project, key: tuple[ast.Call, str]) -> list[TemplateLoop]:
    """The loops over a collection of one object the view passes (``{% for c in post.comments %}``).

    ``key`` is the ``render_template(...)`` call and the path of the module holding it. Each loop's
    ``iterable`` is the view's expression for the object with the attribute read on it (``post.comments``
    of the keyword ``post=post``); whether that attribute is a collection relationship is the rule's to ask.
    Loops over a passed name or its page's ``items`` are :func:`rendered_loops`'s.
    """
    found_template = _rendered_with_variables(project, key)
    if found_template is None:
        return []
    template, passed = found_template
    module_path = key[1]
    if "for" not in template.text:
        return []
    if not any(m.group(1) in passed and m.group(2) != "items" for m in _FOR_COLLECTION.finditer(template.text)):
        return []
    from jinja2 import nodes

    found: list[TemplateLoop] = []
    for loop in _for_loops(project, template.path):
        walked = loop.iter
        while isinstance(walked, nodes.Filter) and walked.name in _ROW_FILTERS and walked.node is not None:
            walked = walked.node
        if not (
            isinstance(loop.target, nodes.Name)
            and isinstance(walked, nodes.Getattr)
            and walked.attr != "items"
            and isinstance(walked.node, nodes.Name)
            and walked.node.name in passed
        ):
            continue
        keyword = passed[walked.node.name]
        iterable = ast.copy_location(ast.Attribute(value=keyword.value, attr=walked.attr, ctx=ast.Load()), keyword)
        node = _at(ast.Name(id=loop.target.name, ctx=ast.Load()), loop.lineno)
        found.append(TemplateLoop(loop.target.name, iterable, node, template, keyword, loop, project, module_path))
    return found


def _loop_body(
    project: Project, module_path: str, template: TemplateFile, loop: Any
) -> tuple[list[ast.expr], dict[int, str]]:
    """A Jinja loop's body as Python expressions, then the templates it includes; and each included node's path."""
    from jinja2 import nodes

    paths: dict[int, str] = {}
    body: list[ast.expr] = []
    for node in loop.body:
        converted = _python(node)
        if converted is not None:
            body.append(converted)
    for include in (n for n in _statements(loop.body) if isinstance(n, nodes.Include)):
        if not (isinstance(include.template, nodes.Const) and isinstance(include.template.value, str)):
            continue
        other = find_template(project, module_path, include.template.value)
        other_tree = parsed_template(project, other.path) if other is not None else None
        if other is None or other_tree is None or other.path == template.path:
            continue
        for node in other_tree.body:
            converted = _python(node)
            if converted is not None:
                body.append(converted)
                paths.update((id(sub), other.path) for sub in ast.walk(converted))
    return body, paths


# ------------------------------------------------------------------ filters and globals

_FILTER_DECORATORS = frozenset({"template_filter", "app_template_filter", "template_global", "app_template_global"})
_PROCESSOR_DECORATORS = frozenset({"context_processor", "app_context_processor"})
_ADDERS = frozenset(
    {"add_template_filter", "add_template_global", "add_app_template_filter", "add_app_template_global"}
)
#: Words a module must contain to register a filter or global by assignment or by an adder call.
_REGISTRY_WORDS = ("filters", "globals", "add_template_", "add_app_template_")
#: Words a module must contain to name one of :data:`_ADDERS`.
_ADDER_WORDS = ("add_template_", "add_app_template_")


def _decorator_name(decorator: ast.expr) -> tuple[str, ast.Call | None]:
    call = decorator if isinstance(decorator, ast.Call) else None
    name = dotted(call.func if call is not None else decorator) or ""
    return name.rsplit(".", 1)[-1], call


def _given_name(call: ast.Call | None, position: int) -> str | None:
    if call is None:
        return None
    for kw in call.keywords:
        if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    if len(call.args) > position:
        arg = call.args[position]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None


def _returned_functions(project: Project, fn: FunctionInfo) -> Iterator[tuple[str, FunctionInfo]]:
    """``return dict(name=helper)`` / ``return {"name": helper}`` in a context processor."""
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        pairs: list[tuple[str, ast.expr]] = []
        value = node.value
        if isinstance(value, ast.Dict):
            pairs = [
                (k.value, v)
                for k, v in zip(value.keys, value.values)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
        elif isinstance(value, ast.Call) and dotted(value.func) == "dict":
            pairs = [(kw.arg, kw.value) for kw in value.keywords if kw.arg]
        for name, target in pairs:
            helper = _resolve(project, target, fn)
            if helper is not None:
                yield name, helper


def _resolve(project: Project, target: ast.expr, scope: FunctionInfo | None, module: Any = None) -> Any:
    name = dotted(target)
    if not name:
        return None
    where = module if module is not None else (scope.module if scope is not None else None)
    return project.resolve_function(name, scope, where) if where is not None else None


@project_fact
def template_functions(project: Project) -> dict[str, FunctionInfo]:
    """The project functions templates can call by name: filters, globals, context processors' functions."""
    found: dict[str, FunctionInfo] = {}
    for fn in project.functions.values():
        for decorator in getattr(fn.node, "decorator_list", []):
            name, call = _decorator_name(decorator)
            if name in _FILTER_DECORATORS:
                found.setdefault(_given_name(call, 0) or fn.name, fn)
            elif name in _PROCESSOR_DECORATORS:
                for given, helper in _returned_functions(project, fn):
                    found.setdefault(given, helper)
    for module in project.modules.values():
        if not any(word in module.text for word in _REGISTRY_WORDS):
            continue  # no ``.filters[...]``/``.globals[...]`` and no adder is named: nothing registered here
        for node in _registry_candidates(module):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr in ("filters", "globals")
                    and isinstance(target.slice, ast.Constant)
                    and isinstance(target.slice.value, str)
                ):
                    helper = _resolve(project, node.value, _scope(project, module, node), module)
                    if helper is not None:
                        found.setdefault(target.slice.value, helper)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                if node.func.attr in _ADDERS:
                    helper = _resolve(project, node.args[0], _scope(project, module, node), module)
                    if helper is not None:
                        found.setdefault(_given_name(node, 1) or helper.name, helper)
    return found


def _registry_candidates(module: SourceModule) -> list[ast.AST]:
    """The nodes of ``module`` :func:`template_functions` reads, in ``ast.walk``'s order.

    A module that names no adder (``add_template_filter``...) can register only by assignment
    (``env.filters["x"] = f``), and assignments are statements: their list costs a fraction of
    every node's (``globals`` alone, as in ``globals()``, let most view modules through).
    Non-ASCII text is walked whole: an identifier may be spelt there in characters that
    normalise to an adder's name.
    """
    text = module.text
    if text.isascii() and not any(word in text for word in _ADDER_WORDS):
        return statements(module.tree)
    return walk(module.tree)


def _scope(project: Project, module: SourceModule, node: ast.AST) -> FunctionInfo | None:
    """The innermost project function of ``module`` holding ``node`` (a factory registering filters)."""
    best = None
    for fn in project.functions.values():
        if fn.module is not module:
            continue
        start, end = fn.node.lineno, getattr(fn.node, "end_lineno", fn.node.lineno)
        if start <= getattr(node, "lineno", 0) <= end and (best is None or start >= best.node.lineno):
            best = fn
    return best


def template_call(project: Project, call: ast.Call) -> FunctionInfo | None:
    """The project filter or global a template call (``x|excerpt``, ``excerpt(x)``) reaches, if any."""
    name = call.func.id if isinstance(call.func, ast.Name) else None
    return template_functions(project).get(name) if name else None


__all__ = [
    "RENDER_CALLS",
    "TemplateFile",
    "TemplateLoop",
    "find_template",
    "parsed_template",
    "read_template_files",
    "RowCall",
    "rendered_collections",
    "rendered_loops",
    "template_call",
    "template_row_calls",
    "template_functions",
    "templates_from_sources",
]


@dataclass(frozen=True, eq=False)
class RowCall:
    """A template filter or global called with each row of a template loop over rows a view renders."""

    function: FunctionInfo
    view: FunctionInfo
    loop: TemplateLoop
    call: ast.Call
    rows: Any  # the rows' query (``facts.orm.queries.Query``)


@project_fact
def template_row_calls(project: Project) -> dict[str, list[RowCall]]:
    """For each project filter or global (by qualname), where a template calls it on each row of a query.

    Read from every view's ``render_template`` calls: ``{% for c in changes %}{{ c.tags|tags_excerpt }}``
    over ``changes = Change.query...all()`` runs ``tags_excerpt`` once per change.
    """
    from flask_doctor.static.facts.orm.queries import helper_context, loop_rows

    found: dict[str, list[RowCall]] = {}
    if not project.templates or not template_functions(project):
        return found
    for view in project.views():
        for name, call in view.calls:
            if name.rsplit(".", 1)[-1] not in RENDER_CALLS:
                continue
            loops = rendered_loops(project, (call, view.module.path))
            if not loops:
                continue
            ctx = helper_context(project, view)
            for loop in loops:
                rows = loop_rows(loop.iterable, ctx, helpers=True)
                if rows is None or rows.model is None:
                    continue
                for part in loop.body:
                    for sub in ast.walk(part):
                        if not isinstance(sub, ast.Call) or not any(
                            isinstance(n, ast.Name) and n.id == loop.var for a in sub.args for n in ast.walk(a)
                        ):
                            continue
                        helper = template_call(project, sub)
                        if helper is not None:
                            found.setdefault(helper.qualname, []).append(RowCall(helper, view, loop, sub, rows))
    return found

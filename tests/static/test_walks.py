"""The fast walks give what the plain definitions give, node for node and in the same order.

The model's dispatch edges, the rule walk and the builder each walk every
function body; they share one-pass or inlined versions of the definitions
in ``syntax`` and ``model.plugins`` (issue 13).  The order matters: edges
follow it, and so do the call chains shown as evidence.  Checked here on
this package's own source (a few hundred real modules).
"""

from __future__ import annotations

import ast
import functools
import textwrap
from pathlib import Path

import pytest

from flask_doctor.static.context import callee_names
from flask_doctor.static.facts.orm.models import _APP_ATTRIBUTE
from flask_doctor.static.facts.sites import calls_matching, calls_named, calls_with_keyword
from flask_doctor.static.model import build_project
from flask_doctor.static.model.plugins import LITERALS, own_body, own_nodes
from flask_doctor.static.model.project import Project
from flask_doctor.static.names import ImportTable
from flask_doctor.static.rules import all_rules
from flask_doctor.static.runner import _Walker, analyse_sources
from flask_doctor.static.source import SourceModule
from flask_doctor.static.syntax import child_nodes, statements, walk

SOURCES = sorted(Path(__file__).resolve().parents[2].joinpath("src", "flask_doctor").rglob("*.py"))


@functools.cache
def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in SOURCES]


def test_the_corpus_is_there() -> None:
    assert len(SOURCES) > 100


def test_own_body_sorts_own_nodes_by_kind_in_their_order() -> None:
    functions = 0
    for _, tree in _trees()[::3]:
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            functions += 1
            nodes = list(own_nodes(fn))
            body = own_body(fn)
            assert body.calls == [n for n in nodes if isinstance(n, ast.Call)]
            assert body.attributes == [n for n in nodes if isinstance(n, ast.Attribute)]
            assert body.loads == [
                n for n in nodes if isinstance(n, (ast.Name, ast.Attribute)) and isinstance(n.ctx, ast.Load)
            ]
            assert body.bindings == [n for n in nodes if isinstance(n, (ast.Assign, ast.For, ast.comprehension))]
            assert body.literals == [n for n in nodes if isinstance(n, LITERALS)]
            assert body.returns == [n for n in nodes if isinstance(n, ast.Return)]
    assert functions > 300


class _Recorder:
    """A rule that asks for every node type and records what it is given."""

    code = "FD999"
    call_names: frozenset[str] | None = None
    attribute_names: frozenset[str] | None = None

    def __init__(self, types: list[str]) -> None:
        self.types = types
        self.seen: list[ast.AST] = []

    def node_handlers(self) -> dict[str, str]:
        return {name: "record" for name in self.types}

    def record(self, node: ast.AST, ctx: object) -> None:
        self.seen.append(node)


def _preorder(node: ast.AST, out: list[ast.AST]) -> list[ast.AST]:
    out.append(node)
    for child in child_nodes(node):
        _preorder(child, out)
    return out


def test_the_rule_walk_visits_what_child_nodes_lists_in_preorder() -> None:
    types = [name for name, cls in vars(ast).items() if isinstance(cls, type) and issubclass(cls, ast.AST)]
    for path, tree in _trees()[::10]:
        recorder = _Recorder(types)
        module = SourceModule(path.name, path.stem, "", tree)
        _Walker([recorder], Project()).walk(module, lambda finding: None)  # type: ignore[list-item]
        assert recorder.seen == _preorder(tree, [])


_CALLS = """
from time import sleep as nap
import subprocess
from helpers import run

def view(client, handlers):
    nap(1)
    subprocess.run(["ls"])
    run()
    client.session.get(url)
    handlers["x"]()
    make()()
    client.session
"""


def test_calls_and_attributes_go_only_to_the_rules_that_named_them() -> None:
    sleeper, runner, getter, every, napper = (_Recorder(["Call"]) for _ in range(5))
    sleeper.call_names = frozenset({"sleep"})  # ``nap`` is ``time.sleep``: the resolved name counts
    napper.call_names = frozenset({"nap"})  # and so does the name as written
    runner.call_names = frozenset({"run"})  # ``subprocess.run`` and the imported ``run`` alike
    getter.call_names = frozenset({"get"})  # a method: its attribute, whatever the receiver
    sessions = _Recorder(["Attribute"])
    sessions.attribute_names = frozenset({"session"})
    module = SourceModule("app.py", "app", _CALLS, ast.parse(_CALLS))
    walker = _Walker([sleeper, runner, getter, every, sessions, napper], build_project([module]))  # type: ignore[list-item]
    walker.walk(module, lambda finding: None)
    assert [ast.unparse(n) for n in sleeper.seen] == ["nap(1)"]
    assert [ast.unparse(n) for n in napper.seen] == ["nap(1)"]
    assert [ast.unparse(n) for n in runner.seen] == ["subprocess.run(['ls'])", "run()"]
    assert [ast.unparse(n) for n in getter.seen] == ["client.session.get(url)"]
    assert len(every.seen) == 7  # ``handlers["x"]()`` and ``make()()`` name no callee: only rules without names
    assert [ast.unparse(n) for n in sessions.seen] == ["client.session", "client.session"]


def _example_sources(example) -> dict[str, str]:  # type: ignore[no-untyped-def]
    sources = {"app.py": textwrap.dedent(example.code).lstrip("\n")}
    sources.update({path: textwrap.dedent(text).lstrip("\n") for path, text in example.files.items()})
    return sources


def test_declared_names_change_no_finding_on_any_rule_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule that names its calls or attributes finds the same with the names ignored, on every example
    of every rule (aliased imports, methods of typed receivers, wrappers...)."""
    rules = all_rules()
    named = [c for c, cls in rules.items() if cls.call_names is not None or cls.attribute_names is not None]
    assert len(named) >= 15
    examples = [(ex, ex.preview) for cls in rules.values() for ex in (*cls.VALID, *cls.INVALID)]
    with_names = [_findings(ex, named, preview) for ex, preview in examples]
    for code in named:
        monkeypatch.setattr(rules[code], "call_names", None)
        monkeypatch.setattr(rules[code], "attribute_names", None)
    without = [_findings(ex, named, preview) for ex, preview in examples]
    assert with_names == without
    assert sum(map(len, with_names)) > 50


def _findings(example, codes: list[str], preview: bool) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    result = analyse_sources(_example_sources(example), select=codes, preview=preview)
    return sorted((f.code, f.location.path, f.location.line, f.message) for f in result.findings if f.location)


class _Crasher(_Recorder):
    code = "FD998"

    def record(self, node: ast.AST, ctx: object) -> None:
        super().record(node, ctx)
        raise ValueError("boom")


def test_a_rule_that_crashes_is_reported_once_per_module_and_the_others_still_run() -> None:
    crasher, recorder = _Crasher(["Name"]), _Recorder(["Name"])
    walker = _Walker([crasher, recorder], Project())  # type: ignore[list-item]
    findings: list = []
    for name in ("a", "b"):
        text = "x = y + z\n"
        walker.walk(SourceModule(f"{name}.py", name, text, ast.parse(text)), findings.append)
    assert [f.code for f in findings] == ["FD004", "FD004"]
    assert len(crasher.seen) == 2  # the first name of each module
    assert len(recorder.seen) == 6


def test_a_child_import_table_keeps_its_own_names_and_sees_only_earlier_module_imports() -> None:
    module = ImportTable()
    module.add_import(ast.parse("import os").body[0], "pkg.mod", False)  # type: ignore[arg-type]
    function = module.child()
    nested = function.child()
    module.add_import(ast.parse("import json").body[0], "pkg.mod", False)  # type: ignore[arg-type]
    function.add_import(ast.parse("from .util import helper").body[0], "pkg.mod", False)  # type: ignore[arg-type]
    assert module.aliases == {"os": "os", "json": "json"}
    assert function.aliases == {"os": "os", "helper": "pkg.util.helper"}
    assert nested.aliases == {"os": "os"}
    assert module.child() == ImportTable({"os": "os", "json": "json"})


@pytest.mark.parametrize("text", ["", "a = 1\n", "a = 1\r\nb = 2", "x = '''\n\n'''\n"])
def test_lines_are_the_split_text(text: str) -> None:
    module = SourceModule("m.py", "m", text, ast.parse(text))
    assert module.lines == text.splitlines()
    assert module.line(1) == (text.splitlines() or [""])[0]


_MATCH_AND_TRY_STAR = """
def f(value):
    match value:
        case {"k": v} if v:
            x.app = v
        case _:
            pass
    try:
        pass
    except* ValueError:
        y = lambda: (z := 1)
    else:
        w = [a for a in b if (c := a)]
    finally:
        q.app = None
"""


def test_statements_are_ast_walks_statements_in_its_order() -> None:
    kinds = (ast.stmt, ast.excepthandler, ast.match_case, ast.mod)
    trees = [tree for _, tree in _trees()] + [ast.parse(_MATCH_AND_TRY_STAR)]
    total = 0
    for tree in trees:
        expected = [n for n in ast.walk(tree) if isinstance(n, kinds)]
        assert statements(tree) == expected
        total += len(expected)
    assert total > 10_000


def test_the_call_site_index_lists_every_site_under_each_name_it_may_call() -> None:
    """``facts.sites``: a fact that asks for some names gets every site a plain loop over ``project.calls``
    could accept for them (by attribute, written name, builder's name, final import), in order."""
    root = SOURCES[0].parents[1]
    modules = [
        SourceModule(str(path.relative_to(root)), ".".join(path.relative_to(root).with_suffix("").parts), "", tree)
        for path, tree in _trees()
    ]
    project = build_project(modules)
    positions = {id(site): i for i, site in enumerate(project.calls)}
    expected: dict[str, list[int]] = {}
    for i, site in enumerate(project.calls):
        func = site.node.func
        if isinstance(func, ast.Attribute):
            keys = {func.attr}
        elif isinstance(func, ast.Name):
            table = site.function.imports if site.function else project.module_imports[site.module.name]
            keys = {func.id, site.name.rpartition(".")[2], (table.qualify(func.id) or "").rpartition(".")[2]} - {""}
        else:
            keys = {""}
        for key in keys:
            expected.setdefault(key, []).append(i)
    assert len(expected) > 500
    for key, wanted in expected.items():
        assert [positions[id(s)] for s in calls_named(project, [key])] == wanted
    pair = ["append", "get"]
    merged = sorted(set(expected["append"]) | set(expected["get"]))
    assert [positions[id(s)] for s in calls_named(project, pair)] == merged
    assert calls_matching(project, lambda name: name in pair) == calls_named(project, pair)
    with_keyword = [i for i, s in enumerate(project.calls) if any(k.arg in ("key", "default") for k in s.node.keywords)]
    assert [positions[id(s)] for s in calls_with_keyword(project, ["key", "default"])] == with_keyword


def test_walk_is_ast_walk_as_a_list() -> None:
    trees = [tree for _, tree in _trees()] + [ast.parse(_MATCH_AND_TRY_STAR), ast.parse("{**d, 'k': 1}\nf(*a, **k)")]
    total = 0
    for tree in trees:
        expected = list(ast.walk(tree))
        got = walk(tree)
        assert len(got) == len(expected) and all(a is b for a, b in zip(got, expected))
        total += len(expected)
    assert total > 100_000


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("db.app = app\n", True),
        ("db . app = app\n", True),
        ("(db.  # bound below\n    app) = app\n", True),
        ("db.\\\n    app = app\n", True),
        ("db.apple = 1\ncurrent_app.config\nx.app_id = 2\n", False),
    ],
)
def test_the_app_attribute_prefilter_sees_every_spelling(text: str, found: bool) -> None:
    """``app_bound_extensions`` skips a module whose ASCII source has no ``.app``: it must see every spelling."""
    assert bool(_APP_ATTRIBUTE.search(text)) is found
    targets = [
        t
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Attribute)
    ]
    assert any(t.attr == "app" for t in targets) is found


class _KeyChecker(_Recorder):
    """Asserts, at every call, that the dispatch keys hold the last segments of what ``ctx.resolve`` says and of
    the callee as written."""

    def record(self, node: ast.AST, ctx) -> None:  # type: ignore[no-untyped-def,override]
        func = node.func  # type: ignore[attr-defined]
        keys = callee_names(ctx, node)  # type: ignore[arg-type]
        if isinstance(func, ast.Attribute):
            assert keys == (func.attr,)
        elif isinstance(func, ast.Name):
            assert func.id in keys and (ctx.resolve(func) or "").rpartition(".")[2] in keys, ast.unparse(node)
        else:
            assert keys == ()
        self.seen.append(node)


def test_the_dispatch_keys_are_the_written_and_resolved_names_last_segments() -> None:
    root = SOURCES[0].parents[1]
    modules = [
        SourceModule(str(path.relative_to(root)), ".".join(path.relative_to(root).with_suffix("").parts), "", tree)
        for path, tree in _trees()[::5]
    ]
    modules.append(SourceModule("app.py", "app", _CALLS, ast.parse(_CALLS)))
    project = build_project(modules)
    checker = _KeyChecker(["Call"])
    walker = _Walker([checker], project)  # type: ignore[list-item]
    for module in modules:
        walker.walk(module, lambda finding: None)
    assert len(checker.seen) > 2_000

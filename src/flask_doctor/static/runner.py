"""Run the enabled rules over a project: parse once, walk once, dispatch by node type.

The walk visits every node of every module exactly once and calls only the
rules that asked for that node type (pyflakes' handler dispatch).  A rule
that crashes on some file becomes an FD004 finding for that file instead of
aborting the run.  Rule walks run in forked worker processes when the
project is large enough for that to pay.
"""

from __future__ import annotations

import ast
import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding, Location, Severity
from flask_doctor.rulebook import new_finding
from flask_doctor.static import slim_ast
from flask_doctor.static.context import callee_names
from flask_doctor.static.facts.templates import templates_from_sources
from flask_doctor.static.model import ModuleTooDeep, Project, build_project
from flask_doctor.static.model.connexion import FileReader
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.rules import all_rules
from flask_doctor.static.rules.base import Context, Rule
from flask_doctor.static.source import (
    SourceModule,
    SourceProblem,
    display_path,
    init_files,
    module_name_for,
    parse_source,
    read_source,
)
from flask_doctor.static.syntax import child_plan

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy import DeployModel

#: Below this many modules the cost of forking exceeds the gain.
PARALLEL_THRESHOLD = 150


@dataclass(eq=False)
class RunResult:
    """What running the rules over a project group gives."""

    findings: list[Finding] = field(default_factory=list)
    modules: list[SourceModule] = field(default_factory=list)
    files_checked: int = 0
    project: Project | None = None


#: Python 3.11+ calls Python functions without using the C stack, so the
#: model builder and the walker may recurse this deep on generated code
#: (600-term concatenations, 900-branch ``elif`` chains) without risk.
DEEP_RECURSION_LIMIT = 12_000


@contextlib.contextmanager
def deeper_recursion() -> Iterator[None]:
    """Raise the recursion limit for a run when the interpreter allows it safely."""
    previous = sys.getrecursionlimit()
    if sys.version_info >= (3, 11) and previous < DEEP_RECURSION_LIMIT:
        sys.setrecursionlimit(DEEP_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def build_model(
    modules: Sequence[SourceModule],
    entry_points: Mapping[str, Sequence[str]] | None = None,
    read_file: FileReader | None = None,
    **names: Iterable[str],
) -> tuple[Project, list[SourceModule], list[Finding]]:
    """The project model, leaving out (and reporting as FD002) any module too deep to walk.

    The rest of the project is still modelled and checked: one generated file
    must not cost the findings of every other file.
    """
    kept = list(modules)
    problems: list[Finding] = []
    while True:
        try:
            return build_project(kept, entry_points=entry_points, read_file=read_file, **names), kept, problems
        except ModuleTooDeep as exc:
            kept = [m for m in kept if m is not exc.module]
            problems.append(
                problem_finding(exc.module.path, SourceProblem("FD002", "nesting too deep to analyse; not checked"))
            )


def problem_finding(path: str, problem: SourceProblem) -> Finding:
    """FD001 (does not parse) or FD002 (unreadable) for one file."""
    return new_finding(
        problem.code,
        surface="check",
        message=problem.message,
        location=Location(path, problem.line, problem.column),
        hint="The rest of the project was still checked." if problem.code == "FD001" else "",
    )


def internal_error(path: str, rule: str, exc: BaseException, line: int = 0) -> Finding:
    import traceback  # only when a rule crashed: not worth importing on every run

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return new_finding(
        "FD004",
        surface="check",
        message=f"rule {rule} crashed on this file: {exc.__class__.__name__}: {exc}{where}",
        location=Location(path, line, 0),
        hint="Please report this with the file (or a reduced copy); the other rules still ran.",
    )


class _Walker:
    """Walks one module and dispatches nodes to the rules that want them."""

    def __init__(self, rules: Sequence[Rule], project: Project) -> None:
        self.project = project
        self.handlers: dict[str, list[tuple[Rule, Callable[..., None]]]] = {}
        for rule in rules:
            for node_type, method in rule.node_handlers().items():
                self.handlers.setdefault(node_type, []).append((rule, getattr(rule, method)))
        self.wanted = set(self.handlers)
        self._by_class = {getattr(ast, name): entries for name, entries in self.handlers.items() if hasattr(ast, name)}
        #: Calls and attributes go only to the rules that declared the name (``Rule.call_names``,
        #: ``Rule.attribute_names``) or none: each name's handlers, in rule order, listed on first use.
        self._call_memo: dict[str | tuple[str, ...], list[tuple[Rule, Callable[..., None]]]] = {}
        #: Each rule's call names, with those only this project shows (:meth:`Rule.project_call_names`).
        self._call_names = {
            rule: rule.call_names | extra(project)
            if (extra := getattr(rule, "project_call_names", None))
            else rule.call_names
            for rule in rules
            if rule.call_names is not None
        }
        self._attribute_memo: dict[str | None, list[tuple[Rule, Callable[..., None]]]] = {}

    def walk(self, module: SourceModule, sink: Callable[[Finding], None]) -> None:
        ctx = Context(module, self.project, sink)
        function_at = self.project.function_at
        path = module.path
        # This module's dispatch table: a rule that crashes leaves it (for this module only).
        by_class = dict(self._by_class)
        function_classes = (ast.FunctionDef, ast.AsyncFunctionDef)
        ancestors = ctx.ancestors
        plans: dict[type, tuple[tuple[str, bool], ...]] = {}
        node_class = ast.AST

        call_class, attribute_class = ast.Call, ast.Attribute
        call_entries = by_class.pop(call_class, [])
        attribute_entries = by_class.pop(attribute_class, [])
        # shared by every module until a rule crashes in this one
        call_memo, attribute_memo = self._call_memo, self._attribute_memo
        # nodes without child nodes that no rule asks for: not worth a call each (names and constants are
        # about half of all nodes)
        leaves = frozenset(
            cls for cls in (ast.Name, ast.Constant, ast.alias, ast.Pass, ast.Break, ast.Continue) if cls not in by_class
        )

        def drop(failed: Rule) -> None:
            nonlocal call_entries, attribute_entries, call_memo, attribute_memo
            for cls, entries in list(by_class.items()):
                if any(rule is failed for rule, _ in entries):
                    by_class[cls] = [entry for entry in entries if entry[0] is not failed]
            call_entries = [entry for entry in call_entries if entry[0] is not failed]
            attribute_entries = [entry for entry in attribute_entries if entry[0] is not failed]
            call_memo, attribute_memo = {}, {}

        if_class = ast.If

        def visit(node: ast.AST) -> None:
            cls = node.__class__
            if cls is call_class:
                func = node.func  # type: ignore[attr-defined]
                # ``callee_names``, its commonest case (a method: its attribute) inlined
                key = func.attr if func.__class__ is attribute_class else callee_names(ctx, node)  # type: ignore[arg-type]
                entries = call_memo.get(key)
                if entries is None:
                    names = key if key.__class__ is tuple else (key,)
                    entries = call_memo[key] = [
                        (rule, handler)
                        for rule, handler in call_entries
                        if rule.call_names is None or not self._call_names[rule].isdisjoint(names)
                    ]
            elif cls is attribute_class:
                key = node.attr  # type: ignore[attr-defined]
                entries = attribute_memo.get(key)
                if entries is None:
                    entries = attribute_memo[key] = [
                        (rule, handler)
                        for rule, handler in attribute_entries
                        if rule.attribute_names is None or key in rule.attribute_names
                    ]
            else:
                entries = by_class.get(cls)
            if entries:
                for rule, handler in entries:
                    try:
                        handler(node, ctx)
                    except Exception as exc:  # one rule's bug must not stop the others
                        drop(rule)
                        sink(internal_error(path, rule.code, exc, getattr(node, "lineno", 0)))
            plan = plans.get(cls)
            if plan is None:
                plan = plans[cls] = child_plan(cls)
            # the children, as ``syntax.child_nodes`` lists them (inlined: this runs for every node)
            children: list[ast.AST] = []
            for name, sparse in plan:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    if sparse:
                        children.extend([item for item in value if isinstance(item, node_class)])
                    else:
                        children += value
                elif isinstance(value, node_class):
                    children.append(value)
            if not children:
                return
            ancestors.append(node)
            if cls in function_classes:
                info = function_at.get((path, node.lineno, node.col_offset))  # type: ignore[attr-defined]
                if info is not None:
                    saved = ctx.function
                    ctx.function = info
                    ctx.functions.append(info)
                    for child in children:
                        if child.__class__ not in leaves:
                            visit(child)
                    ctx.functions.pop()
                    ctx.function = saved
                    ancestors.pop()
                    return
            elif cls is if_class and ctx.function is None and _is_main_guard(node):  # type: ignore[arg-type]
                ctx.in_main = True
                for child in children:
                    if child.__class__ not in leaves:
                        visit(child)
                ctx.in_main = False
                ancestors.pop()
                return
            for child in children:
                if child.__class__ not in leaves:
                    visit(child)
            ancestors.pop()

        try:
            visit(module.tree)
        except RecursionError:
            sink(problem_finding(path, SourceProblem("FD002", "nesting too deep to analyse")))
        finally:
            # ``visit`` refers to itself: with the collector paused for the run, that cycle kept
            # every module's Context and its memo tables alive until the end.
            visit = None  # type: ignore[assignment]


def _is_main_guard(node: ast.If) -> bool:
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


# Worker state inherited through fork.
_WORK: tuple[list[SourceModule], _Walker] | None = None


def _walk_chunk(indices: list[int]) -> list[tuple[int, list[Finding]]]:
    """Walk the modules at ``indices`` (in a worker): each module's findings, by index."""
    assert _WORK is not None
    modules, walker = _WORK
    found: list[tuple[int, list[Finding]]] = []
    for i in indices:
        mine: list[Finding] = []
        walker.walk(modules[i], mine.append)
        found.append((i, mine))
    return found


def _shares(count: int, jobs: int) -> list[list[int]]:
    """Module indices for the parent (first) and each of ``jobs - 1`` workers, interleaved.

    The parent also runs the project rules while the workers walk, so it
    takes one module in ``2 * jobs - 1`` and the workers share the rest.
    """
    stride = 2 * jobs - 1
    shares: list[list[int]] = [[] for _ in range(jobs)]
    worker = 0
    for i in range(count):
        if i % stride == 0:
            shares[0].append(i)
        else:
            shares[1 + worker].append(i)
            worker = (worker + 1) % (jobs - 1)
    return shares


def _project_rules(rules: Sequence[Rule], project: Project, sink: Callable[[Finding], None]) -> None:
    for rule in rules:
        if type(rule).check_project is Rule.check_project:
            continue
        try:
            rule.check_project(project, sink)
        except Exception as exc:
            sink(internal_error("(project)", rule.code, exc))


def _can_fork() -> bool:
    """Whether worker processes can be forked here.

    :mod:`multiprocessing` (with :mod:`socket` and :mod:`pickle`) is imported
    only when ``--jobs`` asks for workers: one process is the default, and
    the import would otherwise be a few per cent of every run's start-up.
    """
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def run_rules(
    modules: Sequence[SourceModule],
    project: Project,
    rules: Sequence[Rule],
    jobs: int | None = None,
) -> list[Finding]:
    """All findings of ``rules`` over ``modules`` (node rules, then project rules).

    With ``jobs`` > 1 (and ``fork``), ``jobs - 1`` forked workers walk most
    modules while this process walks the rest and runs the project rules;
    the findings come back in the order one process gives them.
    """
    global _WORK
    findings: list[Finding] = []
    node_rules = [r for r in rules if r.node_handlers()]
    walker = _Walker(node_rules, project)
    # One process by default: on 2 cores the workers cost more CPU than they save wall time
    # (each computes again the facts the walk asks; copy-on-write copies the trees they touch).
    jobs = jobs if jobs is not None else 1
    use_pool = jobs > 1 and len(modules) >= PARALLEL_THRESHOLD and sys.platform != "darwin" and _can_fork()
    if not use_pool:
        for module in modules:
            walker.walk(module, findings.append)
        _project_rules(rules, project, findings.append)
        return findings
    _WORK = (list(modules), walker)
    by_module: dict[int, list[Finding]] = {}
    project_findings: list[Finding] = []
    try:
        shares = _shares(len(modules), jobs)
        import multiprocessing  # see _can_fork

        with multiprocessing.get_context("fork").Pool(jobs - 1) as pool:
            walked = pool.map_async(_walk_chunk, shares[1:])
            for i in shares[0]:
                mine: list[Finding] = []
                walker.walk(modules[i], mine.append)
                by_module[i] = mine
            _project_rules(rules, project, project_findings.append)
            for part in walked.get():
                by_module.update(part)
    finally:
        _WORK = None
    for i in range(len(modules)):
        findings.extend(by_module[i])
    findings.extend(project_findings)
    return findings


def analyse_sources(
    sources: dict[str, str],
    *,
    select: Iterable[str] | None = None,
    production_configs: Iterable[str] = (),
    deploy: DeployModel | None = None,
    preview: bool = False,
) -> RunResult:
    """Check in-memory sources (``{"app.py": "..."}``): the examples' test harness.

    Module names come from the paths (``pkg/__init__.py`` -> ``pkg``).
    """
    modules: list[SourceModule] = []
    findings: list[Finding] = []
    paths = set(sources)
    for path, text in sorted(sources.items()):
        if not path.endswith(".py"):
            continue
        tree, problem = parse_source(text, path)
        if tree is None:
            assert problem is not None
            findings.append(problem_finding(path, problem))
            continue
        parts = path[:-3].split("/")
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name_parts = [parts[-1]] if parts else ["__root__"]
        i = len(parts) - 1
        while (
            i > 0
            and (
                "/".join(parts[:i]) + "/__init__.py" in paths
                # a folder without ``__init__.py`` inside a package: a namespace package (PEP 420)
                or (i > 1 and "/".join(parts[: i - 1]) + "/__init__.py" in paths and parts[i - 1].isidentifier())
            )
        ):
            name_parts.insert(0, parts[i - 1])
            i -= 1
        name = ".".join(name_parts)
        modules.append(SourceModule(path, name, text, tree, is_package))
    deploy = deploy if deploy is not None else _deploy_from_sources(sources)
    with deeper_recursion():
        project, modules, problems = build_model(
            modules,
            entry_points=deploy.entry_points if deploy is not None else None,
            read_file=sources.get,
            production_names=production_configs,
        )
    findings.extend(problems)
    project.deploy = deploy
    project.templates = templates_from_sources(sources)
    codes = set(select) if select is not None else None
    rules = [
        cls(project, preview=preview)
        for code, cls in all_rules().items()
        if codes is None or any(code.startswith(c) for c in codes)
    ]
    with deeper_recursion():
        findings.extend(run_rules(modules, project, rules, jobs=1))
    return RunResult(findings=findings, modules=modules, files_checked=len(sources), project=project)


def _deploy_from_sources(sources: dict[str, str]) -> DeployModel | None:
    """The deploy model of in-memory deploy files (``Dockerfile``, compose...) in ``sources``.

    The deploy parser reads files from disk, so the examples' deploy files
    are written to a temporary directory first; ``None`` when there are none.
    """
    from flask_doctor.static.deploy import deploy_kind, parse_deploy_files
    from flask_doctor.static.deploy.kinds import gunicorn_settings_candidate, is_gunicorn_settings_module

    wanted = {
        p: t
        for p, t in sources.items()
        if deploy_kind(Path(p), at_root="/" not in p) is not None
        or (gunicorn_settings_candidate(p.rsplit("/", 1)[-1]) and is_gunicorn_settings_module(t))
        or p.endswith(".sh")  # a start script is read when a Dockerfile names it
    }
    if not wanted:
        return None
    import tempfile  # only for deploy files given as text (tests, the fixture harness)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = []
        for rel, text in wanted.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            paths.append(target)
        return parse_deploy_files(paths, root)


@dataclass(frozen=True)
class NotChecked:
    """A file left unchecked because it is written for a newer Python than the one running the check.

    Not a finding: nothing is wrong in the file (``def first[T](...)`` is
    valid Python 3.12). The run reports it beside the findings (a summary
    line, ``extra.files_not_checked`` in JSON, a tool notification in SARIF),
    so that the file is never taken for checked and clean.
    """

    path: str
    line: int
    reason: str
    hint: str


#: Source size from which trees are held in the slimmer node layout (:mod:`flask_doctor.static.slim_ast`): a
#: tenth less memory for one or two hundredths more instructions (the node properties), worth it only where
#: the trees are large (about 100k lines; FlaskBB is 0.6 MB, calibreweb 1.4 MB).
SLIM_TREES_FROM_BYTES = 4_000_000


def _source_bytes(paths: Sequence[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            pass  # read_source reports it
    return total


def load_modules(
    paths: Sequence[Path], root: Path, deploy_files: Sequence[Path] = ()
) -> tuple[list[SourceModule], list[Finding], list[NotChecked]]:
    """Read and parse every file; files this Python cannot parse get a second chance.

    A file that is a syntax error here may be valid for the Python the project
    targets (PEP 701 f-strings under 3.11): it is parsed again by a newer
    installed interpreter (:mod:`flask_doctor.static.grammar`). Without one, a
    file that fails on newer syntax is not a finding but a file the run says it
    did not check.
    """
    modules: list[SourceModule] = []
    problems: list[Finding] = []
    unparsed: list[tuple[Path, str, str, SourceProblem]] = []
    has_init = init_files()
    if _source_bytes(paths) >= SLIM_TREES_FROM_BYTES:
        slim_ast.install()
    for path in paths:
        rel = display_path(path, root)
        text, problem = read_source(path)
        if text is None:
            assert problem is not None
            problems.append(problem_finding(rel, problem))
            continue
        tree, problem = parse_source(text, rel)
        if tree is None:
            assert problem is not None
            if problem.code == "FD001":
                unparsed.append((path, rel, text, problem))
            else:
                problems.append(problem_finding(rel, problem))
            continue
        name, is_package = module_name_for(path, root, has_init)
        modules.append(SourceModule(rel, name, text, tree, is_package))
    skipped: list[NotChecked] = []
    if unparsed:
        recovered, left, skipped = _parse_with_newer_python(unparsed, root, deploy_files)
        modules.extend(recovered)
        problems.extend(left)
    return modules, problems, skipped


def _parse_with_newer_python(
    unparsed: list[tuple[Path, str, str, SourceProblem]], root: Path, deploy_files: Sequence[Path]
) -> tuple[list[SourceModule], list[Finding], list[NotChecked]]:
    from flask_doctor.static import grammar

    modules: list[SourceModule] = []
    problems: list[Finding] = []
    skipped: list[NotChecked] = []
    interpreters = grammar.newer_interpreters()
    if interpreters:
        answers = grammar.reparse([(rel, text) for _, rel, text, _ in unparsed], interpreters[0])
        for (path, rel, text, problem), answer in zip(unparsed, answers):
            if answer.tree is not None:
                name, is_package = module_name_for(path, root)
                modules.append(SourceModule(rel, name, text, answer.tree, is_package))
            else:
                problems.append(_unparsed(rel, text, problem))
        return modules, problems, skipped
    target = grammar.target_minor(root, deploy_files)
    here = sys.version_info[:2]
    for _, rel, text, problem in unparsed:
        newer = target is not None and target[0] > here[1]
        construct = _newer_construct(text, problem)
        if construct is not None and (newer or (target is None and construct[1] == _TYPE_PARAMETERS)):
            skipped.append(_not_checked(rel, problem, construct, target if newer else None))
        elif newer:
            assert target is not None
            problems.append(_needs_newer_python(rel, problem, target))
        else:
            problems.append(_unparsed(rel, text, problem))
    return modules, problems, skipped


_TYPE_PARAMETERS = "PEP 695, Python 3.12"
#: Syntax added after 3.11, matched on the line the parser stopped at; compiled only for a file that does
#: not parse. A type parameter list is accepted by no older Python, whatever the project declares.
_NEWER_LINE = (
    (on_first_use(r"^\s*(?:async\s+)?def\s+\w+\s*\["), "a generic function", _TYPE_PARAMETERS),
    (on_first_use(r"^\s*class\s+\w+\s*\["), "a generic class", _TYPE_PARAMETERS),
    (on_first_use(r"^\s*type\s+\w+\s*(?:\[[^\]]*\]\s*)?="), "a `type` alias statement", _TYPE_PARAMETERS),
)


def _newer_construct(text: str, problem: SourceProblem) -> tuple[str, str] | None:
    """The newer-Python construct on the line that does not parse (what, which PEP), if that is what it is.

    An f-string this parser rejects (``f"{user["name"]}"``) is valid from 3.12 (PEP 701): counted only when
    the project targets a newer Python, since under the Python it targets it is a real error.
    """
    if problem.message.startswith("syntax error: f-string"):
        return "an f-string", "PEP 701, Python 3.12"
    lines = text.splitlines()
    if not 1 <= problem.line <= len(lines):
        return None
    line = lines[problem.line - 1]
    return next(((what, pep) for pattern, what, pep in _NEWER_LINE if pattern().search(line)), None)


def _not_checked(
    path: str, problem: SourceProblem, construct: tuple[str, str], target: tuple[int, str] | None
) -> NotChecked:
    what, pep = construct
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    minor = target[0] if target is not None else 12
    targets = f"; the project targets Python 3.{minor} ({target[1]})" if target is not None else ""
    return NotChecked(
        path,
        problem.line,
        f"{what} at line {problem.line} is newer syntax ({pep}) than Python {here} running the check parses{targets}",
        f"Install python3.{minor} (flask-doctor parses such files with it) or run flask-doctor under Python 3.{minor}.",
    )


#: Python 2 constructs, matched on the line the parser stopped at (with the parser's message); compiled only
#: for a file that does not parse.
_PYTHON2_LINE = (
    (on_first_use(r"^\s*print\s+[^\s(=.\[]"), "a print statement"),
    (on_first_use(r"^\s*exec\s+[\"'\w]"), "an exec statement"),
    (on_first_use(r"\bexcept\s+[\w.]+\s*,\s*\w+\s*:"), "`except X, e:`"),
    (on_first_use(r"^\s*raise\s+[\w.]+\s*,"), "`raise X, message`"),
    (on_first_use(r"`[^`\n]+`"), "backquote repr"),
    (on_first_use(r"<>"), "the `<>` operator"),
    (on_first_use(r"\b(?:ur|UR|uR|Ur)[\"']"), "a `ur` string prefix"),
)


def _python2_construct(text: str, problem: SourceProblem) -> str | None:
    """The Python 2 construct on the line that does not parse, if that is what it is."""
    if "Missing parentheses in call to 'print'" in problem.message:
        return "a print statement"
    if "leading zeros in decimal integer literals" in problem.message:
        return "an old-style octal literal"
    lines = text.splitlines()
    if not 1 <= problem.line <= len(lines):
        return None
    line = lines[problem.line - 1]
    return next((what for pattern, what in _PYTHON2_LINE if pattern().search(line)), None)


def _unparsed(path: str, text: str, problem: SourceProblem) -> Finding:
    """FD001: an error, unless the file is plainly Python 2 (no Python 3 interpreter can check it)."""
    construct = _python2_construct(text, problem)
    if construct is None:
        return problem_finding(path, problem)
    return new_finding(
        "FD001",
        surface="check",
        severity=Severity.NOTE,
        message=f"not checked: written for Python 2 ({construct} at line {problem.line}); no rule checked this file",
        location=Location(path, problem.line, problem.column),
        hint="Port the file to Python 3 (or exclude it if it is not used); the rest of the project was still checked.",
    )


def _needs_newer_python(path: str, problem: SourceProblem, target: tuple[int, str]) -> Finding:
    """Say less than an error: the file is probably valid for the Python the project targets."""
    minor, source = target
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return new_finding(
        "FD001",
        surface="check",
        severity=Severity.NOTE,
        message=(
            f"not checked: {problem.message} under Python {here}, but the project targets Python 3.{minor} "
            f"({source}); no rule checked this file"
        ),
        location=Location(path, problem.line, problem.column),
        hint=f"Install python3.{minor} (flask-doctor parses such files with it) or run flask-doctor under Python 3.{minor}.",
    )

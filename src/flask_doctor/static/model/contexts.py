"""Propagate contexts (request, job, cli, ...) from roots along the call graph."""

from __future__ import annotations

from collections import deque

from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model.dispatch import DispatchEdges
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import (
    CLI,
    FACTORY,
    JOB,
    MAIN,
    REQUEST,
    TEST,
    FunctionInfo,
)
from flask_doctor.static.model.workers import WORKER_ROLES
from flask_doctor.static.names import dotted

_ROLE_CONTEXT = {
    "view": REQUEST,
    "hook": REQUEST,
    "error_handler": REQUEST,
    "socket_handler": REQUEST,
    "task": JOB,
    "cli": CLI,
    "factory": FACTORY,
    "test": TEST,
    "callback": REQUEST,
    **dict.fromkeys(WORKER_ROLES, JOB),
}


def propagate_contexts(project: Project) -> None:
    """Breadth-first from every root along the call graph and the dispatch edges (``model.dispatch``)."""
    edges = DispatchEdges(project)
    queue: deque[tuple[FunctionInfo, str]] = deque()
    nested: dict[str, list[FunctionInfo]] = {}
    for candidate in project.functions.values():
        if candidate.parent is not None:
            nested.setdefault(candidate.parent.qualname, []).append(candidate)
    for fn in project.functions.values():
        in_test_file = is_test_path(fn.module.path)
        for role in fn.roles:
            ctx = _ROLE_CONTEXT.get(role)
            if in_test_file and ctx is not None:
                # a job, view or command a test defines runs under the test runner, never in production:
                # what it calls is test code, not request or job code
                ctx = TEST
            if ctx and ctx not in fn.contexts:
                fn.contexts.add(ctx)
                queue.append((fn, ctx))
    for site in project.main_calls:
        fn = project.resolve_function(dotted(site.node.func) or "", None, site.module)
        if fn is not None and MAIN not in fn.contexts:
            fn.contexts.add(MAIN)
            queue.append((fn, MAIN))
    test_files: dict[str, bool] = {}

    def test_only(callee: FunctionInfo, ctx: str) -> bool:
        """Production code never runs what a test file defines (a test's mock subclass a plugin call reaches)."""
        path = callee.module.path
        if path not in test_files:
            test_files[path] = is_test_path(path)
        return ctx != TEST and test_files[path]

    while queue:
        fn, ctx = queue.popleft()
        for name, _call in fn.calls:
            callee = project.resolve_function(name, fn, fn.module)
            if callee is None or ctx in callee.contexts or test_only(callee, ctx):
                continue
            if callee.qualname in project.enqueued and ctx != TEST:
                # calling it queues a job: the decorator's wrapper runs here, the body in a worker
                for wrapper in _inside(project.enqueued[callee.qualname], nested):
                    if ctx not in wrapper.contexts:
                        wrapper.contexts.add(ctx)
                        project.via[(wrapper.qualname, ctx)] = fn.qualname
                        queue.append((wrapper, ctx))
                continue
            callee.contexts.add(ctx)
            project.via[(callee.qualname, ctx)] = fn.qualname
            queue.append((callee, ctx))
        for callee, background in edges.of(fn):
            # a thread a request starts runs beside it, unattended: the request does not wait for it.
            # A command's threads stay the command's (a batch tool's workers end with it).
            # One wrapped in ``@copy_current_request_context`` runs inside a copy of the request's context.
            carries = any(d.endswith("copy_current_request_context") for d in callee.decorators)
            reached = JOB if background and ctx == REQUEST and not carries else ctx
            if reached in callee.contexts or test_only(callee, reached):
                continue
            callee.contexts.add(reached)
            project.via[(callee.qualname, reached)] = fn.qualname
            queue.append((callee, reached))
        if ctx in (REQUEST, JOB):
            # a dispatcher reading a table its project's decorator fills runs the handlers filed there
            for callee in edges.registered(fn):
                if ctx in callee.contexts or test_only(callee, ctx):
                    continue
                callee.contexts.add(ctx)
                project.via[(callee.qualname, ctx)] = fn.qualname
                queue.append((callee, ctx))
        # nested functions (closures, streaming generators) run where their parent runs
        for other in nested.get(fn.qualname, ()):
            if ctx not in other.contexts and not (other.roles & set(_ROLE_CONTEXT)):
                other.contexts.add(ctx)
                project.via[(other.qualname, ctx)] = fn.qualname
                queue.append((other, ctx))


def _inside(qualname: str, nested: dict[str, list[FunctionInfo]]) -> list[FunctionInfo]:
    """The functions defined inside ``qualname``, at any depth."""
    found: list[FunctionInfo] = []
    stack = list(nested.get(qualname, ()))
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(nested.get(current.qualname, ()))
    return found

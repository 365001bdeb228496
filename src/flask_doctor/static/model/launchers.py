"""Functions a project's own job-launching helper sends away: jobs, not code of the function that names them.

Projects often wrap their job queue in a helper that picks the queue and its options
(``def enqueue_job(timeout, func, *args): queue.enqueue(func, *args, job_timeout=timeout)``), and views
call the helper with the job (``enqueue_job(60, start_job, data)``).  The view only queues the job: its body
runs in a worker.  A helper *launches* a parameter when it hands it, unchanged, to

* a job queue as the job (``queue.enqueue(func, ...)``, ``enqueue_call(func=...)``, the second argument of
  ``enqueue_in``/``enqueue_at``);
* a new process as its target (``multiprocessing.Process(target=func, ...)``): the function runs in another
  process, beside the code that starts it;
* another launching helper, at a launched position (helpers that call helpers, to any depth).

Every call of a launching helper that passes a project function at a launched position makes that
function a job root (role ``task``).  A parameter the helper calls, wraps or stores is not launched.
"""

from __future__ import annotations

import ast

from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FunctionInfo
from flask_doctor.static.names import dotted

#: Queue methods taking the job as first argument, and those taking a time first and the job second.
_JOB_FIRST = frozenset({"enqueue", "enqueue_call"})
_JOB_SECOND = frozenset({"enqueue_in", "enqueue_at"})
#: Process classes whose ``target`` runs in a new process.
_PROCESS_TYPES = frozenset({"multiprocessing.Process", "multiprocessing.context.Process", "multiprocess.Process"})
#: A module that hands a job to a queue or a process names one of these (the queue method, or the
#: Process class, also where it is imported under another name).
_LAUNCH_WORDS = ("enqueue", "Process")


def _parameters(fn: FunctionInfo) -> list[str]:
    """Positional parameter names as a caller fills them (``self``/``cls`` of a method left out)."""
    args = fn.node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    static = any(d.endswith("staticmethod") for d in fn.decorators)
    if fn.class_name and not static and names and names[0] in ("self", "cls"):
        names = names[1:]
    return names


def _argument(call: ast.Call, params: list[str], name: str) -> ast.expr | None:
    """The expression ``call`` passes for parameter ``name`` (None when a ``*args`` before it hides it)."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if name not in params:
        return None
    index = params.index(name)
    for position, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return None
        if position == index:
            return arg
    return None


def _direct_job(call: ast.Call, fn: FunctionInfo) -> ast.expr | None:
    """The job ``call`` hands to a queue or a new process, else None."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _JOB_FIRST | _JOB_SECOND:
        keyword = next((k.value for k in call.keywords if k.arg in ("f", "func")), None)
        if keyword is not None:
            return keyword
        position = 1 if func.attr in _JOB_SECOND else 0
        return call.args[position] if len(call.args) > position else None
    name = dotted(func)
    if name and (fn.imports.qualify(name) or name) in _PROCESS_TYPES:
        return next((k.value for k in call.keywords if k.arg == "target"), None)
    return None


def launching_helpers(project: Project) -> dict[str, frozenset[str]]:
    """Project function qualname -> the parameters it launches (only functions that launch one)."""
    if not any(word in module.text for module in project.modules.values() for word in _LAUNCH_WORDS):
        # Nothing in the project queues a job or starts a process, so no helper can launch one:
        # most projects, spared a walk of every function (a tenth of a small app's model build).
        return {}
    candidates = [fn for fn in project.functions.values() if _parameters(fn) and not is_test_path(fn.module.path)]
    calls = {fn.qualname: [n for n in ast.walk(fn.node) if isinstance(n, ast.Call)] for fn in candidates}
    launched: dict[str, frozenset[str]] = {}
    changed = True
    while changed:
        changed = False
        for fn in candidates:
            params = _parameters(fn)
            found = set(launched.get(fn.qualname, ()))
            before = len(found)
            for call in calls[fn.qualname]:
                job = _direct_job(call, fn)
                if isinstance(job, ast.Name) and job.id in params:
                    found.add(job.id)
                    continue
                callee = project.resolve_function(dotted(call.func) or "", fn, fn.module)
                if callee is None or callee is fn or callee.qualname not in launched:
                    continue
                callee_params = _parameters(callee)
                for name in launched[callee.qualname]:
                    passed = _argument(call, callee_params, name)
                    if isinstance(passed, ast.Name) and passed.id in params:
                        found.add(passed.id)
            if len(found) > before:
                launched[fn.qualname] = frozenset(found)
                changed = True
    return launched


def mark_launched_jobs(project: Project) -> None:
    """Give role ``task`` to the project functions that calls of a launching helper send away."""
    launched = launching_helpers(project)
    if not launched:
        return
    for site in project.calls:
        if is_test_path(site.module.path):
            continue
        helper = project.resolve_function(dotted(site.node.func) or "", site.function, site.module)
        if helper is None or helper.qualname not in launched:
            continue
        params = _parameters(helper)
        for name in launched[helper.qualname]:
            passed = _argument(site.node, params, name)
            target = dotted(passed) if isinstance(passed, ast.Name | ast.Attribute) else None
            if not target:
                continue
            job = project.resolve_function(target, site.function, site.module)
            if job is not None and not is_test_path(job.module.path):
                job.roles.add("task")

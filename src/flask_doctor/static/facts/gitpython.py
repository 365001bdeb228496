"""GitPython commands that talk to a remote: ``repo.remote().fetch()``, ``origin.pull()``, ``Repo.clone_from(url)``.

GitPython (``import git``) runs the ``git`` program as a child process and waits for it to finish. A command
that talks to a remote (fetch, pull, push, clone) waits as long as the remote or the network keeps silent: git
sets no timeout of its own, and GitPython kills the child only when given ``kill_after_timeout=``. In request
code that is a subprocess wait without a timeout, reached through a library, so the wait is one the view cannot
see. Local commands (``repo.index.add``, ``repo.git.rev_parse``) are not reported: they finish on their own.

The objects are typed the way the code builds them: ``git.Repo(path)`` (also in ``self._git = git.Repo(...)``
or a ``@property`` that returns it), ``repo.remote(name)``, ``repo.remotes.origin`` / ``repo.remotes[0]`` and
``repo.git`` (the command wrapper). A ``fetch`` on anything else (a dict, a project class) is never one.
"""

from __future__ import annotations

import ast

from flask_doctor.static.context import Context
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.calls import self_attribute_types
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.model.plugins import property_getters
from flask_doctor.static.names import dotted

#: How GitPython's repository class is spelled once imported.
REPO_TYPES = frozenset({"git.Repo", "git.repo.Repo", "git.repo.base.Repo"})
#: Calls that build a repository object: the class, ``Repo.init(path)``, ``Repo.clone_from(url, path)``.
REPO_BUILDERS = REPO_TYPES | {f"{t}.{m}" for t in REPO_TYPES for m in ("init", "clone_from")}
#: ``Repo.clone_from(url, path)`` clones over the network itself.
CLONES = frozenset(f"{t}.clone_from" for t in REPO_TYPES)
#: Methods of ``git.Remote`` (and of the ``repo.git`` command wrapper) that talk to the remote.
NETWORK_METHODS = frozenset({"fetch", "pull", "push"})
#: Last segments of every call :func:`git_network_call` reports (a walker's ``call_names``).
GIT_NETWORK_NAMES = NETWORK_METHODS | {"clone", "clone_from"}
#: GitPython's timeout keyword (``Git.execute``): the child is killed after that many seconds.
KILL_AFTER = "kill_after_timeout"

_REPO, _REMOTE, _COMMAND = "Repo", "Remote", "Repo.git"
_MAX_DEPTH = 4


@project_fact
def _getters(project: Project) -> dict[str, dict[str, FunctionInfo]]:
    return property_getters(project)


def git_network_call(ctx: Context, call: ast.Call) -> str | None:
    """``origin.fetch()`` on a GitPython remote (or ``repo.git.pull()``, ``Repo.clone_from(url, path)``) without
    ``kill_after_timeout=``: how the call is named in a message (``Remote.fetch``); None for anything else."""
    fn = ctx.function
    func = call.func
    if fn is None or not isinstance(func, ast.Attribute) or func.attr not in GIT_NETWORK_NAMES:
        return None
    timeout = next((kw for kw in call.keywords if kw.arg == KILL_AFTER or kw.arg is None), None)
    if timeout is not None and not (isinstance(timeout.value, ast.Constant) and timeout.value.value is None):
        return None  # bounded, or ``**options`` that may bound it
    if func.attr == "clone_from":
        return "Repo.clone_from" if _qualified(ctx.project, fn, func) in CLONES else None
    kind = _object(ctx.project, fn, func.value, 0)
    if kind == _REMOTE and func.attr in NETWORK_METHODS:
        return f"Remote.{func.attr}"
    if kind == _COMMAND:
        return f"Repo.git.{func.attr}"
    return None


def _qualified(project: Project, fn: FunctionInfo, node: ast.expr) -> str | None:
    qualified = fn.imports.qualify(dotted(node) or "")
    return project.canonical(qualified) if qualified else None


def _object(project: Project, fn: FunctionInfo, node: ast.expr, depth: int) -> str | None:
    """Which GitPython object ``node`` is in ``fn``: a repository, a remote, the command wrapper, or None."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("remote", "create_remote"):
            return _REMOTE if _object(project, fn, func.value, depth + 1) == _REPO else None
        return _REPO if _qualified(project, fn, func) in REPO_BUILDERS else None
    if isinstance(node, ast.Subscript):  # ``repo.remotes[0]``, ``repo.remotes["origin"]``
        holder = node.value
        if isinstance(holder, ast.Attribute) and holder.attr == "remotes":
            return _REMOTE if _object(project, fn, holder.value, depth + 1) == _REPO else None
        return None
    if isinstance(node, ast.Attribute):
        if dotted(node.value) == "self" and fn.class_name:
            return _self_attribute(project, fn.qualname.rsplit(".", 1)[0], node.attr, depth)
        if isinstance(node.value, ast.Attribute) and node.value.attr == "remotes":  # ``repo.remotes.origin``
            return _REMOTE if _object(project, fn, node.value.value, depth + 1) == _REPO else None
        if node.attr == "git":
            return _COMMAND if _object(project, fn, node.value, depth + 1) == _REPO else None
        return None
    if isinstance(node, ast.Name):
        if fn.local_types.get(node.id) in REPO_BUILDERS:
            return _REPO
        values = [
            stmt.value
            for stmt in ast.walk(fn.node)
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets)
        ]
        if len(values) == 1:  # ``origin = repo.remote("origin")``
            return _object(project, fn, values[0], depth + 1)
        if not values and node.id not in fn.local_names:  # ``repo = git.Repo(path)`` at module level
            qualified = fn.imports.qualify(node.id) or f"{fn.module.name}.{node.id}"
            obj = project.objects.get(project.canonical(qualified))
            return _REPO if obj is not None and obj.type in REPO_BUILDERS else None
    return None


def _self_attribute(project: Project, class_qual: str, attribute: str, depth: int) -> str | None:
    """``self.git``: a ``@property`` whose every value-returning ``return`` is one GitPython object, or an
    attribute some method sets to a new repository (``self._git = git.Repo(path)``)."""
    getters = _getters(project)
    for current in project.lineage(class_qual):
        getter = getters.get(current, {}).get(attribute)
        if getter is not None:
            kinds = {
                _object(project, getter, node.value, depth + 1)
                for node in ast.walk(getter.node)
                if isinstance(node, ast.Return)
                and node.value is not None
                and not (isinstance(node.value, ast.Constant) and node.value.value is None)
            }
            return kinds.pop() if len(kinds) == 1 else None
    built = self_attribute_types(project, class_qual).get(attribute)
    return _REPO if built is not None and project.canonical(built) in REPO_BUILDERS else None

"""The project's call sites by the name of what they call, for facts that want a handful of callees.

Dozens of facts look through ``project.calls`` (every call of the project,
126 k on 200 k lines) for a few callees: ``set_cookie``, ``from_object``,
``register_error_handler``, ``CSRFProtect``.  Each such loop cost about a
tenth of a second on a large project.  The index here is built once; a fact
asks it for the sites that *may* call one of its names, in ``project.calls``
order, and then applies exactly the test it applied before (the index only
leaves out sites that test could not accept).

A site is listed under the last segment of each name its callee can be
given:

* a method call (``x.y.set_cookie(...)``) under its attribute, ``set_cookie``:
  every resolution of a dotted name keeps the attribute as its last segment,
  and a callee without a dotted name (``make_response(r).set_cookie(...)``)
  still ends with it;
* a plain name (``nap(1)``) under itself, under the last segment of
  ``CallSite.name`` (the builder's resolution: ``time.sleep``, or the type of
  a local it was assigned from) and under the last segment of what the final
  import table of its scope makes of it (imports below the call count there);
* any other callee (``handlers[k]()``, ``f()()``) under ``""``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from flask_doctor.static.facts import project_fact
from flask_doctor.static.model import CallSite, Project


@project_fact
def _positions(project: Project) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Positions in ``project.calls`` by the last segment of each name the callee may have, and by keyword."""
    by_name: dict[str, list[int]] = {}
    by_keyword: dict[str, list[int]] = {}
    module_imports = project.module_imports
    attribute, name_class = ast.Attribute, ast.Name
    for position, site in enumerate(project.calls):
        call = site.node
        if call.keywords:
            for keyword in call.keywords:
                if keyword.arg is not None:
                    by_keyword.setdefault(keyword.arg, []).append(position)
        func = call.func
        cls = func.__class__
        if cls is attribute:
            by_name.setdefault(func.attr, []).append(position)  # type: ignore[attr-defined]
            continue
        if cls is not name_class:
            by_name.setdefault("", []).append(position)
            continue
        name: str = func.id  # type: ignore[attr-defined]
        by_name.setdefault(name, []).append(position)
        resolved = site.name.rpartition(".")[2]
        if resolved != name:
            by_name.setdefault(resolved, []).append(position)
        # the final import table's reading: ``qualify`` of a plain name is its alias
        table = site.function.imports if site.function is not None else module_imports.get(site.module.name)
        imported = table.aliases.get(name) if table is not None else None
        if imported:
            last = imported.rpartition(".")[2]
            if last != name and last != resolved:
                by_name.setdefault(last, []).append(position)
    return by_name, by_keyword


def calls_named(project: Project, names: Iterable[str]) -> list[CallSite]:
    """The sites that may call something whose name ends with one of ``names``, in ``project.calls`` order.

    ``names`` are last segments (``{"set_cookie", "get"}``; ``last_segments`` turns qualified names into them).
    """
    index = _positions(project)[0]
    return _sites(project, [index[name] for name in set(names) if name in index])


def calls_matching(project: Project, accepts: Callable[[str], bool]) -> list[CallSite]:
    """The sites that may call something whose last name segment ``accepts`` (a pattern), in order."""
    index = _positions(project)[0]
    return _sites(project, [positions for name, positions in index.items() if accepts(name)])


def calls_with_keyword(project: Project, names: Iterable[str]) -> list[CallSite]:
    """The sites that pass one of the keyword arguments ``names`` (``task_cls=...``), in ``project.calls`` order."""
    index = _positions(project)[1]
    return _sites(project, [index[name] for name in set(names) if name in index])


def _sites(project: Project, groups: list[list[int]]) -> list[CallSite]:
    if not groups:
        return []
    if len(groups) == 1:
        positions: Iterable[int] = groups[0]
    else:
        positions = sorted({p for group in groups for p in group})
    calls = project.calls
    return [calls[p] for p in positions]


__all__ = ["calls_matching", "calls_named", "calls_with_keyword"]

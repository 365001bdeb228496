"""Functions the project never names: code nothing can run.

A function whose name is written only where it is defined -- no call, no reference, no string (``__all__``,
``getattr(obj, "name")``, a registry key), no template, no entry point or console script, no server command --
is dead code: nothing of the project, and no program started from its packaging, can reach it.  The test is
on the words of the project's texts, so it errs towards "named": a comment or an unrelated attribute of the
same name keeps a function alive.  Not said to be dead: a decorated function (the decorator may register it),
a dunder (Python calls it), and a method of a class with a base from outside the project (``validate_email``
of a WTForms form, ``do_GET`` of a request handler: the library calls it by a name it builds).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask_doctor.static.facts import keyed_fact, project_fact

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, Project

__all__ = ["never_named", "in_dead_code"]

#: Bases that dispatch nothing by name: a class deriving only from these and project classes calls its
#: methods only where the project's code says so.
_INERT_BASES = frozenset({"object", "abc.ABC", "ABC"})


@project_fact
def _other_texts(project: Project) -> tuple[str, ...]:
    """The texts besides the modules that may name a function: templates, entry points, console scripts and
    the commands of the deploy files."""
    from flask_doctor.static.facts.devserver import console_scripts  # noqa: PLC0415 (devserver reads the model)

    texts = [template.text for template in project.templates.values()]
    texts.extend(target for targets in project.entry_points.values() for target in targets)
    texts.extend(console_scripts(project))
    if project.deploy is not None:
        texts.extend(" ".join(command.argv) for command in project.deploy.commands)
    return tuple(texts)


@keyed_fact
def _named_more_than_once(project: Project, name: str) -> bool:
    """The word ``name`` occurs more than once in the project's texts (its definition is one)."""
    word = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
    seen = 0
    texts = [module.text for module in project.modules.values()]
    for text in (*texts, *_other_texts(project)):
        if name not in text:
            continue
        seen += len(word.findall(text))
        if seen > 1:
            return True
    return False


def never_named(project: Project, fn: FunctionInfo) -> bool:
    """Nothing in the project names ``fn`` but its own ``def``: no code, string or packaging file can run it."""
    if fn.node.decorator_list or (fn.name.startswith("__") and fn.name.endswith("__")):
        return False
    if fn.class_name is not None:
        owner = fn.qualname.rsplit(".", 1)[0]
        if owner not in project.classes:
            return False
        if any(base not in project.classes and base not in _INERT_BASES for base in project.lineage(owner)):
            return False  # a library base may call the method by a name it builds
    return not _named_more_than_once(project, fn.name)


def in_dead_code(project: Project, fn: FunctionInfo | None) -> bool:
    """``fn``, or a function it is defined in, is never named (:func:`never_named`)."""
    while fn is not None:
        if never_named(project, fn):
            return True
        fn = fn.parent
    return False

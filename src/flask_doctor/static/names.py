"""Resolve names to what they refer to, before any rule flags anything.

``sleep(1)`` is only a blocking call if ``sleep`` came from ``time``;
``app.run()`` is only the development server if ``app`` is a
``flask.Flask``.  Matching attribute names alone is how linters raise false
alarms, so rules ask :func:`dotted` for the syntax and the module's
:class:`ImportTable` for the meaning.
"""

from __future__ import annotations

import ast
from dataclasses import field

from flask_doctor.dataclass import dataclass

_Name = ast.Name
_Attribute = ast.Attribute


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, ``None`` for anything else.

    Rules ask this of the same nodes again and again; exact type checks keep
    it as cheap as a cache lookup would be, so nothing is cached on the nodes.
    """
    if type(node) is _Name:
        return node.id
    if type(node) is not _Attribute:
        return None
    value = node.value
    if type(value) is _Name:  # ``a.b``, most chains: no list to build
        return f"{value.id}.{node.attr}"
    parts = [node.attr]
    while type(value) is _Attribute:
        parts.append(value.attr)
        value = value.value
    if type(value) is not _Name:
        return None
    parts.append(value.id)
    parts.reverse()
    return ".".join(parts)


def call_name(node: ast.AST) -> str | None:
    """The dotted name of a call's callee (``requests.get`` for ``requests.get(u)``)."""
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return None


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """``from ..models import User`` inside ``shop.views.admin`` -> ``shop.models``."""
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)] if level - 1 <= len(base) else []
    if target:
        base = base + target.split(".")
    return ".".join(base)


@dataclass(eq=False)
class ImportRecord:
    """One import statement, for the import graph and cycle reports."""

    module: str  # the imported module (resolved, absolute)
    names: tuple[str, ...]  # imported names for ``from x import a, b``
    line: int
    column: int
    in_function: bool  # imports inside functions do not run at import time
    in_type_checking: bool  # ``if TYPE_CHECKING:`` imports never run
    at_bottom: bool = False  # after every def/class: Flask's documented pattern


@dataclass
class ImportTable:
    """Local name -> fully qualified name, for one scope."""

    aliases: dict[str, str] = field(default_factory=dict)
    #: ``aliases`` is also another table's: copy it before adding an import (copy on write).
    _shared: bool = field(default=False, repr=False, compare=False)

    def child(self) -> ImportTable:
        """A table that starts with this one's names (a function's, inside its module or function).

        Both share one dict until either adds an import: every function of a
        module would otherwise hold its own copy of the module's imports.
        """
        self._shared = True
        return ImportTable(self.aliases, _shared=True)

    def add_import(self, node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> None:
        if self._shared:
            self.aliases = dict(self.aliases)
            self._shared = False
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    self.aliases[head] = head
            return
        base = resolve_relative(module, is_package, node.level, node.module)
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            self.aliases[local] = f"{base}.{alias.name}" if base else alias.name

    def add_names(self, names: dict[str, str]) -> None:
        """Bind the names a ``from module import *`` brings (local name -> qualified name)."""
        if not names:
            return
        if self._shared:
            self.aliases = dict(self.aliases)
            self._shared = False
        self.aliases.update(names)

    def qualify(self, name: str | None) -> str | None:
        """Replace the first segment of a dotted name by what it was imported as."""
        if not name:
            return None
        head, _, rest = name.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def resolve(self, node: ast.AST) -> str | None:
        """The qualified name of a Name/Attribute expression if it is imported."""
        return self.qualify(dotted(node))

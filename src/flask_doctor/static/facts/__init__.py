"""Facts: what rules ask about a project, each computed once and cached in one place.

A fact is a question about the whole project that several rules (and the
audit or runtime) need answered the same way: which file is test code, which
config is live in production, what holds request data, which function a
request reaches, where CSRF is enforced.  Rules never compute such answers
themselves and never import each other; they call a fact.

Two kinds of provider, both memoised in :class:`FactCache` (``project.facts``):

* ``@project_fact`` -- a function of the project, computed on first use
  (``csrf_setup(project)``);
* ``@keyed_fact`` -- a function of the project and one key (a module, a
  function, an AST node), computed once per key
  (``tainted_locals(project, fn)``).

This is the LibCST metadata-provider idea (declare what you need, the
framework computes each provider once) without the wrapper: providers are
plain functions, so ``grep`` finds every reader of a fact.

The records facts return are dataclasses (``flask_doctor.dataclass``, whose
``__repr__``/``__eq__``/``__hash__`` cost nothing at import), many declared
``eq=False`` because nothing compares or hashes them (each is one finding's
evidence, read field by field).  Such a record compares by identity; give
it ``eq=True`` back before putting it in a set or comparing two of them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import Project

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class FactCache:
    """The one cache of derived facts for a project (no attributes pinned elsewhere)."""

    __slots__ = ("_whole", "_keyed")

    def __init__(self) -> None:
        self._whole: dict[Callable[..., Any], Any] = {}
        self._keyed: dict[Callable[..., Any], dict[Hashable, Any]] = {}

    def whole(self, provider: Callable[[Project], T], project: Project) -> T:
        try:
            return self._whole[provider]  # type: ignore[no-any-return]
        except KeyError:
            value = self._whole[provider] = provider(project)
            return value

    def table(self, provider: Callable[..., Any]) -> dict[Hashable, Any]:
        """The per-key memo table of ``provider`` (created on first use)."""
        table = self._keyed.get(provider)
        if table is None:
            table = self._keyed[provider] = {}
        return table

    def clear(self) -> None:
        self._whole.clear()
        self._keyed.clear()


def project_fact(func: Callable[[Project], T]) -> Callable[[Project], T]:
    """Memoise a fact about the whole project in ``project.facts``."""

    @functools.wraps(func)
    def provider(project: Project) -> T:
        return project.facts.whole(func, project)

    return provider


def keyed_fact(func: Callable[[Project, K], T]) -> Callable[[Project, K], T]:
    """Memoise a fact about one key (module, function, node) in ``project.facts``.

    AST nodes and model records hash by identity, so they are keys as they are.
    """

    @functools.wraps(func)
    def provider(project: Project, key: K) -> T:
        table = project.facts.table(func)
        try:
            return table[key]  # type: ignore[no-any-return]
        except KeyError:
            value = table[key] = func(project, key)
            return value

    return provider


__all__ = ["FactCache", "keyed_fact", "project_fact"]

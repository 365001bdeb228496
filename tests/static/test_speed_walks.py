"""Walks made cheaper for speed read the same nodes as the ``ast.walk`` loops they replaced."""

from __future__ import annotations

import ast
import textwrap

from flask_doctor.static.facts.templates import _registry_candidates
from flask_doctor.static.model.pins import _add_values_read
from flask_doctor.static.source import SourceModule

SOURCE = textwrap.dedent(
    """
    import importlib
    from functools import partial

    @app.route("/", methods=["GET"])
    def view(name, *, handler=default_handler, **extra):
        loader = importlib.import_module(f"plugins.{name}")
        run = getattr(loader, name.capitalize())(settings.value)
        callbacks = [on_done, self.on_error, lambda x: x.attr(other.item)]
        sorted(rows, key=keyfunc)
        executor.submit(worker.run, partial(helper, obj.field))
        value = {**defaults, "key": current.attribute}
        match command:
            case Point(x=0) if flag.enabled:
                pass
        return run if cond.ok else [y for y in gen(z.w) if y.keep]

    class Plugin(Base, metaclass=Meta.kind):
        hook = registry.register(task)
        env.filters["short"] = shorten
        env.globals["now"] = clock.now

    app.jinja_env.filters["x"] = helper
    app.add_template_filter(excerpt, "excerpt")
    """
)


def _old_values_read(tree: ast.AST) -> set[str]:
    """The loop ``LoaderPins._handed_on`` ran before (``ast.walk``, two passes)."""
    names: set[str] = set()
    nodes = list(ast.walk(tree))
    funcs = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in funcs:
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and id(node) not in funcs:
            names.add(node.attr)
    return names


def test_values_read_match_the_ast_walk_loop() -> None:
    tree = ast.parse(SOURCE)
    found: set[str] = set()
    _add_values_read(tree, found)
    assert found == _old_values_read(tree)
    assert {"on_done", "on_error", "keyfunc", "helper", "shorten"} <= found
    assert "capitalize" not in found and "submit" not in found  # callees are not values


def _module(text: str) -> SourceModule:
    tree = ast.parse(text)
    return SourceModule(path="pkg/mod.py", name="pkg.mod", text=text, tree=tree)


def _assignments(nodes: list[ast.AST]) -> list[ast.AST]:
    return [node for node in nodes if isinstance(node, ast.Assign)]


def test_registry_candidates_without_adders_are_the_assignments_in_walk_order() -> None:
    text = SOURCE.replace('app.add_template_filter(excerpt, "excerpt")\n', "")
    module = _module(text)
    candidates = _registry_candidates(module)
    assert _assignments(candidates) == _assignments(list(ast.walk(module.tree)))
    assert not any(isinstance(node, ast.Call) for node in candidates)


def test_registry_candidates_walk_everything_when_an_adder_or_non_ascii_text_may_be_there() -> None:
    for text in (SOURCE, SOURCE + "\nlabel = 'caf\u00e9'\n"):
        module = _module(text)
        assert _registry_candidates(module) == list(ast.walk(module.tree))

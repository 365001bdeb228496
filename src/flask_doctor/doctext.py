"""Docstrings as page text, for the rulebook and the catalogue (which imports no surface)."""

from __future__ import annotations


def doc_text(docstring: str | None) -> str:
    """A rule's or catalogue entry's docstring as its page text: ``textwrap.dedent(docstring).strip()``.

    The same text, worked out line by line: ``textwrap.dedent`` runs three multi-line regular
    expressions over each text, about a tenth of the instructions of a ``check`` on an empty
    directory for the ~110 docstrings registered at start-up.  Lines are split at ``\\n`` only and
    the margin is spaces and tabs only, as there (``tests/test_rulebook.py`` compares both).
    """
    lines = (docstring or "").split("\n")
    margin: str | None = None
    for i, line in enumerate(lines):
        content = line.lstrip(" \t")
        if not content:
            lines[i] = ""  # a line of spaces and tabs only counts as empty
            continue
        indent = line[: len(line) - len(content)]
        if margin is None or margin.startswith(indent):
            margin = indent
        elif not indent.startswith(margin):
            # the longest common prefix of the two
            for j, (a, b) in enumerate(zip(margin, indent)):
                if a != b:
                    margin = margin[:j]
                    break
    if margin:
        cut = len(margin)
        lines = [line[cut:] if line.startswith(margin) else line for line in lines]
    return "\n".join(lines).strip()

"""FD001-FD004: problems of the run itself, reported like any other finding.

``check`` raises all four (a file that does not parse, a file it could not
read, a ``# noqa`` that silences nothing, a rule that crashed); the audit
raises FD004 too when one of its checks crashes (declared in
:mod:`flask_doctor.catalogue.audit`).
"""

from __future__ import annotations

from flask_doctor.catalogue.base import Entry
from flask_doctor.findings import FixExample, Severity

SURFACE = "check"
ALSO_RAISES: tuple[str, ...] = ()


class Internal(Entry):
    surfaces = ("check",)


class SyntaxError(Internal):
    """
    ## What it does
    Reports a Python file that the interpreter could not parse. A file written
    for a newer Python than the one running the check is parsed by a newer
    installed interpreter. When none is installed, a file that stops on syntax
    added after the checker's Python is not a finding, since nothing is wrong
    in it: a type parameter list (`def first[T](...)`, `class Box[T]:`,
    `type Pair = ...`, PEP 695), or an f-string PEP 701 allows when the
    project targets Python 3.12 or later (`requires-python`, classifiers,
    `FROM python:3.12`). The run lists such a file as not checked instead: a
    line on stderr after a text report, `extra.files_not_checked` in JSON, a
    tool execution notification in SARIF. Any other error in a project that
    targets a newer Python is a note naming that version. A file plainly
    written for Python 2 (a print statement, `except X, e:` on the line that
    fails) is a note too: no Python 3 parser can check it, and it may be dead
    code.

    ## Why is this bad?
    A module that does not parse fails at import time in production, and none
    of its code can be checked.

    ## Example
    ```python
    def index(:
        pass
    ```

    ## Use instead
    Fix the syntax error; `python -m py_compile FILE` shows the same message.

    ## Fix safety
    No automatic fix.

    ## References
    - Python docs: `ast.parse`, `py_compile`
    """

    code = "FD001"
    name = "syntax-error"
    severity = Severity.ERROR
    summary = "A Python file does not parse; the rest of the project is still checked."


class UnreadableFile(Internal):
    """
    ## What it does
    Reports files the checker could not read: permissions, undecodable bytes,
    binary content in a `.py` file, files larger than 5 MB, symlink loops.

    ## Why is this bad?
    Nothing in them was checked, so a clean report would be misleading.

    ## Example
    A `.py` file saved in Latin-1 with no encoding declaration.

    ## Use instead
    Save sources as UTF-8 (or declare the encoding), exclude generated files
    with `exclude` in `[tool.flask-doctor]`.

    ## Fix safety
    No automatic fix.

    ## References
    - PEP 263: source code encodings
    """

    code = "FD002"
    name = "unreadable-file"
    severity = Severity.WARNING
    summary = "A file could not be read or decoded, or was skipped (binary, too large)."


class UnusedNoqa(Internal):
    """
    ## What it does
    Reports `# noqa` directives naming flask-doctor rule ids that did not
    suppress any finding on their line, and ids that do not exist.

    ## Why is this bad?
    Stale suppressions hide future findings on the same line and mislead
    readers about what the line does.

    ## Example
    ```python
    x = 1  # noqa: FD201
    ```

    ## Use instead
    ```python
    x = 1
    ```

    ## Fix safety
    Removing the directive is safe.

    ## References
    - ruff RUF100 (unused-noqa) follows the same idea
    """

    code = "FD003"
    name = "unused-noqa"
    severity = Severity.WARNING
    summary = "A `# noqa: FDxxx` directive suppresses nothing, or names an unknown rule."
    fix_safety = "safe"
    FIX_EXAMPLE = FixExample(
        before="""
            TIMEOUT = 10  # noqa: FD999, E501
            LIMIT = 5  # noqa: FD9999 (a typo)
            """,
        after="""
            TIMEOUT = 10  # noqa: E501
            LIMIT = 5
            """,
    )


class InternalError(Internal):
    """
    ## What it does
    Reports that one rule or check raised an exception on some input.

    ## Why is this bad?
    It is a bug in flask-doctor (or a plug-in), not in your code: the rest of
    the run is complete, but that rule did not check that file or object.

    ## Example
    A rule meeting syntax it did not expect.

    ## Use instead
    Report it with a reduced copy of the input; silence it with
    `ignore = ["FD004"]` meanwhile.

    ## Fix safety
    Nothing to fix in your code.

    ## References
    - The project's issue tracker
    """

    code = "FD004"
    name = "internal-error"
    severity = Severity.WARNING
    summary = "A check crashed; the other checks still ran."

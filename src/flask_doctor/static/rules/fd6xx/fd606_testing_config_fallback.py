"""FD606 testing-config-fallback: Production code falls back to the testing configuration when a variable is unset."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config import config_fallbacks
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class TestingConfigFallback(Rule):
    """
    ## What it does
    Finds production code -- a `wsgi.py`, an app package, anything a WSGI
    server imports -- that picks the *testing* config class when the
    environment variable naming the config is missing:
    `os.environ.setdefault("APP_CONFIG", "app.config.TestConfig")`,
    `os.environ["APP_CONFIG"] = ...TestConfig` under `if not os.getenv(...)`,
    `app.config.from_object(os.getenv("APP_CONFIG", "config.TestingConfig"))`
    or `create_app(os.getenv("FLASK_CONFIG") or "testing")` where
    `"testing"` names the testing class in the project's config table, also
    through a local name the factory assigns first (`name = name or
    os.getenv("FLASK_CONFIG", "testing")` then `config[name]`).

    ## Why is this bad?
    Testing configuration exists to make tests easy: `TESTING = True`
    (exceptions propagate instead of the 500 handler), CSRF or login turned
    off, a fixed test user, fake service URLs and passwords. A deployment
    that forgets one environment variable starts without a complaint and
    serves real users with all of that. Falling back to the *development*
    class is the common Flask-tutorial pattern and is not reported here (its
    `DEBUG = True` is FD305's question); a fallback in tests, in an
    `if __name__ == "__main__":` block, in CLI-only code or in scripts is
    fine.

    ## Example
    ```python
    # wsgi.py
    if not os.getenv("APP_CONFIG"):
        os.environ["APP_CONFIG"] = "myapp.config.TestConfig"
    application = create_app()
    ```

    ## Use instead
    ```python
    # wsgi.py
    os.environ.setdefault("APP_CONFIG", "myapp.config.ProductionConfig")
    application = create_app()
    ```
    or read the variable without a default (`os.environ["APP_CONFIG"]`), so
    a missing one stops the app at start-up.

    ## Fix safety
    No automatic fix: which configuration production should use is the
    operator's decision.

    ## References
    - Flask docs, Configuration Handling: "Development / Production" and "Configuring from Environment Variables"
    - Flask docs, Testing Flask Applications: what `TESTING` changes
    """

    code = "FD606"
    name = "testing-config-fallback"
    severity = Severity.WARNING
    catalog = ("S05",)
    summary = "Production code falls back to the testing configuration when a variable is unset."

    VALID = (
        # the fallback is the production class; tests choose theirs explicitly
        Valid(
            """
            import os
            from flask import Flask

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")

            class ProductionConfig(Config):
                PREFERRED_URL_SCHEME = "https"

            class TestingConfig(Config):
                TESTING = True

            def create_app():
                app = Flask(__name__)
                app.config.from_object(os.environ.get("APP_CONFIG", "app.ProductionConfig"))
                return app
            """,
            files={
                "tests/conftest.py": ("import os\nos.environ.setdefault('APP_CONFIG', 'app.TestingConfig')\n"),
            },
        ),
        # a test helper module, imported only by the tests, chooses the test class for the suite
        Valid(
            """
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_object(os.environ["APP_SETTINGS"])
                return app
            """,
            files={
                "testlib.py": (
                    "import os\n"
                    "from app import create_app\n\n"
                    "os.environ.setdefault('APP_SETTINGS', 'testlib.TestConfig')\n\n\n"
                    "class TestConfig:\n"
                    "    TESTING = True\n"
                ),
                "tests/test_views.py": "from testlib import create_app\n",
            },
        ),
        # the Flask-tutorial table: the fallback "default" is the development class, not the testing one
        Valid(
            """
            import os
            from flask import Flask

            class DevelopmentConfig:
                DEBUG = True

            class TestingConfig:
                TESTING = True

            config = {"development": DevelopmentConfig, "testing": TestingConfig, "default": DevelopmentConfig}

            def create_app(name):
                app = Flask(__name__)
                app.config.from_object(config[name])
                return app

            app = create_app(os.getenv("FLASK_CONFIG") or "default")

            if __name__ == "__main__":
                os.environ["FLASK_CONFIG"] = "testing"
            """
        ),
    )
    INVALID = (
        # the factory picks the name itself: a missing variable selects the testing class
        Invalid(
            """
            import os
            from flask import Flask

            class ProductionConfig:
                PREFERRED_URL_SCHEME = "https"

            class TestingConfig:
                TESTING = True
                LOGIN_DISABLED = True

            config = {"production": ProductionConfig, "testing": TestingConfig}

            def create_app(name=None):
                name = name or os.getenv("FLASK_ENV", "testing")
                app = Flask(__name__)
                app.config.from_object(config[name])  # expect
                return app
            """,
            message="LOGIN_DISABLED",
        ),
        # the WSGI entry falls back to a test class that logs every request in as a fixed test user
        Invalid(
            """
            import os
            from flask import Flask

            class LocalConfig:
                TESTING = False

            class TestConfig(LocalConfig):
                CURRENT_USER_LOADER = "app.fixtures.test_user"
                TRACKER_URL = "test_url"

            def create_app():
                app = Flask(__name__)
                app.config.from_object(os.getenv("APP_CONFIG_CLASS"))
                return app
            """,
            files={
                "wsgi.py": (
                    "import os\n"
                    "from app import create_app\n\n"
                    "if not os.getenv('APP_CONFIG_CLASS'):\n"
                    "    os.environ['APP_CONFIG_CLASS'] = 'app.TestConfig'  # expect\n\n"
                    "application = create_app()\n\n"
                    "if __name__ == '__main__':\n"
                    "    application.run()\n"
                ),
            },
            message="`TestConfig`",
        ),
        Invalid(
            """
            import os
            from flask import Flask

            class TestingConfig:
                TESTING = True
                WTF_CSRF_ENABLED = False

            config = {"production": object, "testing": TestingConfig}

            def create_app(name):
                app = Flask(__name__)
                app.config.from_object(config[name])
                return app

            app = create_app(os.environ.get("FLASK_CONFIG", "testing"))  # expect
            """,
            message="WTF_CSRF_ENABLED",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        seen: set[tuple[str, int]] = set()
        for fallback in config_fallbacks(project):
            key = (fallback.location.path, fallback.location.line)
            if fallback.env != "testing" or key in seen:
                continue
            seen.add(key)
            cls = project.classes.get(fallback.config_class)
            keys = [c.key for c in project.config if c.owner == fallback.config_class]
            sets = (
                f" (it sets {', '.join(f'`{k}`' for k in keys[:4])}{', ...' if len(keys) > 4 else ''})" if keys else ""
            )
            report(
                self.finding(
                    fallback.location,
                    f"{fallback.how} falls back to the testing configuration "
                    f"`{fallback.config_class.rsplit('.', 1)[-1]}`{sets}: a deployment that forgets the variable "
                    "serves real users with test settings, without any error",
                    hint="Fall back to the production class, or read the variable without a default so a missing "
                    "one stops the app at start-up.",
                    evidence=[
                        Evidence(
                            "the testing class", Location(cls.module.path, cls.node.lineno, cls.node.col_offset + 1)
                        )
                    ]
                    if cls is not None
                    else [],
                    severity=self.effective_severity,
                )
            )

"""FD701 cached-view-varies-by-user: @cache.cached view reads the user/session/headers/query string the cache key ignores."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.safe_text import printable
from flask_doctor.static.facts.caching import (
    TemplateRead,
    cache_decorator,
    class_cache_decorator,
    decorator_kwarg,
    is_true,
    template_user_read,
    varying_reads,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import (
    FunctionInfo,
    Project,
)
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location


class CachedViewVariesByUser(Rule):
    """
    ## What it does
    Finds `@cache.cached(...)` (Flask-Caching) on views and functions that
    read something the cache key does not contain: `current_user`,
    `session`, `g.user`, request headers or cookies, the request body (also
    through a Flask-WTF form's `validate_on_submit()`), or
    the query string (`request.args`/`request.values`) without
    `query_string=True` — directly or in the helpers they call, and in the
    project's Flask-Babel locale selector when they call `get_locale()`.
    A cache in the `decorators = [...]` list of a class-based view counts
    for its HTTP methods. The page a cached view renders counts too: a
    template it names in `render_template("page.html")`, or one that
    template extends or includes, that shows `current_user`, `session` or
    `g.user`. Also finds a sign-in or role decorator (`@login_required`,
    `@roles_required(...)`) written below `@cache.cached` on a view: the
    cache wraps it, so a cache hit returns the stored page without running
    the check. And a constant `key_prefix` (no `%s`) on a
    view that takes variables from its URL, and `@cache.memoize` on a
    function that reads the user, the session or the request without
    taking them as arguments.

    ## Why is this bad?
    `@cache.cached` builds its key from `key_prefix`, by default
    `"view/" + request.path`, and nothing else. The first response for a
    path is stored and returned to *every* later request for that path
    until the timeout: one user's dashboard, name or permissions are shown
    to other users, a page rendered for `?page=2` is served for `?page=5`,
    and a permission check inside the view, or a `@login_required` below
    the cache, is skipped on a cache hit: a member's page is served to
    signed-out visitors, or a cached login redirect to members. A
    `key_prefix` without `%s` leaves out even the path: `/product/1` is
    served for `/product/2`.
    Not reported: cached pages that read none of these, views cached with
    `query_string=True` that only read the query string, and caches with
    their own key (`make_cache_key=`, a callable `key_prefix=`) or an
    `unless=` condition. `@cache.memoize` keys by the function's name and
    arguments: it is fine when the function takes what it depends on
    (`badge_count(current_user.id)`, a parameter named for the user), and
    wrong when it reads `current_user` or `request.args` itself. A cache
    written above the route decorator is not reported (Flask registered
    the plain function: nothing is cached).

    ## Example
    ```python
    @app.route("/dashboard")
    @cache.cached(timeout=60)
    def dashboard():
        orders = Order.query.filter_by(user_id=current_user.id).all()
        return render_template("dashboard.html", orders=orders)
    ```

    ## Use instead
    ```python
    @cache.memoize(timeout=60)
    def orders_for(user_id):
        return Order.query.filter_by(user_id=user_id).all()

    @app.route("/dashboard")
    def dashboard():
        return render_template("dashboard.html", orders=orders_for(current_user.id))
    ```
    or `@cache.cached(query_string=True)` for pages that vary by query
    string only, or `make_cache_key=` that includes the user id.

    ## Fix safety
    No automatic fix: choose what the cache key must contain.

    ## References
    - Flask-Caching docs, "Caching View Functions" and `Cache.cached`
      (`key_prefix` default `view/%(request.path)s`, `query_string`, `make_cache_key`, `unless`)
    - Flask-Caching docs, "Memoization"
    """

    code = "FD701"
    name = "cached-view-varies-by-user"
    severity = Severity.ERROR
    catalog = ("S13",)
    summary = "@cache.cached view reads the user/session/headers/query string the cache key ignores."

    VALID = (
        Valid("""
            from flask import Flask, render_template
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/")
            @cache.cached(timeout=50)
            def index():
                return render_template("index.html")
            """),
        Valid("""
            from flask import Flask, request, jsonify
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/search")
            @cache.cached(timeout=60, query_string=True)
            def search():
                return jsonify(results=find(request.args.get("q", "")))
            """),
        Valid("""
            from flask import Flask, render_template
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            def user_key():
                return f"dash/{current_user.id}"

            @app.route("/dashboard")
            @cache.cached(timeout=60, key_prefix=user_key)
            def dashboard():
                return render_template("dash.html", name=current_user.name)

            @app.route("/home")
            @cache.cached(timeout=60, unless=lambda: current_user.is_authenticated)
            def home():
                return render_template("home.html", user=current_user)
            """),
        Valid("""
            from flask import Flask
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @cache.memoize(timeout=60)
            def orders_for(user_id):
                return load_orders(user_id)

            @app.route("/orders")
            def orders():
                return {"orders": orders_for(current_user.id)}
            """),
        # A cached page whose templates show nothing of the visitor, a memoized helper that takes the
        # account as an argument, and one that skips the cache for signed-in users.
        Valid(
            """
            from flask import Flask, render_template
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @cache.memoize(timeout=120)
            def badge_count(account_id):
                return len(load_badges(account_id))

            @cache.memoize(timeout=120, unless=lambda: current_user.is_authenticated)
            def greeting():
                return "Hello " + (current_user.name if current_user.is_authenticated else "guest")

            @app.route("/changelog")
            @cache.cached(timeout=600)
            def changelog():
                return render_template("changelog.html")

            @app.route("/badges")
            def badges():
                return {"count": badge_count(current_user.id), "hello": greeting()}
            """,
            files={
                "templates/layout.html": "<title>{{ title }}</title>{% block body %}{% endblock %}",
                "templates/changelog.html": '{% extends "layout.html" %}{% block body %}v2{% endblock %}',
            },
        ),
        # the sign-in check sits above the cache: it runs on every request, hit or miss
        Valid("""
            from flask import Flask, render_template
            from flask_login import login_required
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/handbook")
            @login_required
            @cache.cached(timeout=600)
            def handbook():
                return render_template("handbook.html", chapters=load_chapters())
            """),
        # written above the route decorator: Flask registered the plain view, nothing is cached
        Valid("""
            from flask import Flask
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @cache.cached(timeout=60)
            @app.route("/me")
            def me():
                return {"name": current_user.name}
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, render_template
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/dashboard")
            @cache.cached(timeout=60)  # expect
            def dashboard():
                orders = load_orders(current_user.id)
                return render_template("dashboard.html", orders=orders)
            """,
            message="current_user",
        ),
        Invalid(
            """
            from flask import Flask, request, session
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            def page_number():
                return int(request.args.get("page", 1))

            @app.route("/posts")
            @cache.cached(timeout=300)  # expect
            def posts():
                return {"page": page_number()}

            @app.route("/prefs")
            @cache.cached(timeout=300, query_string=True)  # expect
            def prefs():
                return {"theme": session.get("theme"), "q": request.args.get("q")}
            """,
            message="query_string=True",
        ),
        # a class-based view's `decorators` wrap its methods
        Invalid(
            """
            from flask import Flask
            from flask.views import MethodView
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            class AccountAPI(MethodView):
                decorators = [cache.cached(timeout=60)]  # expect

                def get(self):
                    return {"balance": current_user.balance}

            app.add_url_rule("/account", view_func=AccountAPI.as_view("account"))
            """,
            message="current_user",
        ),
        # the language the locale selector picks from the request headers
        Invalid(
            """
            from flask import Flask, request, render_template
            from flask_babel import Babel, get_locale
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            def select_locale():
                return request.accept_languages.best_match(["en", "de"])

            babel = Babel(app, locale_selector=select_locale)

            @app.route("/pricing")
            @cache.cached(timeout=3600)  # expect
            def pricing():
                return render_template("pricing.html", locale=str(get_locale()))
            """,
            message="request.accept_languages",
        ),
        # The view reads nothing of the user, but the layout its template extends greets the visitor;
        # and a memoized helper reads the signed-in user that its arguments leave out.
        Invalid(
            """
            from flask import Flask, render_template
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @cache.memoize(timeout=300)  # expect
            def open_tickets():
                return count_tickets(owner=current_user.id)

            @app.route("/pricing")
            @cache.cached(timeout=600)  # expect
            def pricing():
                return render_template("pricing.html", tickets=open_tickets())
            """,
            message="reads `current_user`",
            files={
                "templates/base.html": "<nav>Signed in as {{ current_user.email }}</nav>{% block main %}{% endblock %}",
                "templates/pricing.html": '{% extends "base.html" %}{% block main %}Plans{% endblock %}',
            },
        ),
        # the cache wraps the sign-in check: a hit serves the members' page to anyone
        Invalid(
            """
            from flask import Flask, render_template
            from flask_login import login_required
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/handbook")
            @cache.cached(timeout=600)  # expect
            @login_required
            def handbook():
                return render_template("handbook.html", chapters=load_chapters())
            """,
            message="without running `@login_required`",
        ),
        # a sign-up form behind the cache: a POST gets the stored GET page, with the first visitor's CSRF token
        Invalid(
            """
            from flask import Flask, redirect, render_template
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/subscribe", methods=["GET", "POST"])
            @cache.cached(timeout=300)  # expect
            def subscribe():
                form = NewsletterForm()
                if form.validate_on_submit():
                    add_subscriber(form.email.data)
                    return redirect("/thanks")
                return render_template("subscribe.html", form=form)
            """,
            message="validate_on_submit",
        ),
        # one constant key for every product page
        Invalid(
            """
            from flask import Flask, render_template
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/product/<int:product_id>")
            @cache.cached(timeout=300, key_prefix="product_page")  # expect
            def product(product_id):
                return render_template("product.html", product_id=product_id)
            """,
            message="product_id",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        self._check_memoized(project, report)
        for fn in project.functions.values():
            if not fn.node.decorator_list and not fn.class_name:
                continue
            deco = cache_decorator(project, fn, "cached") or class_cache_decorator(project, fn, "cached")
            if deco is None or is_test_path(fn.module.path):
                continue
            if decorator_kwarg(deco, "make_cache_key") is not None or decorator_kwarg(deco, "unless") is not None:
                continue
            if _registered_uncached(fn, deco):
                continue  # the route decorator below it registered the plain function: nothing is cached
            key_prefix = decorator_kwarg(deco, "key_prefix")
            if key_prefix is not None and not isinstance(key_prefix, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                continue  # a callable key_prefix builds its own key
            query_ok = is_true(decorator_kwarg(deco, "query_string"))
            reads = [
                (read, path) for read, path in varying_reads(project, fn) if not (query_ok and read.kind == "query")
            ]
            if not reads:
                parameters = _url_parameters(fn)
                guard = _auth_below(fn, deco)
                if guard is not None and "view" in fn.roles:
                    self._report_skipped_guard(fn, deco, guard, report)
                elif parameters and _constant_key(key_prefix) and "view" in fn.roles:
                    self._report_constant_key(fn, deco, key_prefix, parameters, report)
                elif "view" in fn.roles or deco not in fn.node.decorator_list:
                    shown = template_user_read(project, fn)
                    if shown is not None:
                        self._report_template(fn, deco, key_prefix, query_ok, shown, report)
                continue
            read, path = reads[0]
            where = "" if read.function is fn else f" (in `{read.function.display}`, called from `{fn.display}`)"
            others = sorted({r.what for r, _ in reads[1:]} - {read.what})
            also = f"; it also reads {', '.join(f'`{o}`' for o in others[:3])}" if others else ""
            key = (
                "the constant `key_prefix`"
                if key_prefix is not None and "%s" not in ast.unparse(key_prefix)
                else ("the path and query string" if query_ok else "`request.path` only")
            )
            if read.kind == "query":
                consequence = (
                    "without `query_string=True` the page rendered for the first query string is served for every "
                    "other one"
                )
                hint = "Add `query_string=True` to `@cache.cached(...)`, or pass the values as URL path parts."
            elif read.kind == "body":
                consequence = "the response to the first request body is replayed for every other body"
                hint = "Do not cache views that read the request body; cache the expensive part with `@cache.memoize`."
            else:
                consequence = "the first visitor's page (their data, their permissions) is served to every other user"
                hint = (
                    "Cache only the user-independent part with `@cache.memoize(...)` on a helper that takes "
                    "the user id, or give `make_cache_key=`/a callable `key_prefix=` that includes the user, "
                    "or `unless=`."
                )
            evidence = [Evidence(f"`{read.what}` read here", node_location(read.function.module.path, read.node))]
            evidence += [Evidence(f"calls `{step.display}`", step.location) for step in path[1:]]
            decorators = fn.node.decorator_list
            guard = _auth_below(fn, deco)
            if guard is not None:
                evidence.append(
                    Evidence(
                        f"`@{ast.unparse(guard)}` sits below the cache decorator: a cache hit skips it",
                        node_location(fn.module.path, guard),
                    )
                )
            label = "view" if "view" in fn.roles or deco not in decorators else "function"
            report(
                self.finding(
                    node_location(fn.module.path, deco),
                    f"`@{ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)}` on {label} `{fn.display}` "
                    f"keys the cache by {key}, but the {label} reads `{read.what}`{where}{also}: {consequence}",
                    hint=hint,
                    evidence=evidence,
                )
            )

    def _report_template(
        self,
        fn: FunctionInfo,
        deco: ast.expr,
        key_prefix: ast.expr | None,
        query_ok: bool,
        shown: TemplateRead,
        report: Callable[[Finding], None],
    ) -> None:
        """The view reads nothing of the user, but the template it renders (or one it extends) shows the user."""
        key = (
            "the constant `key_prefix`"
            if key_prefix is not None and "%s" not in ast.unparse(key_prefix)
            else ("the path and query string" if query_ok else "`request.path` only")
        )
        report(
            self.finding(
                node_location(fn.module.path, deco),
                f"`@{ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)}` on view `{fn.display}` keys "
                f"the cache by {key}, but the page it renders from `{printable(shown.rendered)}` reads "
                f"`{shown.what}`: the first visitor's page, with their name and links, is served to every other "
                "user (and a signed-out page to signed-in users)",
                hint=(
                    "Cache only the user-independent data with `@cache.memoize(...)`, give `make_cache_key=` that "
                    "includes the user, or skip the cache for signed-in users with `unless=`."
                ),
                evidence=[Evidence(f"`{shown.what}` read in the template", shown.location)],
            )
        )

    def _check_memoized(self, project: Project, report: Callable[[Finding], None]) -> None:
        """``@cache.memoize`` keys by the function's name and arguments only: a function that reads the user, the
        session or the request without taking them as arguments returns the first caller's result to all."""
        for fn in project.functions.values():
            if not fn.node.decorator_list or is_test_path(fn.module.path):
                continue
            deco = cache_decorator(project, fn, "memoize")
            if deco is None or any(decorator_kwarg(deco, k) is not None for k in ("unless", "make_name")):
                continue
            if _registered_uncached(fn, deco):
                continue
            user_parameter = any(
                any(word in name.lower() for word in _USER_PARAMETER_WORDS) for name in _url_parameters(fn)
            )
            reads = [(r, p) for r, p in varying_reads(project, fn) if not (user_parameter and r.kind == "user")]
            if not reads:
                continue
            read, path = reads[0]
            where = "" if read.function is fn else f" (in `{read.function.display}`, called from `{fn.display}`)"
            evidence = [Evidence(f"`{read.what}` read here", node_location(read.function.module.path, read.node))]
            evidence += [Evidence(f"calls `{step.display}`", step.location) for step in path[1:]]
            whose = "the first user's" if read.kind == "user" else "the first request's"
            report(
                self.finding(
                    node_location(fn.module.path, deco),
                    f"`@{ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)}` on `{fn.display}` keys the "
                    f"cache by the function's arguments only, but it reads `{read.what}`{where}, which is not one of "
                    f"them: {whose} result is returned to every later call with the same arguments",
                    hint=(
                        "Pass the value as an argument (`unread_count(current_user.id)`) so it is part of the key, "
                        "or read it outside the memoized function."
                    ),
                    evidence=evidence,
                )
            )

    def _report_skipped_guard(
        self, fn: FunctionInfo, deco: ast.expr, guard: ast.expr, report: Callable[[Finding], None]
    ) -> None:
        """The view reads nothing of the user, but its sign-in check sits inside the cache: a hit never runs it."""
        text = ast.unparse(guard)
        report(
            self.finding(
                node_location(fn.module.path, deco),
                f"`@{ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)}` on view `{fn.display}` sits "
                f"above `@{text}`: a cache hit returns the stored page without running `@{text}`, so a signed-in "
                "user's page is served to signed-out visitors (and a cached login redirect to signed-in users)",
                hint=(
                    f"Put `@{text}` above `@cache.cached(...)` (just below the route decorator) so the check runs "
                    "before the cache is read."
                ),
                evidence=[Evidence(f"`@{text}` runs only on a cache miss", node_location(fn.module.path, guard))],
            )
        )

    def _report_constant_key(
        self,
        fn: FunctionInfo,
        deco: ast.expr,
        key_prefix: ast.expr | None,
        parameters: list[str],
        report: Callable[[Finding], None],
    ) -> None:
        """A view with URL variables cached under one constant key: every URL of the route gets the first page."""
        names = ", ".join(f"`{p}`" for p in parameters[:3])
        report(
            self.finding(
                node_location(fn.module.path, deco),
                f"`@{ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)}` on view `{fn.display}` keys "
                f"the cache by the constant `key_prefix={ast.unparse(key_prefix) if key_prefix else ''}`, which has "
                f"no `%s` for the path, but the view takes {names} from the URL: the page rendered for the first "
                "URL is served for every other one",
                hint="Put `%s` in `key_prefix` (it is replaced by `request.path`), drop `key_prefix`, or use "
                "`@cache.memoize` on a helper that takes the values.",
            )
        )


#: Parameter names that carry the user into a memoized function's key (``user_id``, ``account``, ``uid``).
_USER_PARAMETER_WORDS = ("user", "uid", "account", "identity", "owner", "member", "tenant", "session", "principal")


#: Decorators that refuse the request unless the visitor signed in or holds a role (Flask-Login, Flask-Security,
#: Flask-JWT-Extended, Flask-HTTPAuth's ``auth.login_required``, the project's own ``admin_required``).
_AUTH_DECORATORS = (
    "login_required",
    "jwt_required",
    "auth_required",
    "roles_required",
    "roles_accepted",
    "permission_required",
    "admin_required",
    "requires_auth",
    "require_login",
    "requires_login",
)


def _auth_below(fn: FunctionInfo, deco: ast.expr) -> ast.expr | None:
    """The sign-in or role decorator written below ``@cache.cached`` (the cache wraps it: a hit skips it)."""
    decorators = fn.node.decorator_list
    if deco not in decorators:
        return None
    for inner in decorators[decorators.index(deco) + 1 :]:
        target = inner.func if isinstance(inner, ast.Call) else inner
        name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
        if name.lower() in _AUTH_DECORATORS:
            return inner
    return None


def _constant_key(key_prefix: ast.expr | None) -> bool:
    """A literal ``key_prefix`` without the ``%s`` Flask-Caching replaces by ``request.path``."""
    return isinstance(key_prefix, ast.Constant) and isinstance(key_prefix.value, str) and "%s" not in key_prefix.value


def _url_parameters(fn: FunctionInfo) -> list[str]:
    """The parameters a view takes from its URL (all but ``self``/``cls``)."""
    args = fn.node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    if fn.class_name and names and names[0] in ("self", "cls"):
        names = names[1:]
    return names


def _registered_uncached(fn: FunctionInfo, deco: ast.expr) -> bool:
    """``@cache.cached`` written above the route decorator: Flask registered the function before the cache
    wrapped it, so requests never reach the cache (Flask-Caching: the route decorator goes first)."""
    lines = {d.lineno for d in fn.node.decorator_list}
    own = [r.location.line for r in fn.routes if r.location.path == fn.module.path and r.location.line in lines]
    return bool(own) and all(line > deco.lineno for line in own)

"""Variant matrix for catalogue S15 (error handling): common ways Flask code gets error handling wrong, and the
matching safe shapes. Each bad variant must produce its rule's finding (``FD501+FD502``: both); each good one no
S15 finding (FD501-FD504, FD509, FD510). A variant is one ``app.py`` source, or a dict of files."""

from __future__ import annotations

import pytest

from tests.static.variants import dedented, found

S15 = ("FD501", "FD502", "FD503", "FD504", "FD509", "FD510")

BAD: dict[str, tuple[str, str | dict[str, str]]] = {
    "app-errorhandler-exception-page-500": (
        "FD501",
        """
        from flask import Flask, render_template
        app = Flask(__name__)

        @app.errorhandler(Exception)
        def oops(e):
            return render_template("error.html"), 500
        """,
    ),
    "register-error-handler-exception": (
        "FD501",
        """
        from flask import Flask, jsonify
        app = Flask(__name__)

        def on_error(e):
            return jsonify(message="internal error"), 500

        app.register_error_handler(Exception, on_error)
        """,
    ),
    "blueprint-app-errorhandler-exception": (
        "FD501",
        """
        from flask import Blueprint, render_template
        errors = Blueprint("errors", __name__)

        @errors.app_errorhandler(Exception)
        def any_error(e):
            return render_template("errors/500.html"), 500
        """,
    ),
    "factory-errorhandler-exception-json": (
        "FD501",
        """
        from flask import Flask, jsonify

        def create_app():
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def crashed(e):
                app.logger.exception("failure")
                return jsonify(error=str(e)), 500

            return app
        """,
    ),
    "factory-register-handler-from-module": (
        "FD501",
        """
        from flask import Flask, jsonify

        def handle_any(e):
            return jsonify(error="server error"), 500

        def register_errors(app):
            app.register_error_handler(Exception, handle_any)

        def create_app():
            app = Flask(__name__)
            register_errors(app)
            return app
        """,
    ),
    "errorhandler-baseexception": (
        "FD501",
        """
        from flask import Flask
        app = Flask(__name__)

        @app.errorhandler(BaseException)
        def everything(e):
            return {"error": "failure"}, 500
        """,
    ),
    "errorhandler-exception-reraises-http": (
        "FD501",
        """
        from flask import Flask
        from werkzeug.exceptions import HTTPException
        app = Flask(__name__)

        @app.errorhandler(Exception)
        def everything(e):
            if isinstance(e, HTTPException):
                raise e
            return {"error": "failure"}, 500
        """,
    ),
    "errorhandler-exception-only-notfound-passes": (
        "FD501",
        """
        from flask import Flask
        from werkzeug.exceptions import NotFound
        app = Flask(__name__)

        @app.errorhandler(Exception)
        def everything(e):
            if isinstance(e, NotFound):
                return e
            return {"error": "failure"}, 500
        """,
    ),
    "restx-api-errorhandler-exception": (
        "FD501",
        """
        from flask import Flask
        from flask_restx import Api
        app = Flask(__name__)
        api = Api(app)

        @api.errorhandler(Exception)
        def api_error(e):
            return {"message": str(e)}, 500
        """,
    ),
    "restful-handle-error-override": (
        "FD501",
        """
        from flask import jsonify
        from flask_restful import Api

        class MyApi(Api):
            def handle_error(self, e):
                return jsonify(message="internal error"), 500
        """,
    ),
    "errorhandler-404-template-no-status": (
        "FD502",
        """
        from flask import Flask, render_template
        app = Flask(__name__)

        @app.errorhandler(404)
        def not_found(e):
            return render_template("404.html")
        """,
    ),
    "errorhandler-500-jsonify-no-status": (
        "FD502",
        """
        from flask import Flask, jsonify
        app = Flask(__name__)

        @app.errorhandler(500)
        def server_error(e):
            return jsonify(error="internal server error")
        """,
    ),
    "errorhandler-429-dict-no-status": (
        "FD502",
        """
        from flask import Flask
        app = Flask(__name__)

        @app.errorhandler(429)
        def ratelimited(e):
            return {"error": str(e)}
        """,
    ),
    "errorhandler-http-exception-json-no-status": (
        "FD502",
        """
        from flask import Flask, jsonify
        from werkzeug.exceptions import HTTPException
        app = Flask(__name__)

        @app.errorhandler(HTTPException)
        def http_error(e):
            return jsonify(code=e.code, name=e.name, description=e.description)
        """,
    ),
    "errorhandler-notfound-class-no-status": (
        "FD502",
        """
        from flask import Flask, render_template
        from werkzeug.exceptions import NotFound
        app = Flask(__name__)

        @app.errorhandler(NotFound)
        def missing(e):
            return render_template("missing.html")
        """,
    ),
    "blueprint-app-errorhandler-404-no-status": (
        "FD502",
        """
        from flask import Blueprint, render_template
        main = Blueprint("main", __name__)

        @main.app_errorhandler(404)
        def page_missing(e):
            return render_template("errors/404.html")
        """,
    ),
    "factory-register-404-no-status": (
        "FD502",
        """
        from flask import Flask, render_template

        def not_found(e):
            return render_template("404.html")

        def create_app():
            app = Flask(__name__)
            app.register_error_handler(404, not_found)
            return app
        """,
    ),
    "custom-exception-handler-no-status": (
        "FD502",
        """
        from flask import Flask, jsonify
        app = Flask(__name__)

        class PaymentFailed(Exception):
            pass

        @app.errorhandler(PaymentFailed)
        def payment_failed(e):
            return jsonify(error="payment failed", detail=str(e))
        """,
    ),
    "errorhandler-exception-json-no-status": (
        "FD502",
        """
        from flask import Flask, jsonify
        app = Flask(__name__)

        @app.errorhandler(Exception)
        def anything(e):
            return jsonify(error=str(e))
        """,
    ),
    "view-commit-except-pass": (
        "FD503",
        """
        from flask import Flask, request, redirect
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Note(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            text = db.Column(db.String)

        @app.route("/notes", methods=["POST"])
        def add_note():
            try:
                db.session.add(Note(text=request.form["text"]))
                db.session.commit()
            except Exception:
                pass
            return redirect("/notes")
        """,
    ),
    "view-bare-except-jsonify-200": (
        "FD503",
        """
        from flask import Flask, request, jsonify
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Item(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        @app.post("/items")
        def create_item():
            try:
                item = Item(name=request.json["name"])
                db.session.add(item)
                db.session.commit()
                return jsonify(id=item.id), 201
            except:
                return jsonify(ok=False)
        """,
    ),
    # a TODO owns the silence as a defect: still reported
    "view-commit-except-pass-todo": (
        "FD503",
        """
        from flask import Flask, request, redirect
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Vote(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            choice = db.Column(db.String)

        @app.post("/vote")
        def vote():
            try:
                db.session.add(Vote(choice=request.form["choice"]))
                db.session.commit()
            except Exception:
                pass  # TODO report this to the user
            return redirect("/results")
        """,
    ),
    "view-except-exception-error-json-200": (
        "FD503",
        """
        from flask import Flask, request, jsonify
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Item(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        @app.post("/items/<int:item_id>")
        def rename(item_id):
            try:
                item = db.session.get(Item, item_id)
                item.name = request.json["name"]
                db.session.commit()
                return jsonify(status="ok")
            except Exception as e:
                return jsonify(status="error", message=str(e))
        """,
    ),
    "helper-commit-except-pass": (
        "FD503",
        """
        from flask import Flask, request, redirect
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Note(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            text = db.Column(db.String)

        def save(obj):
            try:
                db.session.add(obj)
                db.session.commit()
            except Exception:
                pass

        @app.route("/notes", methods=["POST"])
        def add_note():
            save(Note(text=request.form["text"]))
            return redirect("/notes")
        """,
    ),
    "view-get-or-404-in-try-500": (
        "FD504",
        """
        from flask import Flask, render_template
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        @app.get("/post/<int:post_id>")
        def show(post_id):
            try:
                post = Post.query.get_or_404(post_id)
                return render_template("post.html", post=post)
            except Exception:
                app.logger.exception("failed")
                return render_template("error.html"), 500
        """,
    ),
    "view-db-get-or-404-in-try": (
        "FD504",
        """
        from flask import Flask, jsonify
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        @app.get("/api/post/<int:post_id>")
        def show(post_id):
            try:
                post = db.get_or_404(Post, post_id)
                return jsonify(id=post.id)
            except Exception as e:
                app.logger.exception("failed")
                return jsonify(error=str(e)), 500
        """,
    ),
    "view-first-or-404-bare-except": (
        "FD504",
        """
        from flask import Flask, render_template
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        @app.get("/u/<name>")
        def profile(name):
            try:
                user = User.query.filter_by(name=name).first_or_404()
                return render_template("user.html", user=user)
            except:
                app.logger.exception("failed")
                return render_template("error.html"), 500
        """,
    ),
    "view-abort-403-in-try-redirect": (
        "FD504",
        """
        from flask import Flask, abort, flash, redirect, request
        app = Flask(__name__)

        @app.post("/admin/delete")
        def delete():
            try:
                if request.form.get("token") != "x":
                    abort(403)
                return "deleted"
            except Exception:
                app.logger.exception("failed")
                flash("something went wrong")
                return redirect("/")
        """,
    ),
    "view-helper-aborts-in-try": (
        "FD504",
        """
        from flask import Flask, abort, jsonify
        app = Flask(__name__)
        POSTS = {}

        def load_post(post_id):
            post = POSTS.get(post_id)
            if post is None:
                abort(404)
            return post

        @app.get("/p/<int:post_id>")
        def show(post_id):
            try:
                post = load_post(post_id)
                return jsonify(post)
            except Exception:
                app.logger.exception("failed")
                return jsonify(error="server error"), 500
        """,
    ),
    "restx-resource-api-abort-in-try": (
        "FD504",
        """
        from flask import Flask
        from flask_restx import Api, Resource
        app = Flask(__name__)
        api = Api(app)
        ITEMS = {}

        @api.route("/items/<int:item_id>")
        class ItemResource(Resource):
            def get(self, item_id):
                try:
                    if item_id not in ITEMS:
                        api.abort(404, "no such item")
                    return ITEMS[item_id]
                except Exception as e:
                    app.logger.exception("failed")
                    return {"message": str(e)}, 500
        """,
    ),
}

GOOD: dict[str, str] = {
    "isinstance-http-return-e": """
        from flask import Flask, render_template
        from werkzeug.exceptions import HTTPException
        app = Flask(__name__)

        @app.errorhandler(Exception)
        def oops(e):
            if isinstance(e, HTTPException):
                return e
            return render_template("error.html"), 500
        """,
    "isinstance-http-get-response": """
        from flask import Flask, jsonify
        from werkzeug.exceptions import HTTPException
        app = Flask(__name__)

        @app.errorhandler(Exception)
        def oops(e):
            if isinstance(e, HTTPException):
                return e.get_response()
            return jsonify(error="server error"), 500
        """,
    "separate-http-handler": """
        from flask import Flask, jsonify
        from werkzeug.exceptions import HTTPException
        app = Flask(__name__)

        @app.errorhandler(HTTPException)
        def http_error(e):
            return jsonify(error=e.description), e.code

        @app.errorhandler(Exception)
        def oops(e):
            return jsonify(error="server error"), 500
        """,
    "separate-http-handler-registered": """
        from flask import Flask, jsonify
        from werkzeug.exceptions import HTTPException

        def http_error(e):
            return jsonify(error=e.description), e.code

        def oops(e):
            return jsonify(error="server error"), 500

        def create_app():
            app = Flask(__name__)
            app.register_error_handler(HTTPException, http_error)
            app.register_error_handler(Exception, oops)
            return app
        """,
    "getattr-code-default": """
        from flask import Flask, jsonify
        app = Flask(__name__)

        @app.errorhandler(Exception)
        def oops(e):
            status = getattr(e, "code", 500)
            return jsonify(error=str(e)), status
        """,
    "blueprint-app-handler-passes-http": """
        from flask import Blueprint, jsonify
        from werkzeug.exceptions import HTTPException
        errors = Blueprint("errors", __name__)

        @errors.app_errorhandler(Exception)
        def oops(e):
            if isinstance(e, HTTPException):
                return e
            return jsonify(error="server error"), 500
        """,
    "handler-404-with-status": """
        from flask import Flask, render_template
        app = Flask(__name__)

        @app.errorhandler(404)
        def not_found(e):
            return render_template("404.html"), 404
        """,
    "handler-404-make-response": """
        from flask import Flask, make_response, render_template
        app = Flask(__name__)

        @app.errorhandler(404)
        def not_found(e):
            return make_response(render_template("404.html"), 404)
        """,
    "handler-404-status-code-set": """
        from flask import Flask, jsonify
        app = Flask(__name__)

        @app.errorhandler(404)
        def not_found(e):
            response = jsonify(error="not found")
            response.status_code = 404
            return response
        """,
    "handler-404-return-e": """
        from flask import Flask, request, jsonify
        app = Flask(__name__)

        @app.errorhandler(404)
        def not_found(e):
            if request.path.startswith("/api/"):
                return jsonify(error="not found"), 404
            return e
        """,
    "handler-http-code-from-e": """
        from flask import Flask, jsonify
        from werkzeug.exceptions import HTTPException
        app = Flask(__name__)

        @app.errorhandler(HTTPException)
        def http_error(e):
            return jsonify(error=e.name), e.code
        """,
    "custom-exception-status-attribute": """
        from flask import Flask, jsonify
        app = Flask(__name__)

        class ApiError(Exception):
            status_code = 400

            def __init__(self, message, status_code=None):
                super().__init__(message)
                self.message = message
                if status_code is not None:
                    self.status_code = status_code

        @app.errorhandler(ApiError)
        def api_error(e):
            return jsonify(error=e.message), e.status_code
        """,
    "lambda-handler-with-status": """
        from flask import Flask, render_template
        app = Flask(__name__)
        app.register_error_handler(404, lambda e: (render_template("404.html"), 404))
        """,
    "restx-reraise-http": """
        from flask import Flask
        from flask_restx import Api
        from werkzeug.exceptions import HTTPException
        app = Flask(__name__)
        api = Api(app)

        @api.errorhandler(Exception)
        def api_error(e):
            if isinstance(e, HTTPException):
                raise e
            return {"message": "server error"}, 500
        """,
    "view-except-log-reraise": """
        from flask import Flask, request
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Note(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            text = db.Column(db.String)

        @app.post("/notes")
        def add_note():
            try:
                db.session.add(Note(text=request.form["text"]))
                db.session.commit()
            except Exception:
                db.session.rollback()
                app.logger.exception("could not save note")
                raise
            return "saved", 201
        """,
    "view-rollback-log-500": """
        from flask import Flask, request, jsonify
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Note(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            text = db.Column(db.String)

        @app.post("/notes")
        def add_note():
            try:
                db.session.add(Note(text=request.form["text"]))
                db.session.commit()
            except Exception:
                db.session.rollback()
                app.logger.exception("could not save note")
                return jsonify(error="could not save"), 500
            return jsonify(ok=True), 201
        """,
    "view-narrow-valueerror-abort": """
        from flask import Flask, abort, request
        app = Flask(__name__)

        @app.get("/page")
        def page():
            try:
                number = int(request.args.get("n", "1"))
            except ValueError:
                abort(400)
            return str(number)
        """,
    "view-get-or-404-outside-try": """
        from flask import Flask, jsonify
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        @app.get("/post/<int:post_id>")
        def show(post_id):
            post = db.get_or_404(Post, post_id)
            try:
                data = {"id": post.id}
            except Exception:
                app.logger.exception("failed")
                return jsonify(error="server error"), 500
            return jsonify(data)
        """,
    "view-http-reraised-before-broad": """
        from flask import Flask, abort, jsonify
        from werkzeug.exceptions import HTTPException
        app = Flask(__name__)
        POSTS = {}

        @app.get("/p/<int:post_id>")
        def show(post_id):
            try:
                if post_id not in POSTS:
                    abort(404)
                return jsonify(POSTS[post_id])
            except HTTPException:
                raise
            except Exception:
                app.logger.exception("failed")
                return jsonify(error="server error"), 500
        """,
    "view-except-around-non-aborting-call": """
        import requests
        from flask import Flask, jsonify
        app = Flask(__name__)

        @app.get("/weather")
        def weather():
            try:
                data = requests.get("https://example.invalid/api", timeout=5).json()
            except Exception:
                app.logger.exception("upstream failed")
                return jsonify(error="upstream unavailable"), 502
            return jsonify(data)
        """,
    "view-except-abort-500-logged": """
        from flask import Flask, abort, request
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Note(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            text = db.Column(db.String)

        @app.post("/notes")
        def add_note():
            try:
                db.session.add(Note(text=request.form["text"]))
                db.session.commit()
            except Exception:
                db.session.rollback()
                app.logger.exception("save failed")
                abort(500)
            return "saved", 201
        """,
    "abort-in-try-answered-same-status": """
        from flask import Flask, abort, render_template
        app = Flask(__name__)
        PAGES = {}

        @app.get("/docs/<name>")
        def doc(name):
            try:
                if name not in PAGES:
                    abort(404)
                return PAGES[name]
            except Exception:
                return render_template("404.html"), 404
        """,
    "cleanup-except-pass": """
        import os
        from flask import Flask, send_file
        app = Flask(__name__)

        @app.get("/export")
        def export():
            path = "/tmp/export.csv"
            response = send_file(path)
            try:
                os.remove(path)
            except Exception:
                pass
            return response
        """,
}


BAD.update(
    {
        "errorhandler-call-form": (
            "FD501",
            """
            from flask import Flask, render_template
            app = Flask(__name__)

            def boom(e):
                return render_template("error.html"), 500

            app.errorhandler(Exception)(boom)
            """,
        ),
        "blueprint-local-errorhandler-exception": (
            "FD501",
            """
            from flask import Blueprint, abort, jsonify
            api = Blueprint("api_v1", __name__, url_prefix="/api")
            ORDERS = {}

            @api.get("/orders/<int:order_id>")
            def order(order_id):
                if order_id not in ORDERS:
                    abort(404)
                return jsonify(ORDERS[order_id])

            @api.errorhandler(Exception)
            def api_failure(e):
                return jsonify(error="internal"), 500
            """,
        ),
        "errorhandler-exception-make-response-httpstatus": (
            "FD501",
            """
            from http import HTTPStatus
            from flask import Flask, jsonify, make_response
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def failure(e):
                app.logger.exception("unhandled")
                return make_response(jsonify(error="internal"), HTTPStatus.INTERNAL_SERVER_ERROR)
            """,
        ),
        "restx-namespace-errorhandler-exception": (
            "FD501",
            """
            from flask_restx import Namespace
            ns = Namespace("orders")

            @ns.errorhandler(Exception)
            def ns_failure(e):
                return {"message": "internal"}, 500
            """,
        ),
        "register-500-template-no-status": (
            "FD502",
            """
            from flask import Flask, render_template

            def server_error(e):
                return render_template("500.html")

            def create_app():
                app = Flask(__name__)
                app.register_error_handler(500, server_error)
                return app
            """,
        ),
        "loop-registered-handler-no-status": (
            "FD502",
            """
            from flask import Flask, render_template
            app = Flask(__name__)

            def error_page(e):
                return render_template("error.html", error=e)

            for code in (403, 404, 500):
                app.register_error_handler(code, error_page)
            """,
        ),
        "errorhandler-404-explicit-200": (
            "FD502",
            """
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.errorhandler(404)
            def not_found(e):
                return jsonify(error="not found"), 200
            """,
        ),
        "view-except-template-200": (
            "FD503",
            """
            from flask import Flask, render_template
            app = Flask(__name__)

            def load_report():
                return {}

            @app.get("/report")
            def report():
                try:
                    data = load_report()
                    return render_template("report.html", data=data)
                except Exception:
                    return render_template("error.html")
            """,
        ),
        "view-except-return-str-e": (
            "FD503",
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Tag(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            @app.post("/tags")
            def add_tag():
                try:
                    db.session.add(Tag(name=request.form["name"]))
                    db.session.commit()
                    return "ok"
                except Exception as e:
                    return str(e)
            """,
        ),
        "view-except-dict-200": (
            "FD503",
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Tag(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            @app.delete("/tags/<int:tag_id>")
            def delete_tag(tag_id):
                try:
                    db.session.delete(db.session.get(Tag, tag_id))
                    db.session.commit()
                    return {"ok": True}
                except Exception:
                    return {"ok": False}
            """,
        ),
        "view-get-or-404-except-pass": (
            "FD504",
            """
            from flask import Flask, render_template
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            @app.get("/post/<int:post_id>")
            def show(post_id):
                post = None
                try:
                    post = Post.query.get_or_404(post_id)
                except Exception:
                    pass
                return render_template("post.html", post=post)
            """,
        ),
        "view-raise-notfound-in-try": (
            "FD504",
            """
            from flask import Flask, jsonify
            from werkzeug.exceptions import NotFound
            app = Flask(__name__)
            USERS = {}

            @app.get("/users/<int:uid>")
            def user(uid):
                try:
                    if uid not in USERS:
                        raise NotFound("no such user")
                    return jsonify(USERS[uid])
                except Exception as e:
                    app.logger.exception("failed")
                    return jsonify(error=str(e)), 500
            """,
        ),
        "async-view-abort-in-try": (
            "FD504",
            """
            from flask import Flask, abort, jsonify
            app = Flask(__name__)
            USERS = {}

            @app.get("/users/<int:uid>")
            async def user(uid):
                try:
                    if uid not in USERS:
                        abort(404)
                    return jsonify(USERS[uid])
                except Exception:
                    app.logger.exception("failed")
                    return jsonify(error="server error"), 500
            """,
        ),
        "helper-two-deep-aborts-in-try": (
            "FD504",
            """
            from flask import Flask, abort, jsonify, request
            app = Flask(__name__)

            def require_key():
                if request.headers.get("X-Key") != "secret":
                    abort(401)

            def authorise():
                require_key()

            @app.post("/jobs")
            def start_job():
                try:
                    authorise()
                    return jsonify(started=True), 202
                except Exception:
                    app.logger.exception("failed")
                    return jsonify(error="server error"), 500
            """,
        ),
        "decorator-catches-view-aborts": (
            "FD504",
            """
            import functools
            from flask import Flask, abort, jsonify
            app = Flask(__name__)
            USERS = {}

            def json_errors(view):
                @functools.wraps(view)
                def wrapper(*args, **kwargs):
                    try:
                        return view(*args, **kwargs)
                    except Exception:
                        app.logger.exception("failed")
                        return jsonify(error="server error"), 500
                return wrapper

            @app.get("/users/<int:uid>")
            @json_errors
            def user(uid):
                if uid not in USERS:
                    abort(404)
                return jsonify(USERS[uid])
            """,
        ),
    }
)

GOOD.update(
    {
        "hasattr-code-return-e": """
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def failure(e):
                if hasattr(e, "code"):
                    return e
                return jsonify(error="internal"), 500
            """,
        "isinstance-module-qualified": """
            from flask import Flask, jsonify
            from werkzeug import exceptions
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def failure(e):
                if isinstance(e, exceptions.HTTPException):
                    return e
                return jsonify(error="internal"), 500
            """,
        "not-isinstance-then-return-e": """
            from flask import Flask, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def failure(e):
                if not isinstance(e, HTTPException):
                    app.logger.exception("unhandled")
                    return jsonify(error="internal"), 500
                return e
            """,
        "status-conditional-expression": """
            from flask import Flask, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def failure(e):
                status = e.code if isinstance(e, HTTPException) else 500
                return jsonify(error=str(e)), status
            """,
        "handler-404-redirect": """
            from flask import Flask, redirect, url_for
            app = Flask(__name__)

            @app.errorhandler(404)
            def not_found(e):
                return redirect(url_for("index"))

            @app.get("/")
            def index():
                return "home"
            """,
        "handler-http-return-e": """
            from flask import Flask, request, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(HTTPException)
            def http_error(e):
                if request.accept_mimetypes.accept_json:
                    return jsonify(error=e.description), e.code
                return e
            """,
        "narrow-sqlalchemy-error-rollback-raise": """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy.exc import SQLAlchemyError
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Tag(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            @app.post("/tags")
            def add_tag():
                try:
                    db.session.add(Tag(name=request.form["name"]))
                    db.session.commit()
                except SQLAlchemyError:
                    db.session.rollback()
                    raise
                return "ok", 201
            """,
        "helper-aborts-outside-try": """
            from flask import Flask, abort, jsonify
            app = Flask(__name__)
            POSTS = {}

            def load_post(post_id):
                post = POSTS.get(post_id)
                if post is None:
                    abort(404)
                return post

            def render(post):
                return {"post": post}

            @app.get("/p/<int:post_id>")
            def show(post_id):
                post = load_post(post_id)
                try:
                    body = render(post)
                except Exception:
                    app.logger.exception("failed")
                    return jsonify(error="server error"), 500
                return jsonify(body)
            """,
        "helper-aborts-http-reraised": """
            from flask import Flask, abort, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)
            POSTS = {}

            def load_post(post_id):
                if post_id not in POSTS:
                    abort(404)
                return POSTS[post_id]

            @app.get("/p/<int:post_id>")
            def show(post_id):
                try:
                    return jsonify(load_post(post_id))
                except HTTPException:
                    raise
                except Exception:
                    app.logger.exception("failed")
                    return jsonify(error="server error"), 500
            """,
        "helper-aborts-answered-same-status": """
            from flask import Flask, abort, jsonify
            app = Flask(__name__)
            POSTS = {}

            def load_post(post_id):
                if post_id not in POSTS:
                    abort(404)
                return POSTS[post_id]

            @app.get("/p/<int:post_id>")
            def show(post_id):
                try:
                    return jsonify(load_post(post_id))
                except Exception:
                    return jsonify(error="not found"), 404
            """,
        "helper-with-own-try-no-abort-escape": """
            import json
            from flask import Flask, jsonify, request
            app = Flask(__name__)

            def parse(text):
                try:
                    return json.loads(text)
                except ValueError:
                    return None

            @app.post("/echo")
            def echo():
                try:
                    data = parse(request.get_data(as_text=True))
                except Exception:
                    app.logger.exception("failed")
                    return jsonify(error="server error"), 500
                return jsonify(data)
            """,
        "restx-ns-abort-outside-try": """
            from flask import Flask
            from flask_restx import Api, Namespace, Resource
            app = Flask(__name__)
            api = Api(app)
            ns = Namespace("items")
            api.add_namespace(ns)
            ITEMS = {}

            @ns.route("/<int:item_id>")
            class ItemResource(Resource):
                def get(self, item_id):
                    if item_id not in ITEMS:
                        ns.abort(404, "no such item")
                    try:
                        return dict(ITEMS[item_id])
                    except Exception:
                        app.logger.exception("failed")
                        return {"message": "server error"}, 500
            """,
        "spa-fallback-404": """
            from flask import Flask, send_from_directory
            app = Flask(__name__, static_folder="dist")

            @app.errorhandler(404)
            def spa(e):
                return send_from_directory(app.static_folder, "index.html")
            """,
    }
)


GOOD.update(
    {
        "decorator-reraises-http": """
            import functools
            from flask import Flask, abort, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)
            USERS = {}

            def json_errors(view):
                @functools.wraps(view)
                def wrapper(*args, **kwargs):
                    try:
                        return view(*args, **kwargs)
                    except HTTPException:
                        raise
                    except Exception:
                        app.logger.exception("failed")
                        return jsonify(error="server error"), 500
                return wrapper

            @app.get("/users/<int:uid>")
            @json_errors
            def user(uid):
                if uid not in USERS:
                    abort(404)
                return jsonify(USERS[uid])
            """,
        "decorator-around-views-that-never-abort": """
            import functools
            from flask import Flask, jsonify
            app = Flask(__name__)

            def json_errors(view):
                @functools.wraps(view)
                def wrapper(*args, **kwargs):
                    try:
                        return view(*args, **kwargs)
                    except Exception:
                        app.logger.exception("failed")
                        return jsonify(error="server error"), 500
                return wrapper

            @app.get("/stats")
            @json_errors
            def stats():
                return jsonify(count=3)
            """,
    }
)


BAD.update(
    {
        "errorhandler-404-make-response-no-status": (
            "FD502",
            """
            from flask import Flask, make_response, render_template
            app = Flask(__name__)

            @app.errorhandler(404)
            def nf(e):
                return make_response(render_template("404.html"))
            """,
        ),
        "errorhandler-404-response-class-no-status": (
            "FD502",
            """
            from flask import Flask, Response, render_template
            app = Flask(__name__)

            @app.errorhandler(404)
            def nf(e):
                return Response(render_template("404.html"), mimetype="text/html")
            """,
        ),
        "stacked-404-500-handler-no-status": (
            "FD502",
            """
            from flask import Flask, render_template
            app = Flask(__name__)

            @app.errorhandler(404)
            @app.errorhandler(500)
            def err(e):
                return render_template("error.html", error=e)
            """,
        ),
        "errorhandler-404-helper-no-status": (
            "FD502",
            """
            from flask import Flask, jsonify
            app = Flask(__name__)

            def error_response(message):
                return jsonify(error=message)

            @app.errorhandler(404)
            def nf(e):
                return error_response("not found")
            """,
        ),
        "errorhandler-exception-isinstance-only-logs": (
            "FD501",
            """
            from flask import Flask, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def err(e):
                if isinstance(e, HTTPException):
                    app.logger.info("http error %s", e)
                return jsonify(error="internal"), 500
            """,
        ),
        "view-db-one-or-404-except-baseexception": (
            "FD504",
            """
            from flask import Flask, jsonify
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class U(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            @app.get("/u/<int:i>")
            def u(i):
                try:
                    user = db.one_or_404(db.select(U).filter_by(id=i))
                    return jsonify(id=user.id)
                except BaseException:
                    app.logger.exception("x")
                    return jsonify(error="internal"), 500
            """,
        ),
    }
)

GOOD.update(
    {
        "handler-code-variable-from-e": """
            from flask import Flask, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def err(e):
                code = 500
                if isinstance(e, HTTPException):
                    code = e.code
                return jsonify(error=str(e)), code
            """,
        "view-except-status-from-getattr-code": """
            from flask import Flask, abort, jsonify
            app = Flask(__name__)
            D = {}

            @app.get("/d/<int:i>")
            def d(i):
                try:
                    if i not in D:
                        abort(404)
                    return jsonify(D[i])
                except Exception as e:
                    app.logger.exception("x")
                    return jsonify(error=str(e)), getattr(e, "code", 500)
            """,
        "view-except-isinstance-reraise": """
            from flask import Flask, abort, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)
            D = {}

            @app.get("/d/<int:i>")
            def d(i):
                try:
                    if i not in D:
                        abort(404)
                    return jsonify(D[i])
                except Exception as e:
                    if isinstance(e, HTTPException):
                        raise
                    app.logger.exception("x")
                    return jsonify(error="internal"), 500
            """,
        "view-except-isinstance-return-e": """
            from flask import Flask, abort, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)
            D = {}

            @app.get("/d/<int:i>")
            def d(i):
                try:
                    if i not in D:
                        abort(404)
                    return jsonify(D[i])
                except Exception as e:
                    if isinstance(e, HTTPException):
                        return e
                    app.logger.exception("x")
                    return jsonify(error="internal"), 500
            """,
        "view-optional-webhook-except-pass": """
            import requests
            from flask import Flask, request, jsonify
            app = Flask(__name__)

            @app.post("/signup")
            def signup():
                try:
                    requests.post("https://hooks.example.invalid", json={"e": request.json["email"]}, timeout=3)
                except Exception:
                    pass
                return jsonify(ok=True), 201
            """,
    }
)


BAD.update(
    {
        "make-response-kwargs": (
            "FD509",
            """
            from flask import Flask, make_response, render_template
            app = Flask(__name__)

            @app.get("/done")
            def done():
                return make_response(render_template("done.html"), title="Done")
            """,
        ),
        "make-response-status-kw": (
            "FD509",
            """
            from flask import Flask, make_response, jsonify
            app = Flask(__name__)

            @app.get("/missing")
            def missing():
                return make_response(jsonify(error="missing"), status=404)
            """,
        ),
        "jsonify-both": (
            "FD509",
            """
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.get("/info")
            def info():
                return jsonify({"name": "x"}, version=2)
            """,
        ),
        "flask-module-make-response": (
            "FD509",
            """
            import flask
            app = flask.Flask(__name__)

            @app.get("/x")
            def x():
                return flask.make_response("gone", status=410)
            """,
        ),
        "if-app-debug": (
            "FD510",
            """
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.errorhandler(500)
            def server_error(e):
                message = str(e)
                if app.debug:
                    message = "Internal server error"
                return jsonify(error=message), 500
            """,
        ),
        "config-debug": (
            "FD510",
            """
            from flask import Flask, jsonify, current_app
            app = Flask(__name__)

            @app.errorhandler(500)
            def server_error(e):
                detail = repr(e)
                if current_app.config["DEBUG"]:
                    detail = "Something went wrong"
                return jsonify(detail=detail), 500
            """,
        ),
        "else-of-not-debug": (
            "FD510",
            """
            import traceback
            from flask import Flask, jsonify, current_app
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def failure(e):
                text = traceback.format_exc()
                if not current_app.debug:
                    pass
                else:
                    text = "internal error"
                return jsonify(error=text), 500
            """,
        ),
        "multi-module-register": (
            "FD501+FD502",
            {
                "app/__init__.py": """
                from flask import Flask
                from app import errors

                def create_app():
                    app = Flask(__name__)
                    app.register_error_handler(404, errors.not_found)
                    app.register_error_handler(Exception, errors.internal)
                    return app
                """,
                "app/errors.py": """
                from flask import render_template

                def not_found(e):
                    return render_template("404.html")

                def internal(e):
                    return render_template("500.html"), 500
                """,
            },
        ),
        "blueprint-module-app-errorhandler": (
            "FD501+FD502",
            {
                "app/__init__.py": """
                from flask import Flask

                def create_app():
                    app = Flask(__name__)
                    from app.errors import bp as errors_bp
                    app.register_blueprint(errors_bp)
                    return app
                """,
                "app/errors/__init__.py": """
                from flask import Blueprint
                bp = Blueprint("errors", __name__)
                from app.errors import handlers
                """,
                "app/errors/handlers.py": """
                from flask import render_template
                from app.errors import bp

                @bp.app_errorhandler(404)
                def not_found_error(error):
                    return render_template("errors/404.html")

                @bp.app_errorhandler(Exception)
                def internal_error(error):
                    return render_template("errors/500.html"), 500
                """,
            },
        ),
        "view-helper-in-other-module-aborts": (
            "FD504",
            {
                "app/__init__.py": """
                from flask import Flask, jsonify
                from app.lookup import load_user
                app = Flask(__name__)

                @app.get("/users/<int:uid>")
                def user(uid):
                    try:
                        return jsonify(load_user(uid))
                    except Exception:
                        app.logger.exception("failed")
                        return jsonify(error="internal"), 500
                """,
                "app/lookup.py": """
                from flask import abort
                USERS = {}

                def load_user(uid):
                    if uid not in USERS:
                        abort(404)
                    return USERS[uid]
                """,
            },
        ),
    }
)

GOOD.update(
    {
        "make-response-positional": """
            from flask import Flask, make_response, render_template
            app = Flask(__name__)

            @app.get("/done")
            def done():
                return make_response(render_template("done.html", title="Done"), 200, {"X-Done": "1"})
            """,
        "jsonify-kwargs-forward": """
            from flask import Flask, jsonify
            app = Flask(__name__)

            def ok(**data):
                return jsonify(**data)

            @app.get("/info")
            def info():
                return ok(name="x", version=2)
            """,
        "if-not-debug": """
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.errorhandler(500)
            def server_error(e):
                message = str(e)
                if not app.debug:
                    message = "Internal server error"
                return jsonify(error=message), 500
            """,
        "detail-only-in-debug": """
            import traceback
            from flask import Flask, jsonify, current_app
            app = Flask(__name__)

            @app.errorhandler(500)
            def server_error(e):
                body = {"error": "internal server error"}
                if current_app.debug:
                    body["trace"] = traceback.format_exc()
                return jsonify(body), 500
            """,
    }
)


# a rollback in the broad except undoes the write but records nothing: the 200 still hides the failure
BAD.update(
    {
        "rollback-then-error-json-with-200": (
            "FD503",
            """
            from flask import Flask, jsonify, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            @app.post("/api/subscribe")
            def subscribe():
                try:
                    db.session.execute(db.text("insert into subscriber (email) values (:e)"), {"e": request.json["email"]})
                    db.session.commit()
                    return jsonify(status="ok")
                except Exception as exc:
                    db.session.rollback()
                    return jsonify(status="error", detail=str(exc))
            """,
        ),
    }
)
GOOD.update(
    {
        # the author says why the failure is dropped: a preference row is a convenience, the page works without it
        "explained-silence-best-effort-write": """
            from flask import Flask, redirect, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Preference(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                last_tab = db.Column(db.String)

            @app.get("/tabs/<name>")
            def open_tab(name):
                try:
                    db.session.get(Preference, 1).last_tab = name
                    db.session.commit()
                except Exception:
                    pass  # remembering the tab is a convenience; never fail the page over it
                return redirect(f"/{name}")
            """,
        # the stats answer is built from the store's counters; the list of sessions is an extra that may be missing
        "stats-answer-optional-session-list": """
            import sqlite3
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.get("/api/stats")
            def stats():
                counters = load_counters()
                sessions = ["default"]
                try:
                    cur = sqlite3.connect("chat.db").cursor()
                    cur.execute("SELECT DISTINCT session FROM messages")
                    sessions = [row[0] for row in cur.fetchall()] or ["default"]
                except Exception:
                    pass
                return jsonify({"counters": counters, "uptime": read_uptime(), "sessions": sessions})
            """,
        # an audit row written by an after_request hook must never fail the response it records
        "after-request-audit-row-best-effort": """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Audit(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                line = db.Column(db.String)

            @app.after_request
            def audit(response):
                try:
                    db.session.add(Audit(line=f"{request.method} {request.path} {response.status_code}"))
                    db.session.commit()
                except Exception:
                    pass
                return response
            """,
        # the like is saved first; the counter row after it is a side record
        "counter-after-own-commit-best-effort": """
            from flask import Flask, jsonify
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Like(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                photo_id = db.Column(db.Integer)

            class Stat(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                likes = db.Column(db.Integer, default=0)

            @app.post("/photos/<int:photo_id>/like")
            def like(photo_id):
                db.session.add(Like(photo_id=photo_id))
                db.session.commit()
                try:
                    db.session.get(Stat, 1).likes += 1
                    db.session.commit()
                except Exception:
                    pass
                return jsonify(liked=True)
            """,
        # the connection test's answer is the driver's error: nothing was written, the admin sees why
        "test-connection-answers-exception-text": """
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.post("/api/mailers/<int:mailer_id>/test")
            def test_mailer(mailer_id):
                try:
                    open_smtp(mailer_id).noop()
                except Exception as error:
                    return jsonify(ok=False, message=f"SMTP check failed: {error}")
                return jsonify(ok=True, message="connected")
            """,
        "rollback-log-and-error-status": """
            import logging
            from flask import Flask, jsonify, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)
            log = logging.getLogger(__name__)

            @app.post("/api/subscribe")
            def subscribe():
                try:
                    db.session.execute(db.text("insert into subscriber (email) values (:e)"), {"e": request.json["email"]})
                    db.session.commit()
                    return jsonify(status="ok")
                except Exception:
                    db.session.rollback()
                    log.exception("subscribe failed")
                    return jsonify(status="error"), 500
            """,
    }
)


def _findings(code: str | dict[str, str], *, preview: bool = False) -> list:
    files = code if isinstance(code, dict) else {"app.py": code}
    return found(dedented(files), S15, preview=preview)


#: FD504 through a helper or a wrapped view: reported only with --preview (the rule's docstring says why)
PREVIEW_ONLY = frozenset(
    {
        "view-helper-aborts-in-try",
        "view-helper-in-other-module-aborts",
        "helper-two-deep-aborts-in-try",
        "decorator-catches-view-aborts",
    }
)


# a failed read swallowed by a silent except: the view answers 200 with the defaults it set before the query
BAD.update(
    {
        "view-query-except-pass-falls-through": (
            "FD503",
            """
            from flask import Flask, jsonify
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Badge(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                label = db.Column(db.String)

            @app.get("/badges")
            def badges():
                payload = {"badges": []}
                try:
                    payload["badges"] = [b.label for b in Badge.query.order_by(Badge.id).limit(20).all()]
                except:
                    pass
                return jsonify(payload)
            """,
        ),
        "view-cursor-fetch-except-exception-pass": (
            "FD503",
            """
            import pymysql
            from flask import Flask, render_template
            app = Flask(__name__)

            @app.get("/scores")
            def scores():
                rows = []
                try:
                    with pymysql.connect(host="db", user="arcade", database="arcade") as conn:
                        with conn.cursor() as cur:
                            cur.execute("select name, points from score order by points desc limit 10")
                            rows = cur.fetchall()
                except Exception:
                    pass
                return render_template("scores.html", rows=rows)
            """,
        ),
    }
)
GOOD.update(
    {
        # the silent except guards a best-effort call, not a read the answer is made of
        "view-optional-call-except-pass-then-200": """
            import requests
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.post("/orders")
            def place_order():
                try:
                    requests.post("https://hooks.example/orders", json={"new": 1}, timeout=3)
                except Exception:
                    pass
                return jsonify(ok=True), 201
            """,
        # a failed lookup is answered with 404 after the silent except: not a success
        "view-query-except-pass-then-404": """
            from flask import Flask, jsonify
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Ticket(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String)

            @app.get("/tickets/<int:ticket_id>")
            def ticket(ticket_id):
                try:
                    found = Ticket.query.filter_by(id=ticket_id).first()
                    if found:
                        return jsonify(title=found.title)
                except Exception:
                    pass
                return jsonify(error="no such ticket"), 404
            """,
    }
)


# variants main missed or flagged wrongly, with the reason they stay that way (filled after the fix)
XFAIL_BAD: dict[str, str] = {}
XFAIL_GOOD: dict[str, str] = {}


def _param(name: str, xfails: dict[str, str], value):
    marks = [pytest.mark.xfail(reason=xfails[name], strict=True)] if name in xfails else []
    return pytest.param(name, value, id=name, marks=marks)


@pytest.mark.parametrize("name, case", [_param(n, XFAIL_BAD, c) for n, c in BAD.items()])
def test_bad_variant_is_reported(name, case):
    code, source = case
    findings = _findings(source, preview=name in PREVIEW_ONLY)
    expected = set(code.split("+"))
    assert expected <= {f.code for f in findings}, [(f.code, f.message) for f in findings]
    if name in PREVIEW_ONLY:
        assert _findings(source) == [], "shown without --preview"


@pytest.mark.parametrize("name, source", [_param(n, XFAIL_GOOD, s) for n, s in GOOD.items()])
def test_good_variant_is_silent(name, source):
    findings = _findings(source)
    assert findings == [], [(f.code, f.location.line if f.location else None, f.message) for f in findings]

"""The self-service portal of a business and employment cooperative (CAE)."""

from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask.cli import FlaskGroup
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import load_config
from portal.extensions import babel, csrf, database, htmx, login_manager
from portal.i18n import lazy_gettext as _l

# Templates and static files live beside the package, at the top of the project.
ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    load_config(app, config)
    from portal.web.ids import RowIdConverter

    # Before any route is added: each `<int:...>` then stops at the largest row id.
    app.url_map.converters["int"] = RowIdConverter
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )

    from portal.web.monitoring import init_monitoring
    from portal.web.page_cache import init_page_cache
    from portal.web.requests import PortalRequest
    from portal.web.security import (
        SessionInterface,
        add_security_headers,
        keep_checked_csrf_token,
        reject_nul_bytes,
    )
    from portal.web.static_files import init_static_files
    from portal.web.transactions import commit_or_roll_back

    init_static_files(app)  # first: its compression runs after every other response hook
    app.session_interface = SessionInterface()
    app.permanent_session_lifetime = timedelta(days=app.config["REMEMBER_DAYS"])
    database.init_app(app)
    # Its hooks first: the clock starts before the others (CSRF's check included), and the
    # log line is written after the commit (after_request hooks run in reverse order).
    init_monitoring(app)
    csrf.init_app(app)
    htmx.init_app(app)
    init_page_cache(app)
    app.request_class = PortalRequest  # htmx's request, with WTForms' messages kept
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    # Flask-Login's own cookie is not used: "remember me" makes the session cookie last,
    # and the login session row in the database decides whether it is still valid.
    login_manager.session_protection = None

    from portal.api import init_api
    from portal.storage import init_storage
    from portal.web.errors import register_error_handlers

    register_error_handlers(app)
    init_storage(app)
    init_api(app)
    app.before_request(reject_nul_bytes)
    app.before_request(keep_checked_csrf_token)  # after Flask-WTF's check, set up above
    app.after_request(commit_or_roll_back)
    app.after_request(add_security_headers)
    register_blueprints(app)
    register_template_helpers(app)

    from portal.cli import register_commands

    register_commands(app)
    return app


def main() -> None:
    """The `portal` program: Flask's own commands (run, shell, routes) plus the portal's."""
    FlaskGroup(create_app=create_app, help="The CAE portal.")(prog_name="portal")


def register_blueprints(app: Flask) -> None:
    from portal.blueprints import BLUEPRINTS, TASK_MODULES
    from portal.tasks import init_queue

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    init_queue(app, TASK_MODULES)


def select_locale() -> str:
    """The member's chosen language, else the one picked before login, else French: the
    coop's working language, whatever the browser says."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context() and request.path.startswith(("/api/", "/oauth/")):
        # A program calls the API: English unless its request asks for French.
        return request.accept_languages.best_match(languages) or "en"
    if has_request_context():
        if current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
        if session.get("locale") in languages:
            return session["locale"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_template_helpers(app: Flask) -> None:
    from portal.web.templating import init_templating

    init_templating(app)

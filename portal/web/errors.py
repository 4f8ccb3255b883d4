"""Friendly error pages in the user's language; never a stack trace."""

import logging

from flask import Flask, Response, current_app, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from portal.i18n import lazy_gettext as _l

log = logging.getLogger("portal")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("This page is reserved for the support team.")),
    404: (_l("Page not found"), _l("This page does not exist, or it is not yours.")),
    405: (_l("Not allowed"), _l("This action is not possible here.")),
    413: (_l("File too large"), _l("The file you sent is too large.")),
    429: (_l("Too many requests"), _l("Please wait a moment before trying again.")),
    500: (
        _l("Something went wrong"),
        _l("An error occurred on our side. Your data is safe; please try again."),
    ),
    503: (
        _l("Very busy"),
        _l("The portal is very busy right now. Nothing was saved: please try again."),
    ),
}


def answer_errors_under(app: Flask, prefix: str, renderer) -> None:
    """Let a module answer the errors of its own paths in its own format: the JSON API's
    clients must never get an HTML page, even for a URL that matches no route."""
    app.extensions.setdefault("portal.error_renderers", {})[prefix] = renderer


def _renderer_for_request():
    for prefix, renderer in current_app.extensions.get("portal.error_renderers", {}).items():
        if request.path.startswith(prefix):
            return renderer
    return None


def render_error(error: HTTPException):
    if renderer := _renderer_for_request():
        return renderer(error)
    code = error.code or 500
    title, message = MESSAGES.get(code, (error.name, error.description))
    response = _error_page(code, title, message)
    for name, value in error.get_headers():
        if name == "Retry-After":  # a 503 or 429 that knows when to come back
            response.headers[name] = value
    return response


def render_csrf_error(error: CSRFError):
    if renderer := _renderer_for_request():
        return renderer(error)
    message = _l("Your form expired or was sent twice. Reload the page and try again.")
    return _error_page(400, MESSAGES[400][0], message)


def _error_page(code: int, title, message) -> Response:
    """The error as a whole page. An htmx request (a tap on "Book", a live total) would
    otherwise swap it into a button's place, or drop it, and the tap would seem to do
    nothing: it is shown in the page's body instead, as a browser without JavaScript shows it."""
    response = make_response(
        render_template("errors/error.html", code=code, title=title, message=message), code
    )
    if request.headers.get("HX-Request") == "true":
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def render_untrusted_host(error: SecurityError):
    """A request naming a host the portal does not serve: no page can be built for it (its
    links would need that host), and nobody there is a member. A plain refusal."""
    return Response("Unknown host.\n", 400, mimetype="text/plain")


def render_unexpected(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return render_error(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(SecurityError, render_untrusted_host)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Exception, render_unexpected)

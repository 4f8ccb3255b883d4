"""Security headers and cookie flags for every response."""

from flask import Flask, Response, abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface

from portal.extensions import csrf

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Headers that never depend on the request: static files get them too (portal.web.static_files).
STATIC_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(), microphone=()",
}


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def reject_nul_bytes() -> None:
    """No text a person types holds a NUL byte, and PostgreSQL refuses to store one: answer
    400 before any view sees it (in the URL's path, its query or a form)."""
    path_values = [v for v in (request.view_args or {}).values() if isinstance(v, str)]
    for values in (request.args.values(), request.form.values(), path_values):
        if any("\x00" in value for value in values):
            abort(400, description="Text may not contain NUL characters.")


def renew_csrf_token() -> None:
    """Forget the session's CSRF secret (Flask-WTF makes a new one on the next form): called
    at login, so a token planted or seen before it is worth nothing after."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def keep_checked_csrf_token() -> None:
    """A form in the answer to a post carries the token the post was just checked with
    rather than a new signature of the same secret: tokens live as long as the session
    (`WTF_CSRF_TIME_LIMIT` is None), so both are worth the same, and signing one costs a
    booking's answer more than anything else in its panel. Runs after Flask-WTF's check."""
    if g.get("csrf_valid") and current_app.config["WTF_CSRF_TIME_LIMIT"] is None:
        g.csrf_token = csrf._get_csrf_token()  # where Flask-WTF found the token it checked


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in STATIC_SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html":
        # Pages show personal figures: never keep them in a shared cache.
        headers.setdefault("Cache-Control", "no-store")
    return response

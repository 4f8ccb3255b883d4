"""The back office's sync API: OAuth2 client credentials, a change feed, idempotent writes.

JSON only, under /api/v1, kept apart from the HTML routes: `views.py` holds the blueprint and
the feed, each module's `api.py` its own endpoints (nested by `portal/blueprints.py`), and
`openapi.yaml` the contract."""


def init_api(app) -> None:
    """Bind the API to the app: OAuth server, CSRF exemption (bearer tokens, never the
    session cookie, authenticate it), and JSON errors for every path under it."""
    from portal.api.errors import (
        ApiError,
        oauth_error_for_http_exception,
        problem,
        problem_for_http_exception,
    )
    from portal.api.oauth import init_oauth
    from portal.api.views import bp, oauth_bp
    from portal.extensions import csrf
    from portal.web.errors import answer_errors_under

    init_oauth(app)
    csrf.exempt(bp)
    csrf.exempt(oauth_bp)
    app.register_error_handler(ApiError, problem)
    answer_errors_under(app, "/api/", problem_for_http_exception)
    answer_errors_under(app, "/oauth/", oauth_error_for_http_exception)

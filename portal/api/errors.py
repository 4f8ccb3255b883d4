"""One error shape for every error under /api/: RFC 9457 problem details, with the portal's
`error` member ({"code", "message"}) that clients switch on. Never HTML, never a trace."""

import logging

from flask import Response, json
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger("portal.api")

PROBLEM_JSON = "application/problem+json"

# Codes for errors raised by Flask or Werkzeug rather than by our views.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}


class ApiError(Exception):
    """An expected failure, answered as a problem document with this status and code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def problem(error: ApiError) -> Response:
    detail = {"code": error.code, "message": error.message}
    if error.field:
        detail["field"] = error.field
    body = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(error.status, "Error"),
        "status": error.status,
        "detail": error.message,
        "error": detail,
    }
    response = Response(json.dumps(body), error.status, content_type=PROBLEM_JSON)
    response.headers.update(error.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def problem_for_http_exception(error: HTTPException) -> Response:
    """Werkzeug's errors (404 for an unknown URL, 405, 413...) in the API's shape."""
    status = error.code or 500
    if status >= 500:
        message = "An error occurred on the server. Nothing was changed; try again later."
    else:
        message = error.description or HTTP_STATUS_CODES.get(status, "Error")
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(ApiError(status, HTTP_CODES.get(status, "error"), message, headers=headers))


def oauth_error_for_http_exception(error: HTTPException) -> Response:
    """Errors of the token endpoint keep OAuth 2's own shape (RFC 6749 §5.2), which OAuth
    client libraries read."""
    status = error.code or 500
    body = {
        "error": "invalid_request" if status < 500 else "server_error",
        "error_description": error.description if status < 500 else "Try again later.",
    }
    response = Response(json.dumps(body), status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response

"""One URL, full page or fragment: htmx requests get the partial alone."""

from flask import Response, make_response, redirect, render_template, request


def wants_fragment() -> bool:
    # A boosted link or form replaces the whole body, and going back in history restores it
    # (htmx keeps no history cache here): both need the full page.
    return (
        bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request
    )


def render(page: str, fragment: str | None = None, status: int = 200, **context) -> Response:
    """Render `page`, or only `fragment` (a `_partial.html` the page includes) for htmx."""
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_after_post(location: str) -> Response:
    """303 See Other for browsers; for a non-boosted htmx request, HX-Redirect."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)

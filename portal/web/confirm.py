"""Destructive or irreversible actions ask before they act, one way everywhere.

A view declares its question with `@asks(...)`. The `post_button` macro finds it from the
form's URL (`confirmation_for`) and marks the form `data-confirm`: with JavaScript,
static/js/confirm.js opens an accessible dialog and posts with `confirmed=1`. Without it,
the form posts at once; the view, once it has loaded the object and checked access, calls
`unconfirmed()` (or `confirmed()`, then `ask()`), which answers with a page asking the
question and posting the same fields again with `confirmed=1`. Nothing changes until then."""

from dataclasses import dataclass

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from portal.web.htmx import render
from portal.web.redirects import safe_next

CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Confirmation:
    question: str  # lazy strings: translated when shown
    action: str  # the confirming button's label
    detail: str | None = None  # what follows, said once more under the question


def asks(question, action, detail=None):
    """Mark a POST view as one that asks first. Put it right above the function:
    `functools.wraps` carries the mark up through the other decorators."""

    def mark(view):
        view.confirmation = Confirmation(question, action, detail)
        return view

    return mark


# In `app.extensions`: each form's URL and its view's question, matched once per process
# (matching the URL costs a booking's answer more than the rest of its button), forgotten
# all at once past `_MATCHED_MAX` URLs.
_MATCHED = "portal_confirmations"
_MATCHED_MAX = 4096


def confirmation_for(url: str) -> Confirmation | None:
    """The question of the view a form posts to, if it asks one."""
    path = url.partition("?")[0]
    matched = current_app.extensions.setdefault(_MATCHED, {})
    if path not in matched:
        if len(matched) >= _MATCHED_MAX:
            matched.clear()
        matched[path] = _match(path)
    return matched[path]


def _match(path: str) -> Confirmation | None:
    adapter = current_app.url_map.bind("")
    try:
        endpoint, _args = adapter.match(path, method="POST")
    except HTTPException:  # no such page, or a redirect to another URL
        return None
    return getattr(current_app.view_functions.get(endpoint), "confirmation", None)


def confirmed() -> bool:
    """Whether the member has answered the question (the dialog or the page)."""
    return request.form.get(CONFIRMED) == "1"


def ask(back: str, subject: str | None = None, question: str | None = None) -> Response:
    """The page that asks the view's question and posts the same fields again with
    `confirmed=1`: `back` is where "Cancel" goes (unless the form names a `next`),
    `subject` names what is acted on, `question` replaces the view's when it must say
    more."""
    confirmation = current_app.view_functions[request.endpoint].confirmation
    fields = [
        (name, value)
        for name, values in request.form.lists()
        if name not in ("csrf_token", CONFIRMED)
        for value in values
    ]
    return render(
        "confirm.html",
        question=question or confirmation.question,
        confirmation=confirmation,
        subject=subject,
        fields=fields,
        back=safe_next(request.form.get("next"), back),
    )


def unconfirmed(
    back: str, subject: str | None = None, question: str | None = None
) -> Response | None:
    """None once the member has confirmed; else the page that asks them (`ask`)."""
    return None if confirmed() else ask(back, subject, question)

"""No page or form answers a 500, whatever is typed or pasted into it; no form sent as its
page filled it answers a 404.

The demo coop is crawled as an entrepreneur, a member of the support team and an admin, from
the home page through every link; each form found (one per endpoint and set of fields) is
sent again with each of its fields in turn replaced by a value nobody should type. Found this
way: a pasted 27-digit price that failed to round in the live totals, a payment of 0,004 €
that rounded to nothing and broke the database's check."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from portal.demo import DEMO_PASSWORD, seed_demo_data
from tests.crawl import NOT_PAGES, crawl
from tests.helpers import login

HOSTILE = (
    "",
    " ",
    "x" * 5000,
    "-1",
    "1e999",
    "-1e999",
    "9" * 40,
    "NaN",
    "sNaN",
    "0,004",
    "²",
    "٣",
    "2026-02-30",
    "9999-12-31",
    "<script>alert(1)</script>",
)
PAGES_PER_SHAPE = 6  # pages of one shape differ by their state (a draft, a paid invoice)


class Page(HTMLParser):
    """The links and forms of a page, each form with the values a browser would send."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attributes):
        attrs = {name: value or "" for name, value in attributes}
        if tag == "a" and attrs.get("href", "").startswith("/"):
            self.links.append(attrs["href"].split("#")[0])
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = {"action": attrs.get("action", ""), "method": method, "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            ticked = attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs
            if ticked or attrs["name"] not in self._form["fields"]:
                self._form["fields"][attrs["name"]] = attrs.get("value", "") if ticked else ""
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._form["fields"][self._select] = None
        elif tag == "option" and self._select:  # the selected option, else the first
            if "selected" in attrs or self._form["fields"][self._select] is None:
                self._form["fields"][self._select] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._form["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data


def _endpoint(app, path: str, method: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(urlsplit(path).path, method.upper())[0]
    except HTTPException:
        return None


def forms_and_failures(app, client) -> tuple[dict, list[str]]:
    """The forms reachable from the home page, one per endpoint and set of fields, and the
    pages that answered 500 on the way."""
    forms, failures = {}, []

    def visit(path: str) -> list[str]:
        with client.get(path) as response:
            body = response.get_data()  # streamed exports run their queries now
        if response.status_code >= 500:
            failures.append(f"GET {path}: {response.status_code}")
        if "text/html" not in response.content_type:
            return []
        page = Page()
        page.feed(body.decode())
        for form in page.forms:
            action = urljoin(path, form["action"] or path)
            target = _endpoint(app, action, form["method"])
            if target and not NOT_PAGES.search(action):
                key = (form["method"], target, tuple(sorted(form["fields"])))
                forms.setdefault(key, (action, form["fields"]))
        return page.links

    crawl(visit, PAGES_PER_SHAPE)
    return forms, failures


def _log_in_to_the_demo(app, client, db_session, email: str) -> None:
    with app.app_context():
        list(seed_demo_data(db_session))
        db_session.commit()
    assert login(client, email, DEMO_PASSWORD).status_code == 303


def _send(client, method: str, action: str, data: dict) -> int:
    """The form sent as a browser sends it; its status, once the answer is read whole."""
    if method == "post":
        response = client.post(action, data=data)
    else:
        # As a browser does, the form's fields replace the action's query.
        response = client.get(action.split("?")[0], query_string=data)
    with response:
        response.get_data()
    return response.status_code


def _stay_logged_in(client, email: str) -> None:
    if client.get("/").status_code != 200:  # a form logged out or changed the password
        assert login(client, email, DEMO_PASSWORD).status_code == 303


@pytest.mark.parametrize("email", ["camille@demo.coop", "equipe@demo.coop", "admin@demo.coop"])
def test_no_page_or_form_answers_a_500_to_hostile_input(app, client, db_session, email):
    _log_in_to_the_demo(app, client, db_session, email)
    forms, failures = forms_and_failures(app, client)
    assert len(forms) >= 15, sorted(forms)  # the crawl reached the portal's forms
    sent = 0
    for (method, _endpoint_name, names), (action, values) in forms.items():
        for name in names:
            if name == "csrf_token":
                continue
            for hostile in HOSTILE:
                status = _send(client, method, action, {**values, name: hostile})
                sent += 1
                if status >= 500:
                    failures.append(f"{method} {action} {name}={hostile[:20]!r}: 500")
        _stay_logged_in(client, email)
    assert sent > 500
    assert failures == []


@pytest.mark.parametrize("email", ["camille@demo.coop", "equipe@demo.coop", "admin@demo.coop"])
def test_no_form_sent_as_its_page_filled_it_answers_page_not_found(app, client, db_session, email):
    """A form sent untouched (a select left on its "Choose..." option, a page left open while
    its row changed state) answers with a message, never "page not found". Found this way:
    an invoice saved with no customer chosen was a 404, its lines lost."""
    _log_in_to_the_demo(app, client, db_session, email)
    forms, _failures = forms_and_failures(app, client)
    not_found = []
    for (method, _endpoint_name, _names), (action, values) in forms.items():
        if _send(client, method, action, values) == 404:
            not_found.append(f"{method} {action}")
        _stay_logged_in(client, email)
    assert len(forms) >= 15, sorted(forms)
    assert not_found == []

"""One reading of `?page=` for every paginated list (portal/web/pages.py)."""

import pytest

from portal.db import Page
from portal.web.pages import MAX_PAGE, page_arg
from tests.helpers import login


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("", 1),
        ("?page=3", 3),
        (f"?page={MAX_PAGE}", MAX_PAGE),
        ("?page=abc", 1),
        ("?page=0", 1),
        ("?page=-2", 1),
        ("?page=2.5", 1),
        ("?page=%EF%BC%92", 1),  # a full-width 2: int() reads it, a page number is ASCII
        (f"?page={MAX_PAGE + 1}", 1),
        ("?page=" + "9" * 5000, 1),  # past int()'s digit limit
    ],
)
def test_page_arg_is_a_page_between_1_and_the_maximum(app, query, page):
    with app.test_request_context("/invoices" + query):
        assert page_arg() == page


def test_a_page_past_the_last_is_the_last_and_an_empty_list_has_one():
    assert Page.number(7, total=30, per_page=25) == 2
    assert Page.number(1, total=0, per_page=25) == 1
    assert Page([], 0, 1, 25).pages == 1


@pytest.mark.parametrize("page", ["999", "9" * 30, "x", "-1"])
def test_every_paginated_list_answers_any_page_number(logged_in, page):
    assert logged_in.get(f"/invoices?page={page}").status_code == 200
    assert logged_in.get(f"/receipts?page={page}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/staff/invoices", "/staff/invoices/queue", "/receipts/queue", "/workshops"]
)
@pytest.mark.parametrize("page", ["999", "9" * 30, "x"])
def test_every_staff_list_answers_any_page_number(client, staff, path, page):
    login(client, staff.email)
    assert client.get(f"{path}?page={page}").status_code == 200

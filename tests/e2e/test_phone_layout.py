"""Every page fits a phone. Crawled from the home page as an entrepreneur, a member of the
support team and an admin, in Chromium at 390 px: no page is wider than the screen (a wider
one pushes the bottom navigation out of sight) and none logs an error to the console.
Found this way: a general assembly's notice, a one-line badge, made the meetings pages
589 px wide for the support team."""

import re

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import PHONE
from tests.e2e.test_login_journey import log_in

# Files and exports, not pages; and the way out.
NOT_PAGES = re.compile(r"\.(csv|pdf|ics)$|/(file|thumbnail|pdf)$|/attachments/|^/static/|/logout")
# Pages of one shape (an invoice, a meeting) differ by their data; two of each are enough.
PAGES_PER_SHAPE = 2
ROW = re.compile(r"/(?=[a-z0-9]*[0-9])[a-z0-9]+(?=/|$)")  # an id or a reference in a path


def shape(path: str) -> str:
    return ROW.sub("/_", path.split("?")[0])


@pytest.mark.parametrize("email", ["camille@demo.coop", "equipe@demo.coop", "admin@demo.coop"])
def test_every_page_fits_a_phone_screen(page: Page, email):
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"{page.url}: {m.text}"))
    log_in(page, email)
    page.wait_for_url(re.compile(r"/$"))
    queue, seen, per_shape = ["/"], set(), {}
    while queue:
        path = queue.pop(0)
        if path in seen or NOT_PAGES.search(path):
            continue
        if per_shape.get(shape(path), 0) >= PAGES_PER_SHAPE:
            continue
        seen.add(path)
        per_shape[shape(path)] = per_shape.get(shape(path), 0) + 1
        response = page.goto(path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{path}: {width} px wide")
        links = page.eval_on_selector_all("a[href^='/']", "els => els.map(a => a.pathname)")
        queue += [link for link in links if link not in seen]
    assert len(seen) >= 20, sorted(seen)  # the crawl went through the portal
    assert problems == []

"""Every page fits a phone. Crawled from the home page as an entrepreneur, a member of the
support team and an admin, in Chromium at 390 px: no page is wider than the screen (a wider
one pushes the bottom navigation out of sight) and none logs an error to the console; with
the demo coop, and with the same coop where names, titles and places hold a word too long
for a line. Found this way: a general assembly's notice, a one-line badge, made the meetings
pages 589 px wide for the support team; a long word widened nearly every page."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import text

from portal import create_app
from portal.cli import upgrade_database
from portal.db import db
from portal.demo import DEMO_PASSWORD, seed_demo_data
from tests.crawl import NOT_PAGES, crawl, shape
from tests.e2e.conftest import PHONE
from tests.e2e.test_login_journey import log_in
from tests.servers import serve

# Files and exports, which the browser would download, besides what is never a page.
NOT_SHOWN = re.compile(
    rf"\.(csv|pdf|ics)$|/(file|thumbnail|pdf)$|/attachments/|{NOT_PAGES.pattern}"
)
# A word no line holds, put in front of what people name: customers, lines, workshops,
# meetings, suppliers, members, activities, directory cards, network requests.
LONG_WORD = "Anticonstitutionnellement" * 3
NAMED = (
    ("customers", "name"),
    ("invoice_lines", "description"),
    ("quote_lines", "description"),
    ("workshops", "title"),
    ("workshops", "place"),
    ("meetings", "title"),
    ("meetings", "location"),
    ("receipts", "supplier"),
    ("members", "full_name"),
    ("activities", "name"),
    ("directory_cards", "activity"),
    ("directory_cards", "area"),
    ("network_requests", "title"),
)


# What a well-made French app never shows on a phone, checked on every page:
# - a word broken over two lines when it fits whole on a line of its box;
# - a table wider than its box, unless it scrolls in a `.table-scroll` region whose shadows
#   show there is more;
# - a scrolling region the keyboard cannot reach (axe: scrollable-region-focusable);
# - a link or button under 24 px, or under 44 px and touching another (WCAG 2.2, 2.5.8; a
#   link inside a sentence is exempt);
# - an element the markup hides (`hidden`) shown by a style;
# - in French, ":", ";", "?" or "!" without the non-breaking space before it;
# - a code instead of words: a unit code ("12 HUR"), an ISO date or month, raw Markdown.
PAGE_PROBLEMS = (Path(__file__).parent / "page_problems.js").read_text()
# And axe-core's rules for WCAG 2.2 A and AA, with its best practices (landmarks named once,
# one level-one heading...), on each page of the demo coop.
AXE = Axe()
AXE_RULES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def axe_problems(page: Page) -> list[str]:
    """axe's violations on the page as it stands, in words, with their first elements."""
    return [
        f"axe {rule['id']} ({rule['help']}): "
        + ", ".join(str(node["target"]) for node in rule["nodes"][:3])
        for rule in AXE.run(page, options=AXE_RULES).response["violations"]
    ]


# Where each shape of page is shot at 390 px as it is crawled, for people to look at (never
# compared): git ignores the folder.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "phone"


@pytest.fixture(scope="module")
def long_names_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    url = f"sqlite:///{folder / 'long.sqlite3'}"
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "http://127.0.0.1",
                      "SECRET_KEY": "long names", "SMTP_HOST": None,
                      "DATA_DIR": str(folder / "data")})  # fmt: skip
    with app.app_context():
        list(seed_demo_data(db.session))
        for table, column in NAMED:  # fixed names, not input
            db.session.execute(
                text(f"UPDATE {table} SET {column} = :word || ' ' || {column}"),  # noqa: S608
                {"word": LONG_WORD},
            )
        db.session.commit()
    with serve(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("data", ["demo", "long names"])
@pytest.mark.parametrize(
    "email", ["camille@demo.coop", "leo@demo.coop", "equipe@demo.coop", "admin@demo.coop"]
)
def test_every_page_fits_a_phone_screen(page: Page, request, email, data):
    base = request.getfixturevalue("live_server" if data == "demo" else "long_names_server")
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"{page.url}: {m.text}"))
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{base}/")

    def visit(path: str) -> list[str]:
        response = page.goto(base + path)
        if "text/html" not in response.headers.get("content-type", ""):
            return []
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{path}: {width} px wide")
        problems.extend(f"{path}: {problem}" for problem in page.evaluate(PAGE_PROBLEMS))
        if data == "demo":
            problems.extend(f"{path}: {problem}" for problem in axe_problems(page))
            name = re.sub(r"[^a-z0-9_]+", "-", shape(path)).strip("-") or "home"
            shot = SCREENSHOTS / email.split("@")[0] / f"{name}.jpeg"
            if shots.setdefault(name, path) == path:  # the first page of each shape
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=shot, type="jpeg", quality=60, animations="disabled")
        return page.eval_on_selector_all("a[href^='/']", "els => els.map(a => a.pathname)")

    shots: dict[str, str] = {}
    seen = crawl(visit, per_shape=2, skip=NOT_SHOWN)
    assert len(seen) >= 20, sorted(seen)  # the crawl went through the portal
    assert not problems, "\n".join(dict.fromkeys(problems))


# Each header word on one line: a text node's words spread over two rects when broken.
BROKEN_HEADER_WORDS = """() => [...document.querySelectorAll('.topbar-tools :is(a, button)')]
  .filter(el => el.innerText.trim().split(/\\s+/).some(word => {
    const range = document.createRange();
    const node = [...el.childNodes].find(n => n.nodeType === 3 && n.textContent.includes(word));
    if (!node) return false;
    const start = node.textContent.indexOf(word);
    range.setStart(node, start);
    range.setEnd(node, start + word.length);
    return range.getClientRects().length > 1;
  }))
  .map(el => el.innerText.trim())"""


def test_the_admins_header_keeps_its_words_whole_on_a_phone(page: Page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_label("Adresse e-mail").fill("admin@demo.coop")
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{live_server}/")
    assert page.evaluate(BROKEN_HEADER_WORDS) == []


def test_invoices_show_on_the_first_screen_and_a_card_opens_wherever_tapped(
    page: Page, live_server
):
    """The filters are folded on a phone (open once one is set), and the whole card is the
    link, not only its top row."""
    page.goto(f"{live_server}/login")
    page.get_by_label("Adresse e-mail").fill("camille@demo.coop")
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/invoices")
    navigation = page.locator(".nav").bounding_box()
    cards = page.locator(".invoice-card")
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert second["y"] + second["height"] <= navigation["y"]  # two whole cards in sight
    page.touchscreen.tap(first["x"] + first["width"] - 8, first["y"] + first["height"] - 8)
    page.wait_for_url(re.compile(r"/invoices/\d+$"))
    page.goto(f"{live_server}/invoices?q=a")
    expect(page.get_by_label("Client ou numéro")).to_be_visible()


# Forms sent empty, each as its member would (the browser's own checks off, as a phone that
# ignores them): the answer names what is wrong, and axe finds nothing in it either.
EMPTY_FORMS = (
    ("camille@demo.coop", "/invoices/new", "Enregistrer le brouillon"),
    ("camille@demo.coop", "/quotes/new", "Enregistrer le brouillon"),
    ("camille@demo.coop", "/receipts/new", "Enregistrer"),
    ("camille@demo.coop", "/customers/new", "Enregistrer"),
    ("camille@demo.coop", "/network/new", "Envoyer au réseau"),
    ("camille@demo.coop", "/transfers/new", "Envoyer le transfert"),
    ("equipe@demo.coop", "/workshops/new", "Enregistrer"),
    ("equipe@demo.coop", "/meetings/new", "Programmer et inviter"),
)


@pytest.mark.parametrize("email, path, button", EMPTY_FORMS)
def test_a_form_sent_empty_says_what_is_wrong_accessibly(
    page: Page, live_server, email, path, button
):
    log_in(page, email)
    page.wait_for_url(f"{live_server}/")
    page.goto(path)
    page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.locator("main").get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    assert not axe_problems(page)
    assert not page.evaluate(PAGE_PROBLEMS)

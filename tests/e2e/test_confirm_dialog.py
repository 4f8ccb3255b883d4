"""A destructive action asks first, in Chromium at a phone's size: with JavaScript, in the
page's dialog (its question as its name, focus on "Cancel", Escape closes it and gives
focus back to the button, nothing is sent until "Delete"); without JavaScript, on a page
of its own. On its own demo coop: the tests delete Camille's draft invoices."""

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from portal import create_app
from portal.cli import upgrade_database
from portal.db import db
from portal.demo import seed_demo_data
from portal.sales import services as sales
from portal.sales.models import Invoice, InvoiceStatus
from tests.e2e.conftest import PHONE
from tests.helpers import lines
from tests.servers import serve

QUESTION = "Supprimer ce brouillon de facture\u202f?"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("confirm")
    url = f"sqlite:///{folder / 'confirm.sqlite3'}"
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "http://127.0.0.1",
                      "SECRET_KEY": "confirm", "SMTP_HOST": None,
                      "DATA_DIR": str(folder / "data")})  # fmt: skip
    with app.app_context():
        list(seed_demo_data(db.session))
        demo_draft = db.session.scalar(select(Invoice).where(Invoice.status == InvoiceStatus.DRAFT))
        second, _ = sales.create_invoice(
            db.session,
            demo_draft.member,
            sales.InvoiceInput(
                customer=demo_draft.customer,
                issue_date=demo_draft.issue_date,
                due_date=None,
                lines=lines(("1", "100", "20")),
                activity_id=demo_draft.activity_id,
            ),
        )
        db.session.commit()
        drafts = [demo_draft.id, second.id]
    with serve(app) as port:
        yield f"http://127.0.0.1:{port}", drafts


def open_draft(page: Page, base: str, invoice_id: int) -> None:
    page.goto(f"{base}/invoices/{invoice_id}")
    expect(page.get_by_role("button", name="Supprimer le brouillon")).to_be_visible()


def test_the_dialog_asks_and_nothing_is_sent_until_confirmed(page: Page, own_server):
    base, drafts = own_server
    errors, posts = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("request", lambda r: r.method == "POST" and "/delete" in r.url and posts.append(r))
    log_in_here(page, base)
    open_draft(page, base, drafts[0])
    invoice_url = page.url
    delete = page.get_by_role("button", name="Supprimer le brouillon")
    delete.click()
    dialog = page.get_by_role("dialog", name=QUESTION)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Annuler", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    delete.click()
    dialog.get_by_role("button", name="Annuler", exact=True).click()
    expect(dialog).to_be_hidden()
    assert posts == [] and page.url == invoice_url
    delete.click()
    dialog.get_by_role("button", name="Supprimer", exact=True).click()
    expect(page.get_by_text("Brouillon supprimé.")).to_be_visible()
    assert len(posts) == 1
    assert errors == []  # no CSP violation, no script error


def log_in_here(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill("camille@demo.coop")
    page.get_by_label("Mot de passe", exact=True).fill("demo-password")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{base}/")


def test_without_javascript_a_page_asks(browser: Browser, own_server):
    base, drafts = own_server
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    try:
        log_in_here(page, base)
        open_draft(page, base, drafts[1])
        page.get_by_role("button", name="Supprimer le brouillon").click()
        expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
        page.get_by_role("link", name="Annuler").click()  # back, nothing done
        expect(page.get_by_role("button", name="Supprimer le brouillon")).to_be_visible()
        page.get_by_role("button", name="Supprimer le brouillon").click()
        page.get_by_role("button", name="Supprimer", exact=True).click()
        expect(page.get_by_text("Brouillon supprimé.")).to_be_visible()
    finally:
        context.close()

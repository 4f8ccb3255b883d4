"""The customer's answer: the secret link (no account, unguessable, a tampered link is a 404),
acceptance with a typed name and a ticked agreement (date, time and address recorded, shown
on the quote and its PDF), refusal with a reason, and an acceptance signed on paper."""

import io
from datetime import timedelta

from babel.dates import format_datetime
from PIL import Image
from sqlalchemy import select

from portal.dates import PARIS
from portal.db import utcnow
from portal.notifications.models import Notification, NotificationKind
from portal.quotes.models import QuoteStatus
from portal.quotes.services import accept_quote, mark_quote_sent
from portal.storage import storage
from tests.helpers import login
from tests.web.quotes.test_quotes import pdf_text


def link(quote) -> str:
    return f"/q/{quote.id}/{quote.access_token}"


def accept(client, quote, **data):
    fields = {"name": "Jeanne Client", "agreed": "y"} | data
    return client.post(link(quote) + "/accept", data=fields)


def test_the_customer_reads_the_quote_without_an_account(client, issued_quote):
    page = client.get(link(issued_quote))
    assert page.status_code == 200
    assert issued_quote.number in page.text and "Client SAS" in page.text
    assert 'name="viewport"' in page.text
    assert f'action="{link(issued_quote)}/accept"' in page.text
    pdf = client.get(link(issued_quote) + "/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_a_tampered_link_is_a_404(client, issued_quote, make_quote):
    token = issued_quote.access_token
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    for url in (
        f"/q/{issued_quote.id}/{wrong}",
        f"/q/{issued_quote.id}/{token[:10]}",
        f"/q/{issued_quote.id + 1}/{token}",
        f"/q/{issued_quote.id}/{wrong}/pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/q/{issued_quote.id}/{wrong}/accept", data={}).status_code == 404
    draft = make_quote()  # no link before validation
    assert draft.access_token is None
    assert client.get(f"/q/{draft.id}/None").status_code == 404


def test_accepting_records_name_time_and_address_and_tells_the_entrepreneur(
    client, issued_quote, db_session, entrepreneur
):
    response = accept(client, issued_quote, name="  Jeanne   Client ")
    assert response.status_code == 303
    db_session.refresh(issued_quote)
    assert issued_quote.status is QuoteStatus.ACCEPTED
    assert issued_quote.signed_by == "Jeanne Client"
    assert issued_quote.signed_from_ip == "127.0.0.1"
    assert utcnow() - issued_quote.answered_at < timedelta(minutes=1)
    told = db_session.scalar(
        select(Notification).where(Notification.kind == NotificationKind.QUOTE_ACCEPTED)
    )
    assert told.member_id == entrepreneur.id and told.params["signed_by"] == "Jeanne Client"
    page = client.get(link(issued_quote)).text
    assert "Jeanne Client" in page and "127.0.0.1" in page
    # The time of the answer reads like the quote's other dates, in Paris time.
    answered = format_datetime(
        issued_quote.answered_at, "d MMM y, HH:mm", tzinfo=PARIS, locale="fr"
    )
    assert f"le {answered}, depuis" in page
    assert 'action="' + link(issued_quote) + '/accept"' not in page
    text = pdf_text(client.get(link(issued_quote) + "/pdf").data)
    assert "Devis accepté par Jeanne Client" in text and "127.0.0.1" in text
    login(client, entrepreneur.email)
    assert "Jeanne Client" in client.get(f"/quotes/{issued_quote.id}").text


def test_accepting_needs_a_name_and_the_ticked_agreement(client, issued_quote, db_session):
    no_name = accept(client, issued_quote, name="   ")
    no_tick = client.post(link(issued_quote) + "/accept", data={"name": "Jeanne"})
    assert no_name.status_code == no_tick.status_code == 422
    assert "Tapez vos prénom et nom pour signer." in no_name.text
    assert "Cochez la case pour donner votre accord." in no_tick.text
    db_session.refresh(issued_quote)
    assert issued_quote.status is QuoteStatus.VALIDATED and not issued_quote.signed_by


def test_the_customers_page_is_french_first_and_english_on_request(client, issued_quote):
    page = client.get(link(issued_quote)).text
    assert "Accepter le devis" in page and "Bon pour accord\u00a0: j'accepte ce devis" in page
    client.post("/language", data={"locale": "en", "next": link(issued_quote)})
    page = client.get(link(issued_quote)).text
    assert "Accept the quote" in page and "Good for agreement: I accept this quote" in page


def test_refusing_needs_a_reason_and_tells_the_entrepreneur(client, issued_quote, db_session):
    empty = client.post(link(issued_quote) + "/refuse", data={"reason": " "})
    assert empty.status_code == 422 and "Dites pourquoi vous refusez ce devis." in empty.text
    db_session.refresh(issued_quote)
    assert issued_quote.status is QuoteStatus.VALIDATED
    response = client.post(link(issued_quote) + "/refuse", data={"reason": "Trop cher"})
    assert response.status_code == 303
    db_session.refresh(issued_quote)
    assert issued_quote.status is QuoteStatus.REFUSED
    assert issued_quote.refusal_reason == "Trop cher"
    told = db_session.scalar(
        select(Notification).where(Notification.kind == NotificationKind.QUOTE_REFUSED)
    )
    assert told.params["reason"] == "Trop cher"


def test_an_answered_or_expired_quote_cannot_be_answered_again(
    client, issued_quote, db_session, make_quote, issue_quote
):
    assert accept(client, issued_quote, name="Jeanne").status_code == 303
    again = accept(client, issued_quote, name="Quelqu'un d'autre")
    assert again.status_code == 422 and "Ce devis est déjà accepté." in again.text
    refused = client.post(link(issued_quote) + "/refuse", data={"reason": "Non"})
    assert "Ce devis est déjà accepté." in refused.text
    db_session.refresh(issued_quote)
    assert issued_quote.signed_by == "Jeanne" and not issued_quote.refusal_reason

    other = issue_quote(make_quote())
    client.post(link(other) + "/refuse", data={"reason": "Non merci"})
    late = accept(client, other)
    assert late.status_code == 422 and "Ce devis a été refusé." in late.text

    expired = issue_quote(make_quote())
    expired.valid_until = expired.issue_date  # its last day was the validation day
    expired.issue_date -= timedelta(days=30)
    db_session.commit()
    page = client.get(link(expired)).text
    assert "Ce devis a expiré\u00a0: demandez-en un nouveau." in page
    response = accept(client, expired)
    assert response.status_code == 422 and "Ce devis a expiré" in response.text
    db_session.refresh(expired)
    assert expired.status is QuoteStatus.VALIDATED


def test_a_sent_quote_is_accepted_too(client, db_session, issued_quote, entrepreneur):
    mark_quote_sent(db_session, issued_quote, utcnow())
    accept_quote(
        db_session, issued_quote, "Jeanne", True, "203.0.113.9", issued_quote.issue_date, utcnow()
    )
    assert issued_quote.status is QuoteStatus.ACCEPTED
    assert issued_quote.signed_from_ip == "203.0.113.9"
    db_session.commit()
    login(client, entrepreneur.email)
    page = client.get(f"/quotes/{issued_quote.id}").text
    # Sent and answered, dated like the quote's other dates.
    for moment in (issued_quote.sent_at, issued_quote.answered_at):
        assert format_datetime(moment, "d MMM y, HH:mm", tzinfo=PARIS, locale="fr") in page
        assert format_datetime(moment, "short", tzinfo=PARIS, locale="fr") not in page


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_entrepreneur_records_an_acceptance_signed_on_paper(
    logged_in, issued_quote, db_session
):
    url = f"/quotes/{issued_quote.id}/signed-on-paper"
    page = logged_in.get(f"/quotes/{issued_quote.id}").text
    assert f'action="{url}"' in page and 'enctype="multipart/form-data"' in page
    not_a_photo = logged_in.post(
        url,
        data={"name": "Jeanne", "signed_copy": (io.BytesIO(b"hello"), "devis.txt")},
        follow_redirects=True,
    )
    assert "Envoyez une photo" in not_a_photo.text
    db_session.refresh(issued_quote)
    assert issued_quote.status is QuoteStatus.VALIDATED
    response = logged_in.post(
        url, data={"name": "Jeanne Client", "signed_copy": (io.BytesIO(_photo()), "scan.png")}
    )
    assert response.status_code == 303
    db_session.refresh(issued_quote)
    assert issued_quote.status is QuoteStatus.ACCEPTED
    assert issued_quote.signed_by == "Jeanne Client" and issued_quote.signed_copy_key
    assert storage().exists(issued_quote.signed_copy_key)
    copy = logged_in.get(f"/quotes/{issued_quote.id}/signed-copy")
    assert copy.status_code == 200 and copy.mimetype == "image/jpeg"
    again = logged_in.post(
        url,
        data={"name": "Autre", "signed_copy": (io.BytesIO(_photo()), "scan.png")},
        follow_redirects=True,
    )
    assert "Ce devis est déjà accepté." in again.text


def test_another_member_cannot_record_a_paper_acceptance(
    client, issued_quote, make_member, db_session
):
    other = make_member(email="other@example.org")
    login(client, other.email)
    response = client.post(
        f"/quotes/{issued_quote.id}/signed-on-paper",
        data={"name": "X", "signed_copy": (io.BytesIO(_photo()), "scan.png")},
    )
    assert response.status_code == 404
    db_session.refresh(issued_quote)
    assert issued_quote.status is QuoteStatus.VALIDATED

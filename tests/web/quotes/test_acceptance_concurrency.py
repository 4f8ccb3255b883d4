"""Customers answering at once through their links, real commits, SQLite and PostgreSQL:
fifty quotes accepted together keep their unique, gapless numbers and each its own signer;
one quote accepted from several phones at once is accepted once, the others told so."""

import threading

import pytest
from sqlalchemy import select

from portal.db import db
from portal.notifications.models import Notification, NotificationKind
from portal.quotes.models import Quote, QuoteStatus
from tests.helpers import committed_app, login, until_served
from tests.web.quotes.test_quote_numbering_concurrency import _seed_quotes

QUOTES = 50
WORKERS = 10


def _validated(app, count: int) -> list[tuple[int, str]]:
    """`count` quotes validated by the support team: (id, token) of each link."""
    ids = _seed_quotes(app, count)
    client = app.test_client()
    login(client, "staff@example.org")
    for quote_id in ids:
        assert (
            client.post(f"/quotes/{quote_id}/validate", data={"confirmed": "1"}).status_code == 303
        )
    with app.app_context():
        rows = db.session.execute(select(Quote.id, Quote.access_token).where(Quote.id.in_(ids)))
        return [tuple(row) for row in rows]


def _at_once(app, jobs: list[tuple[int, str, str]]) -> tuple[list, list[int]]:
    """Each job (id, token, name) accepted from its own test client, WORKERS threads started
    together: the errors and the statuses answered."""
    errors, statuses = [], []
    barrier = threading.Barrier(WORKERS)

    def accept(chunk):
        try:
            client = app.test_client()
            barrier.wait()
            for quote_id, token, name in chunk:
                url = f"/q/{quote_id}/{token}/accept"
                statuses.append(
                    until_served(
                        lambda u=url, n=name: (
                            client.post(u, data={"name": n, "agreed": "y"}).status_code
                        )
                    )
                )
        except Exception as error:
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=accept, args=(jobs[n::WORKERS],)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, statuses


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_fifty_quotes_accepted_at_once_keep_unique_gapless_numbers(
    committed_database, tmp_path, kind
):
    app = committed_app(committed_database(kind), tmp_path / "data")
    try:
        links = _validated(app, QUOTES)
        jobs = [(quote_id, token, f"Client {quote_id}") for quote_id, token in links]
        errors, statuses = _at_once(app, jobs)
        with app.app_context():
            rows = db.session.execute(
                select(Quote.id, Quote.number_sequence, Quote.number, Quote.status, Quote.signed_by)
            ).all()
    finally:
        app.extensions["database"].engine.dispose()
    assert errors == [] and statuses == [303] * QUOTES
    assert sorted(row.number_sequence for row in rows) == list(range(1, QUOTES + 1))
    assert len({row.number for row in rows}) == QUOTES
    assert all(row.status is QuoteStatus.ACCEPTED for row in rows)
    assert all(row.signed_by == f"Client {row.id}" for row in rows)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_one_quote_accepted_from_several_phones_is_accepted_once(
    committed_database, tmp_path, kind
):
    app = committed_app(committed_database(kind), tmp_path / "data")
    try:
        [(quote_id, token)] = _validated(app, 1)
        jobs = [(quote_id, token, f"Signataire {n}") for n in range(WORKERS)]
        errors, statuses = _at_once(app, jobs)
        with app.app_context():
            quote = db.session.get(Quote, quote_id)
            told = db.session.scalars(
                select(Notification).where(Notification.kind == NotificationKind.QUOTE_ACCEPTED)
            ).all()
            signer = quote.signed_by
    finally:
        app.extensions["database"].engine.dispose()
    assert errors == []
    assert sorted(statuses) == [303] + [422] * (WORKERS - 1)
    assert signer.startswith("Signataire ") and len(told) == 1

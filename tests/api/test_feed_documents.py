"""The change feed's kept documents (portal/sync/documents.py) stay equal to the invoices'
representations built again from their rows, whatever sequence of writes reaches them
through the real services, on SQLite and PostgreSQL: the running totals' writes (invoices on
any date, drafts, payments, credit notes, refunds, receipts, payslips, balances, transfers),
and the writes of what an invoice shows besides its own row: its lines edited on a draft, a
draft deleted, its customer edited, its member's email changed, its activity renamed or
removed (the database sets the invoices' activity to NULL), a quote invoiced as a deposit.
A page of the feed read from the documents is, byte for byte, the page built without them."""

import itertools
import threading
import time
from decimal import Decimal

import orjson
import pytest
from flask import current_app
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, func, inspect, select, text, update

from portal.api.serializers import BATCH_SERIALIZERS, SERIALIZERS
from portal.api.services import feed_page
from portal.api.views import FEED_JSON_OPTIONS
from portal.coop.services import update_coop_settings
from portal.db import db, utcnow
from portal.errors import DomainError
from portal.members.services import put_entrepreneur, set_activities
from portal.quotes import services as quotes
from portal.quotes.invoicing import invoice_deposit
from portal.sales import services as sales
from portal.sales.api import INVOICE_LINES, INVOICE_ROWS, invoices_data
from portal.sales.customers import CustomerInput, update_customer
from portal.sales.models import Customer, Invoice, InvoiceStatus
from portal.sales.totals import LineInput
from portal.sync import documents
from portal.sync.models import FeedDocument
from portal.transaction import write_transaction
from tests.helpers import committed_app
from tests.web import test_running_totals
from tests.web.test_running_totals import MEMBERS, OPERATIONS, TODAY, Writer

# The running totals' database, on SQLite and PostgreSQL, with the coop's legal identity.
committed = test_running_totals.committed

OPERATIONS_ON_WHAT_INVOICES_SHOW = st.lists(
    st.one_of(
        st.tuples(st.just("edit draft"), st.integers(1, 500_000)),
        st.tuples(st.just("delete draft")),
        st.tuples(st.just("customer"), st.integers(0, 99)),
        st.tuples(st.just("email"), st.integers(0, 99)),
        st.tuples(st.just("activities"), st.sampled_from([(), ("Conseil",), ("Formation",)])),
        st.tuples(st.just("deposit"), st.integers(1, 90)),
    ),
    max_size=6,
)


class InvoiceWriter(Writer):
    """The running totals' writer, and the writes of what an invoice shows besides itself."""

    def draft(self, cents: int, on):
        """Each invoice is made for the member's first activity, which may then be removed."""
        activity = self.member.activities[0].id if self.member.activities else None
        lines = [LineInput("Conseil", Decimal(1), Decimal(cents) / 100, Decimal(20))]
        data = sales.InvoiceInput(self.customer, on, None, lines, activity)
        invoice, _ = sales.create_invoice(self.session, self.member, data)
        return invoice

    def show(self, operation: tuple) -> None:
        action, *values = operation
        session, member = self.session, self.member
        drafts = [i for i in member_invoices(session, member) if i.status is InvoiceStatus.DRAFT]
        if action == "edit draft" and drafts:
            lines = [LineInput("Atelier", Decimal(2), Decimal(values[0]) / 100, Decimal(10))]
            activity = member.activities[0].id if member.activities else None
            data = sales.InvoiceInput(self.customer, TODAY, None, lines, activity)
            sales.update_invoice(session, drafts[0], data)
        elif action == "delete draft" and drafts:
            sales.delete_draft(session, drafts[-1])
        elif action == "customer":
            update_customer(session, self.customer, CustomerInput(name=f"Client {values[0]}"))
        elif action == "email":
            put_entrepreneur(session, member, f"e{member.id}.{values[0]}@example.org")
        elif action == "activities":
            set_activities(session, member, list(values[0]), self.staff)
        elif action == "deposit":
            lines = [LineInput("Mission", Decimal(1), Decimal(1000), Decimal(20))]
            data = quotes.QuoteInput(self.customer, TODAY, None, lines)
            quote, _ = quotes.create_quote(session, member, data)
            quotes.submit_quote(session, quote, utcnow())
            quotes.validate_quote(session, quote, self.staff, TODAY, utcnow())
            quotes.accept_quote(session, quote, "Jeanne", True, "127.0.0.1", TODAY, utcnow())
            invoice_deposit(session, quote, member, TODAY, percent=Decimal(values[0]))
        session.commit()


def member_invoices(session, member) -> list[Invoice]:
    return list(session.scalars(select(Invoice).where(Invoice.member_id == member.id)))


def kept_documents(session) -> dict[str, bytes]:
    rows = session.execute(
        select(FeedDocument.entity_id, FeedDocument.data).where(FeedDocument.entity == "invoice")
    )
    return dict(rows.all())


def built_again(session) -> dict[str, bytes]:
    ids = [str(id_) for id_ in session.scalars(select(Invoice.id))]
    return {id_: documents.document(data) for id_, data in invoices_data(session, ids).items()}


def feed_json(session) -> list[bytes]:
    """Every page of the feed, as the API writes it."""
    pages, after = [], 0
    while True:
        page = feed_page(session, after, 7, SERIALIZERS, BATCH_SERIALIZERS)
        body = {"items": page.items, "next": page.next, "has_more": page.has_more}
        pages.append(orjson.dumps(body, option=FEED_JSON_OPTIONS))
        if not page.has_more:
            return pages
        after = page.items[-1]["seq"]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS, shown=OPERATIONS_ON_WHAT_INVOICES_SHOW)
def test_kept_documents_equal_the_representations_built_again(committed, operations, shown):
    session = committed
    writer = InvoiceWriter(session, next(MEMBERS))
    writer.apply(("draft", 12_345))
    for pair in itertools.zip_longest(operations, shown):
        for apply, operation in zip((writer.apply, writer.show), pair, strict=True):
            if operation is None:
                continue
            try:
                apply(operation)
            except DomainError:
                session.rollback()  # refused: nothing changed, as for a request
    session.expire_all()
    assert kept_documents(session) == built_again(session)
    session.rollback()


def test_a_page_read_from_the_documents_is_the_page_built_without_them(committed):
    session = committed
    writer = InvoiceWriter(session, next(MEMBERS))
    for operation in [("invoice", 120_000, 3), ("draft", 5_000), ("pay", 0, 50, 1)]:
        writer.apply(operation)
    writer.show(("deposit", 30))
    writer.show(("customer", 1))
    kept = feed_json(session)
    assert session.scalar(select(func.count()).select_from(FeedDocument)) > 0
    session.execute(delete(FeedDocument))
    assert feed_json(session) == kept
    session.rollback()


def test_a_bulk_statement_drops_the_documents_and_rebuild_writes_them_again(committed):
    """The flush never sees the rows a bulk UPDATE changes: their documents are dropped (the
    feed builds them on read), and `portal rebuild-feed-documents` writes them again."""
    session = committed
    writer = InvoiceWriter(session, next(MEMBERS))
    writer.apply(("invoice", 120_000, 3))
    session.execute(update(Invoice).values(purchase_order="PO-7"))
    session.commit()
    assert kept_documents(session) == {}
    session.rollback()  # the command runs in a session of its own
    result = current_app.test_cli_runner().invoke(args=["rebuild-feed-documents"])
    assert result.exit_code == 0, result.output
    session.rollback()
    kept = kept_documents(session)
    assert kept == built_again(session)
    assert b'"purchase_order":"PO-7"' in kept[str(writer.invoices[0].id)]


@pytest.mark.postgres
def test_a_document_is_built_from_what_the_writer_before_it_committed(committed_database, tmp_path):
    """PostgreSQL: the customer renamed in one transaction, which has written its invoice's
    document and not yet committed, while the invoice itself changes in another. The second
    waits for the document, then builds it from the new name; built at once, it would keep
    the old name over the rename's document."""
    app = committed_app(committed_database("postgresql"), tmp_path / "data")
    with app.app_context(), force_locale("en"):
        session = db.session
        update_coop_settings(
            session, legal_name="Coop", siren="732829320", vat_number="FR44732829320"
        )
        session.commit()
        writer = InvoiceWriter(session, next(MEMBERS))
        writer.apply(("invoice", 100_000, 0))
        invoice_id, customer_id = writer.invoices[0].id, writer.customer.id
        documents_written, errors = threading.Event(), []

        def rename():
            try:
                with app.app_context(), force_locale("en"):
                    own = db.session()  # the session itself, to listen to
                    # Run after the class's listeners: the documents are written by then.
                    event.listen(own, "before_commit", wait_for_a_waiting_writer, once=True)
                    with write_transaction(own):
                        customer = own.get(Customer, customer_id)
                        update_customer(own, customer, CustomerInput(name="Client renommé"))
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                documents_written.set()

        def wait_for_a_waiting_writer(own):
            documents_written.set()
            for _ in range(200):
                own.execute(text("SELECT pg_stat_clear_snapshot()"))
                if own.scalar(WAITING):
                    return
                time.sleep(0.05)
            raise AssertionError("the other writer never waited")

        thread = threading.Thread(target=rename)
        thread.start()
        documents_written.wait(10)
        with write_transaction(session):
            session.get(Invoice, invoice_id).purchase_order = "BC-2026-7"
        thread.join()
        assert errors == []
        session.expire_all()
        kept = kept_documents(session)
        assert kept == built_again(session)
        assert "Client renommé".encode() in kept[str(invoice_id)]
        assert b'"purchase_order":"BC-2026-7"' in kept[str(invoice_id)]
        session.rollback()
    app.extensions["database"].engine.dispose()


WAITING = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def test_a_deleted_draft_leaves_no_document(committed):
    session = committed
    writer = InvoiceWriter(session, next(MEMBERS))
    draft = writer.draft(10_000, TODAY)
    session.commit()
    assert str(draft.id) in kept_documents(session)
    sales.delete_draft(session, draft)
    session.commit()
    assert str(draft.id) not in kept_documents(session)


def test_an_activity_removed_leaves_its_invoices_documents_without_it(committed):
    """The database alone sets the invoices' activity to NULL (its foreign key): the
    documents showing it are found before the activity's row is deleted."""
    session = committed
    writer = InvoiceWriter(session, next(MEMBERS))
    writer.apply(("invoice", 120_000, 3))
    writer.apply(("draft", 5_000))
    writer.show(("activities", ("Formation",)))
    session.expire_all()
    kept = kept_documents(session)
    assert kept == built_again(session)
    assert [b'"activity":null' in document for document in kept.values()] == [True, True]


def test_every_column_an_invoice_shows_is_watched():
    """A column the invoices' statements select and no source watches would leave documents
    stale when it alone changes."""
    watched: dict[str, set[str]] = {}
    for source in documents.KEPT["invoice"].sources:
        mapper = inspect(source.model)
        names = [mapper.attrs[name].columns[0].name for name in source.shown]
        watched.setdefault(mapper.local_table.name, set()).update(
            names or mapper.local_table.columns.keys()
        )
    for statement in (INVOICE_ROWS, INVOICE_LINES):
        for column in statement.selected_columns:
            assert column.name in watched.get(column.table.name, ()), column

"""The projection's running totals (portal/projection/running_totals.py) stay equal to a
full recomputation whatever sequence of writes reaches them through the real services:
invoices validated on any date of three years, drafts, payments, credit notes (of invoices of
an earlier year too), refunds, receipts approved, rejected, edited to another date, deleted or
reimbursed, payslips recorded and replaced, balances from the back office, the coop's
contribution basis, and internal transfers between the member and a partner (issued,
accepted, refused, validated on any date, reversed), whose both sides are checked. Each
sequence is committed, on SQLite and on PostgreSQL, then:

- the kept rows equal the member's whole history summed again from the movements;
- the months the projection reads (each on its side of the latest balance) equal those the
  coop-wide statements sum from the movements over the whole history, snapshot join
  included, as the projection read them before the running totals existed.

Extending it to a new kind of movement (a transfer): add its write to OPERATIONS and to
`apply`; the two checks stay as they are."""

import itertools
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import current_app
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.coop.models import ContributionBasis
from portal.coop.services import update_coop_settings
from portal.dates import paris_today
from portal.db import db, utcnow
from portal.errors import DomainError
from portal.expenses import services as expenses
from portal.expenses.models import ExpenseCategory, PaidBy, ReceiptStatus
from portal.members.models import Member, Role
from portal.members.services import create_member
from portal.money import from_cents
from portal.projection import running_totals
from portal.projection.figures import EarlierYearCredit, MonthFlows
from portal.projection.models import MonthTotals
from portal.projection.queries import FLOW_FIELDS, FLOW_SOURCES, openings
from portal.projection.records import record_balance, record_payslip
from portal.sales import services as sales
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import Invoice
from portal.sales.totals import LineInput
from portal.transaction import write_transaction
from portal.transfers import services as transfers
from portal.transfers.models import TransferStatus
from tests.helpers import PASSWORD, committed_app, list_in_directory
from tests.unit.test_uploads import png_bytes

TODAY = paris_today()
MEMBERS = itertools.count()
WRITERS = 6
DAYS_BACK = st.integers(0, 3 * 365)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), st.integers(1, 500_000), DAYS_BACK),
        st.tuples(st.just("draft"), st.integers(1, 500_000)),
        st.tuples(st.just("pay"), st.integers(0, 9), st.integers(1, 100), DAYS_BACK),
        st.tuples(st.just("credit"), st.integers(0, 9), DAYS_BACK),
        st.tuples(st.just("refund"), st.integers(0, 9), st.integers(1, 100)),
        st.tuples(
            st.just("receipt"),
            st.integers(100, 100_000),
            DAYS_BACK,
            st.sampled_from(["draft", "submit", "approve", "reject", "reimburse"]),
        ),
        st.tuples(st.just("edit receipt"), st.integers(0, 9), DAYS_BACK),
        st.tuples(st.just("delete receipt"), st.integers(0, 9)),
        st.tuples(st.just("payslip"), st.integers(1, 36), st.integers(100_000, 400_000)),
        st.tuples(st.just("balance"), DAYS_BACK, st.integers(-500_000, 5_000_000)),
        st.tuples(st.just("basis"), st.sampled_from(list(ContributionBasis))),
        st.tuples(
            st.just("transfer"),
            st.booleans(),  # True: the member is the subcontractor; False: the contractor
            st.integers(1, 500_000),
            DAYS_BACK,
            st.sampled_from(["issue", "accept", "refuse", "validate"]),
        ),
        st.tuples(st.just("reverse transfer"), st.integers(0, 9), DAYS_BACK),
    ),
    min_size=1,
    max_size=14,
)


def months_back(count: int) -> date:
    index = TODAY.year * 12 + TODAY.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


class Writer:
    """One entrepreneur's writes, through the services, each committed as a request would."""

    def __init__(self, session, number: int):
        self.session = session
        self.staff = create_member(
            session, email=f"staff{number}@example.org", full_name="S", role=Role.STAFF,
            password=PASSWORD,
        )  # fmt: skip
        self.member = create_member(
            session, email=f"e{number}@example.org", full_name="E", role=Role.ENTREPRENEUR,
            password=PASSWORD, activities=("Conseil",),
        )  # fmt: skip
        self.partner = create_member(
            session, email=f"p{number}@example.org", full_name="P", role=Role.ENTREPRENEUR,
            password=PASSWORD,
        )  # fmt: skip
        list_in_directory(session, self.partner)
        list_in_directory(session, self.member)
        self.transfers = []
        self.customer = create_customer(
            session, self.member, CustomerInput(name="Client SAS", siren="542107651")
        )
        self.category = session.scalar(
            select(ExpenseCategory.id).where(ExpenseCategory.name == "Abonnements")
        )
        self.invoices, self.notes, self.receipts = [], {}, []
        session.commit()

    def draft(self, cents: int, on: date):
        invoice, _ = sales.create_invoice(
            self.session,
            self.member,
            sales.InvoiceInput(
                customer=self.customer,
                issue_date=on,
                due_date=None,
                lines=[LineInput("Conseil", Decimal(1), Decimal(cents) / 100, Decimal(20))],
            ),
        )
        return invoice

    def receipt_input(self, cents: int, on: date) -> expenses.ReceiptInput:
        return expenses.ReceiptInput(
            spent_on=on,
            supplier="Papeterie Centrale",
            amount=Decimal(cents) / 100,
            category_id=self.category,
            paid_by=PaidBy.MEMBER,
            vat_by_rate={Decimal("0.20"): Decimal(cents // 6) / 100},
        )

    def apply(self, operation: tuple) -> None:
        action, *values = operation
        session = self.session
        if action == "invoice":
            cents, back = values
            on = TODAY - timedelta(days=back)
            invoice = self.draft(cents, on)
            sales.submit_invoice(session, invoice, utcnow())
            sales.validate_invoice(session, invoice, self.staff, on, utcnow())
            self.invoices.append(invoice)
        elif action == "draft":
            self.draft(values[0], TODAY)
        elif action in ("pay", "credit", "refund") and self.invoices:
            invoice = self.invoices[values[0] % len(self.invoices)]
            if action == "pay" and invoice.outstanding_cents > 0:
                cents = max(1, invoice.outstanding_cents * values[1] // 100)
                on = max(invoice.issue_date, TODAY - timedelta(days=values[2]))
                sales.record_payment(session, invoice, Decimal(cents) / 100, on, self.staff)
            elif action == "credit" and invoice.id not in self.notes:
                if invoice.total_incl_vat_cents - invoice.credited_cents <= 0:
                    return
                on = max(invoice.issue_date, TODAY - timedelta(days=values[1]))
                note = sales.create_credit_note(session, invoice, on)
                sales.submit_invoice(session, note, utcnow())
                sales.validate_invoice(session, note, self.staff, on, utcnow())
                self.notes[invoice.id] = note
            elif action == "refund" and invoice.id in self.notes:
                note = self.notes[invoice.id]
                if note.refund_owed_cents:
                    cents = max(1, note.refund_owed_cents * values[1] // 100)
                    sales.record_refund(
                        session, note, Decimal(cents) / 100, TODAY, self.staff, TODAY
                    )
        elif action == "receipt":
            cents, back, fate = values
            receipt, _ = expenses.create_receipt(
                session,
                self.member,
                self.receipt_input(cents, TODAY - timedelta(days=back)),
                png_bytes((8, 8)),
                f"{len(self.receipts):032x}",
            )
            if fate != "draft":
                expenses.submit_receipt(session, receipt)
            if fate in ("approve", "reimburse"):
                expenses.approve_receipt(session, receipt, self.staff)
            if fate == "reimburse":
                expenses.record_reimbursement(session, receipt)
            if fate == "reject":
                expenses.reject_receipt(session, receipt, self.staff, "Illisible")
            self.receipts.append(receipt)
        elif action in ("edit receipt", "delete receipt") and self.receipts:
            receipt = self.receipts[values[0] % len(self.receipts)]
            if action == "edit receipt" and receipt.refusal_to_edit() is None:
                on = TODAY - timedelta(days=values[1])
                expenses.update_receipt(
                    session, receipt, self.receipt_input(receipt.amount_cents, on), None
                )
                if receipt.status is ReceiptStatus.REJECTED:
                    expenses.submit_receipt(session, receipt)
                    expenses.approve_receipt(session, receipt, self.staff)
            elif action == "delete receipt" and receipt.refusal_to_delete() is None:
                expenses.delete_receipt(session, receipt)
                self.receipts.remove(receipt)
        elif action == "payslip":
            back, cost = values
            period = months_back(back)
            record_payslip(
                session, self.member, period=f"{period:%Y-%m}", gross_cents=cost // 2,
                net_cents=cost // 3, employer_cost_cents=cost,
                paid_on=min(TODAY, period + timedelta(days=27 + cost % 5)),
            )  # fmt: skip
        elif action == "balance":
            back, cents = values
            on = TODAY - timedelta(days=back)
            record_balance(session, self.member, on=on, amount_cents=cents, today=TODAY)
        elif action == "basis":
            update_coop_settings(session, contribution_basis=values[0])
        elif action == "transfer":
            outgoing, cents, back, fate = values
            by, to = (self.member, self.partner) if outgoing else (self.partner, self.member)
            lines = [transfers.TransferLineInput("Sous-traitance", Decimal(cents) / 100)]
            transfer, _ = transfers.issue_transfer(
                session, by, transfers.TransferInput(to, lines), TODAY
            )
            if fate == "refuse":
                transfers.refuse_transfer(session, transfer, to, "Non", utcnow())
            elif fate in ("accept", "validate"):
                transfers.accept_transfer(session, transfer, to, utcnow())
            if fate == "validate":
                on = TODAY - timedelta(days=back)
                transfers.validate_transfer(session, transfer, self.staff, on, utcnow())
                self.transfers.append(transfer)
        elif action == "reverse transfer" and self.transfers:
            original = self.transfers[values[0] % len(self.transfers)]
            if original.reversed_by is None:
                by = original.subcontractor
                reversal = transfers.reverse_transfer(session, original, by, TODAY)
                transfers.accept_transfer(session, reversal, original.contractor, utcnow())
                on = TODAY - timedelta(days=values[1])
                transfers.validate_transfer(session, reversal, self.staff, on, utcnow())
                assert reversal.status is TransferStatus.VALIDATED
        session.commit()


def kept_rows(session, member_id: int) -> list[dict]:
    rows = session.scalars(select(MonthTotals).where(MonthTotals.member_id == member_id))
    columns = ["member_id", "month", "earlier_year", *(f"{f}_cents" for f in FLOW_FIELDS)]
    return sorted(({c: getattr(row, c) for c in columns} for row in rows), key=_key)


def _key(row: dict):
    return row["month"], row["earlier_year"]


def _month_key(flows: MonthFlows):
    return flows.month, flows.after_opening


def _credit_key(credit: EarlierYearCredit):
    return credit.month, credit.after_opening, credit.year


def read_by_the_projection(session, member_id: int) -> tuple[list, list]:
    flows, earlier = running_totals.monthly_flows(
        session, [member_id], date.min, openings(session, [member_id])
    )
    credits = earlier.get(member_id, [])
    return sorted(flows[member_id], key=_month_key), sorted(credits, key=_credit_key)


def summed_over_the_whole_history(session, member_id: int) -> tuple[list, list]:
    """The months as the coop-wide statements sum them from the movements, the balance's
    side of each movement from the snapshot join: what the projection read before."""
    params = {"member_ids": [member_id], "since": date.min, "until": date.max}
    cents, earlier = {}, {}
    for source in FLOW_SOURCES:
        for _member, month, after, *sums in session.execute(source.for_members, params):
            year = sums.pop(0) if source.by_base_year else None
            totals = cents.setdefault((month, bool(after)), [0] * len(FLOW_FIELDS))
            for position, value in zip(source.amounts, sums, strict=True):
                totals[position] += int(value)
                if year:
                    moved = earlier.setdefault((month, bool(after), int(year)), [0, 0])
                    if FLOW_FIELDS[position] in ("invoiced", "collected"):
                        moved[FLOW_FIELDS[position] == "collected"] += int(value)

    def first_day(month):
        return date(int(month[:4]), int(month[5:]), 1)

    flows = [
        MonthFlows(first_day(month), after, *(from_cents(v) for v in totals))
        for (month, after), totals in cents.items()
    ]
    credits = [
        EarlierYearCredit(first_day(month), after, year, from_cents(i), from_cents(c))
        for (month, after, year), (i, c) in earlier.items()
    ]
    return sorted(flows, key=_month_key), sorted(credits, key=_credit_key)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def committed(request, committed_database, tmp_path):
    app = committed_app(committed_database(request.param), tmp_path / "data")
    with app.app_context(), force_locale("en"):
        session = db.session
        update_coop_settings(
            session, legal_name="Coop", siren="732829320", vat_number="FR44732829320"
        )
        session.commit()
        yield session
    app.extensions["database"].engine.dispose()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_running_totals_equal_a_full_recomputation_after_any_writes(committed, operations):
    session = committed
    writer = Writer(session, next(MEMBERS))
    for operation in operations:
        try:
            writer.apply(operation)
        except DomainError:
            session.rollback()  # refused: nothing changed, as for a request
    session.expire_all()
    for member_id in (writer.member.id, writer.partner.id):
        assert kept_rows(session, member_id) == sorted(
            running_totals.summed(session.connection(), member_id, date.min, date.max), key=_key
        )
        assert read_by_the_projection(session, member_id) == summed_over_the_whole_history(
            session, member_id
        )
    session.rollback()


def test_writers_of_one_member_at_once_keep_the_totals_true(committed):
    """Payments and receipts of one member recorded at the same instant from several
    connections, each summing the same month again: none is lost (on PostgreSQL each
    writer waits for the member's lock, then sums what the others committed)."""
    session = committed
    writer = Writer(session, next(MEMBERS))
    for _ in range(WRITERS):
        writer.apply(("invoice", 100_000, 0))
    app = current_app._get_current_object()
    invoice_ids = [invoice.id for invoice in writer.invoices]
    barrier, errors = threading.Barrier(WRITERS), []

    def pay(invoice_id):
        try:
            with app.app_context(), force_locale("en"):
                barrier.wait()
                with write_transaction(db.session) as own:  # as a request's write begins
                    invoice = own.get(Invoice, invoice_id)
                    staff = own.get(Member, writer.staff.id)
                    sales.record_payment(own, invoice, Decimal("100.00"), TODAY, staff)
        except Exception as error:  # reported below, with the thread's traceback lost
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=pay, args=(i,)) for i in invoice_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session.expire_all()
    member_id = writer.member.id
    rows = kept_rows(session, member_id)
    assert rows == sorted(
        running_totals.summed(session.connection(), member_id, date.min, date.max), key=_key
    )
    this_month = f"{TODAY:%Y-%m}"
    collected = sum(row["collected_cents"] for row in rows if row["month"] == this_month)
    assert collected == WRITERS * round(100_00 / Decimal("1.2"))
    session.rollback()

"""Property tests of the projection's money over random invoices, payments, credit notes and
refunds, recorded through the sales services: each invoice's payments add up to it to the
cent, and the margin and the outstanding amount equal a recomputation from scratch, written
here in plain Python over exact fractions (on whichever database the suite runs on)."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.coop.models import ContributionBasis
from portal.coop.services import coop_settings_for_update
from portal.dates import paris_today
from portal.db import utcnow
from portal.projection.services import projection_for
from portal.sales import services as sales
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import Payment
from portal.sales.totals import LineInput

TODAY = paris_today()
RATE = Fraction(1, 10)  # the coop's default contribution, flat

invoices = st.lists(
    st.tuples(st.integers(1, 300_000), st.sampled_from(["20", "10", "5.5", "2.1", "0"])),
    min_size=1,
    max_size=3,
)
operations = st.lists(
    st.tuples(st.sampled_from(["pay", "credit", "refund"]), st.integers(0, 2), st.integers(1, 100)),
    max_size=8,
)


def half_up(value: Fraction) -> int:
    """Rounded half-up to a whole number (of cents)."""
    return math.floor(value + Fraction(1, 2))


def part(cents: int, excl: int, incl: int) -> int:
    return half_up(Fraction(cents * excl, incl)) if incl else 0


class Ledger:
    """What the margin should be, followed movement by movement in integer cents."""

    def __init__(self):
        self.collected = 0  # payments' parts less the parts of refunds owed, excl. VAT
        self.invoiced = 0  # invoices less credit notes, excl. VAT

    def contribution(self, basis: ContributionBasis) -> int:
        base = self.invoiced if basis is ContributionBasis.INVOICED else self.collected
        return half_up(base * RATE) if base > 0 else 0


@pytest.mark.parametrize("basis", [ContributionBasis.INVOICED, ContributionBasis.COLLECTED])
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(invoices=invoices, operations=operations)
def test_parts_add_up_and_the_margin_is_the_recomputed_one(
    db_session, coop, staff, make_member, basis, invoices, operations
):
    coop_settings_for_update(db_session).contribution_basis = basis
    member = make_member(activities=("Conseil",))
    customer = create_customer(
        db_session, member, CustomerInput(name="Client SAS", siren="542107651")
    )
    ledger = Ledger()
    issued, notes = [], {}
    for excl, rate in invoices:
        invoice, _ = sales.create_invoice(
            db_session,
            member,
            sales.InvoiceInput(
                customer=customer,
                issue_date=TODAY,
                due_date=None,
                lines=[LineInput("Conseil", Decimal(1), Decimal(excl) / 100, Decimal(rate))],
            ),
        )
        sales.submit_invoice(db_session, invoice, utcnow())
        sales.validate_invoice(db_session, invoice, staff, TODAY, utcnow())
        issued.append(invoice)
        ledger.invoiced += invoice.total_excl_vat_cents
    paid = {invoice.id: 0 for invoice in issued}
    for action, index, percent in operations:
        invoice = issued[index % len(issued)]
        excl, incl = invoice.total_excl_vat_cents, invoice.total_incl_vat_cents
        left = incl - invoice.paid_cents - invoice.credited_cents
        if action == "pay" and left > 0:
            cents = max(1, left * percent // 100)
            sales.record_payment(db_session, invoice, Decimal(cents) / 100, TODAY, staff)
            ledger.collected += part(paid[invoice.id] + cents, excl, incl) - part(
                paid[invoice.id], excl, incl
            )
            paid[invoice.id] += cents
        elif action == "credit" and invoice.id not in notes and invoice.credited_cents == 0:
            note = sales.create_credit_note(db_session, invoice, TODAY)
            sales.submit_invoice(db_session, note, utcnow())
            sales.validate_invoice(db_session, note, staff, TODAY, utcnow())
            notes[invoice.id] = note
            ledger.invoiced -= note.total_excl_vat_cents
            # What the customer had paid beyond what the credit leaves to pay comes back.
            owed = max(0, paid[invoice.id] - (incl - note.total_incl_vat_cents))
            assert note.refund_due_cents == owed
            ledger.collected -= part(owed, note.total_excl_vat_cents, note.total_incl_vat_cents)
        elif action == "refund" and invoice.id in notes and notes[invoice.id].refund_owed_cents:
            note = notes[invoice.id]
            cents = max(1, note.refund_owed_cents * percent // 100)
            sales.record_refund(db_session, note, Decimal(cents) / 100, TODAY, staff, TODAY)
    db_session.flush()

    outstanding = 0
    for invoice in issued:
        excl, incl = invoice.total_excl_vat_cents, invoice.total_incl_vat_cents
        parts = db_session.scalars(
            select(Payment.amount_excl_vat_cents).where(Payment.invoice_id == invoice.id)
        ).all()
        assert sum(parts) == part(paid[invoice.id], excl, incl)
        if paid[invoice.id] == incl:
            assert sum(parts) == excl  # paid in full: to the cent, however many payments
        left = incl - invoice.paid_cents - invoice.credited_cents
        if left > 0:
            outstanding += part(incl - invoice.credited_cents, excl, incl) - part(
                invoice.paid_cents, excl, incl
            )
        note = notes.get(invoice.id)
        if note is not None and paid[invoice.id] == incl and note.refund_due_cents == incl:
            # Paid in full, then credited in full: nothing of it is left in the margin.
            assert part(note.refund_due_cents, note.total_excl_vat_cents, incl) == sum(parts)

    projection = projection_for(db_session, member, TODAY)
    expected = ledger.collected - ledger.contribution(basis)
    assert projection.margin == Decimal(expected) / 100
    assert projection.outstanding == Decimal(outstanding) / 100

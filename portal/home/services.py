"""The support team's work queue: what waits for them across the modules, each section
from one or two queries whatever the number of members or items (the runways, which need
every member's projection, come on their own request: `runways_to_watch`)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.expenses.models import Receipt, ReceiptStatus
from portal.meetings.models import Meeting
from portal.meetings.services import answer_counts
from portal.members.models import Member
from portal.projection.services import coop_runways
from portal.sales.models import Customer, Invoice, InvoiceStatus
from portal.sales.queries import overdue_by_member
from portal.workshops.models import Workshop
from portal.workshops.queries import seat_counts

SHOWN = 5  # items of each section on the home page; its link leads to the rest
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Section:
    total: int
    items: list


@dataclass(frozen=True)
class StaffQueue:
    invoices: Section  # rows: id, member name, customer name, total cents, submitted at
    receipts: Section  # rows: id, member name, supplier, amount cents, submitted at
    overdue: Section  # rows: member id, name, invoices, outstanding cents
    workshops: list  # (workshop, SeatCount) starting within the week
    meetings: list  # (meeting, {"yes", "no", "maybe", "invited"}) within the week


def counts(session: Session) -> dict[str, int]:
    """The navigation's badges: invoices to validate and receipts to check, in one query."""
    invoices = select(func.count(Invoice.id)).where(Invoice.status == InvoiceStatus.SUBMITTED)
    receipts = select(func.count(Receipt.id)).where(Receipt.status == ReceiptStatus.SUBMITTED)
    row = session.execute(select(invoices.scalar_subquery(), receipts.scalar_subquery())).one()
    return {"sales.queue": row[0], "expenses.queue": row[1]}


def staff_queue(session: Session, today: date, now: datetime) -> StaffQueue:
    total = counts(session)
    invoices = session.execute(
        select(
            Invoice.id,
            Member.full_name,
            Customer.name,
            Invoice.total_incl_vat_cents,
            Invoice.submitted_at,
        )
        .join(Invoice.member)
        .join(Invoice.customer)
        .where(Invoice.status == InvoiceStatus.SUBMITTED)
        .order_by(Invoice.submitted_at, Invoice.id)  # first come, first served
        .limit(SHOWN)
    ).all()
    receipts = session.execute(
        select(
            Receipt.id,
            Member.full_name,
            Receipt.supplier,
            Receipt.amount_cents,
            Receipt.submitted_at,
        )
        .join(Receipt.member)
        .where(Receipt.status == ReceiptStatus.SUBMITTED)
        .order_by(Receipt.submitted_at, Receipt.id)
        .limit(SHOWN)
    ).all()
    overdue_total, overdue = overdue_by_member(session, today, SHOWN)
    workshops = list(
        session.scalars(
            select(Workshop)
            .where(Workshop.ends_at > now, Workshop.starts_at < now + WEEK)
            .where(Workshop.cancelled_at.is_(None))
            .order_by(Workshop.starts_at, Workshop.id)
        )
    )
    seats = seat_counts(session, [workshop.id for workshop in workshops]) if workshops else {}
    meetings = list(
        session.scalars(
            select(Meeting)
            .where(Meeting.ends_at > now, Meeting.starts_at < now + WEEK)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    answers = answer_counts(session, [meeting.id for meeting in meetings])
    return StaffQueue(
        invoices=Section(total["sales.queue"], invoices),
        receipts=Section(total["expenses.queue"], receipts),
        overdue=Section(overdue_total, overdue),
        workshops=[(workshop, seats[workshop.id]) for workshop in workshops],
        meetings=[(meeting, answers[meeting.id]) for meeting in meetings],
    )


def runways_to_watch(session: Session, today: date, months: int = 1) -> list:
    """Salaried entrepreneurs whose margin funds less than `months` of salary, shortest
    runway first (`RunwayRow`s). It computes every member's projection: the home page
    loads it after its first screen."""
    return [
        row
        for row in coop_runways(session, today)
        if (runway := row.projection.runway) is not None
        and not runway.beyond
        and runway.months < months
    ]

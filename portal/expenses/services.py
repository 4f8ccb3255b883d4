"""Expense receipts and mileage claims: the rules of capture, checking and reimbursement."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.audit.services import record
from portal.dates import paris_today
from portal.db import utcnow
from portal.errors import DomainError, refuse
from portal.expenses import notifications
from portal.expenses.mileage import mileage_allowance
from portal.expenses.models import (
    ExpenseCategory,
    PaidBy,
    Receipt,
    ReceiptKind,
    ReceiptStatus,
    ReceiptVat,
)
from portal.i18n import lazy_gettext as _l
from portal.members.models import Activity, Member
from portal.money import round_cents, to_cents
from portal.sales.models import Customer
from portal.storage import delete_after_commit, new_key, save_with_transaction
from portal.sync.models import ChangeOp
from portal.sync.services import record_change
from portal.uploads import check_upload

# French VAT rates a receipt can show (standard, intermediate, reduced, special).
VAT_RATES = (Decimal("0.20"), Decimal("0.10"), Decimal("0.055"), Decimal("0.021"))
MAX_AMOUNT = Decimal("100000")
MAX_DISTANCE_KM = Decimal("10000")
EARLIEST_DATE = date(2000, 1, 1)


@dataclass(frozen=True)
class ReceiptInput:
    spent_on: date
    supplier: str
    amount: Decimal  # incl. VAT
    category_id: int
    paid_by: PaidBy
    vat_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)
    activity_id: int | None = None
    customer_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class MileageInput:
    spent_on: date
    distance_km: Decimal
    fiscal_horsepower: int
    purpose: str
    electric: bool = False
    activity_id: int | None = None
    paid_by: PaidBy = PaidBy.MEMBER


# --- categories -------------------------------------------------------------------------


def categories(session: Session, *, include_inactive: bool = False) -> list[ExpenseCategory]:
    query = select(ExpenseCategory).order_by(ExpenseCategory.name)
    if not include_inactive:
        query = query.where(ExpenseCategory.active)
    return list(session.scalars(query))


def save_category(
    session: Session,
    *,
    name: str,
    vat_recovery_rate: Decimal,
    active: bool = True,
    category: ExpenseCategory | None = None,
) -> ExpenseCategory:
    """Add or change a category. Its VAT-recovery rate is a default for new receipts: the
    receipts already recorded keep the VAT recoverable computed when they were saved."""
    name = name.strip()
    if not name:
        raise DomainError(_l("Give the category a name."), field="name")
    if not Decimal(0) <= vat_recovery_rate <= Decimal(1):
        raise DomainError(_l("Between 0 and 100."), field="vat_recovery_percent")
    clash = session.scalar(select(ExpenseCategory.id).where(ExpenseCategory.name == name))
    if clash is not None and (category is None or clash != category.id):
        raise DomainError(_l("A category with this name already exists."), field="name")
    if category is None:
        category = ExpenseCategory()
        session.add(category)
    category.name = name
    category.vat_recovery_rate = vat_recovery_rate
    category.active = active
    session.flush()
    record_change(session, "expense_category", category.id)
    return category


# --- capture ------------------------------------------------------------------------------


def receipt_by_key(session: Session, member: Member, idempotency_key: str) -> Receipt | None:
    return session.scalar(
        select(Receipt).where(
            Receipt.member_id == member.id, Receipt.idempotency_key == idempotency_key
        )
    )


def create_receipt(
    session: Session,
    member: Member,
    data: ReceiptInput,
    upload: bytes | None,
    idempotency_key: str,
) -> tuple[Receipt, bool]:
    """Record a receipt as a draft, with its photo or PDF checked and re-encoded.

    A submission that repeats an earlier one's idempotency key (a retry after a lost
    response) returns the receipt already recorded and `False`: never a duplicate. Every
    check runs before anything is written, so bad input stores no row and no file; the
    photo is decoded before the first write, which under the view's late lock is where
    SQLite's write lock is taken: other members' writes do not wait for the decoding."""
    existing = receipt_by_key(session, member, idempotency_key)
    if existing is not None:
        return existing, False
    category = _check_receipt(session, member, data)
    checked = check_upload(upload) if upload else None
    receipt = Receipt(
        member_id=member.id, idempotency_key=idempotency_key, kind=ReceiptKind.RECEIPT
    )
    _fill_receipt(receipt, data, category)
    inserted = _insert_once(session, member, receipt, idempotency_key)
    if inserted is not receipt:
        return inserted, False
    if checked is not None:
        _attach(session, receipt, checked)
    session.flush()
    record_change(session, "receipt", receipt.id)
    return receipt, True


def update_receipt(
    session: Session, receipt: Receipt, data: ReceiptInput, upload: bytes | None
) -> Receipt:
    """Change a draft or rejected receipt; a new file replaces the old one (deleted once the
    change is committed). Submitted and approved receipts cannot change. The photo is
    decoded before the receipt is read again FOR UPDATE, as in `create_receipt`."""
    refuse(receipt.refusal_to_edit())
    category = _check_receipt(session, receipt.member, data)
    checked = check_upload(upload) if upload else None
    # Read again, locked: it may have been submitted meanwhile.
    session.refresh(receipt, with_for_update=True)
    refuse(receipt.refusal_to_change())
    _fill_receipt(receipt, data, category)
    if checked is not None:
        for key in (receipt.file_key, receipt.thumbnail_key):
            if key:
                delete_after_commit(session, key)
        _attach(session, receipt, checked)
    session.flush()
    record_change(session, "receipt", receipt.id)
    return receipt


def create_mileage_claim(
    session: Session, member: Member, data: MileageInput, idempotency_key: str
) -> tuple[Receipt, bool]:
    """A mileage claim without receipt. Its amount comes from the official scale of its
    year applied to the member's cumulative business km that year (claims not rejected):
    each claim is worth what its km add, +20 % for an electric vehicle. No VAT."""
    existing = receipt_by_key(session, member, idempotency_key)
    if existing is not None:
        return existing, False
    _check_date(data.spent_on)
    if not Decimal(0) < data.distance_km <= MAX_DISTANCE_KM:
        raise DomainError(_l("Enter a distance between 1 and 10,000 km."), field="distance_km")
    if not 1 <= data.fiscal_horsepower <= 50:
        raise DomainError(
            _l("Enter the fiscal horsepower shown on the registration card (1 to 50)."),
            field="fiscal_horsepower",
        )
    purpose = data.purpose.strip()
    if not purpose:
        raise DomainError(_l("Say what the trip was for."), field="purpose")
    activity_id = _check_activity(session, member, data.activity_id)
    category = session.scalar(
        select(ExpenseCategory).where(ExpenseCategory.for_mileage).order_by(ExpenseCategory.id)
    )
    if category is None:
        raise DomainError(_l("Mileage claims are not set up in this coop."))
    year = data.spent_on.year
    distance = data.distance_km.quantize(Decimal("0.1"))
    before = session.scalar(
        select(func.coalesce(func.sum(Receipt.distance_km), 0)).where(
            Receipt.member_id == member.id,
            Receipt.kind == ReceiptKind.MILEAGE,
            Receipt.status != ReceiptStatus.REJECTED,
            Receipt.spent_on >= date(year, 1, 1),
            Receipt.spent_on <= date(year, 12, 31),
        )
    )
    amount = mileage_allowance(
        year, Decimal(before), distance, data.fiscal_horsepower, data.electric
    )
    receipt = Receipt(
        member_id=member.id,
        idempotency_key=idempotency_key,
        kind=ReceiptKind.MILEAGE,
        spent_on=data.spent_on,
        supplier="",
        amount_cents=to_cents(amount),
        vat_cents=0,
        vat_recoverable_cents=0,
        category_id=category.id,
        activity_id=activity_id,
        paid_by=data.paid_by,
        note=purpose[:2000],
        distance_km=distance,
        fiscal_horsepower=data.fiscal_horsepower,
        electric=data.electric,
    )
    inserted = _insert_once(session, member, receipt, idempotency_key)
    if inserted is not receipt:
        return inserted, False
    record_change(session, "receipt", receipt.id)
    return receipt, True


def _insert_once(session: Session, member: Member, receipt: Receipt, key: str) -> Receipt:
    """Insert, or return the receipt a concurrent request with the same key committed first
    (the unique constraint decides; the savepoint keeps our transaction usable)."""
    try:
        with session.begin_nested():
            session.add(receipt)
            session.flush()
    except IntegrityError:
        existing = receipt_by_key(session, member, key)
        if existing is None:
            raise
        return existing
    return receipt


def _check_date(spent_on: date) -> None:
    if spent_on > paris_today():
        raise DomainError(_l("The date cannot be in the future."), field="spent_on")
    if spent_on < EARLIEST_DATE:
        raise DomainError(_l("Check the date: it is too far in the past."), field="spent_on")


def _check_activity(session: Session, member: Member, activity_id: int | None) -> int | None:
    if activity_id is None:
        return None
    owner = session.scalar(select(Activity.member_id).where(Activity.id == activity_id))
    if owner != member.id:
        raise DomainError(_l("Choose one of your activities."), field="activity_id")
    return activity_id


def customer_choices(session: Session, member: Member) -> list[tuple[int, str]]:
    """The member's own customers, by name: the only ones a receipt may be linked to."""
    rows = session.execute(
        select(Customer.id, Customer.name)
        .where(Customer.member_id == member.id)
        .order_by(Customer.name, Customer.id)
    )
    return [(customer_id, name) for customer_id, name in rows]


def _check_customer(session: Session, member: Member, customer_id: int | None) -> None:
    """A receipt may name one of its member's own customers; another member's customer (or an
    id that names none) is refused like an unknown one, without saying whose it is."""
    if customer_id is None:
        return
    owner = session.scalar(select(Customer.member_id).where(Customer.id == customer_id))
    if owner != member.id:
        raise DomainError(_l("Choose one of your customers."), field="customer_id")


def _check_receipt(session: Session, member: Member, data: ReceiptInput) -> ExpenseCategory:
    _check_date(data.spent_on)
    if not data.supplier.strip():
        raise DomainError(_l("Enter the supplier's name."), field="supplier")
    if not Decimal(0) < data.amount <= MAX_AMOUNT:
        raise DomainError(_l("Enter an amount between 0,01 and 100 000 euros."), field="amount")
    if any(vat < 0 for vat in data.vat_by_rate.values()):
        raise DomainError(_l("A VAT amount cannot be negative."), field="vat")
    if unknown := set(data.vat_by_rate) - set(VAT_RATES):
        raise DomainError(_l("Unknown VAT rate: %(rate)s.", rate=min(unknown)), field="vat")
    if round_cents(sum(data.vat_by_rate.values(), Decimal(0))) > round_cents(data.amount):
        raise DomainError(
            _l("The VAT cannot be larger than the amount including VAT."), field="vat"
        )
    category = session.get(ExpenseCategory, data.category_id)
    if category is None or not category.active or category.for_mileage:
        raise DomainError(_l("Choose a category from the list."), field="category_id")
    _check_activity(session, member, data.activity_id)
    _check_customer(session, member, data.customer_id)
    return category


def _fill_receipt(receipt: Receipt, data: ReceiptInput, category: ExpenseCategory) -> None:
    """Amounts in cents; the VAT recoverable is the category's share of the VAT, rounded
    half-up to the cent."""
    vat_cents = {rate: to_cents(vat) for rate, vat in data.vat_by_rate.items() if vat > 0}
    total_vat = sum(vat_cents.values())
    receipt.spent_on = data.spent_on
    receipt.supplier = data.supplier.strip()[:200]
    receipt.amount_cents = to_cents(data.amount)
    receipt.vat_cents = total_vat
    receipt.vat_recoverable_cents = vat_recoverable_cents(total_vat, category.vat_recovery_rate)
    receipt.category = category
    receipt.category_id = category.id
    receipt.activity_id = data.activity_id
    receipt.paid_by = data.paid_by
    receipt.customer_id = data.customer_id
    receipt.note = data.note.strip()[:2000]
    # A rate kept from before keeps its row (a new row of the same rate would be inserted
    # before delete-orphan removes the old one, against the unique (receipt, rate) key).
    existing = {Decimal(line.rate): line for line in receipt.vat_lines}
    lines = []
    for rate, cents in sorted(vat_cents.items()):
        line = existing.get(rate) or ReceiptVat(rate=rate)
        line.vat_cents = cents
        lines.append(line)
    receipt.vat_lines = lines


def vat_recoverable_cents(vat_cents: int, recovery_rate: Decimal) -> int:
    return to_cents(Decimal(vat_cents) * Decimal(recovery_rate) / 100)


def _attach(session: Session, receipt: Receipt, checked) -> None:
    folder = f"receipts/{receipt.member_id}"
    receipt.file_key = save_with_transaction(
        session, new_key(folder, checked.suffix), checked.content
    )
    receipt.file_content_type = checked.content_type
    receipt.thumbnail_key = (
        save_with_transaction(session, new_key(folder, ".thumb.jpg"), checked.thumbnail)
        if checked.thumbnail
        else None
    )


# --- workflow -------------------------------------------------------------------------------


def delete_receipt(session: Session, receipt: Receipt) -> None:
    """Only a draft can be deleted; its files go once the deletion is committed."""
    refuse(receipt.refusal_to_delete())
    for key in (receipt.file_key, receipt.thumbnail_key):
        if key:
            delete_after_commit(session, key)
    receipt_id = receipt.id
    session.delete(receipt)
    session.flush()
    record_change(session, "receipt", receipt_id, ChangeOp.DELETE)


def submit_receipt(session: Session, receipt: Receipt) -> Receipt:
    """A draft (or a corrected rejected receipt) goes to the support team. A receipt needs
    its photo or PDF; a mileage claim has none."""
    refuse(receipt.refusal_to_submit())
    receipt.status = ReceiptStatus.SUBMITTED
    receipt.submitted_at = utcnow()
    session.flush()
    record_change(session, "receipt", receipt.id)
    notifications.receipt_submitted(session, receipt)
    return receipt


def approve_receipt(session: Session, receipt: Receipt, by: Member) -> Receipt:
    """The support team accepts a submitted receipt; from then on it never changes."""
    refuse(receipt.refusal_to_decide())
    receipt.status = ReceiptStatus.APPROVED
    receipt.decided_at = utcnow()
    receipt.decided_by_id = by.id
    session.flush()
    record_change(session, "receipt", receipt.id)
    record(
        session,
        "receipt_approved",
        actor=by,
        subject=receipt.member,
        target=f"receipt {receipt.id}",
    )
    notifications.receipt_approved(session, receipt)
    return receipt


def approve_receipts(
    session: Session, receipts: list[Receipt], by: Member
) -> list[tuple[Receipt, str | None]]:
    """Approve several receipts in the caller's transaction, each exactly as one by one;
    one refused (with its reason beside it) leaves the others approved."""
    outcome = []
    for receipt in receipts:
        try:
            with session.begin_nested():
                approve_receipt(session, receipt, by)
        except DomainError as refusal:
            outcome.append((receipt, str(refusal)))
        else:
            outcome.append((receipt, None))
    return outcome


def reject_receipt(session: Session, receipt: Receipt, by: Member, reason: str) -> Receipt:
    """The support team refuses a submitted receipt and says why; the entrepreneur may
    correct it and submit it again."""
    refuse(receipt.refusal_to_decide())
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the receipt is rejected."), field="reason")
    receipt.status = ReceiptStatus.REJECTED
    receipt.rejection_reason = reason[:2000]
    receipt.decided_at = utcnow()
    receipt.decided_by_id = by.id
    session.flush()
    record_change(session, "receipt", receipt.id)
    record(
        session,
        "receipt_rejected",
        actor=by,
        subject=receipt.member,
        target=f"receipt {receipt.id}",
        detail=receipt.rejection_reason,
    )
    notifications.receipt_refused(session, receipt)
    return receipt


def record_reimbursement(session: Session, receipt: Receipt, at: datetime | None = None) -> Receipt:
    """The coop paid the entrepreneur back: recorded by the support team, or by the back
    office through the sync API. Only an approved receipt paid by the entrepreneur."""
    if receipt.status is ReceiptStatus.REIMBURSED:
        return receipt  # the back office may send the same payment twice
    refuse(receipt.refusal_to_reimburse())
    receipt.status = ReceiptStatus.REIMBURSED
    receipt.reimbursed_at = at or utcnow()
    session.flush()
    record_change(session, "receipt", receipt.id)
    notifications.receipt_reimbursed(session, receipt)
    return receipt

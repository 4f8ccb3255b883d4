"""An entrepreneur's customers: checked identifiers (SIREN, SIRET, VAT number), creation
from the invoice form without twins, search."""

import re
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.identifiers import (
    compact,
    is_valid_einvoicing_address,
    is_valid_siren,
    is_valid_siret,
    is_valid_vat_number,
)
from portal.members.models import Member
from portal.sales.models import (
    ISSUED_STATUSES,
    Customer,
    CustomerKind,
    Invoice,
    InvoiceKind,
)
from portal.sync.services import record_change


@dataclass(frozen=True)
class CustomerInput:
    name: str
    kind: CustomerKind = CustomerKind.COMPANY
    address: str = ""
    postcode: str = ""
    city: str = ""
    country_code: str = "FR"
    email: str = ""
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    einvoicing_address: str = ""


def _checked_customer(data: CustomerInput) -> dict:
    name = data.name.strip()
    if not name:
        raise DomainError(_l("Enter the customer's name."), field="name")
    siren, siret, vat = compact(data.siren), compact(data.siret), compact(data.vat_number)
    if siren and not is_valid_siren(siren):
        raise DomainError(_l("A SIREN has 9 digits with a valid check digit."), field="siren")
    if siret and not is_valid_siret(siret):
        raise DomainError(_l("A SIRET has 14 digits with a valid check digit."), field="siret")
    if siret and not siren:
        siren = siret[:9]
    if siret and not siret.startswith(siren):
        raise DomainError(_l("The SIRET must start with the SIREN."), field="siret")
    if vat and not is_valid_vat_number(vat):
        raise DomainError(
            _l("This VAT number is not valid (for France: FR, 2-digit key, SIREN)."),
            field="vat_number",
        )
    address = (data.einvoicing_address or "").strip()
    if address and not is_valid_einvoicing_address(address):
        raise DomainError(
            _l("Letters, digits and + - _ . only, without spaces."), field="einvoicing_address"
        )
    if address and siren and not address.startswith(siren):
        # Rule BR-FR-21 of the e-invoicing reform: a business's address starts with its SIREN.
        raise DomainError(
            _l("A company's electronic invoicing address starts with its SIREN."),
            field="einvoicing_address",
        )
    country = (data.country_code or "FR").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise DomainError(_l("Enter a two-letter country code, for example FR."), field="country")
    return dict(
        name=name[:200],
        kind=data.kind,
        address=data.address.strip()[:300],
        postcode=data.postcode.strip()[:10],
        city=data.city.strip()[:100],
        country_code=country,
        email=data.email.strip()[:254],
        siren=siren,
        siret=siret,
        vat_number=vat,
        einvoicing_address=address,
    )


def create_customer(session: Session, member: Member, data: CustomerInput) -> Customer:
    customer = Customer(member_id=member.id, **_checked_customer(data))
    session.add(customer)
    session.flush()
    record_change(session, "customer", customer.id)
    return customer


def quick_create_customer(session: Session, member: Member, data: CustomerInput) -> Customer:
    """A customer created from the invoice form. The same name and SIREN again (a second
    tap on a slow connection) give the customer the first tap created, not a twin."""
    checked = _checked_customer(data)
    existing = session.scalar(
        select(Customer).where(
            Customer.member_id == member.id,
            Customer.name == checked["name"],
            Customer.siren == checked["siren"],
        )
    )
    return existing or create_customer(session, member, data)


def update_customer(session: Session, customer: Customer, data: CustomerInput) -> Customer:
    """Editing a customer never changes an issued invoice: those keep a snapshot."""
    for name, value in _checked_customer(data).items():
        setattr(customer, name, value)
    session.flush()
    record_change(session, "customer", customer.id)
    return customer


def search_customers(session: Session, member_id: int, query: str = "", limit: int = 50):
    statement = select(Customer).where(Customer.member_id == member_id)
    query = query.strip()
    if query:
        pattern = "%" + query.replace("\\", "").replace("%", "").replace("_", "") + "%"
        statement = statement.where(
            func.lower(Customer.name).like(pattern.lower())
            | Customer.siren.like(pattern)
            | func.lower(Customer.city).like(pattern.lower())
        )
    return list(session.scalars(statement.order_by(Customer.name).limit(limit)))


@dataclass(frozen=True)
class CustomerFigures:
    """What a customer was invoiced (issued invoices less credit notes, incl. VAT) and still
    owes, in cents."""

    invoiced_cents: int = 0
    outstanding_cents: int = 0


def customer_figures(session: Session, customer_ids: list[int]) -> dict[int, CustomerFigures]:
    """Each customer's figures in one statement, by the rule of `outstanding_cents_for`."""
    if not customer_ids:
        return {}
    issued = Invoice.status.in_(ISSUED_STATUSES)
    credit = Invoice.kind == InvoiceKind.CREDIT_NOTE
    left = Invoice.total_incl_vat_cents - Invoice.paid_cents - Invoice.credited_cents
    rows = session.execute(
        select(
            Invoice.customer_id,
            func.sum(
                case((credit, -Invoice.total_incl_vat_cents), else_=Invoice.total_incl_vat_cents)
            ),
            func.sum(case((~credit & (left > 0), left), else_=0)),
        )
        .where(Invoice.customer_id.in_(customer_ids), issued)
        .group_by(Invoice.customer_id)
    )
    return {id_: CustomerFigures(int(invoiced), int(owed)) for id_, invoiced, owed in rows}

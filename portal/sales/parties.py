"""Seller and buyer as an invoice prints them: the snapshot frozen at validation, or the
live data on a draft."""

import re

from portal.coop.models import CoopSettings
from portal.sales.models import (
    Customer,
    Invoice,
)


def seller_snapshot(settings: CoopSettings, invoice: Invoice) -> dict:
    lines = [line.strip() for line in settings.address.splitlines() if line.strip()]
    postcode, city, street = "", "", lines
    if lines:
        match = re.match(r"^(\d{5})\s+(.+)$", lines[-1])
        if match:
            postcode, city, street = match.group(1), match.group(2), lines[:-1]
    return dict(
        name=settings.legal_name,
        legal_form=settings.legal_form,
        share_capital_cents=settings.share_capital_cents,
        address=", ".join(street),
        postcode=postcode,
        city=city,
        country_code="FR",
        siren=settings.siren,
        siret=settings.siret,
        vat_number=settings.vat_number,
        rcs=settings.rcs,
        iban=settings.iban,
        bic=settings.bic,
        late_penalty_terms=settings.late_penalty_terms,
        early_payment_terms=settings.early_payment_terms,
        vat_on_debits=settings.vat_on_debits,
        einvoicing_address=settings.einvoicing_address or settings.siren,
        entrepreneur=invoice.member.full_name,
        activity=invoice.activity.name if invoice.activity else "",
    )


def buyer_snapshot(customer: Customer) -> dict:
    return dict(
        name=customer.name,
        kind=customer.kind.value,
        address=customer.address,
        postcode=customer.postcode,
        city=customer.city,
        country_code=customer.country_code,
        email=customer.email,
        siren=customer.siren,
        siret=customer.siret,
        vat_number=customer.vat_number,
        einvoicing_address=customer.einvoicing_address or customer.siren,
    )


def document_parties(invoice: Invoice, settings: CoopSettings) -> tuple[dict, dict]:
    """Seller and buyer as printed: the snapshot once issued, the live data on a draft."""
    seller = invoice.seller or seller_snapshot(settings, invoice)
    buyer = invoice.buyer or buyer_snapshot(invoice.customer)
    return seller, buyer

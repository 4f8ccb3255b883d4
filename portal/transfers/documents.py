"""An internal transfer as a PDF/A-3b, the way the sales documents are rendered (WeasyPrint
from an HTML template, in French whatever the reader's language). No Factur-X: it is not an
invoice, only the record of a transfer inside one legal entity."""

from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import HTML

from portal.coop.models import CoopSettings
from portal.transfers.models import MENTION, InternalTransfer


def render_pdf(transfer: InternalTransfer, coop: CoopSettings) -> bytes:
    with force_locale("fr"):
        html = render_template("transfers/pdf.html", transfer=transfer, coop=coop, mention=MENTION)
    return HTML(string=html, base_url=current_app.static_folder).write_pdf(pdf_variant="pdf/a-3b")


def pdf_filename(transfer: InternalTransfer) -> str:
    return f"{transfer.number}.pdf" if transfer.number else f"transfert-{transfer.id}.pdf"

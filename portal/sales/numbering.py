"""Legal numbering: the coop's number patterns and each series' counter, without gaps or
duplicates."""

import re
import string

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.sales.models import (
    InvoiceCounter,
    InvoiceKind,
)

SERIES = {InvoiceKind.INVOICE: "invoice", InvoiceKind.CREDIT_NOTE: "credit_note"}
_NUMBER_CHARACTERS = re.compile(r"^[A-Za-z0-9\-+_/]{1,35}$")


def format_number(pattern: str, year: int, number: int) -> str:
    return pattern.format(year=year, number=number)


def check_number_pattern(pattern: str, field: str = "invoice_number_pattern") -> None:
    """`{number}` and `{year}` both required (the count restarts each year, so the year keeps
    numbers unique), nothing else, and a result that e-invoicing accepts (35 characters at
    most, letters, digits and - + _ /)."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name}
        sample = format_number(pattern, 2026, 99999)
    except (ValueError, KeyError, IndexError):
        names, sample = set(), ""
    if names != {"year", "number"}:
        raise DomainError(
            _l("The pattern needs {year} and {number}, for example F{year}-{number:05}."),
            field=field,
        )
    if not _NUMBER_CHARACTERS.match(sample):
        raise DomainError(
            _l("A number has at most 35 letters, digits, and - + _ / characters."),
            field=field,
        )


def check_number_patterns(invoice_pattern: str, credit_note_pattern: str) -> None:
    """Both patterns are valid, and their fixed starts differ without one starting the other
    (F… and A…), so an invoice number can never equal a credit note's."""
    check_number_pattern(invoice_pattern, "invoice_number_pattern")
    check_number_pattern(credit_note_pattern, "credit_note_number_pattern")
    starts = [pattern.split("{", 1)[0] for pattern in (invoice_pattern, credit_note_pattern)]
    if not all(starts) or starts[0].startswith(starts[1]) or starts[1].startswith(starts[0]):
        raise DomainError(
            _l(
                "Invoices and credit notes need numbers that start differently, "
                "for example F{year}-{number:05} and A{year}-{number:05}."
            ),
            field="credit_note_number_pattern",
        )


def take_next_number(session: Session, series: str, year: int) -> int:
    """The next number of a series and year, counted in the database in the caller's
    transaction. The upsert locks the counter row until commit, so concurrent validations
    queue on it (PostgreSQL's row lock; SQLite's single writer), and a rollback returns the
    number: no gaps, no duplicates. The unique constraint on invoices backs it up."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = InvoiceCounter.__table__
    statement = (
        insert(table)
        .values(series=series, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.series, table.c.year],
            set_={"last_number": table.c.last_number + 1},
        )
        .returning(table.c.last_number)
    )
    return session.execute(statement).scalar_one()


def issue_number(session: Session, model, series: str, year: int, pattern: str) -> tuple[int, str]:
    """The next rank of a series and year and its number by the coop's pattern, for a
    document of `model` (an invoice, a quote) being issued in the caller's transaction. A
    number already borne by another document of the model (only after a pattern change
    that brings back numbers already issued) is given back to the counter, whose row this
    transaction holds, before the refusal: the caller may still commit, with no gap and no
    failure on the unique index."""
    sequence = take_next_number(session, series, year)
    number = format_number(pattern, year, sequence)
    if session.scalar(select(model.id).where(model.number == number)) is not None:
        session.execute(
            update(InvoiceCounter)
            .where(InvoiceCounter.series == series, InvoiceCounter.year == year)
            .values(last_number=InvoiceCounter.last_number - 1)
        )
        raise DomainError(
            _l("The number %(number)s is already used: change the number pattern.", number=number)
        )
    return sequence, number

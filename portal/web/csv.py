"""CSV exports for spreadsheets: every export of the portal is answered by `csv_response`,
so that each one is written the same safe way.

- Text that a spreadsheet would run as a formula (a cell starting with = + - @, a tab or a
  carriage return: OWASP's rule for CSV injection) gets a leading single quote. Numbers
  (`int`, `Decimal`) are written as numbers, with a decimal comma, and a negative amount
  stays a number.
- A byte-order mark and semicolons: what a French spreadsheet opens without asking.
- The header is translated in the member's language.
- The file is personal: `Cache-Control: private, no-store`, and a download, never a page.
- Rows are streamed in batches, so a coop's ten years of invoices never sit in memory.
- Every export is announced by the `exported` signal (the audit trail records it)."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal

from flask import Response, current_app, stream_with_context
from flask.signals import Namespace

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH_ROWS = 500

Cell = str | int | Decimal | date | None

# Sent with the file's name as each export starts: the web layer does not know who listens.
exported = Namespace().signal("exported")


def safe_cell(value: Cell) -> str | int:
    """The text a spreadsheet shows as it is: text that could start a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int: written as text, and never a formula
        return str(value)
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    """A download of `rows` under `header` (translated texts, lazy or not) as `filename`."""
    titles = [safe_cell(str(title)) for title in header]
    exported.send(current_app._get_current_object(), filename=filename)
    return Response(
        stream_with_context(_lines(titles, rows)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _lines(header: list, rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    buffer.write("\ufeff")
    writer.writerow(header)
    yield flush()
    for count, row in enumerate(rows, 1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % BATCH_ROWS == 0:
            yield flush()
    yield flush()

"""Row ids read from what a user sends: URL segments, query strings, form fields.

Ids are INTEGER columns. PostgreSQL refuses a larger number with an error where SQLite
simply finds nothing, so a number no row can have is turned away here, as "no such row"."""

from flask import request
from werkzeug.routing import IntegerConverter

from portal.db import MAX_ID, id_from_text


class RowIdConverter(IntegerConverter):
    """The app's `<int:...>` in every route: above the largest id, the URL matches nothing
    (a 404), whatever blueprint declared it."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def id_arg(name: str) -> int | None:
    """The row id in the query string's `name`, or None when it cannot be one."""
    return request.args.get(name, type=id_from_text)


def id_choice(value) -> int:
    """`coerce` for a select of rows: what cannot be a row id is an invalid choice."""
    number = value if isinstance(value, int) else id_from_text(str(value))
    if number is None or not 0 <= number <= MAX_ID:
        raise ValueError(value)
    return number

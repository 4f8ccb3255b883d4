"""Numbers read from the query string the same way by every page: a list's page number, a
year or a month."""

from flask import request

# Far past any list's last page, small enough that the OFFSET it makes stays a plain number.
MAX_PAGE = 10_000


def page_arg(name: str = "page") -> int:
    """The page asked for in the query string's `name`: 1 when it is missing, malformed, or
    out of 1..MAX_PAGE (a list with a total shows its last page past it: `Page.number`)."""
    text = request.args.get(name, "")
    digits = text.isascii() and text.isdigit() and len(text) <= len(str(MAX_PAGE))
    return int(text) if digits and 1 <= int(text) <= MAX_PAGE else 1


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """The whole number in the query string's `name`, or `default` when it is missing,
    malformed, or out of low..high."""
    value = request.args.get(name, type=int)
    return value if value is not None and low <= value <= high else default

"""The page number of a paginated list, read from the query string the same way by every list."""

from flask import request

# Far past any list's last page, small enough that the OFFSET it makes stays a plain number.
MAX_PAGE = 10_000


def page_arg(name: str = "page") -> int:
    """The page asked for in the query string's `name`: 1 when it is missing, malformed, or
    out of 1..MAX_PAGE (a list with a total shows its last page past it: `Page.number`)."""
    text = request.args.get(name, "")
    digits = text.isascii() and text.isdigit() and len(text) <= len(str(MAX_PAGE))
    return int(text) if digits and 1 <= int(text) <= MAX_PAGE else 1

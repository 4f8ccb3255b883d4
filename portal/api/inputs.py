"""Reading JSON request bodies strictly: every bad input is a 4xx problem naming the field,
never a 500. Write endpoints of every module use these helpers."""

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

from email_validator import EmailNotValidError, validate_email
from flask import request

from portal.api.errors import ApiError

MONEY_FORMAT = re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$")
DECIMAL_FORMAT = re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,6})?$")
MAX_JSON_BYTES = 256 * 1024


def json_body() -> dict:
    """The request's JSON object. Numbers with a fraction are read as Decimal, never float."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise ApiError(413, "payload_too_large", "The body is too large.")
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(422, "invalid", "The body must be a JSON object.")
    if _holds_nul(body):
        raise ApiError(400, "bad_request", "Text may not contain NUL characters.")
    return body


def _refuse_constant(name: str):
    raise ValueError(name)


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_field", message, field=field)


def text(body: dict, field: str, max_length: int, required: bool = False) -> str | None:
    value = body.get(field)
    if value is None:
        if required:
            raise invalid(field, f"`{field}` is required.")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise invalid(field, f"`{field}` is a non-empty string of at most {max_length} characters.")
    return value.strip()


def email(body: dict, field: str) -> str | None:
    value = text(body, field, 254)
    if value is None:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise invalid(field, f"`{field}` is not a valid email address.") from None
    return value.lower()


def choice(body: dict, field: str, choices: tuple[str, ...]) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if value not in choices:
        raise invalid(field, f"`{field}` is one of: {', '.join(choices)}.")
    return value


def money(body: dict, field: str, required: bool = False) -> Decimal | None:
    """Money is a string with at most two decimals ("1234.50"); a JSON number is refused so
    that no amount ever goes through a float."""
    value = body.get(field)
    if value is None:
        if required:
            raise invalid(field, f'`{field}` is required, as a string like "1234.50".')
        return None
    if not isinstance(value, str) or not MONEY_FORMAT.match(value):
        raise invalid(field, f'`{field}` is an amount as a string, like "1234.50".')
    return Decimal(value)


def decimal(
    body: dict, field: str, minimum: Decimal, maximum: Decimal, nullable: bool = False
) -> Decimal | None:
    """A quantity or a rate, as a string ("24.5", "0.10") or an integer."""
    if field not in body:
        return None
    value = body[field]
    if value is None and nullable:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not DECIMAL_FORMAT.match(value):
        raise invalid(field, f'`{field}` is a decimal number as a string, like "24.50".')
    number = Decimal(value)
    if not minimum <= number <= maximum:
        raise invalid(field, f"`{field}` is between {minimum} and {maximum}.")
    return number


def string_list(body: dict, field: str, max_items: int, max_length: int) -> list[str] | None:
    value = body.get(field)
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) > max_items
        or not all(isinstance(v, str) and v.strip() and len(v) <= max_length for v in value)
    ):
        raise invalid(
            field, f"`{field}` is a list of at most {max_items} names of {max_length} characters."
        )
    return [v.strip() for v in value]


def iso_date(body: dict, field: str, required: bool = False) -> date | None:
    value = body.get(field)
    if value is None:
        if required:
            raise invalid(field, f'`{field}` is required: a date like "2026-03-31".')
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, f'`{field}` is a date like "2026-03-31".') from None


def only_fields(body: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise invalid(unknown[0], f"Unknown field `{unknown[0]}`; allowed: {', '.join(allowed)}.")


def integer(body: dict, field: str, minimum: int, maximum: int) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise invalid(field, f"`{field}` is a whole number from {minimum} to {maximum}.")
    return value


def timestamp(body: dict, field: str) -> datetime | None:
    """An ISO 8601 date and time with its offset ("2026-03-31T09:30:00+02:00"), in UTC: a
    time without an offset would be ambiguous."""
    value = body.get(field)
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not 2000 <= moment.year <= 2999:
        raise invalid(field, f'`{field}` is a date and time with its offset, like "{EXAMPLE}".')
    return moment.astimezone(UTC)


EXAMPLE = "2026-03-31T09:30:00+02:00"


def optional_json_body() -> dict:
    """An action whose body may be left out: no body is an empty object."""
    if not request.get_data(cache=True):
        return {}
    return json_body()

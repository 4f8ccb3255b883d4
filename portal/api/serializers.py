"""How each entity looks in the API, and in the change feed's `data`.

`SERIALIZERS` maps an entity name, as passed to `portal.sync.services.record_change`, to a
function `(session, entity_id: str) -> dict | None` giving the entity's current
representation (None if it no longer exists). A module makes its entity appear in the feed
by registering one, e.g. in `portal/sales/api.py`:

    from portal.api.serializers import register

    @register("invoice")
    def invoice_representation(session, entity_id): ...

or, for a plain row shown by a function of the row, `register_rows("invoice", Invoice,
invoice_representation, *loader_options)`: pages of the feed then load in one query. Where
pages are large and rows many (invoices and their lines), `register_batch` a function that
selects the columns it shows as plain rows, one query per table, and serve the entity's own
read with it too (`one_or_404`): the ORM's objects cost more than the JSON.

Formats, the same everywhere: money is a string with two decimals ("1234.50"; see `money`),
dates and timestamps are ISO 8601 ("2026-03-31", "2026-03-31T08:00:00+00:00")."""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.api.errors import ApiError
from portal.db import id_from_text
from portal.money import from_cents, round_cents

Serializer = Callable[[Session, str], dict | None]
BatchSerializer = Callable[[Session, list[str]], dict[str, dict]]

SERIALIZERS: dict[str, Serializer] = {}
# Optional: many at once, for the feed's pages of up to 1,000 items (ids missing from the
# result are gone). Without one, the feed calls the single serializer once per entity.
BATCH_SERIALIZERS: dict[str, BatchSerializer] = {}


def register(entity: str) -> Callable[[Serializer], Serializer]:
    def decorator(function: Serializer) -> Serializer:
        SERIALIZERS[entity] = function
        return function

    return decorator


def register_batch(entity: str) -> Callable[[BatchSerializer], BatchSerializer]:
    def decorator(function: BatchSerializer) -> BatchSerializer:
        BATCH_SERIALIZERS[entity] = function
        return function

    return decorator


def money(amount: Decimal | None = None, *, cents: int | None = None) -> str | None:
    """ "1234.50": two decimals, a dot, no thousands separator, never a float."""
    if type(cents) is int:
        # Whole cents shifted two places are already rounded to the cent (the feed writes
        # hundreds of amounts a page).
        return str(Decimal(cents).scaleb(-2))
    if cents is not None:
        amount = from_cents(cents)
    if amount is None:
        return None
    return str(round_cents(Decimal(amount)))


def decimal_string(value: Decimal | None, places: int = 2) -> str | None:
    """A quantity or a rate: at least `places` decimals, more if the value has them
    ("24.00", "0.10", "0.125")."""
    if value is None:
        return None
    number = Decimal(value)
    # Equal values give the same text, except zero and minus zero.
    return _decimal_text(number, number.is_signed(), places)


@lru_cache(maxsize=4096)
def _decimal_text(value: Decimal, _signed: bool, places: int) -> str:
    """Remembered: a page of the feed shows the same few quantities and rates hundreds of
    times, and normalising then quantizing is most of what writing each one costs."""
    value = value.normalize()
    exponent = min(value.as_tuple().exponent, -places)
    return str(value.quantize(Decimal(1).scaleb(exponent)))


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def row_ids(entity_ids: list[str]) -> set[int]:
    """The feed's ids that can be row ids; the others name no row."""
    return {number for number in map(id_from_text, entity_ids) if number is not None}


def rows_with_ids(session: Session, model, entity_ids: list[str], *options) -> list:
    """The rows of `model` for a page of the feed, in one query (gone ones are left out)."""
    query = select(model).where(model.id.in_(row_ids(entity_ids))).options(*options)
    return list(session.scalars(query).unique())


def register_rows(entity: str, model, represent: Callable[[object], dict], *options) -> None:
    """The feed's `entity` is a row of `model`, shown by `represent(row)`; a page of them is
    loaded in one query with these loader options."""

    def batch(session: Session, entity_ids: list[str]) -> dict[str, dict]:
        rows = rows_with_ids(session, model, entity_ids, *options)
        return {str(row.id): represent(row) for row in rows}

    BATCH_SERIALIZERS[entity] = batch


def one_or_404(session: Session, batch: BatchSerializer, text_id: str, name: str) -> dict:
    """The representation of the row whose id is written in the URL, made by the feed's own
    loader for its entity, else a 404 problem."""
    number = id_from_text(text_id)
    found = batch(session, [str(number)]).get(str(number)) if number is not None else None
    if found is None:
        raise ApiError(404, "not_found", f"No {name} has this id.")
    return found


def row_or_404(session: Session, model, text_id: str, *options):
    """The row of `model` whose id is written in the URL, else a 404 problem."""
    number = id_from_text(text_id)
    row = session.get(model, number, options=options) if number is not None else None
    if row is None:
        raise ApiError(404, "not_found", f"No {model.__name__.lower()} has this id.")
    return row

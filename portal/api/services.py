"""The rules of the sync API: clients and tokens, rate limits, idempotency keys, the feed."""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.api.models import SCOPES, ApiClient, ApiToken, IdempotencyKey, RateWindow
from portal.audit.services import Person, record
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.sync.services import changes_after

# Tokens live at most an hour (Authlib's own default for client credentials is ten days).
MAX_TOKEN_SECONDS = 3600


def digest(secret: str) -> str:
    """SHA-256 is enough for secrets of 256 random bits: no dictionary to slow down."""
    return hashlib.sha256(secret.encode()).hexdigest()


# --- clients -------------------------------------------------------------------------------


def parse_scopes(scopes: str) -> list[str]:
    """Known scopes only, at least one, in a stable order."""
    wanted = scopes.split()
    unknown = [scope for scope in wanted if scope not in SCOPES]
    if unknown or not wanted:
        raise DomainError(
            _l("Scopes are among: %(scopes)s.", scopes=", ".join(SCOPES)), field="scopes"
        )
    return [scope for scope in SCOPES if scope in wanted]


def create_client(
    session: Session, name: str, scopes: str, by: Person | None = None
) -> tuple[ApiClient, str]:
    """A new client and its secret. The secret is returned once and never stored: only its
    hash is kept, so whoever creates the client must copy it now. `by`: the admin, or None
    from the command line."""
    name = name.strip()
    if not name or len(name) > 120:
        raise DomainError(_l("Give the client a name of at most 120 characters."), field="name")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=f"cae_{secrets.token_urlsafe(18)}",
        secret_hash=digest(secret),
        name=name,
        scopes=" ".join(parse_scopes(scopes)),
    )
    session.add(client)
    session.flush()
    record(
        session,
        "api_client_created",
        actor=by,
        actor_label="" if by else "command line",
        target=f"{client.name} ({client.client_id})",
        detail=client.scopes,
    )
    return client, secret


def list_clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.created_at, ApiClient.id)))


def revoke_client(
    session: Session, client_id: str, now: datetime, by: Person | None = None
) -> ApiClient:
    """Revoke a client and every token it holds: its next call is refused. Revoking twice
    keeps the first date."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        raise DomainError(_l("No API client has this id."))
    if client.revoked_at is None:
        client.revoked_at = now
        record(
            session,
            "api_client_revoked",
            actor=by,
            actor_label="" if by else "command line",
            target=f"{client.name} ({client.client_id})",
        )
    session.execute(
        update(ApiToken)
        .where(ApiToken.client_id == client.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.flush()
    return client


def active_client(session: Session, client_id: str) -> ApiClient | None:
    return session.scalar(
        select(ApiClient).where(ApiClient.client_id == client_id, ApiClient.revoked_at.is_(None))
    )


def verify_client_secret(client: ApiClient, secret: str) -> bool:
    """Compared in constant time, hash against hash."""
    return hmac.compare_digest(client.secret_hash, digest(secret))


# --- tokens --------------------------------------------------------------------------------


def save_token(session: Session, client: ApiClient, token: dict, now: datetime) -> ApiToken:
    """Keep the hash of an access token Authlib has just generated."""
    seconds = min(int(token.get("expires_in") or MAX_TOKEN_SECONDS), MAX_TOKEN_SECONDS)
    stored = ApiToken(
        token_hash=digest(token["access_token"]),
        client_id=client.id,
        scope=token.get("scope") or "",
        issued_at=now,
        expires_at=now + timedelta(seconds=seconds),
    )
    session.add(stored)
    session.flush()
    return stored


# Built once: every API request checks its token, then counts itself (building the two
# statements cost as much as running them).
TOKEN_BY_HASH = (
    select(ApiToken)
    .options(joinedload(ApiToken.client))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)
_WINDOWS = RateWindow.__table__
COUNT_IN_WINDOW = (
    update(_WINDOWS)
    .where(_WINDOWS.c.client_id == bindparam("client"), _WINDOWS.c.window_start == bindparam("at"))
    .values(count=_WINDOWS.c.count + 1)
    .returning(_WINDOWS.c.count)
)


_COUNT_WITHOUT_WAITING_FOR_THE_DISK = text("SET LOCAL synchronous_commit TO OFF")


def token_for_bearer(session: Session, bearer: str) -> ApiToken | None:
    return session.scalar(TOKEN_BY_HASH, {"token_hash": digest(bearer)})


# --- rate limit ----------------------------------------------------------------------------


def count_request(session: Session, client_id: int, now: datetime, per_minute: int) -> int | None:
    """Count one request in the client's current minute; the seconds to wait if it went over
    `per_minute`, else None. The counter is one row per client and minute, incremented in
    place, so every app process counts against the same limit."""
    window = now.replace(second=0, microsecond=0)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A count lost in a crash lets a client in a few more requests that minute: not worth
        # waiting for the disk at every API request's commit.
        connection.execute(_COUNT_WITHOUT_WAITING_FOR_THE_DISK)
    updated = connection.execute(COUNT_IN_WINDOW, {"client": client_id, "at": window}).scalar()
    if updated is None:
        # The first request of the minute: older windows are of no use any more.
        session.execute(
            delete(RateWindow).where(
                RateWindow.client_id == client_id, RateWindow.window_start < window
            )
        )
        try:
            with session.begin_nested():
                session.add(RateWindow(client_id=client_id, window_start=window, count=1))
            updated = 1
        except IntegrityError:
            # Another process opened the window at the same moment.
            return count_request(session, client_id, now, per_minute)
    if updated > per_minute:
        return max(1, 60 - now.second)
    return None


# --- idempotency ---------------------------------------------------------------------------

IDEMPOTENCY_KEY_FORMAT = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: str


class KeyReused(Exception):
    """The key was first used with another request."""


def claim_idempotency_key(
    session: Session, client_id: int, key: str, fingerprint: str, now: datetime, keep: timedelta
) -> StoredResponse | IdempotencyKey:
    """The response to replay if this key was already used with the same request, else a new
    claim on the key, to be completed with `record_response` in the same transaction.

    Raises KeyReused for the same key with another request. Two concurrent requests with one
    key cannot both go on: the second insert waits for the first transaction (PostgreSQL) or
    for the write lock (SQLite) and then finds its recorded response. Keys are forgotten after
    `keep`."""
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.client_id == client_id, IdempotencyKey.created_at < now - keep
        )
    )
    stored = _stored(session, client_id, key, fingerprint)
    if stored is not None:
        return stored
    claim = IdempotencyKey(client_id=client_id, key=key, fingerprint=fingerprint, created_at=now)
    try:
        with session.begin_nested():
            session.add(claim)
    except IntegrityError:
        stored = _stored(session, client_id, key, fingerprint)
        if stored is None:  # pragma: no cover (the winner's row is committed by now)
            raise
        return stored
    return claim


def _stored(session: Session, client_id: int, key: str, fingerprint: str):
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.client_id == client_id, IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if not hmac.compare_digest(row.fingerprint, fingerprint):
        raise KeyReused
    return StoredResponse(row.status, row.content_type, row.body)


def record_response(
    session: Session, claim: IdempotencyKey, status: int, content_type: str, body: str
) -> None:
    claim.status = status
    claim.content_type = content_type
    claim.body = body
    session.flush()


# --- change feed ---------------------------------------------------------------------------

_CURSOR_FORMAT = re.compile(r"^v1:(0|[1-9][0-9]{0,18})$")
MAX_SEQ = 2**63 - 1


class BadCursor(ValueError):
    pass


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The sequence number inside a cursor made by `encode_cursor`; BadCursor otherwise."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None
    match = _CURSOR_FORMAT.match(text)
    # Nineteen digits can pass a BIGINT's largest value, which the database would refuse.
    if match is None or len(cursor) > 40 or int(match.group(1)) > MAX_SEQ:
        raise BadCursor(cursor)
    return int(match.group(1))


@dataclass(frozen=True)
class FeedPage:
    items: list[dict]
    next: str
    has_more: bool


def feed_page(
    session: Session, after: int, limit: int, serializers: dict, batch_serializers: dict
) -> FeedPage:
    """The changes after sequence number `after`, oldest first, with each entity's current
    representation (None when it no longer exists, or for a deletion).

    Writers of the change log commit in sequence order (see `record_change`), so a page
    never hides a change that would commit later with a smaller number: the next page,
    read from `next`, holds every change committed since."""
    rows = changes_after(session, after, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    # A kept document goes into the page as the JSON it is; the others are built here.
    representations: dict[tuple[str, str], dict | orjson.Fragment | None] = {}
    wanted: dict[str, list[str]] = {}
    for _seq, entity, entity_id, op, _at, kept in rows:
        if op != "upsert":
            continue
        if kept is not None:
            representations[entity, entity_id] = orjson.Fragment(kept)
        else:
            wanted.setdefault(entity, []).append(entity_id)
    for entity, ids in wanted.items():
        ids = list(dict.fromkeys(ids))
        if entity in batch_serializers:
            found = batch_serializers[entity](session, ids)
            representations.update({(entity, i): found.get(i) for i in ids})
        elif entity in serializers:
            representations.update({(entity, i): serializers[entity](session, i) for i in ids})
    # Rows unpacked in `changes_after`'s column order: reading a row's values by name cost as
    # much as the rest of the item.
    items = [
        {
            "seq": seq,
            "entity": entity,
            "id": entity_id,
            "op": str(op),
            "at": at.isoformat(),
            "data": representations.get((entity, entity_id)) if op == "upsert" else None,
        }
        for seq, entity, entity_id, op, at, _kept in rows
    ]
    last = rows[-1].seq if rows else after
    return FeedPage(items=items, next=encode_cursor(last), has_more=has_more)

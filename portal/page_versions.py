"""What a member's pages may show, named by two tokens: the member's own and the coop's.
Every write that changes a row a page may show replaces the tokens of that row's scope, in
the write's own transaction, so a page kept under the tokens it was rendered with
(`portal/web/page_cache.py`) is the page the same data would render again.

A row's scope is its table's entry in SCOPES: a member's private row (an invoice, a receipt)
replaces its members' tokens; a row other members see too (a booking counts in everyone's
seats, a member's name shows on shared pages) replaces the coop's as well; a row of the coop
(a workshop, the settings) the coop's alone; a row no kept page reads (the change log, the
login sessions, the mail outbox) none. A child row (an invoice's line) takes its parent's
members. A table missing from SCOPES, or a bulk statement whose rows are not known, replaces
the coop's token: every kept page is rendered again, never one too few.

The tokens are random numbers, not counters: a database restored from a backup, or emptied
between tests, never brings back a token that once named other data. On PostgreSQL the
upsert holds the rows until commit, so two writers of one scope replace it one after the
other; they are taken just before the commit, after the last flush, in one statement in
scope order (the coop first), so two writers never wait on each other's."""

import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy import BigInteger, Integer, bindparam, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column

from portal.db import Base, flushed_values

# The coop's scope; a member's scope is their id.
COOP = 0
PENDING = "portal_page_scopes"


class PageVersion(Base):
    """The current token of a scope (a member's id, or COOP)."""

    __tablename__ = "page_versions"

    scope: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Scope:
    """Whose tokens a write of a table's rows replaces: the members its `members` columns
    name (or, with `parent`, those of the parent row its `through` column names), and the
    coop's when others see the row too."""

    members: tuple[str, ...] = ()
    coop: bool = False
    parent: str | None = None
    through: str | None = None


PRIVATE = Scope(("member_id",))
SHARED = Scope(("member_id",), coop=True)
OF_THE_COOP = Scope(coop=True)
UNSEEN = Scope()


def child_of(parent: str, through: str) -> Scope:
    return Scope(parent=parent, through=through)


SCOPES: dict[str, Scope] = {
    # A member's own rows.
    "activities": PRIVATE,
    "associate_requests": PRIVATE,
    "balance_snapshots": PRIVATE,
    "customers": PRIVATE,
    "invoices": PRIVATE,
    "invoice_events": child_of("invoices", "invoice_id"),
    "invoice_lines": child_of("invoices", "invoice_id"),
    "payments": child_of("invoices", "invoice_id"),
    "refunds": child_of("invoices", "credit_note_id"),
    "quote_invoices": child_of("invoices", "invoice_id"),
    "quotes": PRIVATE,
    "quote_lines": child_of("quotes", "quote_id"),
    "receipts": PRIVATE,
    "receipt_vat": child_of("receipts", "receipt_id"),
    "payslips": PRIVATE,
    "member_month_totals": PRIVATE,
    "notifications": PRIVATE,
    "notification_settings": PRIVATE,
    "status_changes": PRIVATE,
    "internal_transfers": Scope(("subcontractor_id", "contractor_id")),
    "internal_transfer_lines": child_of("internal_transfers", "transfer_id"),
    # Rows other members see too: seats taken, answers counted, names, cards, requests.
    "members": Scope(("id",), coop=True),
    "bookings": SHARED,
    "meeting_invitations": SHARED,
    "meeting_rsvps": SHARED,
    "directory_cards": SHARED,
    "network_requests": SHARED,
    "network_threads": Scope(("answerer_id",), coop=True),
    "network_messages": Scope(("author_id",), coop=True),
    # The coop's rows.
    "coop_settings": OF_THE_COOP,
    "contribution_bands": OF_THE_COOP,
    "fixed_fees": OF_THE_COOP,
    "expense_categories": OF_THE_COOP,
    "workshops": OF_THE_COOP,
    "workshop_audiences": OF_THE_COOP,
    "meetings": OF_THE_COOP,
    "meeting_attachments": OF_THE_COOP,
    "directory_skills": OF_THE_COOP,
    "network_request_tags": OF_THE_COOP,
    # Rows no kept page reads.
    "api_clients": UNSEEN,
    "api_idempotency_keys": UNSEEN,
    "api_rate_windows": UNSEEN,
    "api_tokens": UNSEEN,
    "audit_events": UNSEEN,
    "calendar_feed_tokens": UNSEEN,
    "changes": UNSEEN,
    "feed_documents": UNSEEN,
    "invoice_counters": UNSEEN,
    "login_failures": UNSEEN,
    "login_sessions": UNSEEN,
    "outbox_attachments": UNSEEN,
    "outbox_messages": UNSEEN,
    "page_versions": UNSEEN,
    "password_reset_requests": UNSEEN,
    "password_reset_tokens": UNSEEN,
}


def scope_of(table: str) -> Scope:
    return SCOPES.get(table, OF_THE_COOP)


@cache
def _attribute(model: type, column: str) -> str:
    mapper = inspect(model)
    return mapper.get_property_by_column(mapper.local_table.c[column]).key


def _values(instance, column: str) -> set:
    """A column's values before and after the flush."""
    return flushed_values(instance, _attribute(type(instance), column))


def _pending(session: Session) -> dict:
    """The transaction's scopes so far: {"scopes": members or COOP, "parents": {table: ids}}."""
    return session.info.setdefault(PENDING, {"scopes": set(), "parents": {}})


@event.listens_for(Session, "before_flush")
def _load_deleted_owners(session: Session, _flush, _instances) -> None:
    """A row about to be deleted has its owners read while it exists."""
    for instance in session.deleted:
        scope = scope_of(type(instance).__table__.name)
        for column in (*scope.members, *([scope.through] if scope.through else [])):
            _values(instance, column)


@event.listens_for(Session, "after_flush")
def _note_flushed_scopes(session: Session, _flush) -> None:
    pending = None
    for instance in (*session.new, *session.dirty, *session.deleted):
        scope = scope_of(type(instance).__table__.name)
        if scope == UNSEEN:
            continue
        if instance in session.dirty and not session.is_modified(instance):
            continue  # a relationship's collection touched, no column of its own changed
        pending = pending or _pending(session)
        if scope.coop:
            pending["scopes"].add(COOP)
        for column in scope.members:
            pending["scopes"].update(_values(instance, column))
        if scope.parent:
            parents = pending["parents"].setdefault(scope.parent, set())
            parents.update(_values(instance, scope.through))


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_scopes(state: ORMExecuteState) -> None:
    """An UPDATE, DELETE or INSERT statement through the session changes rows the flush
    never sees: an INSERT of rows given as parameters names their members (a booking, a
    notification); any other, of members it does not name, replaces the coop's token,
    unless no page reads its rows."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    scope = scope_of(state.statement.table.name)
    if scope == UNSEEN:
        return
    scopes = _pending(state.session)["scopes"]
    rows = state.parameters
    rows = rows if isinstance(rows, list) else [rows or {}]
    named = state.is_insert and scope.members and not scope.parent
    if named and all(column in row for row in rows for column in scope.members):
        members = (row[column] for row in rows for column in scope.members)
        scopes.update(member for member in members if member is not None)
        if scope.coop:
            scopes.add(COOP)
    else:
        scopes.add(COOP)


@cache
def _owners_of(parent: str):
    """The statement reading the members of parent rows, by id."""
    table = Base.metadata.tables[parent]
    return select(*(table.c[column] for column in scope_of(parent).members)).where(
        table.c.id.in_(bindparam("ids", expanding=True))
    )


@cache
def _upsert(dialect: str):
    """The statement giving one scope a new token, built once per database kind."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = PageVersion.__table__
    statement = insert(table).values(scope=bindparam("scope"), version=bindparam("version"))
    return statement.on_conflict_do_update(
        index_elements=[table.c.scope], set_={"version": statement.excluded.version}
    )


def replace(session: Session, scopes: set[int]) -> None:
    """Give each scope a new token, in the caller's transaction, in scope order."""
    connection = session.connection()
    rows = [{"scope": scope, "version": secrets.randbits(62)} for scope in sorted(scopes)]
    connection.execute(_upsert(connection.dialect.name), rows)


# Before the change log's listener (portal/sync/services.py), which takes its lock last.
@event.listens_for(Session, "before_commit", insert=True)
def _replace_tokens(session: Session) -> None:
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    scopes = pending["scopes"]
    connection = session.connection()
    for parent, ids in pending["parents"].items():
        if ids:
            for owners in connection.execute(_owners_of(parent), {"ids": sorted(ids)}):
                scopes.update(owner for owner in owners if owner is not None)
    if scopes:
        replace(session, scopes)


@event.listens_for(Session, "after_transaction_end")
def _forget_scopes(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction changed nothing a page shows."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)

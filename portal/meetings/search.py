"""Full-text search of published meeting notes, on SQLite (FTS5) and PostgreSQL (tsvector).

SQLite: `meeting_search` is an FTS5 table whose content is the `meetings` table, kept in step
by triggers (see the migration), so no code path can forget to index a change.
PostgreSQL: a stored generated column `search_vector` = `to_tsvector('french', <title, agenda,
notes>)` with a GIN index, so neither matching nor ranking re-parses the texts."""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# Snippet highlight markers: control characters that no typed text contains (NUL bytes are
# refused at the door, and these are stripped from the query), escaped before <mark> is added.
_OPEN, _CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
# Markdown's marks in an excerpt of the notes' source, which people read as plain text: a
# heading's or a list's marks at the start of a line, emphasis, code, and a link's or an
# image's target (its text stays).
_MARKDOWN = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)?"), r"\1"),
    (re.compile(r"^[ \t]*(?:#{1,6}|>|[-*+]|\d+[.)])[ \t]+", re.MULTILINE), ""),
    (re.compile(r"(\*\*|__|\*|`+|~~)"), ""),
    (re.compile(r"\s+"), " "),
)


@dataclass(frozen=True)
class SearchHit:
    meeting_id: int
    snippet: Markup


def search_terms(query: str) -> list[str]:
    """The words of a query, without operators: what people type is never FTS syntax."""
    return _WORD.findall((query or "")[:MAX_QUERY_LENGTH])[:MAX_TERMS]


def search_notes(
    session: Session, query: str, member_id: int | None, limit: int = 50
) -> list[SearchHit]:
    """Meetings with published notes matching every word of `query`, best first; limited to
    the meetings `member_id` was invited to (None: staff, every meeting)."""
    terms = search_terms(query)
    if not terms:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = _search_postgresql(session, terms, member_id, limit)
    else:
        rows = _search_sqlite(session, terms, member_id, limit)
    return [SearchHit(meeting_id, _highlight(snippet or "")) for meeting_id, snippet in rows]


def _invited_only(member_id: int | None) -> str:
    if member_id is None:
        return ""
    return (
        "AND EXISTS (SELECT 1 FROM meeting_invitations i "
        "WHERE i.meeting_id = m.id AND i.member_id = :member_id)"
    )


def _search_sqlite(session, terms, member_id, limit):
    # Each word quoted (so "and", "-" or "*" are plain words) and matched as a prefix.
    match = " ".join('"' + term.replace('"', '""') + '"*' for term in terms)
    sql = text(
        "SELECT m.id, snippet(meeting_search, -1, :open, :close, '…', 16) "  # noqa: S608
        "FROM meeting_search JOIN meetings m ON m.id = meeting_search.rowid "
        "WHERE meeting_search MATCH :match AND m.notes_published_at IS NOT NULL "
        f"{_invited_only(member_id)} ORDER BY bm25(meeting_search) LIMIT :limit"
    )
    return session.execute(
        sql,
        {"match": match, "member_id": member_id, "limit": limit, "open": _OPEN, "close": _CLOSE},
    ).all()


def _search_postgresql(session, terms, member_id, limit):
    # Prefix match on every word, French stemming: "réunions" finds "réunion".
    tsquery = " & ".join(f"{_pg_lexeme(term)}:*" for term in terms)
    sql = text(
        "WITH hits AS ("  # noqa: S608 (constant SQL; words are bound parameters)
        " SELECT m.id, m.notes, ts_rank(m.search_vector, q) AS rank, q"
        " FROM meetings m, to_tsquery('french', :tsquery) q"
        " WHERE m.search_vector @@ q"
        f" AND m.notes_published_at IS NOT NULL {_invited_only(member_id)}"
        " ORDER BY rank DESC LIMIT :limit)"
        " SELECT id, ts_headline('french', coalesce(notes, ''), q,"
        " :options) FROM hits ORDER BY rank DESC"
    )
    options = f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=24, MinWords=8, MaxFragments=1"
    return session.execute(
        sql,
        {"tsquery": tsquery, "member_id": member_id, "limit": limit, "options": options},
    ).all()


def _pg_lexeme(term: str) -> str:
    return "'" + term.replace("'", "''").replace("\\", "") + "'"


def _highlight(snippet: str) -> Markup:
    """Escape the snippet, then turn the markers into <mark>: the notes' own text is never
    trusted as HTML here (they are Markdown source, shown as plain text without its marks)."""
    for mark, replacement in _MARKDOWN:
        snippet = mark.sub(replacement, snippet)
    safe = str(escape(snippet.strip()))
    return Markup(safe.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))  # noqa: S704

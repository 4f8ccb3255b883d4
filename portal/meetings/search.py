"""Full-text search of published meeting notes, on SQLite (FTS5) and PostgreSQL (tsvector).

SQLite: `meeting_search` is an FTS5 table whose content is the `meetings` table, kept in step
by triggers (see the migration), so no code path can forget to index a change.
PostgreSQL: a stored generated column `search_vector` = `to_tsvector('french', <title, agenda,
notes>)` with a GIN index, so neither matching nor ranking re-parses the texts; the excerpts
parse only the part of the notes around the words found (see `_excerpts`)."""

import re
import unicodedata
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
_HEADLINE = f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=24, MinWords=8, MaxFragments=1"
# A stem in PostgreSQL's text of a tsquery: 'format':* & 'reunion':*
_STEM = re.compile(r"'((?:[^']|'')*)'")
# The excerpt (24 words at most) is picked from this much text around the best match.
_SPAN, _BEFORE, _AFTER = 200, 60, 200
_ANCHORS = 200  # places tried at most, so that long notes full of one word cost no more
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
    words = [f"{_pg_lexeme(term)}:*" for term in terms]
    sql = text(
        "SELECT m.id, m.notes, q::text"  # noqa: S608 (constant SQL; words are bound parameters)
        " FROM meetings m, to_tsquery('french', :tsquery) q"
        " WHERE m.search_vector @@ q"
        f" AND m.notes_published_at IS NOT NULL {_invited_only(member_id)}"
        " ORDER BY ts_rank(m.search_vector, q) DESC LIMIT :limit"
    )
    hits = session.execute(
        sql, {"tsquery": " & ".join(words), "member_id": member_id, "limit": limit}
    ).all()
    if not hits:
        return []
    stems = {stem.replace("''", "'") for stem in _STEM.findall(hits[0][2])}
    notes = [notes or "" for _id, notes, _q in hits]
    excerpts = _excerpts(session, notes, [_beginning(stem) for stem in stems], " | ".join(words))
    return [(meeting_id, excerpt) for (meeting_id, *_), excerpt in zip(hits, excerpts, strict=True)]


def _excerpts(session, notes: list[str], stems: list[re.Pattern], any_word: str) -> list[str]:
    """ts_headline parses all the text it is given (about 0.3 ms for 300 words), so it is
    given the part of the notes around their words that look like a match, and the whole
    notes only when PostgreSQL finds no match there (a word its parser reads another way).
    Any of the words is marked: the part may hold one of them, the meeting matched them all."""
    parts = [_around(whole, stems) for whole in notes]
    excerpts = _headlines(session, parts, any_word)
    missed = [
        n for n, excerpt in enumerate(excerpts) if _OPEN not in excerpt and parts[n] != notes[n]
    ]
    again = _headlines(session, [notes[n] for n in missed], any_word)
    for n, excerpt in zip(missed, again, strict=True):
        excerpts[n] = excerpt
    return excerpts


def _headlines(session, texts: list[str], tsquery: str) -> list[str]:
    if not texts:
        return []
    sql = text(
        "SELECT ts_headline('french', t.body, to_tsquery('french', :tsquery), :options)"
        " FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS t(body, n) ORDER BY t.n"
    )
    return list(session.scalars(sql, {"tsquery": tsquery, "texts": texts, "options": _HEADLINE}))


def _around(notes: str, stems: list[re.Pattern]) -> str:
    """The part of `notes` around the place where most of the query's stems begin words
    (folded: "Réunions" begins with "reunion"), wide enough for the excerpt; all of it if
    no word does."""
    # (A rare letter lower-cases to two, İ, shifting what follows by one: near enough.)
    lowered = notes.lower()
    found = sorted(
        ((match.start(), stem) for stem in stems for match in stem.finditer(lowered)),
        key=lambda place: place[0],  # two stems may begin the same word ("budget", "bud")
    )
    if not found:
        return notes
    best, most = found[0][0], 1
    wanted = len(stems)
    for n, (anchor, _stem) in enumerate(found[:_ANCHORS]):
        if most == wanted:
            break
        # The next few words found, enough to hold each stem more than once.
        near = {stem for at, stem in found[n : n + 4 * wanted] if at < anchor + _SPAN}
        if len(near) > most:
            best, most = anchor, len(near)
    start, end = max(0, best - _BEFORE), best + _AFTER
    if start:  # whole words only
        start = notes.find(" ", start) + 1 or start
    if end < len(notes):
        cut = notes.rfind(" ", best, end)
        end = cut if cut > best else end
    return notes[start:end]


def _beginning(stem: str) -> re.Pattern:
    """Words of a lower-cased text that begin with `stem`, whatever their accents. (The
    look-behind comes after the first letter: the search then skips ahead to that letter.)"""
    first, *rest = [_LETTERS.get(letter, re.escape(letter)) for letter in stem.translate(_FOLD)]
    return re.compile(rf"{first}(?<!\w{first}){''.join(rest)}")


def _folded(character: str) -> str:
    """A letter without its accent, in lower case, when that is one character."""
    base = unicodedata.normalize("NFKD", character)[:1].lower()
    return base if len(base) == 1 else character


# Latin letters (Latin-1 and Extended-A/B) folded one for one, and each folded letter's
# class of the lower-case letters that fold to it.
_FOLD = {code: _folded(chr(code)) for code in range(0x250) if _folded(chr(code)) != chr(code)}
_LETTERS = {
    base: "["
    + re.escape(base + "".join(chr(c) for c, b in _FOLD.items() if b == base and chr(c).islower()))
    + "]"
    for base in set(_FOLD.values())
}


def _pg_lexeme(term: str) -> str:
    return "'" + term.replace("'", "''").replace("\\", "") + "'"


def _highlight(snippet: str) -> Markup:
    """Escape the snippet, then turn the markers into <mark>: the notes' own text is never
    trusted as HTML here (they are Markdown source, shown as plain text without its marks)."""
    for mark, replacement in _MARKDOWN:
        snippet = mark.sub(replacement, snippet)
    safe = str(escape(snippet.strip()))
    return Markup(safe.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))  # noqa: S704

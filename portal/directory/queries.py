"""What the directory's pages read: the search, a visible card, the skills present.

Full text on both databases, as the meeting notes' search does (portal/meetings/search.py):
SQLite: `directory_search`, an FTS5 table over `directory_cards` kept in step by triggers
(see the migration), accents folded. PostgreSQL: a stored generated column `search_vector`,
French configuration on the texts with their accents folded, the area weighted A (so a place
matches the area only), the activity and skills B, the presentation C, under a GIN index."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal.directory.models import CardSkill, DirectoryCard, skill_key, skill_tag
from portal.members.models import Member

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
SKILLS_SEPARATOR = ", "  # in `skills_text`: a skill holds no comma
_WORD = re.compile(r"\w+", re.UNICODE)
# Accents PostgreSQL's index folds (the migration's generated column), folded the same way in
# what is typed; SQLite's FTS5 tokenizer folds them itself.
_FOLD = str.maketrans(
    "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ",
    "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUYY",
)


@dataclass(frozen=True)
class DirectoryEntry:
    """A line of the directory's list (and of the transfers' member picker)."""

    member_id: int
    full_name: str
    activity: str
    area: str
    skills: list[str]
    has_photo: bool


def search_terms(query: str) -> list[str]:
    """The words of what was typed, without operators: never full-text syntax."""
    return _WORD.findall((query or "")[:MAX_QUERY_LENGTH])[:MAX_TERMS]


def search_directory(
    session: Session,
    words: str = "",
    skill: str = "",
    place: str = "",
    *,
    exclude_member_id: int | None = None,
    limit: int = 50,
) -> list[DirectoryEntry]:
    """Visible cards (listed, member active) that hold every word of `words` (anywhere on
    the card, as a prefix), every word of `place` in their area, and the skill `skill`;
    best match first, else by name."""
    terms, place_terms = search_terms(words), search_terms(place)
    params: dict = {
        "limit": limit,
        "exclude": exclude_member_id,
        "skill": skill_key(skill_tag(skill)),
    }
    filters = "c.listed AND m.active"
    if exclude_member_id is not None:
        filters += " AND m.id != :exclude"
    if params["skill"]:
        filters += (
            " AND EXISTS (SELECT 1 FROM directory_skills s"
            " WHERE s.card_id = c.id AND s.key = :skill)"
        )
    columns = "m.id, m.full_name, c.activity, c.area, c.skills_text, c.photo_key IS NOT NULL"
    if not terms and not place_terms:
        sql = (
            f"SELECT {columns} FROM directory_cards c JOIN members m ON m.id = c.member_id"  # noqa: S608 (constant SQL; values are bound)
            f" WHERE {filters} ORDER BY m.full_name, m.id LIMIT :limit"
        )
    elif session.get_bind().dialect.name == "postgresql":
        params["tsquery"] = " & ".join(
            [f"{_pg_lexeme(t)}:*" for t in terms] + [f"{_pg_lexeme(t)}:*A" for t in place_terms]
        )
        sql = (
            f"SELECT {columns} FROM directory_cards c JOIN members m ON m.id = c.member_id,"  # noqa: S608
            " to_tsquery('french', :tsquery) q"
            f" WHERE c.search_vector @@ q AND {filters}"
            " ORDER BY ts_rank(c.search_vector, q) DESC, m.full_name, m.id LIMIT :limit"
        )
    else:
        # Each word quoted (so "and", "-" or "*" are plain words), matched as a prefix; the
        # place's words in the area column only.
        params["match"] = " ".join(
            [_fts_phrase(t) for t in terms] + [f"area : {_fts_phrase(t)}" for t in place_terms]
        )
        sql = (
            f"SELECT {columns} FROM directory_search"  # noqa: S608
            " JOIN directory_cards c ON c.id = directory_search.rowid"
            " JOIN members m ON m.id = c.member_id"
            f" WHERE directory_search MATCH :match AND {filters}"
            " ORDER BY bm25(directory_search), m.full_name, m.id LIMIT :limit"
        )
    rows = session.execute(text(sql), params).all()
    return [
        DirectoryEntry(
            member_id=row[0],
            full_name=row[1],
            activity=row[2],
            area=row[3],
            skills=row[4].split(SKILLS_SEPARATOR) if row[4] else [],
            has_photo=bool(row[5]),
        )
        for row in rows
    ]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"*'


def _pg_lexeme(term: str) -> str:
    return "'" + term.translate(_FOLD).replace("'", "''").replace("\\", "") + "'"


def visible_card(session: Session, member_id: int) -> DirectoryCard | None:
    """The member's card if other members may see it; None for a hidden card, a deactivated
    member or no card (the page is then a 404, whatever the URL guessed)."""
    card = session.scalar(select(DirectoryCard).where(DirectoryCard.member_id == member_id))
    return card if card is not None and card.visible else None


def _visible():
    return (DirectoryCard.listed.is_(True), Member.active.is_(True))


def skill_counts(session: Session) -> list[tuple[str, int]]:
    """The skills present in the coop: how many visible cards hold each, most first."""
    count = func.count(CardSkill.card_id)
    rows = session.execute(
        select(CardSkill.tag, count)
        .join(DirectoryCard, DirectoryCard.id == CardSkill.card_id)
        .join(Member, Member.id == DirectoryCard.member_id)
        .where(*_visible())
        .group_by(CardSkill.tag)
        .order_by(count.desc(), CardSkill.tag)
    )
    return [(tag, number) for tag, number in rows.all()]


def listed_cards(session: Session) -> list[DirectoryCard]:
    """Every visible card, by name: the support team's view of who is listed."""
    return list(
        session.scalars(
            select(DirectoryCard)
            .join(Member, Member.id == DirectoryCard.member_id)
            .where(*_visible())
            .order_by(Member.full_name, Member.id)
        )
    )


def members_with_skills(session: Session, tags: list[str], exclude_member_id: int) -> list[Member]:
    """Active members whose visible card holds one of `tags` (accents aside): those a
    request is sent to."""
    if not tags:
        return []
    return list(
        session.scalars(
            select(Member)
            .join(DirectoryCard, DirectoryCard.member_id == Member.id)
            .where(
                *_visible(),
                Member.id != exclude_member_id,
                DirectoryCard.id.in_(
                    select(CardSkill.card_id).where(
                        CardSkill.key.in_({skill_key(tag) for tag in tags})
                    )
                ),
            )
            .order_by(Member.id)
        )
    )

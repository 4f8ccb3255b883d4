"""The directory's rules: a member fills in their own card and chooses whether it is listed;
other members find visible cards only. `listed_members` and `listed_member` are what other
modules use to pick a member from the directory (internal transfers)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.directory.models import (
    MAX_PRESENTATION_LENGTH,
    MAX_SKILL_LENGTH,
    MAX_SKILLS,
    SKILL,
    CardSkill,
    DirectoryCard,
    skill_key,
    skill_tag,
)
from portal.directory.queries import (
    SKILLS_SEPARATOR,
    DirectoryEntry,
    search_directory,
    visible_card,
)
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.storage import delete_after_commit, new_key, save_with_transaction
from portal.uploads import check_upload


@dataclass(frozen=True)
class CardInput:
    listed: bool
    activity: str
    area: str
    presentation: str
    skills: str  # as typed: skills separated by commas
    show_email: bool
    show_phone: bool


def parse_skills(typed: str, field: str = "skills") -> list[str]:
    """Skills typed as "photo, Vidéo ,montage": their tags, in order, without repeats. A
    skill is a few words (letters, digits, hyphens, apostrophes), so no markup gets in."""
    tags: list[str] = []
    for part in (typed or "").split(","):
        tag = skill_tag(part)
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_SKILL_LENGTH:
            raise DomainError(
                _l("A skill is %(max)d characters at most.", max=MAX_SKILL_LENGTH), field=field
            )
        if not SKILL.match(tag) or "_" in tag:
            raise DomainError(
                _l("Write each skill in words (letters, digits, hyphens), separated by commas."),
                field=field,
            )
        tags.append(tag)
    if len(tags) > MAX_SKILLS:
        raise DomainError(_l("At most %(max)d skills.", max=MAX_SKILLS), field=field)
    return tags


def card_of(session: Session, member: Member) -> DirectoryCard | None:
    return session.scalar(select(DirectoryCard).where(DirectoryCard.member_id == member.id))


def save_card(
    session: Session, member: Member, data: CardInput, photo: bytes | None
) -> DirectoryCard:
    """Create or change the member's own card; a new photo is checked, re-encoded (nothing
    but the picture is kept) and replaces the old one once committed. Every check runs before
    the first write, and the photo is decoded before it too (the view's late lock)."""
    tags = parse_skills(data.skills)
    if len(data.presentation) > MAX_PRESENTATION_LENGTH:
        raise DomainError(
            _l("The presentation is %(max)d characters at most.", max=MAX_PRESENTATION_LENGTH),
            field="presentation",
        )
    if data.listed and not data.activity.strip():
        raise DomainError(
            _l("Say what your activity is: the other members find you by it."), field="activity"
        )
    checked = check_upload(photo, allow_pdf=False) if photo else None
    # The member's row locked before looking for their card (and, under the view's late
    # lock, SQLite's write lock taken here): a double tap's second save waits, then changes
    # the card the first created instead of creating a second one.
    session.execute(select(Member.id).where(Member.id == member.id).with_for_update())
    card = card_of(session, member)
    if card is None:
        card = DirectoryCard(member=member)
        session.add(card)
    card.listed = data.listed
    card.activity = data.activity.strip()
    card.area = data.area.strip()
    card.presentation = data.presentation.strip()
    card.show_email = data.show_email
    card.show_phone = data.show_phone
    card.skills = [CardSkill(tag=tag, key=skill_key(tag)) for tag in tags]
    card.skills_text = SKILLS_SEPARATOR.join(tags)
    if checked is not None:
        if card.photo_key:
            delete_after_commit(session, card.photo_key)
        # The small re-encoded copy is all a card shows.
        card.photo_key = save_with_transaction(
            session, new_key(f"directory/{member.id}", ".jpg"), checked.thumbnail
        )
    session.flush()
    return card


def remove_photo(session: Session, card: DirectoryCard) -> None:
    if card.photo_key:
        delete_after_commit(session, card.photo_key)
        card.photo_key = None
        session.flush()


def listed_members(
    session: Session, query: str = "", *, exclude_member_id: int | None = None, limit: int = 20
) -> list[DirectoryEntry]:
    """Members one may pick from the directory: active and listed, matching the words of
    `query` (activity, skills, area, presentation); all of them by name when it is empty."""
    return search_directory(session, query, exclude_member_id=exclude_member_id, limit=limit)


def listed_member(session: Session, member_id: int) -> Member | None:
    """The member if they are active and listed in the directory, else None."""
    card = visible_card(session, member_id)
    return card.member if card is not None else None

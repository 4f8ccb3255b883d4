"""A member's directory card: what they do, where, and how to reach them, shown to the other
members only while they choose to be listed (and their account is active)."""

import re
import unicodedata
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.members.models import Member

MAX_SKILLS = 12
MAX_SKILL_LENGTH = 40
MAX_PRESENTATION_LENGTH = 2000
# A skill is a short tag of words: letters, digits, spaces, hyphens and apostrophes.
SKILL = re.compile(r"^[\w' -]+$", re.UNICODE)


def skill_tag(text: str) -> str:
    """The stored form of a skill as people type it: lower case, single spaces ("Photo  de
    Mariage" and "photo de mariage" are one skill)."""
    return " ".join(text.replace("’", "'").split()).lower()


def skill_key(tag: str) -> str:
    """What skills are matched on: the tag without its accents, so that a request for "video"
    reaches the member who wrote "vidéo" (tags keep their accents to be shown)."""
    decomposed = unicodedata.normalize("NFD", tag)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class DirectoryCard(Base):
    """One per member at most; created the first time they fill it in."""

    __tablename__ = "directory_cards"
    __table_args__ = (
        CheckConstraint(
            f"length(presentation) <= {MAX_PRESENTATION_LENGTH}", name="presentation_length"
        ),
        # The directory's list: listed cards only, in the order of their members.
        Index("ix_directory_cards_listed", "listed", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), unique=True
    )
    # Shown to the other members only when True (opt-in: a new card is not listed).
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    activity: Mapped[str] = mapped_column(String(120), default="")
    area: Mapped[str] = mapped_column(String(120), default="")  # where they work: town, region
    presentation: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered safely
    # The skills once more as one text, written with them, for the full-text index (which
    # indexes this table's columns only).
    skills_text: Mapped[str] = mapped_column(Text, default="")
    show_email: Mapped[bool] = mapped_column(Boolean, default=False)
    show_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    photo_key: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    skills: Mapped[list["CardSkill"]] = relationship(
        cascade="all, delete-orphan", order_by="CardSkill.tag", lazy="selectin"
    )

    @property
    def visible(self) -> bool:
        """Whether other members may see it: listed by its member, whose account is active."""
        return self.listed and self.member.active

    @property
    def skill_tags(self) -> list[str]:
        return [skill.tag for skill in self.skills]


class CardSkill(Base):
    """A skill on a card: what network requests are matched on, and the staff's count."""

    __tablename__ = "directory_skills"
    # Both ways skills are looked up: does this card hold it (the directory's skill filter, a
    # correlated look-up per card) and which cards hold it (matching a request).
    __table_args__ = (Index("ix_directory_skills_key", "key", "card_id"),)

    card_id: Mapped[int] = mapped_column(
        ForeignKey("directory_cards.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(MAX_SKILL_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_SKILL_LENGTH))  # skill_key(tag)

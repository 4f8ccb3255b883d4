import enum
from datetime import date, datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, LabelledEnum, UTCDateTime, str_enum, utcnow
from portal.i18n import lazy_gettext as _l


class Role(enum.StrEnum):
    ENTREPRENEUR = "entrepreneur"
    STAFF = "staff"
    ADMIN = "admin"


class MemberStatus(LabelledEnum):
    """The entrepreneur's journey in the coop."""

    # convention d'accompagnement, keeps their previous status
    SUPPORTED = "accompagne", _l("Supported entrepreneur")
    EMPLOYEE = "salarie", _l("Entrepreneur-employee")  # entrepreneur-employee on a CDI
    ASSOCIATE = "associe", _l("Entrepreneur-associate")  # shareholder of the coop


class Member(UserMixin, Base):
    """A person who logs in: an entrepreneur, or a member of the support team (staff, admin)."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(
            "contract_hours_per_week >= 0 AND contract_hours_per_week <= 48",
            name="contract_hours_range",
        ),
        CheckConstraint("hourly_gross_rate_cents >= 0", name="hourly_rate_positive"),
        CheckConstraint(
            "contract_monthly_gross_cents IS NULL OR contract_monthly_gross_cents > 0",
            name="contract_gross_positive",
        ),
        CheckConstraint(
            "contribution_rate IS NULL OR (contribution_rate >= 0 AND contribution_rate < 1)",
            name="contribution_rate_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.ENTREPRENEUR)
    # Only entrepreneurs have a status; staff members have none.
    status: Mapped[MemberStatus | None] = mapped_column(str_enum(MemberStatus, "member_status"))
    contract_hours_per_week: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    hourly_gross_rate_cents: Mapped[int] = mapped_column(Integer, default=0)
    # A contract may fix the monthly gross instead of hours × hourly rate.
    contract_monthly_gross_cents: Mapped[int | None] = mapped_column(Integer)
    # None means "the coop's default rate" (CoopSettings.default_contribution_rate).
    contribution_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    locale: Mapped[str | None] = mapped_column(String(5))
    phone: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    # Where the coop reimburses receipts; checked mod 97, stored compact, shown masked.
    iban: Mapped[str | None] = mapped_column(String(34))
    # A deactivated member cannot log in; their data stays.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by staff: this entrepreneur may validate (legally issue) their own invoices.
    trusted_invoicing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activities: Mapped[list["Activity"]] = relationship(
        back_populates="member", order_by="Activity.name", cascade="all, delete-orphan"
    )

    # Set by the login machinery: Flask-Login's id is the login session's token, so that
    # logging out (deleting that session) invalidates a copied cookie.
    login_token = None
    # Set with it: the tokens naming what the member's pages show (their own, the coop's;
    # None before any write), which key the pages kept between requests.
    page_versions = None

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def masked_iban(self) -> str:
        """The IBAN as shown: its country and last four characters only."""
        if not self.iban:
            return ""
        return f"{self.iban[:2]}•• •••• {self.iban[-4:]}"

    @property
    def has_password(self) -> bool:
        """False for an invited member who has not yet chosen a password."""
        return self.password_hash is not None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_entrepreneur(self) -> bool:
        return self.role is Role.ENTREPRENEUR

    def refusal_to_manage(self, by: "Member"):
        """Why `by` may not change this member's account (a message), or None."""
        if not by.is_staff:
            return _l("Only the support team manages members.")
        if self.is_admin and not by.is_admin:
            return _l("Only an admin can change an admin's account.")
        return None

    def refusal_to_deactivate(self, by: "Member"):
        """Why `by` may not deactivate this member (the last admin is the service's check)."""
        if self.id == by.id:
            return _l("You cannot deactivate your own account.")
        if not self.active:
            return _l("This account is already deactivated.")
        return self.refusal_to_manage(by)

    @property
    def can_ask_to_become_associate(self) -> bool:
        return self.is_entrepreneur and self.status is not MemberStatus.ASSOCIATE

    @property
    def first_name(self) -> str:
        return self.full_name.split()[0] if self.full_name.strip() else self.email

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email} {self.role}>"


class Activity(Base):
    """A named business an entrepreneur runs under the coop ("Traduction", "Cours d'anglais")."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    member: Mapped[Member] = relationship(back_populates="activities")

    __table_args__ = (UniqueConstraint("member_id", "name"),)


class StatusChange(Base):
    """One step of an entrepreneur's journey (accompagné → salarié → associé), dated from
    when it takes effect, with who recorded it."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[MemberStatus | None] = mapped_column(
        str_enum(MemberStatus, "member_status")
    )
    to_status: Mapped[MemberStatus] = mapped_column(str_enum(MemberStatus, "member_status"))
    effective_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(String(500), default="")

    recorded_by: Mapped[Member | None] = relationship(foreign_keys=[recorded_by_id])


class AssociateDecision(LabelledEnum):
    ACCEPTED = "accepted", _l("Accepted")
    REFUSED = "refused", _l("Refused")


class AssociateRequest(Base):
    """An entrepreneur's request to become an associate, and the team's decision on it."""

    __tablename__ = "associate_requests"
    __table_args__ = (
        # At most one request waiting for a decision per member.
        Index(
            "ix_associate_requests_one_pending",
            "member_id",
            unique=True,
            sqlite_where=text("decision IS NULL"),
            postgresql_where=text("decision IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message: Mapped[str] = mapped_column(String(1000), default="")
    decision: Mapped[AssociateDecision | None] = mapped_column(
        str_enum(AssociateDecision, "associate_decision")
    )
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    decided_by: Mapped[Member | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def pending(self) -> bool:
        return self.decision is None

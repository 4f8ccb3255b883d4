import enum
from datetime import datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
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

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_entrepreneur(self) -> bool:
        return self.role is Role.ENTREPRENEUR

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

"""Internal transfers (transfert de charges): an entrepreneur who subcontracts to another
charges the contractor for the work inside the coop. One legal entity, so no VAT and no
invoice: the amount moves from the contractor's expenses to the subcontractor's revenue once
the contractor has accepted it and the support team has validated it."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, LabelledEnum, UTCDateTime, str_enum, utcnow
from portal.errors import Refusal
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member

# The mention every transfer carries, in French whatever the reader's language: it is the
# accountant's word for the operation.
MENTION = "Transfert de charges"


class TransferStatus(LabelledEnum):
    ISSUED = "issued", _l("Awaiting acceptance")
    ACCEPTED = "accepted", _l("Awaiting validation")
    REFUSED = "refused", _l("Refused")
    VALIDATED = "validated", _l("Validated")

    @property
    def in_progress(self) -> bool:
        return self in (TransferStatus.ISSUED, TransferStatus.ACCEPTED)


class InternalTransfer(Base):
    """Issued by the subcontractor to the contractor. Positive, or negative when it reverses
    a validated one (the only way to cancel it): `reverses_id` names the original.

    The number (its own yearly series) is given at validation, so refused transfers leave no
    gap; `validated_on` is the business date the projections count it on."""

    __tablename__ = "internal_transfers"
    __table_args__ = (
        UniqueConstraint("number_year", "number_sequence", name="uq_internal_transfers_sequence"),
        UniqueConstraint("number", name="uq_internal_transfers_number"),
        UniqueConstraint("subcontractor_id", "form_token", name="uq_internal_transfers_form_token"),
        # Each side's projection sums read these alone (covering: status and amount too).
        Index(
            "ix_internal_transfers_subcontractor",
            "subcontractor_id",
            "validated_on",
            "status",
            "amount_cents",
        ),
        Index(
            "ix_internal_transfers_contractor",
            "contractor_id",
            "validated_on",
            "status",
            "amount_cents",
        ),
        Index("ix_internal_transfers_status", "status", "id"),
        CheckConstraint("subcontractor_id <> contractor_id", name="two_members"),
        CheckConstraint(
            "(number IS NULL) = (status <> 'validated')", name="numbered_when_validated"
        ),
        CheckConstraint(
            "(validated_on IS NULL) = (status <> 'validated')", name="dated_when_validated"
        ),
        CheckConstraint(
            "(reverses_id IS NULL AND amount_cents > 0) "
            "OR (reverses_id IS NOT NULL AND amount_cents < 0)",
            name="reversal_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subcontractor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    status: Mapped[TransferStatus] = mapped_column(
        str_enum(TransferStatus, "transfer_status"), default=TransferStatus.ISSUED
    )
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("internal_transfers.id", ondelete="RESTRICT"), index=True
    )
    issue_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_sequence: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(35))
    validated_on: Mapped[date | None] = mapped_column(Date)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    form_token: Mapped[str | None] = mapped_column(String(64))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    subcontractor: Mapped[Member] = relationship(foreign_keys=[subcontractor_id])
    contractor: Mapped[Member] = relationship(foreign_keys=[contractor_id])
    reverses: Mapped["InternalTransfer | None"] = relationship(
        remote_side=[id], back_populates="reversals"
    )
    reversals: Mapped[list["InternalTransfer"]] = relationship(
        back_populates="reverses", order_by="InternalTransfer.id"
    )
    lines: Mapped[list["InternalTransferLine"]] = relationship(
        back_populates="transfer",
        order_by="InternalTransferLine.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def reversed_by(self) -> "InternalTransfer | None":
        """The reversal that cancels it, validated or on its way (a refused one does not)."""
        return next((r for r in self.reversals if r.status is not TransferStatus.REFUSED), None)

    def is_party(self, member: Member) -> bool:
        return member.id in (self.subcontractor_id, self.contractor_id)

    # What may be done with it: each predicate gives the reason for a refusal (None: allowed).

    def refusal_to_answer(self, by: Member) -> Refusal:
        """The contractor accepts or refuses an issued transfer, once."""
        if by.id != self.contractor_id:
            return _l("Only the member it is addressed to answers this transfer.")
        if self.status is TransferStatus.REFUSED:
            return _l("This transfer was already refused.")
        if self.status is not TransferStatus.ISSUED:
            return _l("This transfer is already accepted.")
        return None

    def refusal_to_validate(self, by: Member) -> Refusal:
        """The support team validates what the contractor has accepted."""
        if not by.is_staff:
            return _l("Only the support team validates transfers.")
        if self.status is TransferStatus.VALIDATED:
            return _l("This transfer is already validated.")
        if self.status is not TransferStatus.ACCEPTED:
            return _l("Only a transfer accepted by its contractor can be validated.")
        return None

    def refusal_to_reverse(self, by: Member) -> Refusal:
        """A validated transfer is cancelled only by a reversing one, which its
        subcontractor issues, once."""
        if by.id != self.subcontractor_id:
            return _l("Only the member who issued this transfer can cancel it.")
        if self.is_reversal:
            return _l("A reversing transfer cannot be cancelled.")
        if self.status is not TransferStatus.VALIDATED:
            return _l("Only a validated transfer is cancelled by a reversing transfer.")
        if self.reversed_by is not None:
            return _l("This transfer is already cancelled by a reversing transfer.")
        return None


class InternalTransferLine(Base):
    """What was done and its amount excl. VAT (negative on a reversal)."""

    __tablename__ = "internal_transfer_lines"
    __table_args__ = (UniqueConstraint("transfer_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(
        ForeignKey("internal_transfers.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    amount_cents: Mapped[int] = mapped_column(Integer)

    transfer: Mapped[InternalTransfer] = relationship(back_populates="lines")

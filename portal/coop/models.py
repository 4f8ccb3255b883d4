from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, LabelledEnum, str_enum
from portal.i18n import lazy_gettext as _l

DEFAULT_CONTRIBUTION_RATE = Decimal("0.10")
# `{year}` and `{number}` (with an optional width: `{number:05}`) are replaced at validation.
DEFAULT_INVOICE_NUMBER_PATTERN = "F{year}-{number:05}"
DEFAULT_CREDIT_NOTE_NUMBER_PATTERN = "A{year}-{number:05}"
DEFAULT_QUOTE_NUMBER_PATTERN = "D{year}-{number:05}"
DEFAULT_LATE_PENALTY_TERMS = (
    "Pénalités de retard : taux de refinancement de la BCE majoré de 10 points."
)
DEFAULT_EARLY_PAYMENT_TERMS = "Pas d'escompte pour paiement anticipé."
# The largest internal transfer between two entrepreneurs, excl. VAT: 20,000 €.
DEFAULT_TRANSFER_LIMIT_CENTS = 2_000_000


class ContributionScheme(LabelledEnum):
    FLAT = "flat", _l("Flat rate")  # one rate on all revenue
    # marginal rates on slices of the year's cumulative revenue
    BANDED = "banded", _l("Bands on the year's cumulative revenue")


class ContributionBasis(LabelledEnum):
    INVOICED = "invoiced", _l("Invoiced revenue")  # due when an invoice is validated
    COLLECTED = "collected", _l("Collected revenue")  # due when the customer pays


class CoopSettings(Base):
    """The coop's legal identity (printed on every invoice) and its defaults. One row."""

    __tablename__ = "coop_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "default_contribution_rate >= 0 AND default_contribution_rate < 1",
            name="contribution_rate_range",
        ),
        CheckConstraint("headcount >= 0", name="headcount_positive"),
        CheckConstraint(
            "work_accident_rate IS NULL OR (work_accident_rate > 0 AND work_accident_rate <= 1)",
            name="work_accident_rate_range",
        ),
        CheckConstraint(
            "mobility_levy_rate >= 0 AND mobility_levy_rate <= 1", name="mobility_levy_rate_range"
        ),
        CheckConstraint(
            "contribution_yearly_minimum_cents >= 0", name="contribution_amounts_positive"
        ),
        CheckConstraint(
            "contribution_yearly_minimum_cape_cents >= 0 AND reserve_amount_cents >= 0 "
            "AND meal_vouchers_cents >= 0 AND health_plan_employer_cents >= 0 "
            "AND health_plan_employee_cents >= 0",
            name="provision_amounts_positive",
        ),
        CheckConstraint(
            "reserve_rate >= 0 AND reserve_rate <= 1 AND paid_leave_rate >= 0 "
            "AND paid_leave_rate < 1",
            name="provision_rates_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    legal_form: Mapped[str] = mapped_column(String(120), default="SCOP SA à capital variable")
    address: Mapped[str] = mapped_column(Text, default="")
    siren: Mapped[str] = mapped_column(String(9), default="")
    siret: Mapped[str] = mapped_column(String(14), default="")
    vat_number: Mapped[str] = mapped_column(String(13), default="")
    rcs: Mapped[str] = mapped_column(String(120), default="")
    share_capital_cents: Mapped[int] = mapped_column(Integer, default=0)
    default_contribution_rate: Mapped[Decimal] = mapped_column(
        Numeric(5, 4), default=DEFAULT_CONTRIBUTION_RATE
    )
    # Staff count: sets the payroll headcount band (below 11, 11–49, 50 and more).
    headcount: Mapped[int] = mapped_column(Integer, default=20)
    # The coop's own work-accident (AT/MP) rate as a fraction, notified yearly by the CARSAT;
    # None means the national average of the payroll rates file.
    work_accident_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 5))
    # Versement mobilité: set by the commune of the workplace, due from 11 employees.
    mobility_levy_rate: Mapped[Decimal] = mapped_column(
        Numeric(6, 5), default=Decimal(0), server_default="0"
    )

    invoice_number_pattern: Mapped[str] = mapped_column(
        String(40), default=DEFAULT_INVOICE_NUMBER_PATTERN
    )
    credit_note_number_pattern: Mapped[str] = mapped_column(
        String(40), default=DEFAULT_CREDIT_NOTE_NUMBER_PATTERN
    )
    quote_number_pattern: Mapped[str] = mapped_column(
        String(40),
        default=DEFAULT_QUOTE_NUMBER_PATTERN,
        server_default=DEFAULT_QUOTE_NUMBER_PATTERN,
    )
    late_penalty_terms: Mapped[str] = mapped_column(String(300), default=DEFAULT_LATE_PENALTY_TERMS)
    early_payment_terms: Mapped[str] = mapped_column(
        String(300), default=DEFAULT_EARLY_PAYMENT_TERMS
    )
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    # "Option pour le paiement de la taxe d'après les débits", printed when set.
    vat_on_debits: Mapped[bool] = mapped_column(Boolean, default=False)
    # The coop's e-invoicing address (BT-34, scheme 0225 of the French directory); empty:
    # its SIREN.
    einvoicing_address: Mapped[str] = mapped_column(String(125), default="", server_default="")
    # Automatic reminders of overdue invoices: days after the due date ("7, 30"); empty: off.
    reminder_days: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contribution_scheme: Mapped[ContributionScheme] = mapped_column(
        str_enum(ContributionScheme, "contribution_scheme"), default=ContributionScheme.FLAT
    )
    contribution_basis: Mapped[ContributionBasis] = mapped_column(
        str_enum(ContributionBasis, "contribution_basis"), default=ContributionBasis.INVOICED
    )
    # Charged in full for a whole year, pro rata for the months of a year an entrepreneur is in:
    # on a CESA (entrepreneur-employee or associate) contract, and on a CAPE (supported).
    contribution_yearly_minimum_cents: Mapped[int] = mapped_column(Integer, default=0)
    contribution_yearly_minimum_cape_cents: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )

    # What the coop provisions (portal/projection/terms.py `Provisions`), zero by default.
    # The safety reserve: a fraction of the margin, or a fixed amount (one or the other).
    reserve_rate: Mapped[Decimal] = mapped_column(
        Numeric(5, 4), default=Decimal(0), server_default="0"
    )
    reserve_amount_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Paid leave: a fraction of each salary's employer cost (gross plus contributions).
    paid_leave_rate: Mapped[Decimal] = mapped_column(
        Numeric(5, 4), default=Decimal(0), server_default="0"
    )
    # Meal vouchers (titres-restaurant): the employer's share a month.
    meal_vouchers_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Mutuelle and prévoyance, € a month: the employer's share and the employee's. The default
    # is the plan the payroll rates assume (40 € split 50/50): a mutuelle is compulsory, and
    # zero would lower every employer cost the portal showed until now.
    health_plan_employer_cents: Mapped[int] = mapped_column(
        Integer, default=2000, server_default="2000"
    )
    health_plan_employee_cents: Mapped[int] = mapped_column(
        Integer, default=2000, server_default="2000"
    )
    # Above it, an internal transfer is refused (portal/transfers): larger work between
    # members goes through the support team first.
    transfer_limit_cents: Mapped[int] = mapped_column(
        Integer,
        default=DEFAULT_TRANSFER_LIMIT_CENTS,
        server_default=str(DEFAULT_TRANSFER_LIMIT_CENTS),
    )


class FixedFee(Base):
    """A fee taken from every entrepreneur's margin each month (insurance, software…)."""

    __tablename__ = "fixed_fees"
    __table_args__ = (CheckConstraint("monthly_cents > 0", name="monthly_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    monthly_cents: Mapped[int] = mapped_column(Integer)


class ContributionBand(Base):
    """A slice of the year's cumulative revenue excl. VAT and the contribution rate on it:
    from `start_cents` up to the next band's start (marginal, like income-tax bands)."""

    __tablename__ = "contribution_bands"
    __table_args__ = (
        CheckConstraint("start_cents >= 0", name="start_positive"),
        CheckConstraint("rate >= 0 AND rate < 1", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    start_cents: Mapped[int] = mapped_column(Integer, unique=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))

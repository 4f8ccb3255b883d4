"""The projection of each entrepreneur, computed on every request from each member's running
totals and a few SQL aggregates, with the coop's contribution scheme it applies."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.coop.models import ContributionScheme
from portal.coop.services import contribution_bands, fixed_fees, get_coop_settings
from portal.dates import PARIS
from portal.members.models import Member, MemberStatus, Role
from portal.money import from_cents
from portal.payroll import EmployerSettings, PayrollError
from portal.payroll import Payslip as PayslipFigures
from portal.projection import compute, figures, months, pay, terms
from portal.projection.queries import (
    activity_totals,
    last_paid_periods,
    openings,
    outstanding_of,
)
from portal.projection.running_totals import monthly_flows
from portal.salary.services import payroll_settings


@dataclass(frozen=True)
class CoopTerms:
    """What every projection of the coop shares, loaded once per request."""

    scheme: terms.Scheme
    default_rate: Decimal
    banded: bool
    employer: EmployerSettings
    provisions: terms.Provisions
    yearly_minimum_cape: Decimal

    def scheme_for(self, member: Member) -> terms.Scheme:
        """The coop's scheme with the yearly minimum of the member's contract (CAPE for a
        supported entrepreneur, CESA otherwise); a member's own negotiated rate replaces the
        coop's rates with that flat rate."""
        scheme = self.scheme
        if member.status is MemberStatus.SUPPORTED:
            scheme = replace(
                scheme, yearly_minimum=self.yearly_minimum_cape, minimum_contract="cape"
            )
        if member.contribution_rate is not None:
            scheme = replace(scheme, bands=(terms.Band(Decimal(0), member.contribution_rate),))
        return scheme


def coop_terms(session: Session) -> CoopTerms:
    settings = get_coop_settings(session)
    banded = settings.contribution_scheme is ContributionScheme.BANDED
    bands = contribution_bands(session) if banded else []
    if bands:
        scheme_bands = tuple(terms.Band(from_cents(band.start_cents), band.rate) for band in bands)
    else:
        scheme_bands = (terms.Band(Decimal(0), settings.default_contribution_rate),)
    fees = tuple(terms.Fee(fee.label, from_cents(fee.monthly_cents)) for fee in fixed_fees(session))
    scheme = terms.Scheme(
        bands=scheme_bands,
        basis=terms.Basis(settings.contribution_basis.value),
        yearly_minimum=from_cents(settings.contribution_yearly_minimum_cents),
        fixed_monthly_fees=sum((fee.monthly for fee in fees), Decimal(0)),
        fixed_fees=fees,
        minimum_contract="cesa",
    )
    return CoopTerms(
        scheme=scheme,
        default_rate=settings.default_contribution_rate,
        banded=bool(bands),
        employer=payroll_settings(settings),
        provisions=terms.Provisions(
            reserve_rate=settings.reserve_rate,
            reserve_amount=from_cents(settings.reserve_amount_cents),
            paid_leave_rate=settings.paid_leave_rate,
            meal_vouchers=from_cents(settings.meal_vouchers_cents),
        ),
        yearly_minimum_cape=from_cents(settings.contribution_yearly_minimum_cape_cents),
    )


def contract_of(member: Member) -> figures.Contract:
    fixed = member.contract_monthly_gross_cents
    return figures.Contract(
        hours_per_week=Decimal(member.contract_hours_per_week or 0),
        hourly_rate=from_cents(member.hourly_gross_rate_cents or 0),
        fixed_gross=from_cents(fixed) if fixed else None,
        salaried=member.status is not MemberStatus.SUPPORTED,
    )


def _start(member: Member) -> date:
    return member.created_at.astimezone(PARIS).date()


def projections(
    session: Session,
    members: Sequence[Member],
    today: date,
    terms: CoopTerms,
    with_activities: bool = True,
) -> dict[int, figures.Projection]:
    """The projection of each member, from a fixed number of aggregate queries whatever
    their history. The per-activity breakdown, only the home page shows, is optional."""
    inputs = _inputs(session, members, today, terms, with_activities=with_activities)
    return {member_id: compute.project(each) for member_id, each in inputs.items()}


def _inputs(
    session: Session,
    members: Sequence[Member],
    today: date,
    terms: CoopTerms,
    *,
    with_activities: bool,
    for_what_if: bool = False,
) -> dict[int, figures.Inputs]:
    """What each member's projection computes from. A what-if's leave out what it does not
    show: the history the chart and the sustainable salary need, and the outstanding
    invoices (without them the "if every outstanding invoice is paid" figures are the plain
    ones)."""
    member_ids = [member.id for member in members]
    opening_by_member = openings(session, member_ids)
    since = _history_needed_since(members, opening_by_member, today, history=not for_what_if)
    flows, earlier = monthly_flows(session, member_ids, since, opening_by_member)
    last_paid = last_paid_periods(session, member_ids)
    outstanding = {} if for_what_if else outstanding_of(session, member_ids)
    activities = activity_totals(session, members, today.year) if with_activities else {}
    result = {}
    for member in members:
        result[member.id] = figures.Inputs(
            today=today,
            start=_start(member),
            contract=contract_of(member),
            scheme=terms.scheme_for(member),
            flows=tuple(flows[member.id]),
            earlier_year_credits=tuple(earlier.get(member.id, ())),
            opening=opening_by_member.get(member.id),
            outstanding=outstanding.get(member.id, Decimal(0)),
            activities=tuple(activities.get(member.id, ())),
            last_paid_period=last_paid.get(member.id),
            employer=terms.employer,
            provisions=terms.provisions,
        )
    return result


def _history_needed_since(
    members: Sequence[Member], opening_by_member: dict, today: date, history: bool
) -> date:
    """The oldest movement date the projections need. Once the back office has sent a
    balance, older movements are in it: only the chart's twelve months and the twelve
    complete months a sustainable salary averages (not for a what-if), and the calendar
    years whose cumulative revenue sets a banded contribution matter. A member without a
    balance needs everything."""
    months_back = max(compute.CHART_MONTHS - 1, compute.AVERAGE_MONTHS)
    window = months.add_months(months.first_of_month(today), -months_back)
    needed = []
    for member in members:
        opening = opening_by_member.get(member.id)
        if opening is None:
            return date.min
        oldest = min(opening.on, window) if history else opening.on
        needed.append(date(min(oldest.year, today.year), 1, 1))
    return min(needed, default=date.min)


def projection_for(
    session: Session, member: Member, today: date, with_activities: bool = True
) -> figures.Projection:
    """One entrepreneur's projection; `with_activities=False` leaves out the per-activity
    breakdown (the explanation does not show it)."""
    terms = coop_terms(session)
    return projections(session, [member], today, terms, with_activities=with_activities)[member.id]


@dataclass(frozen=True)
class WhatIfBasis:
    """What an entrepreneur's what-if projects from, whatever figures are typed: their
    movements since the history it needs and the coop's terms, without what a what-if does
    not show (the per-activity breakdown, the outstanding invoices), and the ledger they
    make. The same for every what-if until a write changes them, so a page may keep it."""

    inputs: figures.Inputs
    ledger: compute.Ledger


def what_if_basis(session: Session, member: Member, today: date) -> WhatIfBasis:
    terms = coop_terms(session)
    inputs = _inputs(session, [member], today, terms, with_activities=False, for_what_if=True)
    return WhatIfBasis(inputs[member.id], compute.build_ledger(inputs[member.id]))


def project_what_if(basis: WhatIfBasis, what_if: figures.WhatIf) -> figures.Projection:
    """The projection with other hours, another gross or more revenue. Other hours or
    another gross change only the salary: the months are the basis's ledger; more revenue
    changes the months too."""
    ledger = None if what_if.extra_revenue else basis.ledger
    return compute.project(replace(basis.inputs, what_if=what_if), ledger)


@dataclass(frozen=True)
class Headline:
    """The home page's figures, with the largest gross the margin can fund, now and if every
    outstanding invoice is paid (None when payroll cannot compute one for the period)."""

    projection: figures.Projection
    max_fundable: PayslipFigures | None
    max_fundable_if_paid: PayslipFigures | None
    payroll_available: bool


def headline_for(session: Session, member: Member, today: date) -> Headline:
    """The figures the back office reads for an entrepreneur: the projection, and the largest
    legal salary its margin funds each month due at the next salary's hours (at the hours
    that pay stands for when there is no contract, or when it is below the minimum wage for
    the contract's), computed only here: the home page needs it only when the margin falls
    short, and the projection already has it then."""
    terms = coop_terms(session)
    projection = projections(session, [member], today, terms, with_activities=False)[member.id]
    salary = projection.salary
    hours = salary.hours_per_week if salary.source in ("fixed", "hours") else None
    months_due = len(salary.due) or 1
    # Each budget solved once in this request (the solver costs a dozen payslips): with
    # nothing outstanding both budgets are the margin, and the projection has already
    # solved it as the largest salary when the contract's is out of reach.
    solved: dict[Decimal, PayslipFigures | None] = {}
    if hours is not None and salary.payslip is not None and not projection.fundable:
        solved[projection.margin] = projection.largest_fundable

    def largest(margin):
        if margin not in solved:
            share = terms.provisions.salary_budget(pay.share_per_month(margin, months_due))
            solved[margin] = pay.largest_fundable(share, hours, salary.period, terms.employer)
        return solved[margin]

    try:
        return Headline(
            projection, largest(projection.margin), largest(projection.margin_if_paid), True
        )
    except PayrollError:
        return Headline(projection, None, None, False)


@dataclass(frozen=True)
class RunwayRow:
    member: Member
    projection: figures.Projection


def coop_runways(session: Session, today: date) -> list[RunwayRow]:
    """Every active entrepreneur's projection, who may need help first: those with a salary
    to fund by runway, shortest first; then those without a contract salary (supported
    entrepreneurs, no contract figures), whose runway means nothing, by the salary their
    activity sustains, smallest first (none first); then those with no data at all."""
    members = list(
        session.scalars(
            select(Member)
            .where(Member.role == Role.ENTREPRENEUR, Member.active.is_(True))
            .order_by(Member.full_name)
        )
    )
    by_member = projections(session, members, today, coop_terms(session), with_activities=False)
    rows = [RunwayRow(member, by_member[member.id]) for member in members]

    def urgency(row: RunwayRow):
        projection = row.projection
        if not projection.has_data:
            return (2, 0, projection.margin)
        if projection.runway is None:
            sustained = projection.salary.payslip if projection.sustainable else None
            return (1, sustained.net_before_tax if sustained else -1, projection.margin)
        return (0, projection.runway.months + projection.runway.beyond, projection.margin)

    return sorted(rows, key=urgency)

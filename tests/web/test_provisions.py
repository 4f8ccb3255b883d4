"""The coop's provisions page (/admin/provisions): what it saves, what it refuses with a
message and nothing changed, and how each provision shows on "How is this computed?" and
moves the entrepreneur's figures by exactly its amount."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from portal.coop.models import CoopSettings, FixedFee
from portal.coop.services import coop_settings_for_update
from portal.dates import paris_today
from portal.members.models import MemberStatus
from portal.projection.records import record_balance
from portal.projection.services import projection_for
from tests.helpers import login

VALID = {
    "reserve_percent": "15",
    "reserve_amount": "",
    "paid_leave_percent": "10",
    "meal_vouchers": "90",
    "health_plan_employer": "30",
    "health_plan_employee": "15",
}
TODAY = paris_today()


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def saved(db_session) -> tuple:
    db_session.expire_all()
    s = coop_settings_for_update(db_session)
    return (
        s.reserve_rate,
        s.reserve_amount_cents,
        s.paid_leave_rate,
        s.meal_vouchers_cents,
        s.health_plan_employer_cents,
        s.health_plan_employee_cents,
    )


def test_provisions_are_zero_by_default_and_the_health_plan_is_todays(db_session):
    assert saved(db_session) == (0, 0, 0, 0, 2000, 2000)


def test_admin_saves_the_provisions(client, admin, db_session):
    login(client, admin.email)
    response = client.post("/admin/provisions", data=VALID)
    assert response.status_code == 303
    assert saved(db_session) == (Decimal("0.15"), 0, Decimal("0.10"), 9000, 3000, 1500)
    form = client.get("/admin/provisions").text
    assert 'value="15' in form and 'value="90' in form


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"reserve_percent": "120"},
            "La réserve doit être comprise entre 0 et 100 %, toute la marge.",
        ),
        ({"reserve_amount": "500"}, "Indiquez la réserve en pourcentage de la marge ou en montant"),
        ({"reserve_percent": "", "reserve_amount": "-5"}, "Le nombre doit être compris entre 0 et"),
        ({"paid_leave_percent": "100"}, "La provision pour congés payés doit être"),
        ({"meal_vouchers": "-1"}, "Le nombre doit être compris entre 0 et"),
        ({"health_plan_employer": "-20"}, "Le nombre doit être compris entre 0 et"),
        ({"health_plan_employee": ""}, "Ce champ est requis."),
        ({"meal_vouchers": "douze"}, "Saisissez un nombre, par exemple 1234,50."),
        # Withheld from every salary: 2 000 € would leave a minimum wage below zero.
        ({"health_plan_employee": "2000"}, "rendrait négatif un salaire au SMIC"),
    ],
)
def test_bad_provisions_are_refused_with_a_message_and_nothing_changes(
    client, admin, db_session, changes, message
):
    login(client, admin.email)
    before = saved(db_session)
    response = client.post("/admin/provisions", data={**VALID, **changes})
    assert response.status_code == 200
    assert message in response.text
    assert saved(db_session) == before


def test_provisions_are_for_admins(client, staff):
    login(client, staff.email)
    assert client.get("/admin/provisions").status_code == 403


def test_the_english_message_for_a_reserve_over_100_percent(client, admin):
    login(client, admin.email)
    client.post("/language", data={"locale": "en"})
    response = client.post("/admin/provisions", data={**VALID, "reserve_percent": "101"})
    assert "The reserve must be between 0 and 100 %, the whole margin." in response.text


@pytest.fixture
def with_margin(db_session, entrepreneur):
    """Camille with 10 000 € of margin at the end of yesterday, nothing since."""
    record_balance(db_session, entrepreneur, on=TODAY, amount_cents=1_000_000, today=TODAY)
    db_session.commit()
    return entrepreneur


def set_provisions(db_session, **values):
    settings = coop_settings_for_update(db_session)
    for name, value in values.items():
        setattr(settings, name, value)
    db_session.commit()


def test_each_provision_moves_the_figures_by_exactly_its_amount(db_session, with_margin):
    base = projection_for(db_session, with_margin, TODAY)
    cost = base.salary.payslip.employer_cost
    set_provisions(db_session, reserve_amount_cents=250_000)
    reserved = projection_for(db_session, with_margin, TODAY)
    assert reserved.margin == base.margin - 2500
    assert reserved.remaining == base.remaining - 2500
    set_provisions(
        db_session,
        reserve_amount_cents=0,
        paid_leave_rate=Decimal("0.10"),
        meal_vouchers_cents=9000,
    )
    provisioned = projection_for(db_session, with_margin, TODAY)
    assert provisioned.margin == base.margin
    assert provisioned.remaining == base.remaining - cents(cost * Decimal("0.10")) - 90


def test_the_cape_minimum_applies_to_supported_entrepreneurs_only(db_session, make_member):
    set_provisions(
        db_session,
        contribution_yearly_minimum_cents=216_000,
        contribution_yearly_minimum_cape_cents=120_000,
    )
    supported = make_member(status=MemberStatus.SUPPORTED)
    employee = make_member(status=MemberStatus.EMPLOYEE)
    assert projection_for(db_session, supported, TODAY).scheme.yearly_minimum == 1200
    assert projection_for(db_session, employee, TODAY).scheme.yearly_minimum == 2160


def test_how_it_is_computed_has_a_line_for_each_provision(client, db_session, with_margin):
    set_provisions(
        db_session,
        reserve_rate=Decimal("0.15"),
        paid_leave_rate=Decimal("0.10"),
        meal_vouchers_cents=9000,
        health_plan_employer_cents=3000,
        health_plan_employee_cents=1500,
        contribution_yearly_minimum_cents=216_000,
    )
    db_session.add(FixedFee(label="Assurance RC Pro", monthly_cents=1650))
    db_session.commit()
    projection = projection_for(db_session, with_margin, TODAY)
    login(client, with_margin.email)
    page = client.get("/how-it-is-computed").text
    for text in (
        "Réserve de sécurité gardée par la coopérative : 15",
        "Provision pour congés payés : 10",
        "Titres-restaurant, part de la coopérative par mois",
        "Mutuelle et prévoyance : 30,00",
        "15,00",
        "Contribution minimale annuelle d'un contrat CESA : 2 160,00",
        "Assurance RC Pro : 16,50",
    ):
        assert text in page.replace("\u202f", " ").replace("\xa0", " "), text
    assert projection.reserve == cents(Decimal(10_000) * Decimal("0.15"))


def test_a_fresh_coop_row_keeps_the_standard_health_plan(db_session):
    # The default shares are those the payroll rates assume: 20 € + 20 €.
    row = CoopSettings(id=1)
    db_session.merge(row)
    db_session.flush()
    assert coop_settings_for_update(db_session).health_plan_employer_cents == 2000

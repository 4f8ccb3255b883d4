"""The projection pages: the entrepreneur's home, what-if, explanation, the staff's views,
and the back office's payslips and balances feeding them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.coop.models import ContributionBand, ContributionBasis, ContributionScheme, FixedFee
from portal.coop.services import coop_settings_for_update, update_contribution_settings
from portal.dates import paris_today
from portal.errors import DomainError
from portal.members.models import MemberStatus, Role
from portal.money import MAX_AMOUNT_CENTS, to_cents
from portal.payroll import compute_payslip
from portal.projection.models import BalanceSnapshot, Payslip
from portal.projection.months import add_months, first_of_month
from portal.projection.records import record_balance, record_payslip
from portal.projection.services import projection_for
from portal.sync.models import Change
from tests.helpers import login

TODAY = paris_today()
LAST_MONTH = add_months(first_of_month(TODAY), -1)


def pay(session, member, period: date, gross="1508.00", paid_on=None):
    slip = compute_payslip(Decimal(gross), 24, max(period, date(2026, 1, 1)))
    return record_payslip(
        session,
        member,
        period=f"{period:%Y-%m}",
        gross_cents=to_cents(slip.gross),
        net_cents=to_cents(slip.net_before_tax),
        employer_cost_cents=to_cents(slip.employer_cost),
        paid_on=paid_on or period + timedelta(days=27),
    )


# --- Payslips and balances from the back office -----------------------------------------


def test_payslip_recorded_once_per_month_and_replaced_by_a_second(db_session, entrepreneur):
    first = pay(db_session, entrepreneur, LAST_MONTH, "1508.00")
    again = pay(db_session, entrepreneur, LAST_MONTH, "1600.00")
    assert again.id == first.id and again.gross_cents == 160000
    count = db_session.scalar(select(func.count()).select_from(Payslip))
    assert count == 1
    db_session.commit()  # the change log is written at commit
    changes = db_session.scalars(select(Change).where(Change.entity == "payslip")).all()
    assert [c.entity_id for c in changes] == [str(first.id)] * 2


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "26-01"}, "period"),
        ({"net_cents": 200_000}, "net"),
        ({"employer_cost_cents": 100_000}, "employer_cost"),
        ({"gross_cents": -1}, "gross"),
        ({"gross_cents": 1.5}, "gross"),
        ({"paid_on": "2026-01-31"}, "paid_on"),
    ],
)
def test_inconsistent_payslip_refused_with_the_field(db_session, entrepreneur, fields, field):
    values = dict(
        period="2026-01",
        gross_cents=150_000,
        net_cents=117_000,
        employer_cost_cents=178_000,
        paid_on=date(2026, 1, 31),
    )
    with pytest.raises(DomainError) as error:
        record_payslip(db_session, entrepreneur, **{**values, **fields})
    assert error.value.field == field
    assert db_session.scalar(select(func.count()).select_from(Payslip)) == 0


def test_a_paid_salary_on_the_home_page_names_its_month_in_words(client, db_session, entrepreneur):
    pay(db_session, entrepreneur, date(2026, 11, 1), paid_on=date(2026, 11, 28))
    db_session.commit()
    login(client, entrepreneur.email)
    page = client.get("/home/details").text  # the latest movements follow the figures
    assert "Salaire versé, novembre 2026" in page and "2026-11" not in page


def test_staff_members_have_no_payslips(db_session, staff):
    with pytest.raises(DomainError):
        record_balance(db_session, staff, on=date(2026, 1, 31), amount_cents=100, today=TODAY)


def test_balance_for_the_same_date_replaces_and_the_latest_date_wins(db_session, entrepreneur):
    record_balance(
        db_session, entrepreneur, on=date(2026, 3, 31), amount_cents=100_000, today=TODAY
    )
    record_balance(
        db_session, entrepreneur, on=date(2026, 3, 31), amount_cents=-25_000, today=TODAY
    )
    record_balance(
        db_session, entrepreneur, on=date(2026, 1, 31), amount_cents=900_000, today=TODAY
    )
    assert db_session.scalar(select(func.count()).select_from(BalanceSnapshot)) == 2
    projection = projection_for(db_session, entrepreneur, date(2026, 4, 15))
    assert projection.opening.on == date(2026, 3, 31)
    assert projection.opening.amount == Decimal("-250.00")
    db_session.commit()  # the change log is written at commit
    assert db_session.scalar(select(func.count()).where(Change.entity == "balance")) == 3


def test_payslips_before_the_balance_are_already_in_it(db_session, entrepreneur):
    before = pay(db_session, entrepreneur, date(2026, 2, 1), paid_on=date(2026, 2, 27))
    after = pay(db_session, entrepreneur, date(2026, 3, 1), paid_on=date(2026, 3, 27))
    record_balance(
        db_session, entrepreneur, on=date(2026, 2, 28), amount_cents=500_000, today=TODAY
    )
    projection = projection_for(db_session, entrepreneur, date(2026, 3, 30))
    assert projection.margin == Decimal(5000) - Decimal(after.employer_cost_cents) / 100
    assert before.paid_on < projection.opening.on


# --- The entrepreneur's home page --------------------------------------------------------


def test_home_without_data_shows_an_empty_state_not_zeros(logged_in):
    page = logged_in.get("/").text
    assert "Votre projection commence avec votre première facture" in page
    assert "Disponible maintenant" not in page
    assert "Autonomie" not in page


def test_home_shows_next_net_salary_margin_and_runway(logged_in, db_session, entrepreneur):
    record_balance(db_session, entrepreneur, on=LAST_MONTH, amount_cents=2_000_000, today=TODAY)
    db_session.commit()
    page = logged_in.get("/").text
    slip = compute_payslip(Decimal("1508.00"), 24, first_of_month(TODAY))
    assert "Prochain salaire" in page
    net = f"{slip.net_before_tax:,.2f}".replace(",", "\u202f").replace(".", ",")
    assert net in page
    margin = Decimal(20000) - 0  # no movement after the balance
    runway = int(margin // slip.employer_cost)
    assert f"{runway} mois de salaire" in page
    assert "Comment est-ce calculé\u202f?" in page
    details = logged_in.get("/home/details", headers={"HX-Request": "true"}).text
    assert '<svg viewBox="0 0' in details and "<table" in details


def test_home_warns_when_the_margin_cannot_fund_the_salary(logged_in, db_session, entrepreneur):
    record_balance(db_session, entrepreneur, on=LAST_MONTH, amount_cents=100_000, today=TODAY)
    db_session.commit()
    page = logged_in.get("/").text
    assert "Votre marge ne peut pas financer ce salaire." in page
    assert "Le salaire le plus élevé que votre marge peut financer" in page


def test_supported_entrepreneur_with_a_balance_but_no_activity_sustains_no_salary(
    client, make_member, db_session
):
    # A margin from the back office is no monthly activity: it could pay one month, not a
    # salary (tests/web/test_projection_salary.py has the activity's).
    leo = make_member(status=MemberStatus.SUPPORTED, contract_hours_per_week=Decimal(0))
    record_balance(db_session, leo, on=LAST_MONTH, amount_cents=300_000, today=TODAY)
    db_session.commit()
    login(client, leo.email)
    page = client.get("/").text
    assert "Votre activité ne dégage pas encore assez de marge pour un salaire durable." in page
    assert "Une fois salarié, votre activité pourrait vous verser" not in page
    assert "Votre marge ne peut pas financer" not in page


def test_new_payslip_shows_on_the_next_request(logged_in, db_session, entrepreneur):
    record_balance(
        db_session, entrepreneur, on=add_months(LAST_MONTH, -1), amount_cents=2_000_000, today=TODAY
    )
    db_session.commit()
    before = logged_in.get("/how-it-is-computed").text
    slip = pay(db_session, entrepreneur, LAST_MONTH, "1700.00")
    db_session.commit()
    after = logged_in.get("/how-it-is-computed").text
    left = Decimal(20000) - Decimal(slip.employer_cost_cents) / 100
    figure = f"{left:,.2f}".replace(",", "\u202f").replace(".", ",")
    assert figure not in before and figure in after


def test_explanation_lists_every_step(logged_in, db_session, entrepreneur):
    record_balance(db_session, entrepreneur, on=LAST_MONTH, amount_cents=2_000_000, today=TODAY)
    db_session.commit()
    page = logged_in.get("/how-it-is-computed").text
    for text in (
        "Solde des comptes de la coopérative",
        "Paiements reçus des clients depuis, HT",
        "Contribution coopérative sur le chiffre d'affaires facturé",
        "Dépenses approuvées",
        "Frais fixes",
        "Salaires versés depuis",
        "= Marge disponible maintenant",
        "Brut\xa0: 24 h par semaine à 14,50",
        "Coût employeur total",
        "= Marge après le prochain salaire",
        "Si toutes les factures en attente sont payées",
        "TVA facturée aux clients",
    ):
        assert text in page, text


# --- What-if ------------------------------------------------------------------------------


def test_what_if_fragment_for_htmx_and_full_page_without(logged_in, db_session, entrepreneur):
    record_balance(db_session, entrepreneur, on=LAST_MONTH, amount_cents=2_000_000, today=TODAY)
    db_session.commit()
    fragment = logged_in.get("/what-if?gross=2000", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    slip = compute_payslip(Decimal(2000), 24, first_of_month(TODAY))
    cost = f"{slip.employer_cost:,.2f}".replace(",", "\u202f").replace(".", ",")
    assert cost in fragment.text
    page = logged_in.get("/what-if?gross=2000")
    assert "<html" in page.text and cost in page.text


def test_what_if_extra_revenue_raises_the_margin_net_of_contribution(logged_in):
    text = logged_in.get("/what-if?extra=1000", headers={"HX-Request": "true"}).text
    assert "900,00" in text  # 1 000 € − 10 % contribution


@pytest.mark.parametrize(
    "query, message",
    [
        ("hours=60", "Les heures par semaine doivent être comprises entre 1 et 48."),
        ("hours=0", "Les heures par semaine doivent être comprises entre 1 et 48."),
        ("gross=-5", "Le salaire brut doit être compris entre 1 et 50"),
        ("gross=1e400", "Le salaire brut doit être compris entre 1 et 50"),
        ("gross=abc", "Saisissez un nombre"),
        ("extra=99999999", "Le chiffre d&#39;affaires en plus doit être compris entre 0 et"),
    ],
)
def test_what_if_out_of_range_gets_a_clear_message(logged_in, query, message):
    response = logged_in.get(f"/what-if?{query}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert message in response.text
    assert response.text.count("Saisissez un nombre") <= 1


def test_what_if_is_for_entrepreneurs(client, staff):
    login(client, staff.email)
    assert client.get("/what-if?gross=2000").status_code == 404


# --- Staff -------------------------------------------------------------------------------


def test_staff_see_an_entrepreneurs_projection_read_only(client, staff, entrepreneur, db_session):
    record_balance(db_session, entrepreneur, on=LAST_MONTH, amount_cents=2_000_000, today=TODAY)
    db_session.commit()
    login(client, staff.email)
    page = client.get(f"/staff/entrepreneurs/{entrepreneur.id}").text
    assert "Lecture seule" in page and "Camille Durand" in page
    assert "Et si…" not in page and 'action="/what-if"' not in page
    explain = client.get(f"/staff/entrepreneurs/{entrepreneur.id}/how-it-is-computed")
    assert explain.status_code == 200 and "Marge disponible maintenant" in explain.text


def test_staff_page_for_a_non_entrepreneur_is_not_found(client, staff, admin):
    login(client, staff.email)
    assert client.get(f"/staff/entrepreneurs/{admin.id}").status_code == 404
    assert client.get("/staff/entrepreneurs/999999").status_code == 404


def test_entrepreneurs_cannot_open_staff_views(logged_in, make_member):
    other = make_member()
    assert logged_in.get(f"/staff/entrepreneurs/{other.id}").status_code == 403
    assert logged_in.get("/staff/entrepreneurs").status_code == 403


def test_coop_list_sorted_by_runway_shortest_first(client, staff, make_member, db_session):
    rich = make_member(full_name="Alice Riche")
    poor = make_member(full_name="Zoé Juste")
    make_member(full_name="Bruno Vide")
    record_balance(db_session, rich, on=LAST_MONTH, amount_cents=5_000_000, today=TODAY)
    record_balance(db_session, poor, on=LAST_MONTH, amount_cents=300_000, today=TODAY)
    db_session.commit()
    login(client, staff.email)
    page = client.get("/staff/entrepreneurs").text
    assert page.index("Zoé Juste") < page.index("Alice Riche") < page.index("Bruno Vide")
    assert "Pas encore de chiffres" in page


# --- Contribution settings ---------------------------------------------------------------

CONTRIBUTION = {
    "scheme": "banded",
    "basis": "collected",
    "yearly_minimum": "2 160",
    "yearly_minimum_cape": "1 200",
    "fees-0-title": "Assurance RC Pro",
    "fees-0-monthly": "16,50",
    "fees-1-title": "Logiciel",
    "fees-1-monthly": "4",
    "bands-0-start": "0",
    "bands-0-percent": "11",
    "bands-1-start": "40 000",
    "bands-1-percent": "10",
}


def test_admin_sets_a_banded_contribution_on_collected_revenue(client, admin, db_session):
    login(client, admin.email)
    response = client.post("/admin/contribution", data=CONTRIBUTION)
    assert response.status_code == 303
    db_session.expire_all()
    settings = coop_settings_for_update(db_session)
    assert settings.contribution_scheme is ContributionScheme.BANDED
    assert settings.contribution_basis is ContributionBasis.COLLECTED
    assert settings.contribution_yearly_minimum_cents == 216_000
    assert settings.contribution_yearly_minimum_cape_cents == 120_000
    fees = db_session.scalars(select(FixedFee).order_by(FixedFee.id))
    assert [(fee.label, fee.monthly_cents) for fee in fees] == [
        ("Assurance RC Pro", 1650),
        ("Logiciel", 400),
    ]
    bands = db_session.scalars(select(ContributionBand).order_by(ContributionBand.start_cents))
    assert [(b.start_cents, b.rate) for b in bands] == [
        (0, Decimal("0.11")),
        (4_000_000, Decimal("0.10")),
    ]
    form = client.get("/admin/contribution").text
    assert 'value="40000"' in form


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"bands-0-start": "100"}, "La première tranche doit commencer à 0 €."),
        ({"bands-1-start": "0"}, "Deux tranches ne peuvent pas commencer au même montant."),
        ({"bands-1-percent": ""}, "Indiquez à la fois le début de la tranche et son taux."),
        ({"bands-0-percent": "120"}, "Un taux doit être compris entre 0 et moins de 100."),
        ({"fees-0-monthly": "-3"}, "Un montant mensuel doit être compris entre 0,01 et 100000 €."),
        ({"fees-0-monthly": "abc"}, "Saisissez un nombre, par exemple 1234,50."),
        ({"fees-1-title": ""}, "Indiquez à la fois le libellé du frais et son montant mensuel."),
        (
            {"fees-2-title": "Sans montant"},
            "Indiquez à la fois le libellé du frais et son montant mensuel.",
        ),
        ({"fees-0-title": "x" * 81}, "frais compte 80 caractères au plus."),
        ({"yearly_minimum_cape": "-1"}, "Le nombre doit être compris entre 0 et 1000000."),
        ({"scheme": "weird"}, "N&#39;est pas un choix valide."),
        # Above 21.4 M€ a start no longer fits its INTEGER column (a 500 on PostgreSQL).
        ({"bands-1-start": "30 000 000"}, "10000000"),
    ],
)
def test_bad_contribution_settings_change_nothing(client, admin, db_session, changes, message):
    login(client, admin.email)
    response = client.post("/admin/contribution", data={**CONTRIBUTION, **changes})
    assert response.status_code == 200
    assert message in response.text
    db_session.expire_all()
    assert coop_settings_for_update(db_session).contribution_scheme is ContributionScheme.FLAT
    assert db_session.scalar(select(func.count()).select_from(ContributionBand)) == 0
    assert db_session.scalar(select(func.count()).select_from(FixedFee)) == 0


@pytest.mark.parametrize("field", ["yearly_minimum_cents", "yearly_minimum_cape_cents", "band"])
def test_contribution_amounts_above_ten_million_euros_are_refused(db_session, field):
    too_much = MAX_AMOUNT_CENTS + 1
    amounts = {"yearly_minimum_cents": 0, "yearly_minimum_cape_cents": 0}
    bands = [(0, Decimal("0.1")), (too_much, Decimal("0.05"))] if field == "band" else []
    amounts[field] = too_much
    with pytest.raises(DomainError, match="10,000,000"):
        update_contribution_settings(
            db_session,
            scheme=ContributionScheme.BANDED if bands else ContributionScheme.FLAT,
            basis=ContributionBasis.INVOICED,
            bands=bands,
            fees=[],
            **{k: v for k, v in amounts.items() if k != "band"},
        )


def test_contribution_settings_are_for_admins(client, staff):
    login(client, staff.email)
    assert client.get("/admin/contribution").status_code == 403


def test_banded_scheme_and_fixed_fees_reach_the_projection(db_session, make_member):
    member = make_member(role=Role.ENTREPRENEUR)
    settings = coop_settings_for_update(db_session)
    settings.contribution_scheme = ContributionScheme.BANDED
    db_session.add_all(
        [
            FixedFee(label="Assurance", monthly_cents=1500),
            FixedFee(label="Logiciel", monthly_cents=500),
            ContributionBand(start_cents=0, rate=Decimal("0.11")),
            ContributionBand(start_cents=4_000_000, rate=Decimal("0.10")),
        ]
    )
    db_session.flush()
    projection = projection_for(db_session, member, TODAY)
    assert [band.rate for band in projection.scheme.bands] == [Decimal("0.11"), Decimal("0.10")]
    assert projection.scheme.fixed_monthly_fees == Decimal(20)
    # A negotiated rate replaces the coop's scheme with that flat rate.
    member.contribution_rate = Decimal("0.08")
    projection = projection_for(db_session, member, TODAY)
    assert [band.rate for band in projection.scheme.bands] == [Decimal("0.08")]

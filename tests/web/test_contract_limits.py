"""A contract's limits live in one table (`CONTRACT_LIMITS`), which `create_member`, the back
office's API (tests/api/test_api_members.py) and `portal create-user` all apply, with the same
words."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.errors import DomainError
from portal.members.commands import create_user
from portal.members.models import Member, Role
from portal.members.services import CONTRACT_LIMITS, check_contract, create_member


@pytest.mark.parametrize(
    ("name", "allowed", "refused"),
    [
        ("contract_hours_per_week", (Decimal(0), Decimal(48)), (Decimal("-0.5"), Decimal("48.5"))),
        ("hourly_gross_rate_cents", (0, 1000_00), (-1, 1000_01)),
        ("contract_monthly_gross_cents", (1, 100_000_00), (0, 100_000_01)),
    ],
)
def test_each_contract_figure_is_checked_against_its_bounds(name, allowed, refused):
    for value in allowed:
        check_contract(**{name: value})
    check_contract(**{name: None})  # left out
    for value in refused:
        with pytest.raises(DomainError) as refusal:
            check_contract(**{name: value})
        assert refusal.value.message is CONTRACT_LIMITS[name].refusal
        assert refusal.value.field == CONTRACT_LIMITS[name].field


def test_create_member_refuses_a_contract_outside_the_limits(db_session):
    with pytest.raises(DomainError) as refusal:
        create_member(
            db_session,
            email="long.hours@example.org",
            full_name="Long Hours",
            role=Role.ENTREPRENEUR,
            contract_hours_per_week=Decimal(60),
        )
    assert refusal.value.field == "hours_per_week"
    assert db_session.scalar(select(func.count(Member.id))) == 0


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--hours-per-week", "60", "Les heures du contrat sont comprises entre 0 et 48"),
        ("--hourly-rate", "1000,01", "Le taux horaire brut doit être compris entre 0 et 1 000 €."),
        ("--monthly-gross", "0", "Un salaire brut mensuel fixe doit être compris entre 0 et"),
    ],
)
def test_create_user_refuses_a_contract_with_the_services_words(app, option, value, message):
    result = app.test_cli_runner().invoke(
        create_user,
        ["--email", "x@example.org", "--password", "a long enough password", option, value],
    )
    assert result.exit_code == 2
    assert message in result.output

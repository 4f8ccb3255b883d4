"""A validated transfer is revenue collected by the subcontractor and an expense of the
contractor, in both projections (the home page's figures), from the day it is validated;
nothing before; a validated reversal takes both back."""

from decimal import Decimal

from portal.dates import paris_today
from portal.db import utcnow
from portal.projection.services import projection_for
from portal.transfers import services
from tests.helpers import login

TODAY = paris_today()


def figures(db_session, member):
    db_session.expire_all()
    projection = projection_for(db_session, member, TODAY)
    current = projection.months[-1]
    return projection, current


def test_validation_moves_the_amount_into_both_projections(
    db_session, accepted_transfer, staff, entrepreneur, contractor
):
    sub_before, sub_month_before = figures(db_session, entrepreneur)
    con_before, con_month_before = figures(db_session, contractor)
    # Accepted but not validated: nothing counts yet.
    assert sub_before.invoiced_this_year == 0 and con_month_before.expenses == 0
    services.validate_transfer(db_session, accepted_transfer, staff, TODAY, utcnow())
    db_session.commit()
    sub_after, sub_month = figures(db_session, entrepreneur)
    con_after, con_month = figures(db_session, contractor)
    amount = Decimal("1200.00")
    assert sub_month.invoiced - sub_month_before.invoiced == amount
    assert sub_month.collected - sub_month_before.collected == amount
    assert sub_after.invoiced_this_year - sub_before.invoiced_this_year == amount
    # The subcontractor's margin grows by the amount less the coop's contribution on it.
    contribution = sub_after.contribution_this_year - sub_before.contribution_this_year
    assert contribution == Decimal("120.00")
    assert sub_after.margin - sub_before.margin == amount - contribution
    assert con_month.expenses - con_month_before.expenses == amount
    assert con_before.margin - con_after.margin == amount
    assert con_after.invoiced_this_year == con_before.invoiced_this_year


def test_a_validated_reversal_takes_the_amount_back_from_both(
    db_session, accepted_transfer, staff, entrepreneur, contractor
):
    sub_before, _ = figures(db_session, entrepreneur)
    con_before, _ = figures(db_session, contractor)
    services.validate_transfer(db_session, accepted_transfer, staff, TODAY, utcnow())
    reversal = services.reverse_transfer(db_session, accepted_transfer, entrepreneur, TODAY)
    services.accept_transfer(db_session, reversal, contractor, utcnow())
    services.validate_transfer(db_session, reversal, staff, TODAY, utcnow())
    db_session.commit()
    sub_after, _ = figures(db_session, entrepreneur)
    con_after, _ = figures(db_session, contractor)
    assert sub_after.invoiced_this_year == sub_before.invoiced_this_year
    assert sub_after.margin == sub_before.margin
    assert con_after.margin == con_before.margin


def test_the_contractors_home_page_shows_the_expense(
    client, db_session, accepted_transfer, staff, contractor
):
    login(client, contractor.email)
    before = client.get("/").text
    services.validate_transfer(db_session, accepted_transfer, staff, TODAY, utcnow())
    db_session.commit()
    after = client.get("/").text
    assert "Votre projection commence avec votre première facture" in before
    assert "votre marge est de -1\u202f200,00\xa0€." in after


def test_an_issued_or_refused_transfer_counts_nowhere(
    db_session, make_transfer, entrepreneur, contractor
):
    sub_before, _ = figures(db_session, entrepreneur)
    con_before, _ = figures(db_session, contractor)
    refused = make_transfer("5000")
    services.refuse_transfer(db_session, refused, contractor, "Non", utcnow())
    make_transfer("3000")
    db_session.commit()
    assert figures(db_session, entrepreneur)[0].margin == sub_before.margin
    assert figures(db_session, contractor)[0].margin == con_before.margin

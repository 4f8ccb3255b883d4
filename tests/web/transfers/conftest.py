from datetime import date
from decimal import Decimal

import pytest

from portal.db import utcnow
from portal.transfers import services
from portal.transfers.services import TransferInput, TransferLineInput
from tests.helpers import list_in_directory

ISSUED_ON = date(2026, 11, 20)


@pytest.fixture
def contractor(db_session, make_member):
    """The entrepreneur who subcontracted work to `entrepreneur` (Camille), listed in the
    directory, where a transfer's contractor is picked."""
    member = make_member(
        email="louis@example.org", full_name="Louis Petit", activities=("Graphisme",)
    )
    list_in_directory(db_session, member, "Graphisme")
    db_session.commit()
    return member


@pytest.fixture
def make_transfer(db_session, entrepreneur, contractor):
    """Factory: a transfer issued by Camille to Louis, committed."""

    def make(*amounts: str, by=None, to=None):
        transfer, _created = services.issue_transfer(
            db_session,
            by or entrepreneur,
            TransferInput(
                contractor=to or contractor,
                lines=[
                    TransferLineInput(f"Traduction, partie {n}", Decimal(amount))
                    for n, amount in enumerate(amounts or ("1200",), 1)
                ],
            ),
            ISSUED_ON,
        )
        db_session.commit()
        return transfer

    return make


@pytest.fixture
def accepted_transfer(db_session, make_transfer, contractor):
    transfer = make_transfer("800", "400")
    services.accept_transfer(db_session, transfer, contractor, utcnow())
    db_session.commit()
    return transfer


@pytest.fixture
def validated_transfer(db_session, accepted_transfer, staff):
    services.validate_transfer(db_session, accepted_transfer, staff, date(2026, 11, 26), utcnow())
    db_session.commit()
    return accepted_transfer

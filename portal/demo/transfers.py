"""Work the entrepreneurs did for each other: Camille translated Sam's site (validated) and
Sam has charged Camille for her new web page (awaiting her answer)."""

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dates import paris_today
from portal.db import utcnow
from portal.members.services import member_by_email
from portal.transfers import services
from portal.transfers.models import InternalTransfer
from portal.transfers.services import TransferInput, TransferLineInput


def seed_demo_transfers(session: Session) -> Iterator[str]:
    camille = member_by_email(session, "camille@demo.coop")
    sam = member_by_email(session, "sam@demo.coop")
    staff = member_by_email(session, "equipe@demo.coop")
    if camille is None or sam is None or staff is None:
        return
    if session.scalar(select(InternalTransfer.id).limit(1)) is not None:
        return
    today = paris_today()
    done, _created = services.issue_transfer(
        session,
        camille,
        TransferInput(sam, [TransferLineInput("Traduction du site en anglais", Decimal(640))]),
        today,
    )
    services.accept_transfer(session, done, sam, utcnow())
    services.validate_transfer(session, done, staff, today, utcnow())
    yield f"Internal transfer: {done.number}, Camille → Sam"
    services.issue_transfer(
        session,
        sam,
        TransferInput(
            camille,
            [
                TransferLineInput("Page de présentation", Decimal(350)),
                TransferLineInput("Mise en ligne", Decimal(80)),
            ],
        ),
        today,
    )
    yield "Internal transfer: Sam → Camille, awaiting Camille's answer"

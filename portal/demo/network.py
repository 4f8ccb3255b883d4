"""The directory and the network: three entrepreneurs' cards, and one open request that
reaches the member whose skills match it."""

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dates import paris_today
from portal.directory import services as directory
from portal.members.services import member_by_email
from portal.network import services as network
from portal.network.models import NetworkRequest

DEMO_CARDS = (
    (
        "camille@demo.coop",
        directory.CardInput(
            listed=True,
            activity="Traductrice anglais-français",
            area="Lyon",
            presentation=(
                "Traduction de sites, de brochures et de contrats, **relecture** de textes "
                "en anglais. Cours d'anglais pour les professionnels."
            ),
            skills="traduction, anglais, relecture, cours d'anglais",
            show_email=True,
            show_phone=False,
        ),
    ),
    (
        "leo@demo.coop",
        directory.CardInput(
            listed=True,
            activity="Jardinier paysagiste",
            area="Villeurbanne, Est lyonnais",
            presentation="Entretien de jardins, potagers et petits chantiers de paysage.",
            skills="jardinage, paysage, élagage",
            show_email=False,
            show_phone=True,
        ),
    ),
    (
        "sam@demo.coop",
        directory.CardInput(
            listed=True,
            activity="Conception web et photo",
            area="Lyon, Rhône",
            presentation="Sites web pour indépendants et associations; photos de chantier.",
            skills="conception web, photo, wordpress",
            show_email=True,
            show_phone=True,
        ),
    ),
)
DEMO_REQUEST_TITLE = "Cherche un photographe à Lyon pour un chantier de jardin"


def _demo_request() -> network.RequestInput:
    return network.RequestInput(
        title=DEMO_REQUEST_TITLE,
        details="Quelques photos avant et après pour mon site, une demi-journée.",
        place="Lyon",
        ends_on=paris_today() + timedelta(days=20),
        tags="photo",
    )


def seed_directory(session: Session) -> Iterator[str]:
    for email, data in DEMO_CARDS:
        member = member_by_email(session, email)
        if member is not None and directory.card_of(session, member) is None:
            directory.save_card(session, member, data, None)
            yield f"Directory card: {member.full_name}"
    leo = member_by_email(session, "leo@demo.coop")
    posted = session.scalar(
        select(NetworkRequest.id).where(NetworkRequest.title == DEMO_REQUEST_TITLE)
    )
    if leo is not None and posted is None:
        network.post_request(session, leo, _demo_request(), paris_today())
        yield f"Network request: {DEMO_REQUEST_TITLE}"

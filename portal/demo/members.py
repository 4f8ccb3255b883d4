"""The coop's identity, its support team and three entrepreneurs."""

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy.orm import Session

from portal.coop.services import coop_settings_for_update
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member, member_by_email

DEMO_PASSWORD = "demo-password"  # noqa: S105 (printed by `make run`, demo only)

DEMO_MEMBERS = (
    dict(email="admin@demo.coop", full_name="Alex Martin", role=Role.ADMIN),
    dict(email="equipe@demo.coop", full_name="Nadia Benali", role=Role.STAFF),
    dict(
        email="camille@demo.coop",
        full_name="Camille Durand",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.EMPLOYEE,
        contract_hours_per_week=Decimal(24),
        hourly_gross_rate_cents=1450,
        activities=("Traduction", "Cours d'anglais"),
    ),
    dict(
        email="leo@demo.coop",
        full_name="Léo Petit",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.SUPPORTED,
        activities=("Jardinage",),
    ),
    dict(
        email="sam@demo.coop",
        full_name="Sam Moreau",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.ASSOCIATE,
        contract_hours_per_week=Decimal(35),
        hourly_gross_rate_cents=1800,
        activities=("Conception web",),
    ),
)


def seed_coop_and_members(session: Session) -> Iterator[str]:
    """The coop's legal identity when none is set, and each demo account that is missing."""
    settings = coop_settings_for_update(session)
    if not settings.legal_name:
        settings.legal_name = "Coopérative Démo"
        settings.address = "12 rue de la Coopération\n69001 Lyon"
        settings.siren = "732829320"
        settings.siret = "73282932000074"
        settings.vat_number = "FR44732829320"
        settings.rcs = "RCS Lyon 732 829 320"
        settings.share_capital_cents = 1_500_000
        settings.headcount = 20
        settings.iban = "FR7630006000011234567890189"
        settings.bic = "AGRIFRPP"
        yield "Coop settings: Coopérative Démo"
    for fields in DEMO_MEMBERS:
        if member_by_email(session, fields["email"]) is None:
            create_member(session, password=DEMO_PASSWORD, **fields)
            yield f"Member: {fields['email']} ({fields['role']})"

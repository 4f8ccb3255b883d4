"""Demo data: a coop with its support team and three entrepreneurs, and a year of
Camille's work in every part of the portal. Safe to run twice: each part seeds only what
is not there yet.

One file per domain, run in order: the later ones use the members and customers of the
earlier ones."""

from collections.abc import Iterator

from sqlalchemy.orm import Session

from portal.demo.expenses import seed_receipts
from portal.demo.meetings import seed_meetings
from portal.demo.members import DEMO_PASSWORD, seed_coop_and_members
from portal.demo.network import seed_directory
from portal.demo.projection import seed_demo_payroll
from portal.demo.quotes import seed_demo_quotes
from portal.demo.sales import seed_demo_invoices
from portal.demo.transfers import seed_demo_transfers
from portal.demo.workshops import seed_demo_workshops

__all__ = ["DEMO_PASSWORD", "seed_demo_data"]

SEEDERS = (
    seed_coop_and_members,
    seed_demo_invoices,
    seed_demo_quotes,
    seed_receipts,
    seed_demo_workshops,
    seed_meetings,
    seed_demo_payroll,
    seed_directory,
    seed_demo_transfers,
)


def seed_demo_data(session: Session) -> Iterator[str]:
    """What was added, a line each."""
    for seed in SEEDERS:
        yield from seed(session)

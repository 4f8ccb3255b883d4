"""Meeting notes search: 500 meetings with published notes, 40 members, target p95 < 20 ms.

Measures `search_notes` (the service the archive page calls) in-process, as a member (only
meetings they were invited to) and as staff (every meeting), on SQLite (FTS5) and, when
PORTAL_BENCH_POSTGRES_URL names an empty scratch database, on PostgreSQL (GIN index).
Run from the project root with `python -m bench.bench_meetings`; `make bench` calls `run()`.
"""

import os
import random
import statistics
import sys
import tempfile
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.orm import Session

from portal import create_app
from portal.cli import upgrade_database
from portal.db import make_engine
from portal.meetings import services
from portal.meetings.search import search_notes
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from tests.helpers import reset_database

MEETINGS = 500
MEMBERS = 40
RUNS = 400
TARGET_MS = 20
QUERIES = [
    "trésorerie",
    "devis relance",
    "assurance",
    "prix revient",
    "formation",
    "salon",
    "sous-traitance",
    "part sociale",
    "congés",
    "facture",
    "tableau",
    "piscine",  # no match
]
TOPIC_TEXT = """
trésorerie devis facture relance client acompte assurance responsabilité formation atelier
salon réseau prospection prix revient marge contribution coopérative associé parts sociales
vote assemblée congés heures contrat site web communication frais kilométriques justificatif
sous-traitance entraide chantier projet bilan objectif organisation planning tableau décision
proposition budget fournisseur commande livraison stock banque prêt subvention région mairie
marché foire artisan traduction jardinage graphisme menuiserie couture photographie cuisine
"""
COMMON_TEXT = """
nous avons parlé de la semaine prochaine chacun propose une idée pour le groupe et l'équipe
rappelle que les membres peuvent demander un rendez-vous il faut penser à envoyer les
documents avant la fin du mois plusieurs personnes ont partagé leur expérience sur le sujet
une question a été posée sur le calendrier les échanges ont été riches et le temps a manqué
on reviendra sur ce point lors de la prochaine réunion merci à tous pour votre présence
"""
TOPICS = tuple(TOPIC_TEXT.split())
COMMON = tuple(COMMON_TEXT.split())


def _populate(url: str) -> tuple[int, int]:
    # Invitations are mailed from templates, with links: they need the app.
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "http://localhost", "SECRET_KEY": "bench"})
    engine = make_engine(url)
    rng = random.Random(9)
    with app.app_context(), Session(engine) as session:
        members = [
            create_member(
                session,
                email=f"m{i}@bench.example",
                full_name=f"Membre {i}",
                role=Role.ENTREPRENEUR,
                status=(MemberStatus.EMPLOYEE, MemberStatus.ASSOCIATE)[i % 2],
            )
            for i in range(MEMBERS)
        ]
        start = datetime.now(UTC) - timedelta(days=MEETINGS * 7)
        for index in range(MEETINGS):
            moment = start + timedelta(days=index * 7)
            day = services.paris_time(moment).date()
            details = services.MeetingDetails(
                title=f"Réunion n° {index}",
                day=day,
                start=time(18, 30),
                end=time(20, 30),
                location="Salle commune",
                agenda="1. Tour de table\n2. " + " ".join(rng.choices(TOPICS, k=4)),
                general_assembly=index % 10 == 0,
            )
            meeting = services.schedule_meeting(session, details, moment - timedelta(days=1))
            # Mostly ordinary words, a few topic words: what a page of notes looks like.
            paragraphs = [
                " ".join(
                    rng.choice(TOPICS) if rng.random() < 0.1 else rng.choice(COMMON)
                    for _ in range(60)
                )
                for _ in range(5)
            ]
            notes = "## Compte rendu\n\n" + "\n\n".join(paragraphs)
            services.publish_notes(session, meeting, notes, [], moment + timedelta(days=1))
        session.commit()
        member_id = members[0].id
    engine.dispose()
    return member_id, MEETINGS


def _measure(url: str) -> list[tuple[str, list[float], int]]:
    member_id, _ = _populate(url)
    engine = make_engine(url)
    rows = []
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
        for who, viewer in (("member", member_id), ("staff", None)):
            for query in QUERIES * 3:  # warm-up
                search_notes(session, query, viewer, 50)
            samples, hits = [], 0
            for run in range(RUNS):
                query = QUERIES[run % len(QUERIES)]
                began = clock.perf_counter_ns()
                hits += len(search_notes(session, query, viewer, 50))
                samples.append((clock.perf_counter_ns() - began) / 1e6)
            rows.append((who, samples, hits // RUNS))
        session.rollback()
    engine.dispose()
    return rows


def _row(database: str, who: str, samples: list[float], hits: int) -> str:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    verdict = "yes" if p95 < TARGET_MS else "**no**"
    return (
        f"| {database} | {who} | {len(samples)} | {hits} | {median:.2f} | {p95:.2f} "
        f"| < {TARGET_MS} | {verdict} |"
    )


def run() -> str:
    """The Markdown section for bench/RESULTS.md."""
    lines = [
        "## Meeting notes search",
        "",
        f"{MEETINGS} meetings with published notes (about 300 words each), {MEMBERS} members; "
        f"`search_notes` called {RUNS} times per row over {len(QUERIES)} queries "
        "(one without match), 50 results at most, with highlighted snippets.",
        "",
        "| Database | As | Runs | Mean hits | Median (ms) | p95 (ms) | Target (ms) | On target |",
        "|---|---|---:|---:|---:|---:|---:|:---:|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade_database(url)
        for who, samples, hits in _measure(url):
            lines.append(_row("SQLite (FTS5)", who, samples, hits))
    postgres = os.environ.get("PORTAL_BENCH_POSTGRES_URL")
    if postgres:
        reset_database(postgres)
        upgrade_database(postgres)
        for who, samples, hits in _measure(postgres):
            lines.append(_row("PostgreSQL (GIN)", who, samples, hits))
    else:
        lines += [
            "",
            "PostgreSQL not measured: set PORTAL_BENCH_POSTGRES_URL to a scratch database.",
        ]
    return "\n".join([*lines, ""])


if __name__ == "__main__":
    print(run())

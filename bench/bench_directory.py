"""Directory search: 1,000 listed members, target p95 < 20 ms.

Measures `search_directory` (what the directory page and the member picker call) in-process
over words, a skill, a place, all three, and the plain list, on SQLite (FTS5) and, when
PORTAL_BENCH_POSTGRES_URL names an empty scratch database, on PostgreSQL (GIN index).
Run from the project root with `python -m bench.bench_directory`; `make bench` calls `run()`.
"""

import os
import random
import statistics
import sys
import tempfile
import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.cli import upgrade_database
from portal.db import make_engine
from portal.directory.queries import search_directory
from portal.directory.services import CardInput, save_card
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from tests.helpers import reset_database

MEMBERS = 1000
RUNS = 400
LIMIT = 50
TARGET_MS = 20
ACTIVITIES = (
    "Photographe", "Traductrice", "Jardinier paysagiste", "Graphiste", "Développeur web",
    "Menuisier", "Couturière", "Cuisinier à domicile", "Formatrice", "Consultant RSE",
    "Illustratrice", "Électricien", "Professeur de yoga", "Vidéaste", "Rédactrice",
)  # fmt: skip
SKILLS = (
    "photo", "vidéo", "montage", "traduction", "anglais", "allemand", "relecture", "jardinage",
    "élagage", "graphisme", "logo", "wordpress", "développement", "menuiserie", "couture",
    "cuisine", "formation", "bilan carbone", "illustration", "électricité", "yoga", "rédaction",
)  # fmt: skip
PLACES = (
    "Lyon", "Villeurbanne", "Grenoble", "Saint-Étienne", "Annecy", "Chambéry", "Valence",
    "Vienne", "Bourg-en-Bresse", "Roanne", "Mâcon", "Clermont-Ferrand",
)  # fmt: skip
WORDS = (
    "mariage", "entreprise", "association", "particulier", "chantier", "site", "brochure",
    "atelier", "événement", "cours", "conseil", "accompagnement", "création", "réparation",
)  # fmt: skip
# (words, skill, place): what members type.
SEARCHES = [
    ("photographe", "", ""),
    ("tradu", "", ""),
    ("", "photo", ""),
    ("", "", "lyon"),
    ("mariage", "photo", "lyon"),
    ("site web", "", ""),
    ("", "jardinage", "grenoble"),
    ("cours", "", "annecy"),
    ("", "", ""),  # the plain list, by name
    ("piscine", "", ""),  # no match
]


def _populate(url: str) -> None:
    engine = make_engine(url)
    rng = random.Random(23)
    with Session(engine) as session:
        for index in range(MEMBERS):
            member = create_member(
                session,
                email=f"m{index}@bench.example",
                full_name=f"Membre {index:04d}",
                role=Role.ENTREPRENEUR,
                status=MemberStatus.EMPLOYEE,
            )
            activity = rng.choice(ACTIVITIES)
            presentation = " ".join(
                [activity.lower(), "pour", *rng.choices(WORDS, k=12), rng.choice(PLACES)]
            )
            data = CardInput(
                listed=index % 20 != 0,  # a few hidden
                activity=activity,
                area=rng.choice(PLACES),
                presentation=presentation,
                skills=", ".join(rng.sample(SKILLS, k=rng.randint(1, 5))),
                show_email=True,
                show_phone=False,
            )
            save_card(session, member, data, None)
        session.commit()
    engine.dispose()


def _measure(url: str) -> tuple[list[float], list[float], int]:
    _populate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
        for search in SEARCHES * 3:  # warm-up
            search_directory(session, *search, limit=LIMIT)
        samples, cpu, hits = [], [], 0
        for run in range(RUNS):
            words, skill, place = SEARCHES[run % len(SEARCHES)]
            began, began_cpu = clock.perf_counter_ns(), clock.process_time_ns()
            hits += len(search_directory(session, words, skill, place, limit=LIMIT))
            samples.append((clock.perf_counter_ns() - began) / 1e6)
            cpu.append((clock.process_time_ns() - began_cpu) / 1e6)
        session.rollback()
    engine.dispose()
    return samples, cpu, hits // RUNS


def _row(database: str, samples: list[float], cpu: list[float], hits: int) -> str:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    # This process's own CPU time per search: on a shared machine, the wall-clock tail is
    # mostly time spent waiting for a core, which this column leaves out.
    cpu_p95 = statistics.quantiles(cpu, n=20)[-1]
    verdict = "yes" if p95 < TARGET_MS else "**no**"
    return (
        f"| {database} | {len(samples)} | {hits} | {median:.2f} | {p95:.2f} | {cpu_p95:.2f} "
        f"| < {TARGET_MS} | {verdict} |"
    )


def run() -> str:
    """The Markdown section for bench/RESULTS.md."""
    lines = [
        "## Directory search (issue 23)",
        "",
        f"{MEMBERS} members with a directory card (1 in 20 hidden), 1 to 5 skills each; "
        f"`search_directory` called {RUNS} times per row over {len(SEARCHES)} searches (words, "
        f"a skill, a place, the three at once, the plain list, one without match), "
        f"{LIMIT} results at most.",
        "",
        "| Database | Runs | Mean hits | Median (ms) | p95 (ms) | CPU p95 (ms) | Target (ms) "
        "| On target |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade_database(url)
        lines.append(_row("SQLite (FTS5)", *_measure(url)))
    postgres = os.environ.get("PORTAL_BENCH_POSTGRES_URL")
    if postgres:
        reset_database(postgres)
        upgrade_database(postgres)
        lines.append(_row("PostgreSQL (GIN)", *_measure(postgres)))
    else:
        lines += [
            "",
            "PostgreSQL not measured: set PORTAL_BENCH_POSTGRES_URL to a scratch database.",
        ]
    return "\n".join([*lines, ""])


if __name__ == "__main__":
    print(run())

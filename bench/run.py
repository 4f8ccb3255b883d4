"""`make bench`: run every `bench/bench_*.py` and write their figures to bench/RESULTS.md.

Each benchmark module has `run() -> str` returning a Markdown section. Figures from one run
are comparable with each other; across runs these shared machines are noisy. Comparisons
between commits, which one run of one tree cannot redo, are kept by hand in
`bench/notes/*.md` and copied after the sections."""

import importlib.util
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def command() -> str:
    """How this run was started: the PostgreSQL rows need a scratch database named."""
    if os.environ.get("PORTAL_BENCH_POSTGRES_URL"):
        return "PORTAL_BENCH_POSTGRES_URL=<a scratch database> make bench"
    return "make bench"


def main() -> None:
    started = time.monotonic()
    sections = []
    # The run's tasks go to a queue of its own, which no worker serves. By default they
    # would join `make run`'s queue (instance/queue.sqlite3), whose worker would then
    # drain tens of thousands of them against its own database's ids.
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as queue:
        os.environ["PORTAL_QUEUE_URL"] = f"sqlite:///{queue}/queue.sqlite3"
        for path in sorted(HERE.glob("bench_*.py")):
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            print(f"running {path.name}", file=sys.stderr)
            sections.append(module.run().strip())
    header = (
        "# Benchmark results\n\n"
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- Machine: {machine()}\n"
        f"- Command: `{command()}`\n"
        f"- Duration: {(time.monotonic() - started) / 60:.1f} minutes (installing wrk "
        "and Lighthouse, done by the first run only, not included)\n"
    )
    sections += [note.read_text().strip() for note in sorted((HERE / "notes").glob("*.md"))]
    text = header + "\n" + "\n\n".join(sections) + "\n"
    (HERE / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

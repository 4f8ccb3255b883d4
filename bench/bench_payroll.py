"""Payroll engine timings: one gross → net computation, and one budget → gross inverse.

Targets from issue 3: a computation under 50 µs, an inverse under 1 ms. Run from the project
root with `python -m bench.bench_payroll`; `make bench` calls `run()`.
"""

import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from portal.payroll import EmployerSettings, compute_payslip, max_gross_for_budget

COMPUTE_ITERATIONS = 20_000
INVERSE_ITERATIONS = 2_000
WARM_UP = 200
TARGET_COMPUTE_US = 50
TARGET_INVERSE_US = 1_000

# A spread of realistic situations, so that the figures are not those of one lucky branch:
# grosses from the part-time SMIC to above 3 × SMIC, every headcount band, both rate files.
HOURS = [Decimal(h) for h in ("8", "17.5", "24", "35")]
HEADCOUNTS = [EmployerSettings(headcount=n) for n in (5, 20, 60)]
DATES = [date(2026, 3, 1), date(2026, 9, 1)]
AMOUNTS = [Decimal(a) for a in ("1300", "1867.02", "2500", "3999.99", "6200")]


def _cases() -> list[tuple[Decimal, Decimal, date, EmployerSettings]]:
    return [
        (amount, hours, on, employer)
        for amount in AMOUNTS
        for hours in HOURS
        for on in DATES
        for employer in HEADCOUNTS
    ]


def _timings_us(
    call: Callable[[Decimal, Decimal, date, EmployerSettings], object], iterations: int
) -> list[float]:
    cases = _cases()
    for index in range(WARM_UP):
        call(*cases[index % len(cases)])
    samples = []
    for index in range(iterations):
        case = cases[index % len(cases)]
        start = time.perf_counter_ns()
        call(*case)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def _row(name: str, samples: list[float], target: float) -> str:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    verdict = "yes" if p95 < target else "**no**"
    return f"| {name} | {len(samples):,} | {median:.1f} | {p95:.1f} | < {target:,} | {verdict} |"


def run() -> str:
    """The Markdown section for bench/RESULTS.md."""
    compute = _timings_us(compute_payslip, COMPUTE_ITERATIONS)
    inverse = _timings_us(max_gross_for_budget, INVERSE_ITERATIONS)
    return "\n".join(
        [
            "## Payroll engine",
            "",
            f"Python {platform.python_version()} on {platform.machine()}; "
            f"{len(_cases())} situations in rotation (hours 8–35, headcount 5/20/60, "
            "both 2026 rate files, gross or budget from 1 300 € to 6 200 €).",
            "",
            "| Operation | Runs | Median (µs) | p95 (µs) | Target (µs) | p95 on target |",
            "|---|---:|---:|---:|---:|:---:|",
            _row("gross → net (`compute_payslip`)", compute, TARGET_COMPUTE_US),
            _row("budget → gross (`max_gross_for_budget`)", inverse, TARGET_INVERSE_US),
            "",
        ]
    )


if __name__ == "__main__":
    print(run())

"""Build tests/reference/urssaf_golden.json: payroll figures from URSSAF's own rules.

Not a test. It needs Node and an npm-installed copy of the reference folder
(/work/shared/reference/urssaf: payroll.mjs with modele-social 11.1.0 and publicodes 1.10.3):

    cp -r /work/shared/reference/urssaf /tmp/urssaf && (cd /tmp/urssaf && npm install --no-save)
    python3 tests/reference/make_urssaf_golden.py /tmp/urssaf

That wrote urssaf_golden.json, the 2026 grid. For a rates file added later (2027-01-01.toml),
use a release of modele-social that has its rates, and name the file:

    (cd /tmp/urssaf && npm install --no-save modele-social@<version>)
    python3 tests/reference/make_urssaf_golden.py /tmp/urssaf 2027-01-01

which writes urssaf_golden_2027-01-01.json: the same grid on the first day, the middle and the
last day of the file's period (its `[period]`), around the file's own ceiling. The conformance
test reads every urssaf_golden*.json and wants points in the period of every rates file.

The grid is deterministic: for each date and weekly hours, grosses from just below the SMIC
pro-rated to the hours up to 4 × the full-time SMIC, with points on both sides of each
threshold (SMIC, 1.6 and 3 × SMIC, 1, 4 and 8 × the pro-rated ceiling); headcounts rotate over
every band. Amounts are written as strings so that tests read them as exact Decimals.

A gross exactly equal to 3 × SMIC for the hours is left out (its neighbours one cent either
side stay in): the rule is "no reduction at or above 3 × SMIC", but modele-social compares in
binary floating point, and for some hours 3 × SMIC lands a hair above the exact cent, so the
reference grants the reduction by accident (24 h a week from June 2026: 3 × 12.31 × 24 × 52 / 12
is exactly 3840.72 €, computed as 3840.7200000000003, so 3840.72 € gets 76.83 € of reduction).
"""

import json
import shlex
import subprocess
import sys
import tomllib
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path

OUTPUT = Path(__file__).with_name("urssaf_golden.json")
RATES_DIR = Path(__file__).parents[2] / "portal" / "payroll" / "rates"
DATES = ["2026-01-15", "2026-03-01", "2026-05-31", "2026-06-01", "2026-09-01", "2026-12-01"]
HOURS = ["8", "12", "17.5", "24", "28", "35"]
HEADCOUNTS = [5, 10, 11, 20, 49, 50, 250]
FULL_TIME = Decimal("35")
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
# The 2026 social-security ceiling, only to place points around the ceilings; every figure in
# the output comes from modele-social.
CEILING_2026 = Decimal("4005")
CENT = Decimal("0.01")
# The worked examples of domain-rules.md §2.6 (20 employees, full time, July 2026).
WORKED_EXAMPLES = ["1867.02", "2000", "2500", "3000", "4000", "5000", "5700"]


def cents(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    return value.quantize(CENT, rounding)


def run_reference(folder: Path, situations: list[dict]) -> list[dict]:
    """Evaluate situations with payroll.mjs; gross goes in as a JSON number, as it expects."""
    payload = [
        {**s, "gross": float(s["gross"]), "hours_per_week": float(s["hours_per_week"])}
        for s in situations
    ]
    completed = subprocess.run(
        ["node", "payroll.mjs"],
        cwd=folder,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def grosses(smic_hourly: Decimal, hours: Decimal, ceiling: Decimal = CEILING_2026) -> list[Decimal]:
    """Grosses around every threshold for these hours, within [SMIC - 1 €, 4 × full-time SMIC]."""
    smic = smic_hourly * hours * WEEKS_PER_MONTH
    full_time = smic_hourly * FULL_TIME * WEEKS_PER_MONTH
    ceiling = cents(ceiling * min(Decimal(1), hours / FULL_TIME))
    cliff = cents(3 * smic, ROUND_CEILING)  # the first cent with no general reduction
    exact_cliff = cliff == 3 * smic
    candidates = [
        cents(smic) - 1,
        cents(smic) - CENT,
        cents(smic),
        cents(smic) + CENT,
        cents(smic * Decimal("1.2")),
        cents(smic * Decimal("1.6")) - CENT,
        cents(smic * Decimal("1.6")),
        cents(smic * Decimal("1.6")) + CENT,
        cents(smic * 2),
        cents(smic * Decimal("2.5")),
        cliff - CENT,
        *([] if exact_cliff else [cliff]),
        cliff + CENT,
        *(cents(full_time * k) for k in (1, Decimal("1.5"), 2, 3, 4)),
    ]
    for multiple in (1, 4, 8):
        candidates += [ceiling * multiple - CENT, ceiling * multiple, ceiling * multiple + CENT]
    low, high = cents(smic) - 1, cents(4 * full_time)
    return sorted({g for g in candidates if low <= g <= high})


def rates_file_dates(stem: str) -> tuple[list[str], Decimal]:
    """The first, middle and last day of a rates file's period, and its ceiling (PSS)."""
    with (RATES_DIR / f"{stem}.toml").open("rb") as file:
        data = tomllib.load(file)
    first = date.fromisoformat(data["period"]["valid_from"])
    last = date.fromisoformat(data["period"]["valid_until"])
    middle = first + (last - first) / 2
    days = [first.isoformat(), middle.isoformat(), last.isoformat()]
    return days, Decimal(data["general"]["social_security_ceiling"])


def main(folder: Path, stem: str | None = None) -> None:
    dates, ceiling, output = DATES, CEILING_2026, OUTPUT
    if stem is not None:
        dates, ceiling = rates_file_dates(stem)
        output = OUTPUT.with_name(f"urssaf_golden_{stem}.json")
    probes = run_reference(
        folder, [{"gross": 2000, "hours_per_week": 35, "date": d, "headcount": 20} for d in dates]
    )
    smic_by_date = {p["date"]: Decimal(str(p["smic_hourly"])) for p in probes}
    situations = []
    for date_index, day in enumerate(dates):
        for hours_index, hours in enumerate(HOURS):
            for gross_index, gross in enumerate(
                grosses(smic_by_date[day], Decimal(hours), ceiling)
            ):
                band = (date_index + hours_index + gross_index) % len(HEADCOUNTS)
                situations.append(
                    {
                        "gross": gross,
                        "hours_per_week": Decimal(hours),
                        "date": day,
                        "headcount": HEADCOUNTS[band],
                    }
                )
    if stem is None:
        situations += [
            {
                "gross": Decimal(g),
                "hours_per_week": FULL_TIME,
                "date": "2026-07-01",
                "headcount": 20,
            }
            for g in WORKED_EXAMPLES
        ]
    results = run_reference(folder, situations)
    points = [
        {
            "gross": str(situation["gross"]),
            "hours_per_week": str(situation["hours_per_week"]),
            "date": situation["date"],
            "headcount": situation["headcount"],
            "net_before_tax": str(cents(Decimal(str(result["net_before_tax"])))),
            "employer_cost": str(cents(Decimal(str(result["employer_cost"])))),
            "smic_hourly": str(Decimal(str(result["smic_hourly"]))),
        }
        for situation, result in zip(situations, results, strict=True)
    ]
    modules = folder / "node_modules"
    versions = {
        name: json.loads((modules / name / "package.json").read_text())["version"]
        for name in ("modele-social", "publicodes")
    }
    header = {
        "generated_by": shlex.join(
            ["python3", "tests/reference/make_urssaf_golden.py", *sys.argv[1:]]
        ),
        "modele_social": versions["modele-social"],
        "publicodes": versions["publicodes"],
        "node": subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip(),
    }
    # One point per line keeps diffs readable when the rules change.
    lines = [json.dumps(point, ensure_ascii=False) for point in points]
    text = json.dumps(header, ensure_ascii=False, indent=1)[:-2]
    text += ',\n "points": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"
    json.loads(text)  # stays valid JSON
    output.write_text(text)
    print(f"wrote {len(points)} points to {output}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(f"usage: {sys.argv[0]} PATH_TO_NPM_INSTALLED_URSSAF_REFERENCE [RATES_FILE_DATE]")
    main(Path(sys.argv[1]), *sys.argv[2:])

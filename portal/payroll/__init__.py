"""French payroll engine: pure Python, standard library only (no Flask, no database).

From a monthly gross, contract hours and a date, `compute_payslip` gives every employee and
employer contribution line, the 2026 general reduction (RGDU), net before tax, taxable net and
employer cost; `max_gross_for_budget` solves the inverse. Parameters come from the dated files
in `rates/`. Checked against URSSAF's modele-social rules (tests/reference/urssaf_golden.json).
"""

from .engine import (
    ContributionLine,
    EmployerSettings,
    Payslip,
    compute_payslip,
    max_gross_for_budget,
    minimum_monthly_wage,
    paid_hours,
)
from .errors import N_, InvalidInputError, PayrollError, UnsupportedDateError
from .rates import PayrollRates, effective_dates, rates_on

__all__ = [
    "N_",
    "ContributionLine",
    "EmployerSettings",
    "InvalidInputError",
    "PayrollError",
    "PayrollRates",
    "Payslip",
    "UnsupportedDateError",
    "compute_payslip",
    "effective_dates",
    "max_gross_for_budget",
    "minimum_monthly_wage",
    "paid_hours",
    "rates_on",
]

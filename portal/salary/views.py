from flask import Blueprint, request
from flask_login import current_user, login_required

from portal.db import db
from portal.errors import DomainError
from portal.salary.forms import SimulatorForm
from portal.salary.services import (
    coop_payroll_settings,
    default_hours_per_week,
    simulate_salary,
)
from portal.web.htmx import render

bp = Blueprint("salary", __name__)


@bp.get("/simulator")
@login_required
def simulator():
    """Gross or budget → net, employer cost and every contribution; htmx gets the result only."""
    default_hours = default_hours_per_week(current_user)
    form = SimulatorForm(request.args or None, hours_per_week=default_hours)
    simulation = None
    if form.has_amount() and form.validate():
        try:
            simulation = simulate_salary(
                coop_payroll_settings(db.session), **form.inputs(default_hours)
            )
        except DomainError as error:
            form.show_error(error)
    return render("salary/simulator.html", "salary/_result.html", form=form, simulation=simulation)

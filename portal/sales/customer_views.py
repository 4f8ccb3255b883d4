"""The entrepreneur's customers: the list with its search, a new one, an edit. Each member
sees only their own (another's is a 404, even for staff)."""

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.db import db
from portal.errors import DomainError
from portal.sales.customers import (
    create_customer,
    customer_figures,
    search_customers,
    update_customer,
)
from portal.sales.forms import CustomerForm
from portal.sales.models import Customer
from portal.web.forms import form_error
from portal.web.htmx import redirect_after_post, render

bp = Blueprint("customers", __name__)


def customer_or_404(customer_id: int | None) -> Customer:
    """The current member's customer; another member's is a 404, even for staff, since a
    customer is only ever used on its own entrepreneur's invoices."""
    customer = db.session.get(Customer, customer_id) if customer_id else None
    if customer is None or customer.member_id != current_user.id:
        abort(404)
    return customer


@bp.get("/customers")
@login_required
def index():
    query = request.args.get("q", "")[:100]
    customers = search_customers(db.session, current_user.id, query)
    return render(
        "sales/customers.html",
        "sales/_customer_list.html",
        customers=customers,
        figures=customer_figures(db.session, [customer.id for customer in customers]),
        query=query,
    )


@bp.route("/customers/new", methods=["GET", "POST"])
@login_required
def new():
    form = CustomerForm()
    if form.validate_on_submit():
        try:
            customer = create_customer(db.session, current_user, form.to_input())
        except DomainError as error:
            form_error(form, error)
        else:
            flash(_("Customer saved."), "success")
            if request.args.get("for") == "invoice":
                return redirect_after_post(url_for("sales.new", customer_id=customer.id))
            return redirect_after_post(url_for("customers.index"))
    return render("sales/customer_form.html", form=form, customer=None)


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(customer_id: int):
    customer = customer_or_404(customer_id)
    form = CustomerForm(obj=customer)
    if request.method == "GET":
        form.kind.data = customer.kind.value
        form.country.data = customer.country_code
    if form.validate_on_submit():
        try:
            update_customer(db.session, customer, form.to_input())
        except DomainError as error:
            form_error(form, error)
        else:
            flash(_("Customer saved."), "success")
            return redirect_after_post(url_for("customers.index"))
    return render("sales/customer_form.html", form=form, customer=customer)

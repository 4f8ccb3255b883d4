"""The line editor's page parts, shared by the invoice's and the quote's forms: the
customer list that follows the search box, and the buttons that find or create a customer or
add and remove a line without saving the document."""

from flask import request
from flask_babel import gettext as _

from portal.db import db
from portal.errors import DomainError
from portal.members.models import Member
from portal.money import from_cents
from portal.sales.customers import quick_create_customer, search_customers
from portal.sales.forms import DocumentForm, choices
from portal.sales.models import Customer
from portal.sales.totals import MAX_LINES
from portal.web.forms import form_error


def _customer_choices(member: Member, query: str = "") -> list[tuple[int, str]]:
    customers = search_customers(db.session, member.id, query, limit=1000)
    return [(customer.id, customer.name) for customer in customers]


def prepare_form(form: DocumentForm, member: Member) -> None:
    """The customer list follows the search box, keeping the chosen customer in it."""
    found = _customer_choices(member, form.customer_query.data or "")
    chosen = form.customer_id.data
    if chosen and chosen not in {customer_id for customer_id, _name in found}:
        customer = db.session.get(Customer, chosen)
        if customer is not None and customer.member_id == member.id:
            found.insert(0, (customer.id, customer.name))
    if form.customer_query.data and len(found) == 1:
        form.customer_id.data = found[0][0]
    form.customer_id.choices = choices([(0, _("Choose a customer")), *found])
    form.activity_id.choices = choices(
        [("", _("No activity"))]
        + [(str(activity.id), activity.name) for activity in member.activities]
    )


def lines_data(lines) -> list[dict]:
    """A document's stored lines as the line editor's fields hold them."""
    return [
        dict(
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=from_cents(line.unit_price_cents),
            discount=line.discount_percent or None,
            vat_rate=str(line.vat_rate.normalize()),
        )
        for line in lines
    ]


def handle_form_actions(form: DocumentForm, member: Member) -> bool:
    """Find or create a customer, add or remove a line, without saving the document (the
    htmx buttons, or plain submits without JavaScript). True when the request was one."""
    action = request.form.get("action", "save")
    if action == "find_customer":
        return True  # prepare_form already filtered the list
    if action == "create_customer":
        try:
            customer = quick_create_customer(db.session, member, form.new_customer.to_input())
        except DomainError as error:
            form_error(form.new_customer.form, error, field=form.new_customer.form.name)
            form.quick_customer_open = True
        else:
            form.customer_query.data = ""
            form.customer_id.data = customer.id
            prepare_form(form, member)
            form.new_customer.clear()
            form.customer_created = customer.name
        return True
    if action == "add_line":
        if len(form.lines.entries) >= MAX_LINES:
            form.form_errors.append(_("An invoice has at most %(n)d lines.", n=MAX_LINES))
        else:
            form.lines.append_entry()
        return True
    if action.startswith("remove_line:"):
        try:
            index = int(action.split(":", 1)[1])
        except ValueError:
            return True
        if 0 <= index < len(form.lines.entries) and len(form.lines.entries) > 1:
            del form.lines.entries[index]
        return True
    return False

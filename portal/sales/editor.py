"""The line editor's pages, shared by invoices and quotes: the new and edit pages' flow
(`DocumentEditor`), the customer list that follows the search box, and the buttons that find
or create a customer or add and remove a line without saving the document."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.dates import paris_today
from portal.db import db
from portal.errors import DomainError
from portal.members.models import Member
from portal.money import from_cents
from portal.sales.customer_views import customer_or_404
from portal.sales.customers import quick_create_customer, search_customers
from portal.sales.forms import DocumentForm, choices
from portal.sales.models import Customer
from portal.sales.totals import MAX_LINES, preview_totals
from portal.web.forms import form_error
from portal.web.htmx import render
from portal.web.ids import id_arg


@dataclass(frozen=True)
class DocumentEditor:
    """The new and edit pages of one kind of document (an invoice, a quote): the form with
    its line editor and customer, then the service that saves the draft. The view loads the
    document and checks access; the rest is the same for every kind."""

    form_class: type[DocumentForm]
    page: str
    fragment: str
    # The document's name in the templates: `invoice`, `quote`.
    name: str
    # The field that ends the document's term (`due_date`, `valid_until`) and its default.
    term_field: str
    default_term_end: Callable[[date], date]
    # The kind's own fields beyond the shared ones, as the form and the model name them.
    own_fields: tuple[str, ...]
    # The services: (session, member, input, form_token) -> (document, created), and
    # (session, document, input).
    create: Callable[..., tuple[Any, bool]]
    update: Callable[..., Any]
    # The redirect to the document's page.
    show: Callable[[Any], Response]

    def new(self) -> Response:
        form = self.form_class()
        prepare_form(form, current_user)
        if request.method == "GET":
            today = paris_today()
            form.form_token.data = uuid.uuid4().hex
            form.issue_date.data = today
            form[self.term_field].data = self.default_term_end(today)
            customer_id = id_arg("customer_id")
            if customer_id:
                form.customer_id.data = customer_or_404(customer_id).id
            if len(current_user.activities) == 1:
                form.activity_id.data = str(current_user.activities[0].id)
        elif not handle_form_actions(form, current_user) and form.validate():
            customer = customer_or_404(form.customer_id.data)
            try:
                document, created = self.create(
                    db.session, current_user, form.to_input(customer), form.form_token.data[:64]
                )
            except DomainError as error:
                form_error(form, error)
            else:
                if created:
                    flash(_("Draft saved."), "success")
                return self.show(document)
        return self._page(form, None)

    def edit(self, document) -> Response:
        """`document` is the current member's own, loaded by the view."""
        refusal = document.refusal_to_change()
        if refusal:
            flash(str(refusal), "error")
            return self.show(document)
        if request.method == "GET":
            form = self.form_class(data=self._stored_fields(document))
        else:
            form = self.form_class()
        prepare_form(form, current_user)
        if (
            request.method == "POST"
            and not handle_form_actions(form, current_user)
            and form.validate()
        ):
            customer = customer_or_404(form.customer_id.data)
            try:
                self.update(db.session, document, form.to_input(customer))
            except DomainError as error:
                form_error(form, error)
            else:
                flash(_("Draft saved."), "success")
                return self.show(document)
        return self._page(form, document)

    def _stored_fields(self, document) -> dict:
        """A stored document as the form's fields hold it."""
        own = {name: getattr(document, name) for name in (self.term_field, *self.own_fields)}
        return dict(
            customer_id=document.customer_id,
            activity_id=str(document.activity_id or ""),
            issue_date=document.issue_date,
            operation_type=document.operation_type.value,
            notes=document.notes,
            lines=_lines_data(document.lines),
            **own,
        )

    def _page(self, form: DocumentForm, document) -> Response:
        return render(
            self.page,
            self.fragment,
            form=form,
            totals=preview_totals(form.complete_lines()),
            **{self.name: document},
        )


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


def _lines_data(lines) -> list[dict]:
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

"""One way to show a service's refusal on a form (portal/web/forms.py)."""

from wtforms import FieldList, Form, FormField, StringField

from portal.errors import DomainError
from portal.web.forms import form_error


class LineForm(Form):
    street = StringField()


class ExampleForm(Form):
    name = StringField()
    city = StringField()
    lines = FieldList(StringField(), min_entries=1)
    address = FormField(LineForm)


def test_the_message_goes_under_the_field_it_names():
    form = ExampleForm()  # not validated: its fields' errors are still tuples
    form_error(form, DomainError("Name taken.", field="name"))
    assert form.name.errors == ["Name taken."] and form.form_errors == []


def test_a_field_the_form_lacks_falls_back_to_the_given_field_then_the_top():
    form = ExampleForm()
    form_error(form, DomainError("Too high.", field="gross"), field=form.city)
    form_error(form, DomainError("Refused.", field="gross"))
    form_error(form, DomainError("Closed."))
    assert form.city.errors == ["Too high."]
    assert form.form_errors == ["Refused.", "Closed."]


def test_a_name_that_is_no_field_nor_a_list_of_fields_goes_on_top():
    form = ExampleForm()
    form_error(form, DomainError("At least one line.", field="lines"))
    form_error(form, DomainError("Odd.", field="validate"))
    assert form.form_errors == ["At least one line.", "Odd."]
    assert not form.lines.errors


def test_a_sub_form_takes_the_message_under_its_own_field():
    form = ExampleForm()
    sub = form.address.form
    form_error(sub, DomainError("No such street."), field=sub.street)
    assert sub.street.errors == ["No such street."]

"""Live totals read the posted lines without building InvoiceForm: they must come out exactly
as the form reads them (the slow truth), whatever is typed."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from portal.sales.forms import InvoiceForm, typed_lines
from portal.sales.totals import preview_totals

NUMBERS = [
    "",
    "1",
    "2",
    "0",
    "2,5",
    "1 234,50",
    "1\u00a0000",
    "0,005",
    "0.335",
    " 7 ",
    "-3",
    "1e3",
    "abc",
    "NaN",
    "sNaN",
    "Infinity",
    "1,2,3",
    "12,5 €",
    "99999999,99",
    "٣",
]
RATES = ["20", "10", "5.5", "2.1", "0", "19.6", "20.00", " 20", "", "vingt", "NaN", "sNaN"]
DISCOUNTS = ["", "0", "10", "33,33", "100", "150", "-5", "dix"]
DESCRIPTIONS = ["", " ", "Atelier", "Déplacement"]
UNITS = ["C62", "HUR", "XXX", ""]
FIELDS = {
    "description": DESCRIPTIONS,
    "quantity": NUMBERS,
    "unit": UNITS,
    "unit_price": NUMBERS,
    "discount": DISCOUNTS,
    "vat_rate": RATES,
}
# Keys the form's FieldList reads an index from, or ignores.
ODD_KEYS = [
    "lines-x-description",
    "linesfoo",
    "lines_3-quantity",
    "lines-٣-unit_price",
    "lines-²-description",
    "lines-05-quantity",
    "customer_id",
    "action",
]


@st.composite
def posted_forms(draw) -> MultiDict:
    pairs = []
    for index in draw(st.lists(st.sampled_from([0, 1, 2, 3, 5, 7, 12, 300]), max_size=5)):
        for name, values in FIELDS.items():
            for value in draw(st.lists(st.sampled_from(values), max_size=2)):
                pairs.append((f"lines-{index}-{name}", value))
    for key in draw(st.lists(st.sampled_from(ODD_KEYS), max_size=2)):
        pairs.append((key, draw(st.sampled_from(NUMBERS))))
    return MultiDict(draw(st.permutations(pairs)))


def the_forms_totals(formdata: MultiDict):
    """What the invoice form itself reads from the same fields."""
    form = InvoiceForm(formdata=formdata, meta={"csrf": False})
    return preview_totals(form.complete_lines())


def exactly(totals) -> str:
    return repr(totals)  # Decimal's repr keeps the exponent: 20 and 20.00 differ


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(formdata=posted_forms())
def test_live_totals_read_the_lines_as_the_invoice_form_does(app, formdata):
    with app.test_request_context(method="POST"):
        expected = the_forms_totals(formdata)
        assert exactly(preview_totals(typed_lines(formdata))) == exactly(expected)


def test_live_totals_keep_the_first_201_lines_as_the_form_does(app):
    formdata = MultiDict(
        [(f"lines-{n}-{name}", value) for n in range(230)
         for name, value in (("description", "x"), ("quantity", "1"), ("unit_price", f"{n},5"))]
    )  # fmt: skip
    with app.test_request_context(method="POST"):
        assert exactly(preview_totals(typed_lines(formdata))) == exactly(the_forms_totals(formdata))
        assert len(typed_lines(formdata)) == 201


def test_live_totals_ignore_a_line_number_that_is_not_decimal_digits(logged_in):
    data = {"lines-²-description": "x", "lines-0-description": "A", "lines-0-quantity": "1",
            "lines-0-unit_price": "10", "lines-0-vat_rate": "20"}  # fmt: skip
    response = logged_in.post("/invoices/totals", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "12,00" in response.text


def test_live_totals_ignore_a_line_whose_rate_is_a_signalling_nan(logged_in):
    data = {"lines-0-description": "A", "lines-0-quantity": "1", "lines-0-unit_price": "10",
            "lines-0-vat_rate": "sNaN"}  # fmt: skip
    response = logged_in.post("/invoices/totals", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "0,00" in response.text

"""The OpenAPI document is valid and the app keeps to it: Schemathesis generates requests
from it (valid and invalid ones) and finds no server error and no off-contract response."""

import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portal.api.views import OPENAPI_FILE


def test_openapi_document_is_a_valid_openapi_3_1_document(client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert document == yaml.safe_load(OPENAPI_FILE.read_text())
    assert document["openapi"] == "3.1.0"


def test_openapi_document_describes_every_api_route(app, client):
    documented = {
        (method.upper(), "/api/v1" + path)
        for path, item in client.get("/api/v1/openapi.json").json["paths"].items()
        for method in item
        if method in ("get", "put", "post", "patch", "delete")
    }
    routes = {
        (method, rule.rule.replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented


schema = schemathesis.openapi.from_path(OPENAPI_FILE)


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_keeps_to_its_openapi_document(case, app, bearer, entrepreneur):
    # Every check but "schema-valid data is accepted": business rules (an unknown cursor,
    # 60 hours a week) refuse some requests the schema alone cannot tell apart.
    # Its WSGI transport asks for gzip and reads the body undecoded: plain answers, then
    # (test_static_files checks the compressed ones).
    headers = {**bearer, "Accept-Encoding": "identity"}
    case.call_and_validate(app=app, headers=headers, excluded_checks=[positive_data_acceptance])

"""Fixtures for the sync API: clients with secrets, and bearer tokens got the real way."""

import pytest

from portal.api.services import create_client
from tests.helpers import get_token

# The modules' own fixtures, for the API tests of their entities.
from tests.web.quotes.conftest import issue_quote, issued_quote, make_quote  # noqa: F401
from tests.web.sales.conftest import customer, issued_invoice, make_invoice  # noqa: F401
from tests.web.test_workshops import make_workshop  # noqa: F401
from tests.web.transfers.conftest import (  # noqa: F401
    accepted_transfer,
    contractor,
    make_transfer,
    validated_transfer,
)


@pytest.fixture
def make_api_client(db_session):
    """Factory: `make_api_client(scopes="sync:read")` -> (ApiClient, secret)."""

    def make(name: str = "Back office", scopes: str = "sync:read sync:write"):
        client, secret = create_client(db_session, name, scopes)
        db_session.commit()
        return client, secret

    return make


@pytest.fixture
def token_for(client, make_api_client):
    """Factory: a bearer header for a new client with these scopes."""

    def make(scopes: str = "sync:read sync:write") -> dict:
        api_client, secret = make_api_client(scopes=scopes)
        token = get_token(client, api_client.client_id, secret)
        return {"Authorization": f"Bearer {token['access_token']}"}

    return make


@pytest.fixture
def bearer(token_for):
    return token_for()


@pytest.fixture(autouse=True)
def _services_context(services_context):
    """Services called directly run as in a request or a command (tests/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def _services_context(services_context):
    """Services called directly run as in a request or a command (tests/conftest.py)."""

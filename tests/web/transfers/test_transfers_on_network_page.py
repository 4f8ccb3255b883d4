"""The support team's network page (portal/network) shows the internal transfers in progress,
through the section portal/blueprints.py registers."""

from tests.helpers import login


def test_the_network_page_lists_transfers_in_progress(app, staff, accepted_transfer):
    client = app.test_client()
    login(client, staff.email)
    page = client.get("/network/activity").text
    assert "Camille Durand</strong> → Louis Petit" in page

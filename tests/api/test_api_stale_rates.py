"""The API's projection names the period of the payroll rates when they are stale (rates
folders of the test's own, as in tests/web/test_stale_rates.py)."""


def test_the_api_projection_gives_the_period_of_stale_rates(
    client, bearer, entrepreneur, rates_ended
):
    response = client.get(f"/api/v1/members/{entrepreneur.id}/projection", headers=bearer)
    assert response.json["stale_rates"] == {"valid_from": "2026-01-01", "valid_until": "2026-05-31"}


def test_the_api_projection_has_no_stale_rates_while_current(
    client, bearer, entrepreneur, rates_current
):
    response = client.get(f"/api/v1/members/{entrepreneur.id}/projection", headers=bearer)
    assert response.json["stale_rates"] is None

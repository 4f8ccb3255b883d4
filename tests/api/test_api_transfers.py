"""Internal transfers in the sync API, for the accountant's analytic entries: both members,
number, date, amounts as money strings, lines, status and the reversal link, in the feed
(`internal_transfer`) and at /api/v1/internal-transfers/{id}."""

from datetime import date

from sqlalchemy import func, select

from portal.db import utcnow
from portal.sync.models import Change
from portal.transfers import services


def test_a_validated_transfer_as_the_accountant_reads_it(
    client,
    bearer,
    validated_transfer,
    entrepreneur,
    contractor,
):
    data = client.get(f"/api/v1/internal-transfers/{validated_transfer.id}", headers=bearer).json
    assert data == {
        "id": validated_transfer.id,
        "number": "TI2026-00001",
        "status": "validated",
        "mention": "Transfert de charges",
        "subcontractor": {"id": entrepreneur.id, "email": "camille@example.org"},
        "contractor": {"id": contractor.id, "email": "louis@example.org"},
        "issue_date": "2026-11-20",
        "date": "2026-11-26",
        "total_excl_vat": "1200.00",
        "lines": [
            {"position": 1, "description": "Traduction, partie 1", "total_excl_vat": "800.00"},
            {"position": 2, "description": "Traduction, partie 2", "total_excl_vat": "400.00"},
        ],
        "reverses_id": None,
        "reversed_by_id": None,
        "refusal_reason": None,
        "created_at": validated_transfer.created_at.isoformat(),
        "accepted_at": validated_transfer.accepted_at.isoformat(),
        "validated_at": validated_transfer.validated_at.isoformat(),
    }


def test_a_reversal_is_negative_and_linked_both_ways(
    client,
    bearer,
    db_session,
    validated_transfer,
    entrepreneur,
):
    reversal = services.reverse_transfer(
        db_session, validated_transfer, entrepreneur, date(2026, 11, 28)
    )
    db_session.commit()
    got = client.get(f"/api/v1/internal-transfers/{reversal.id}", headers=bearer).json
    assert got["total_excl_vat"] == "-1200.00"
    assert got["lines"][0]["total_excl_vat"] == "-800.00"
    assert got["reverses_id"] == validated_transfer.id
    assert got["status"] == "issued" and got["number"] is None and got["date"] is None
    original = client.get(
        f"/api/v1/internal-transfers/{validated_transfer.id}", headers=bearer
    ).json
    assert original["reversed_by_id"] == reversal.id


def test_each_step_appears_in_the_feed(
    client,
    bearer,
    db_session,
    make_transfer,
    contractor,
    staff,
):
    start = db_session.scalar(select(func.max(Change.seq))) or 0
    transfer = make_transfer("300")
    services.accept_transfer(db_session, transfer, contractor, utcnow())
    db_session.commit()
    services.validate_transfer(db_session, transfer, staff, date(2026, 11, 26), utcnow())
    db_session.commit()
    items = client.get("/api/v1/changes?limit=1000", headers=bearer).json["items"]
    ours = [i for i in items if i["entity"] == "internal_transfer" and i["seq"] > start]
    assert [i["id"] for i in ours] == [str(transfer.id)] * 3
    assert ours[-1]["data"]["status"] == "validated"
    assert ours[-1]["data"]["total_excl_vat"] == "300.00"


def test_an_unknown_transfer_is_a_404_problem(client, bearer):
    for text_id in ("999999", "abc"):
        response = client.get(f"/api/v1/internal-transfers/{text_id}", headers=bearer)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


def test_the_endpoint_needs_a_token(client, validated_transfer):
    assert client.get(f"/api/v1/internal-transfers/{validated_transfer.id}").status_code == 401

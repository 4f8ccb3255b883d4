"""The change feed: paging, opaque cursors, bounds, order, current data per entity."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import jsonify
from sqlalchemy import func, select

from portal.api.serializers import SERIALIZERS, decimal_string, money
from portal.api.services import decode_cursor, encode_cursor
from portal.api.views import _feed_json
from portal.sales.models import Customer
from portal.sync.models import Change, ChangeOp
from portal.sync.services import record_change


def _all_items(client, bearer, limit):
    items, cursor = [], None
    while True:
        url = f"/api/v1/changes?limit={limit}" + (f"&after={cursor}" if cursor else "")
        page = client.get(url, headers=bearer).json
        items += page["items"]
        cursor = page["next"]
        if not page["has_more"]:
            return items, cursor


def _seq_now(db_session) -> int:
    return db_session.scalar(select(func.max(Change.seq))) or 0


def test_a_change_reaches_the_log_with_its_commit_and_not_after_a_rollback(db_session):
    start = _seq_now(db_session)
    record_change(db_session, "member", 30_000_001)
    db_session.rollback()
    record_change(db_session, "member", 30_000_002, ChangeOp.DELETE)
    db_session.commit()
    logged = db_session.execute(select(Change.entity_id, Change.op).where(Change.seq > start))
    assert logged.all() == [("30000002", ChangeOp.DELETE)]


def test_a_row_not_yet_flushed_reaches_the_log_under_the_id_its_commit_gives_it(
    db_session, make_member
):
    """A writer may note a new row before any flush: the log reads its id at the commit."""
    start = _seq_now(db_session)
    member = make_member()
    customer = Customer(member_id=member.id, name="Boulangerie Dupin")
    db_session.add(customer)
    record_change(db_session, "customer", customer)
    assert customer.id is None  # nothing flushed for the note
    db_session.commit()
    logged = db_session.execute(select(Change.entity, Change.entity_id).where(Change.seq > start))
    assert ("customer", str(customer.id)) in logged.all()


def test_feed_pages_every_change_once_in_order(client, bearer, make_member, db_session):
    start = _seq_now(db_session)
    for _ in range(17):
        make_member()
    items, _cursor = _all_items(client, bearer, limit=7)
    ours = [item for item in items if item["seq"] > start]
    assert len(ours) == 17
    seqs = [item["seq"] for item in items]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_changes_sharing_one_timestamp_are_each_delivered_once(client, bearer, db_session):
    start = _seq_now(db_session)
    for number in range(50):
        record_change(db_session, "member", 10_000_000 + number)
    db_session.commit()
    cursor = encode_cursor(start)
    seen = []
    while True:
        page = client.get(f"/api/v1/changes?after={cursor}&limit=7", headers=bearer).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if not page["has_more"]:
            break
    assert seen == [str(10_000_000 + n) for n in range(50)]


def test_a_change_committed_after_a_page_appears_on_the_next(client, bearer, make_member):
    _items, cursor = _all_items(client, bearer, limit=100)
    member = make_member()
    page = client.get(f"/api/v1/changes?after={cursor}", headers=bearer).json
    assert [(i["entity"], i["id"]) for i in page["items"]] == [("member", str(member.id))]
    again = client.get(f"/api/v1/changes?after={page['next']}", headers=bearer).json
    assert again == {"items": [], "next": page["next"], "has_more": False}


def test_item_carries_the_members_current_data(client, bearer, entrepreneur, db_session):
    _items, cursor = _all_items(client, bearer, limit=1000)
    record_change(db_session, "member", entrepreneur.id)
    db_session.commit()
    (item,) = client.get(f"/api/v1/changes?after={cursor}", headers=bearer).json["items"]
    assert set(item) == {"seq", "entity", "id", "op", "at", "data"}
    assert item["op"] == "upsert" and item["at"].endswith("+00:00")
    assert item["data"]["email"] == "camille@example.org"
    assert item["data"]["contract"]["hourly_rate"] == "14.50"


def test_deletions_and_unknown_entities_carry_no_data(client, bearer, db_session):
    _items, cursor = _all_items(client, bearer, limit=1000)
    record_change(db_session, "member", 999_999, ChangeOp.DELETE)
    record_change(db_session, "not_yet_registered", "abc")
    record_change(db_session, "member", 999_998)
    db_session.commit()
    items = client.get(f"/api/v1/changes?after={cursor}", headers=bearer).json["items"]
    assert [(i["op"], i["data"]) for i in items] == [
        ("delete", None),
        ("upsert", None),
        ("upsert", None),
    ]


@pytest.mark.parametrize(
    "limit", ["0", "1001", "-1", "abc", "1.5", "", "99999999999999999999", "²"]
)
def test_bad_limit_is_a_400_problem(client, bearer, limit):
    response = client.get(f"/api/v1/changes?limit={limit}", headers=bearer)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_limit"


def test_limit_defaults_to_100_and_caps_at_1000(client, bearer, db_session):
    for number in range(120):
        record_change(db_session, "member", 20_000_000 + number)
    db_session.commit()
    assert len(client.get("/api/v1/changes", headers=bearer).json["items"]) == 100
    page = client.get("/api/v1/changes?limit=1000", headers=bearer).json
    assert len(page["items"]) <= 1000


@pytest.mark.parametrize(
    "cursor",
    # The last one reads "v1:9999999999999999999", beyond any BIGINT.
    [
        "nope",
        "%00",
        "djE6LTE",
        "djI6MTI",
        "x" * 100,
        "djE6MDE",
        "====",
        "djE6OTk5OTk5OTk5OTk5OTk5OTk5OQ",
    ],
)
def test_bad_cursor_is_a_400_problem(client, bearer, cursor):
    response = client.get(f"/api/v1/changes?after={cursor}", headers=bearer)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_cursor_round_trips_and_is_opaque():
    assert decode_cursor(encode_cursor(12345)) == 12345
    assert "12345" not in encode_cursor(12345)


def test_feed_read_answers_304_to_its_etag(client, bearer):
    first = client.get("/api/v1/changes", headers=bearer)
    etag = first.headers["ETag"]
    second = client.get("/api/v1/changes", headers={**bearer, "If-None-Match": etag})
    assert second.status_code == 304


def test_member_serializer_is_registered():
    assert "member" in SERIALIZERS


def test_money_and_decimal_formats():
    assert money(cents=123450) == "1234.50"
    assert money(Decimal("0.005")) == "0.01"
    assert decimal_string(Decimal("24")) == "24.00"
    assert decimal_string(Decimal("0.1000")) == "0.10"
    assert decimal_string(Decimal("0.125")) == "0.125"


def test_feed_page_data_takes_a_bounded_number_of_queries(app, client, bearer, make_member):
    from tests.helpers import count_queries

    _items, cursor = _all_items(client, bearer, limit=1000)
    for _ in range(30):
        make_member(activities=("Traduction",))
    with count_queries(app.extensions["database"].engine) as queries:
        page = client.get(f"/api/v1/changes?after={cursor}&limit=1000", headers=bearer).json
    assert len(page["items"]) == 30
    assert all(item["data"]["activities"] == ["Traduction"] for item in page["items"])
    assert queries() < 20


def test_single_and_batch_member_serializers_agree(db_session, entrepreneur):
    from portal.api.serializers import BATCH_SERIALIZERS

    single = SERIALIZERS["member"](db_session, str(entrepreneur.id))
    batch = BATCH_SERIALIZERS["member"](db_session, [str(entrepreneur.id), "x", "999999"])
    assert batch == {str(entrepreneur.id): single}


def test_feed_is_written_as_jsonify_would_with_text_in_utf8(app, client, bearer, make_member):
    make_member(full_name="Hélène Lefèvre")
    response = client.get("/api/v1/changes?limit=1000", headers=bearer)
    assert response.mimetype == "application/json"
    assert "Hélène Lefèvre".encode() in response.data
    with app.app_context():
        written_by_flask = jsonify(response.json).get_data(as_text=True)
    escaped = json.dumps(json.loads(response.data), sort_keys=True, separators=(",", ":"))
    assert escaped + "\n" == written_by_flask


def test_feed_encoder_leaves_dates_and_decimals_to_flasks_rules(app):
    body = {
        "day": date(2026, 3, 31),
        "at": datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
        "amount": Decimal("12.50"),
        "name": "Équipe",
    }
    with app.test_request_context():
        ours = json.loads(_feed_json(body).get_data())
        flasks = json.loads(jsonify(body).get_data())
    assert ours == flasks


def test_fast_money_and_remembered_decimals_give_the_computed_text():
    import random

    from portal.money import round_cents

    numbers = random.Random(7)
    for cents in [0, 1, -1, 5, -5, 99, 100, -100, 123450, 2_147_483_647, -2_147_483_648] + [
        numbers.randrange(-(10**9), 10**9) for _ in range(2_000)
    ]:
        assert money(cents=cents) == str(round_cents(Decimal(cents) / 100))
    # Zero first, then minus zero: remembered by value, they must not share a text.
    values = ["0", "-0", "0.000", "-0.00", "1.000", "1", "0.1250", "12.5", "-3.10", "1E+3"]
    for text in [*values, "0.0000001", "20.00", "5.50", "123.456789"]:
        for places in (1, 2, 3):
            value = Decimal(text)
            normal = value.normalize()
            exponent = min(normal.as_tuple().exponent, -places)
            expected = str(normal.quantize(Decimal(1).scaleb(exponent)))
            assert decimal_string(value, places) == expected, (text, places)

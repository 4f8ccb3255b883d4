"""Migrations build exactly the models' schema, and go down and up again cleanly."""

from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from portal.cli import alembic_config
from portal.db import is_managed_by_models, make_engine
from portal.models import Base
from portal.projection import running_totals


def test_migrated_schema_matches_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": is_managed_by_models}
        context = MigrationContext.configure(connection, opts=opts)
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


@pytest.fixture
def scratch_database(database_url, tmp_path):
    """An empty database apart from the test one: a SQLite file, or a PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        engine = make_engine(url)
        with engine.connect() as connection:
            yield connection
        engine.dispose()
        return
    engine = make_engine(database_url)
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
        connection.execute(text("SET search_path TO migration_check"))
        connection.commit()
        yield connection
        connection.rollback()
        connection.execute(text("SET search_path TO public"))
        connection.execute(text("DROP SCHEMA migration_check CASCADE"))
        connection.commit()
    engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_database):
    config = alembic_config("unused://")
    config.attributes["connection"] = scratch_database

    command.upgrade(config, "head")
    tables = set(inspect(scratch_database).get_table_names())
    assert {"members", "activities", "coop_settings", "login_sessions"} <= tables

    command.downgrade(config, "base")
    assert set(inspect(scratch_database).get_table_names()) <= {"alembic_version"}

    command.upgrade(config, "head")
    assert set(inspect(scratch_database).get_table_names()) == tables


def test_payment_method_leaves_the_reference_for_its_own_column(scratch_database):
    """Payments recorded before the `method` column: the API's "transfer: VIR 0042" and the
    staff's "Virement" both become a method and a reference; the rest say "other"."""
    config = alembic_config("unused://")
    config.attributes["connection"] = scratch_database
    command.upgrade(config, "f245aa02922d")
    tables = Base.metadata.tables
    insert = scratch_database.execute
    # In SQL of the time: the members table has gained columns since.
    insert(
        text(
            "INSERT INTO members (email, full_name, role, contract_hours_per_week, "
            "hourly_gross_rate_cents, active, trusted_invoicing, created_at) "
            "VALUES ('m@example.org', 'M', 'entrepreneur', 0, 0, true, false, :at)"
        ),
        {"at": datetime(2026, 11, 1, tzinfo=UTC)},
    )
    member_id = insert(text("SELECT id FROM members")).scalar()
    customer_id = insert(
        tables["customers"].insert().values(member_id=member_id, name="Client")
    ).inserted_primary_key[0]
    invoice_id = insert(
        tables["invoices"]
        .insert()
        .values(
            member_id=member_id,
            customer_id=customer_id,
            status="validated",
            series="invoice",
            number_year=2026,
            number_sequence=1,
            number="F2026-00001",
            issue_date=date(2026, 11, 1),
            due_date=date(2026, 12, 1),
            total_excl_vat_cents=10_000,
            total_incl_vat_cents=12_000,
        )
    ).inserted_primary_key[0]
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    references = ["transfer: VIR 0042", "check", "Virement", "Chèque n° 12", "", "merci"]
    for reference in references:
        scratch_database.execute(
            text(
                "INSERT INTO payments (invoice_id, amount_cents, received_on, reference, "
                "created_at) VALUES (:invoice, 100, :on, :reference, :at)"
            ),
            {"invoice": invoice_id, "reference": reference, "on": date(2026, 11, 20), "at": now},
        )
    command.upgrade(config, "head")
    rows = scratch_database.execute(text("SELECT method, reference FROM payments ORDER BY id"))
    assert [tuple(row) for row in rows] == [
        ("transfer", "VIR 0042"),
        ("check", ""),
        ("transfer", "Virement"),
        ("check", "Chèque n° 12"),
        ("other", ""),
        ("other", "merci"),
    ]
    command.downgrade(config, "f245aa02922d")
    rows = scratch_database.execute(text("SELECT reference FROM payments ORDER BY id"))
    assert [row[0] for row in rows][:2] == ["transfer: VIR 0042", "check"]


def test_provisions_keep_the_coops_fixed_fees_and_minimum(scratch_database):
    """The one fixed-fee amount becomes the first fee of the list, the one yearly minimum
    applies to CAPE contracts too, and the health plan keeps today's 20 € + 20 €; the
    downgrade gives the list's total back as the one amount."""
    config = alembic_config("unused://")
    config.attributes["connection"] = scratch_database
    command.upgrade(config, "b0a66163636a")
    scratch_database.execute(
        text(
            "INSERT INTO coop_settings (id, legal_name, legal_form, address, siren, siret, "
            "vat_number, rcs, share_capital_cents, default_contribution_rate, headcount, "
            "mobility_levy_rate, invoice_number_pattern, credit_note_number_pattern, "
            "late_penalty_terms, early_payment_terms, iban, bic, vat_on_debits, "
            "contribution_scheme, contribution_basis, contribution_yearly_minimum_cents, "
            "fixed_monthly_fees_cents) VALUES (1, '', '', '', '', '', '', '', 0, 0.1, 20, 0, "
            "'F', 'A', '', '', '', '', false, 'flat', 'invoiced', 216000, 1650)"
        )
    )
    command.upgrade(config, "9d3f2a382e22")
    fees = scratch_database.execute(text("SELECT label, monthly_cents FROM fixed_fees"))
    assert [tuple(row) for row in fees] == [("Frais fixes", 1650)]
    row = scratch_database.execute(
        text(
            "SELECT contribution_yearly_minimum_cape_cents, health_plan_employer_cents, "
            "health_plan_employee_cents, reserve_rate, paid_leave_rate FROM coop_settings"
        )
    ).one()
    assert tuple(row) == (216000, 2000, 2000, 0, 0)
    scratch_database.execute(
        text("INSERT INTO fixed_fees (label, monthly_cents) VALUES ('Logiciel', 400)")
    )
    command.downgrade(config, "b0a66163636a")
    fees = scratch_database.execute(text("SELECT fixed_monthly_fees_cents FROM coop_settings"))
    assert fees.scalar() == 2050


def test_entrepreneurs_history_starts_with_their_status_from_the_day_they_joined(
    scratch_database,
):
    config = alembic_config("unused://")
    config.attributes["connection"] = scratch_database
    command.upgrade(config, "9d3f2a382e22")
    scratch_database.execute(
        text(
            "INSERT INTO members (email, full_name, role, status, contract_hours_per_week, "
            "hourly_gross_rate_cents, active, trusted_invoicing, created_at) VALUES "
            "('e@example.org', 'E', 'entrepreneur', 'salarie', 0, 0, true, false, :at), "
            "('s@example.org', 'S', 'staff', NULL, 0, 0, true, false, :at)"
        ),
        {"at": datetime(2026, 3, 4, 10, tzinfo=UTC)},
    )
    command.upgrade(config, "head")
    rows = scratch_database.execute(
        text("SELECT from_status, to_status, effective_on FROM status_changes")
    )
    assert [(a, b, str(c)) for a, b, c in rows] == [(None, "salarie", "2026-03-04")]
    command.downgrade(config, "9d3f2a382e22")
    assert "status_changes" not in inspect(scratch_database).get_table_names()


def _member_and_customer(run) -> tuple[int, int]:
    """An entrepreneur and a customer of theirs, written as rows (the schema of a revision
    before the head): their ids."""
    run(
        text(
            "INSERT INTO members (email, full_name, role, status, contract_hours_per_week, "
            "hourly_gross_rate_cents, active, trusted_invoicing, created_at) VALUES "
            "('e@example.org', 'E', 'entrepreneur', 'salarie', 0, 0, true, false, :at)"
        ),
        {"at": datetime(2025, 3, 4, 10, tzinfo=UTC)},
    )
    member_id = run(text("SELECT id FROM members")).scalar()
    customers = Base.metadata.tables["customers"]
    customer_id = run(customers.insert().values(member_id=member_id, name="Client"))
    return member_id, customer_id.inserted_primary_key[0]


def test_running_totals_are_filled_from_the_movements_already_recorded(scratch_database):
    """The running totals' migration sums every member's history as the flush would have:
    an invoice of last year, its credit note of this year (giving back last year's base and
    what was paid), a payment, receipts approved and not, a payslip; drafts left out."""
    config = alembic_config("unused://")
    config.attributes["connection"] = scratch_database
    command.upgrade(config, "6ad0d073f1b0")
    run = scratch_database.execute
    tables = Base.metadata.tables
    member_id, customer_id = _member_and_customer(run)
    invoices = tables["invoices"]
    common = dict(member_id=member_id, customer_id=customer_id)
    invoice_id = run(
        invoices.insert().values(
            **common, status="paid", series="invoice", number_year=2025, number_sequence=1,
            number="F1", issue_date=date(2025, 12, 15), due_date=date(2026, 1, 15),
            total_excl_vat_cents=10_000, vat_cents=2_000, total_incl_vat_cents=12_000,
            paid_cents=12_000, credited_cents=3_600,
        )
    ).inserted_primary_key[0]  # fmt: skip
    run(
        invoices.insert().values(
            **common, kind="credit_note", credited_invoice_id=invoice_id, status="validated",
            series="credit_note", number_year=2026, number_sequence=1, number="A1",
            issue_date=date(2026, 2, 3), due_date=date(2026, 2, 3), total_excl_vat_cents=3_000,
            vat_cents=600, total_incl_vat_cents=3_600, refund_due_cents=3_600,
        )
    )  # fmt: skip
    run(
        invoices.insert().values(
            **common, status="draft", issue_date=date(2026, 2, 5), due_date=date(2026, 3, 5),
            total_excl_vat_cents=99_900, vat_cents=0, total_incl_vat_cents=99_900,
        )
    )  # fmt: skip
    run(
        tables["payments"].insert().values(
            invoice_id=invoice_id, amount_cents=12_000, amount_excl_vat_cents=10_000,
            received_on=date(2026, 1, 10),
        )
    )  # fmt: skip
    category_id = run(text("SELECT min(id) FROM expense_categories")).scalar()
    for n, (status, day) in enumerate([("approved", 3), ("reimbursed", 20), ("submitted", 21)]):
        run(
            tables["receipts"].insert().values(
                member_id=member_id, idempotency_key=f"{n:032x}", kind="receipt", status=status,
                spent_on=date(2026, 1, day), supplier="S", amount_cents=1_200, vat_cents=200,
                vat_recoverable_cents=200, category_id=category_id, paid_by="member",
            )
        )  # fmt: skip
    run(
        tables["payslips"].insert().values(
            member_id=member_id, period="2026-01", gross_cents=150_000, net_cents=117_000,
            employer_cost_cents=180_000, paid_on=date(2026, 1, 28),
        )
    )  # fmt: skip
    command.upgrade(config, "head")
    kept = scratch_database.execute(
        text(
            "SELECT month, earlier_year, invoiced_cents, collected_cents, vat_invoiced_cents, "
            "expenses_cents, vat_recoverable_cents, salary_cost_cents "
            "FROM member_month_totals ORDER BY month, earlier_year"
        )
    )
    assert [tuple(row) for row in kept] == [
        ("2025-12", 0, 10_000, 0, 2_000, 0, 0, 0),
        ("2026-01", 0, 0, 10_000, 0, 2_000, 400, 180_000),
        ("2026-02", 2025, -3_000, -3_000, -600, 0, 0, 0),
    ]
    recomputed = running_totals.summed(scratch_database, member_id, date.min, date.max)
    assert sorted(
        (row["month"], row["earlier_year"], *list(row.values())[3:]) for row in recomputed
    ) == [
        ("2025-12", 0, 10_000, 0, 2_000, 0, 0, 0),
        ("2026-01", 0, 0, 10_000, 0, 2_000, 400, 180_000),
        ("2026-02", 2025, -3_000, -3_000, -600, 0, 0, 0),
    ]


def test_deposits_made_before_are_marked_as_deposits(scratch_database):
    """A quote's invoices written as deposits by the portal ("Acompte de 30 % sur le devis
    ...") become deposits; its balance, and an invoice of the whole quote, do not."""
    config = alembic_config("unused://")
    config.attributes["connection"] = scratch_database
    command.upgrade(config, "9b4d2e6f1a37")
    run = scratch_database.execute
    tables = Base.metadata.tables
    member_id, customer_id = _member_and_customer(run)
    common = dict(member_id=member_id, customer_id=customer_id)
    descriptions = {
        "deposit": "Acompte de 30\u00a0% sur le devis D2026-00001",
        "balance": "Solde du devis D2026-00001 (TVA 20\u00a0%)",
        "whole": "Conseil en stratégie",
    }
    ids = {}
    for name, description in descriptions.items():
        quote_id = run(
            tables["quotes"].insert().values(
                **common, status="draft", issue_date=date(2026, 3, 1),
                valid_until=date(2026, 4, 1), operation_type="services",
            )
        ).inserted_primary_key[0]  # fmt: skip
        invoice_id = ids[name] = run(
            tables["invoices"].insert().values(
                **common, status="draft", issue_date=date(2026, 3, 5), due_date=date(2026, 4, 5),
                total_excl_vat_cents=30_000, vat_cents=6_000, total_incl_vat_cents=36_000,
            )
        ).inserted_primary_key[0]  # fmt: skip
        run(
            tables["invoice_lines"].insert().values(
                invoice_id=invoice_id, position=1, description=description, quantity=1,
                unit="LS", unit_price_cents=30_000, discount_percent=0, vat_rate=20,
                net_cents=30_000,
            )
        )  # fmt: skip
        run(
            text(
                "INSERT INTO quote_invoices (invoice_id, quote_id, ceiling_incl_vat_cents) "
                "VALUES (:invoice, :quote, 36000)"
            ),
            {"invoice": invoice_id, "quote": quote_id},
        )
    command.upgrade(config, "head")
    marked = dict(run(text("SELECT invoice_id, is_deposit FROM quote_invoices")).all())
    assert {name: bool(marked[ids[name]]) for name in ids} == {
        "deposit": True,
        "balance": False,
        "whole": False,
    }

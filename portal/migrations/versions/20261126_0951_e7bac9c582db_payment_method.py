"""payment method

Revision ID: e7bac9c582db
Revises: f245aa02922d
Create Date: 2026-11-26 09:51:44.866502+00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e7bac9c582db"
down_revision = "f245aa02922d"
branch_labels = None
depends_on = None

METHODS = ("transfer", "check", "card", "cash", "direct_debit", "other")
# Words staff typed as the reference before there was a column for the method.
FRENCH_WORDS = {
    "transfer": ("virement%", "vir %"),
    "check": ("chèque%", "cheque%", "chq%"),
    "card": ("carte%", "cb%"),
    "cash": ("espèces%", "especes%"),
    "direct_debit": ("prélèvement%", "prelevement%"),
}


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "method",
                sa.Enum(*METHODS, name="payment_method", native_enum=False, length=20),
                server_default="other",
                nullable=False,
            )
        )
    # The API stored the method ahead of the reference ("transfer: VIR 0042", or "transfer"
    # alone): move it to its column and keep the rest as the reference.
    for method in METHODS:
        op.execute(
            sa.text(
                "UPDATE payments SET method = :method, reference = substr(reference, :start) "
                "WHERE substr(reference, 1, :length) = :prefix"
            ).bindparams(
                method=method, prefix=f"{method}: ", length=len(method) + 2, start=len(method) + 3
            )
        )
        op.execute(
            sa.text(
                "UPDATE payments SET method = :method, reference = '' WHERE reference = :method"
            ).bindparams(method=method)
        )
    for method, patterns in FRENCH_WORDS.items():
        for pattern in patterns:
            op.execute(
                sa.text(
                    "UPDATE payments SET method = :method "
                    "WHERE method = 'other' AND lower(reference) LIKE :pattern"
                ).bindparams(method=method, pattern=pattern)
            )


def downgrade() -> None:
    # Back to the method leading the reference, as the API wrote it.
    op.execute(
        "UPDATE payments SET reference = substr(method || ': ' || reference, 1, 100) "
        "WHERE reference <> ''"
    )
    op.execute("UPDATE payments SET reference = method WHERE reference = ''")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("method")

"""reconciliations, the tenants' daily-reconciliation settings, and the message an
entity's transferred copy came from

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 04:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing tenants get the defaults new ones get: reconciled daily, fixes allowed.
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reconcile_daily", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("reconcile_fixes", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("last_reconciliation_slot", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("entity_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_message_id", sa.String(length=36), nullable=True))
    op.create_table(
        "reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=8), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("needs_person", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reconciliations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliations")),
    )
    op.create_index(
        "ix_reconciliations_latest", "reconciliations", ["tenant_id", "finished_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reconciliations_latest", table_name="reconciliations")
    op.drop_table("reconciliations")
    with op.batch_alter_table("entity_states", schema=None) as batch_op:
        batch_op.drop_column("source_message_id")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("last_reconciliation_slot")
        batch_op.drop_column("reconcile_fixes")
        batch_op.drop_column("reconcile_daily")

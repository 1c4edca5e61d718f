"""Operating it: e-mail language and re-check days per tenant, a failure's re-check
deadline, a task's label for Flower, and the HTTP door's bearer tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_language", sa.String(2), nullable=False, server_default="nb")
        )
        batch_op.add_column(
            sa.Column("recheck_days", sa.Integer(), nullable=False, server_default="7")
        )
    with op.batch_alter_table("entity_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recheck_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(200), nullable=True))
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_api_tokens_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("label")
    with op.batch_alter_table("entity_states", schema=None) as batch_op:
        batch_op.drop_column("recheck_until")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("recheck_days")
        batch_op.drop_column("email_language")

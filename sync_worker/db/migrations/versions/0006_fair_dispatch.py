"""Fair dispatch: a message waits for its turn among its tenant's (lane), and each tenant
remembers when it last had one

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WAITING = "dispatched_at IS NULL AND status = 'queued'"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("lane", sa.String(16), nullable=False, server_default="interactive")
        )
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
    # Messages stored before this went to the broker through the outbox already.
    op.execute("UPDATE messages SET dispatched_at = received_at")
    op.create_index(
        "ix_messages_waiting",
        "messages",
        ["tenant_id", "lane", "received_at"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_waiting", table_name="messages")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("dispatched_at")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("lane")
        batch_op.drop_column("dispatched_at")

"""messages.lease_until: in-flight work has a lease, not the broker's visibility timeout

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_messages_lease", "messages", ["status", "lease_until"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_messages_lease", table_name="messages")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("lease_until")

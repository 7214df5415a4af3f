"""Add users.session_token so signing out revokes every copy of a session.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: SQLite supports it for a nullable column, and it avoids
    # a batch rebuild of users and its lower(email) index.
    op.add_column(
        "users", sa.Column("session_token", sa.String(length=64), nullable=True)
    )


def downgrade():
    op.drop_index("uq_users_email_lower", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_token")
    op.create_index(
        "uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True
    )

"""collaboration: assisting units, returns

Revision ID: f1a2b3c40006
Revises: f1a2b3c40005
Create Date: 2026-11-26 22:25:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'f1a2b3c40006'
down_revision = 'f1a2b3c40005'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

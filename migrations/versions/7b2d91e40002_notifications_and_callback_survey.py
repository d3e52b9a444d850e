"""notifications and the callback survey

Revision ID: 7b2d91e40002
Revises: 3a7e0c1f0001
Create Date: 2026-11-26 21:55:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '7b2d91e40002'
down_revision = '3a7e0c1f0001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

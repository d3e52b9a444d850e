"""evaluation: rollups, qualitative scores, weights

Revision ID: 8c4f5a230003
Revises: 7b2d91e40002
Create Date: 2026-11-26 21:55:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '8c4f5a230003'
down_revision = '7b2d91e40002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

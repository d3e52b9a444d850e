"""calendar years and changes: an administrator confirms a year's State
Council schedule; a change of the overrides waits for its deadlines to be
recomputed

Revision ID: f1a2b3c40012
Revises: f1a2b3c40011
Create Date: 2026-11-27 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40012'
down_revision = 'f1a2b3c40011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('notice', sa.String(length=100), nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'],
                                name=op.f('fk_calendar_years_confirmed_by_id_users')),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years')),
    )
    op.create_table(
        'calendar_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('days', sa.JSON(), nullable=False),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('moved', sa.Integer(), nullable=True),
        sa.Column('kept', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_calendar_changes_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_changes')),
    )


def downgrade():
    op.drop_table('calendar_changes')
    op.drop_table('calendar_years')

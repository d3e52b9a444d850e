"""matter kinds: cases.kind, a title and the kind's fields, a wider tracking
number, an optional category, and the per-kind number counters

Revision ID: f1a2b3c40020
Revises: f1a2b3c40018
Create Date: 2026-12-03 14:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40020'
down_revision = 'f1a2b3c40018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'matter_counters',
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('scope', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'scope', name=op.f('pk_matter_counters')),
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32),
                                      server_default='petition', nullable=False))
        batch_op.add_column(sa.Column('title', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
        batch_op.alter_column('tracking_number', existing_type=sa.String(length=16),
                              type_=sa.String(length=64), existing_nullable=False)
        batch_op.alter_column('category_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_cases_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_kind'))
        batch_op.alter_column('category_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column('tracking_number', existing_type=sa.String(length=64),
                              type_=sa.String(length=16), existing_nullable=False)
        batch_op.drop_column('details')
        batch_op.drop_column('title')
        batch_op.drop_column('kind')
    op.drop_table('matter_counters')

"""evaluation today: each case's share of today's counters and durations as
of a watermark, kept by a job every minute

Revision ID: f1a2b3c40027
Revises: f1a2b3c40025
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import core.types

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40027'
down_revision = 'f1a2b3c40025'
branch_labels = None
depends_on = None

COUNTERS = (
    "received", "ack_due", "ack_met", "contact_due", "contact_met", "resolve_due",
    "resolve_met", "resolved", "callbacks", "callbacks_solved", "rated", "satisfied",
    "returned", "reopened", "extended", "escalated_1", "escalated_2", "escalated_3",
    "intake_answers", "rejected",
)


def upgrade():
    op.create_table(
        'evaluation_today_cases',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        *[sa.Column(c, sa.Integer(), nullable=False,
                     server_default='0' if c == 'rejected' else None) for c in COUNTERS],
        sa.PrimaryKeyConstraint('case_id', 'unit_id', name=op.f('pk_evaluation_today_cases')),
    )
    op.create_table(
        'evaluation_today_durations',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('measure', sa.String(length=16), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('case_id', 'unit_id', 'measure', 'bucket',
                                name=op.f('pk_evaluation_today_durations')),
    )
    op.create_table(
        'evaluation_today',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('at', core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_evaluation_today')),
    )


def downgrade():
    op.drop_table('evaluation_today')
    op.drop_table('evaluation_today_durations')
    op.drop_table('evaluation_today_cases')

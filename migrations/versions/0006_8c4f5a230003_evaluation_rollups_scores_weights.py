"""evaluation: rollups, qualitative scores, weights

Revision ID: 8c4f5a230003
Revises: 7b2d91e40002
Create Date: 2026-11-26 21:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c4f5a230003'
down_revision = '7b2d91e40002'
branch_labels = None
depends_on = None

COUNTERS = (
    'received', 'ack_due', 'ack_met', 'contact_due', 'contact_met', 'resolve_due',
    'resolve_met', 'resolved', 'callbacks', 'callbacks_solved', 'rated', 'satisfied',
    'returned', 'reopened', 'extended', 'escalated_1', 'escalated_2', 'escalated_3',
    'intake_answers',
)


def upgrade():
    op.create_table('evaluation_rollups',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS],
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_evaluation_rollups_unit_id_org_units')),
    sa.PrimaryKeyConstraint('unit_id', 'day', name=op.f('pk_evaluation_rollups'))
    )
    with op.batch_alter_table('evaluation_rollups', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_rollups_day_unit', ['day', 'unit_id'], unique=False)

    op.create_table('evaluation_durations',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_evaluation_durations_unit_id_org_units')),
    sa.PrimaryKeyConstraint('unit_id', 'day', 'measure', 'bucket', name=op.f('pk_evaluation_durations'))
    )
    op.create_table('evaluation_month_rollups',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS],
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_evaluation_month_rollups_unit_id_org_units')),
    sa.PrimaryKeyConstraint('unit_id', 'month', name=op.f('pk_evaluation_month_rollups'))
    )
    op.create_table('evaluation_month_durations',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_evaluation_month_durations_unit_id_org_units')),
    sa.PrimaryKeyConstraint('unit_id', 'month', 'measure', 'bucket', name=op.f('pk_evaluation_month_durations'))
    )
    op.create_table('evaluation_months',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_evaluation_months'))
    )
    op.create_table('evaluation_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('materialised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dirty', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_evaluation_days'))
    )
    op.create_table('evaluation_qualitative_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_evaluation_qualitative_scores_score_range')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_evaluation_qualitative_scores_entered_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_evaluation_qualitative_scores_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_qualitative_scores')),
    sa.UniqueConstraint('unit_id', 'month', name='uq_evaluation_qualitative_scores_unit_month')
    )
    with op.batch_alter_table('evaluation_qualitative_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_qualitative_scores_unit_id'), ['unit_id'], unique=False)

    op.create_table('evaluation_weights',
    sa.Column('measure', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('measure', name=op.f('pk_evaluation_weights'))
    )
    # Evaluation reads events by time and assignments by deadline.
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_case_events_at', ['at'], unique=False)
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_assignments_acknowledge_due', ['acknowledge_due'], unique=False)
        batch_op.create_index('ix_evaluation_assignments_contact_due', ['contact_due'], unique=False)


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_assignments_contact_due')
        batch_op.drop_index('ix_evaluation_assignments_acknowledge_due')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_case_events_at')
    op.drop_table('evaluation_weights')
    with op.batch_alter_table('evaluation_qualitative_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_qualitative_scores_unit_id'))
    op.drop_table('evaluation_qualitative_scores')
    op.drop_table('evaluation_days')
    op.drop_table('evaluation_months')
    op.drop_table('evaluation_month_durations')
    op.drop_table('evaluation_month_rollups')
    op.drop_table('evaluation_durations')
    with op.batch_alter_table('evaluation_rollups', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_rollups_day_unit')
    op.drop_table('evaluation_rollups')

"""supervision items: the plan, milestones, progress reports and light changes

Revision ID: f1a2b3c40021
Revises: f1a2b3c40024
Create Date: 2026-12-03 14:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40021'
down_revision = 'f1a2b3c40024'
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'supervision_items',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('report_every_months', sa.Integer(), nullable=False),
        sa.Column('report_by_working_day', sa.Integer(), nullable=False),
        sa.Column('light', sa.String(length=32), nullable=False),
        sa.Column('light_since', UTC_DATETIME, nullable=False),
        sa.Column('escalation_level', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_supervision_items_case_id_cases')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_supervision_items')),
    )
    op.create_index(op.f('ix_supervision_items_light'), 'supervision_items', ['light'])
    op.create_table(
        'supervision_milestones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('done_at', UTC_DATETIME, nullable=True),
        sa.Column('done_note', sa.Text(), nullable=True),
        sa.Column('evidence_id', sa.Integer(), nullable=True),
        sa.Column('reminded_at', UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['supervision_items.case_id'],
                                name=op.f('fk_supervision_milestones_case_id_supervision_items')),
        sa.ForeignKeyConstraint(['evidence_id'], ['attachments.id'],
                                name=op.f('fk_supervision_milestones_evidence_id_attachments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_milestones')),
    )
    op.create_index(op.f('ix_supervision_milestones_case_id'), 'supervision_milestones',
                    ['case_id'])
    op.create_table(
        'supervision_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('reported_at', UTC_DATETIME, nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['supervision_items.case_id'],
                                name=op.f('fk_supervision_reports_case_id_supervision_items')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                                name=op.f('fk_supervision_reports_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_reports')),
    )
    op.create_index(op.f('ix_supervision_reports_case_id'), 'supervision_reports', ['case_id'])
    op.create_table(
        'supervision_light_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('at', UTC_DATETIME, nullable=False),
        sa.Column('light', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ['case_id'], ['supervision_items.case_id'],
            name=op.f('fk_supervision_light_changes_case_id_supervision_items')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_light_changes')),
    )
    op.create_index(op.f('ix_supervision_light_changes_case_id'),
                    'supervision_light_changes', ['case_id'])


def downgrade():
    op.drop_table('supervision_light_changes')
    op.drop_table('supervision_reports')
    op.drop_table('supervision_milestones')
    op.drop_table('supervision_items')

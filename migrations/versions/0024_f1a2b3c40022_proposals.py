"""proposals: sessions (届次), the proposal's own record, co-signers, replies
with their grade and feedback, and change requests

Revision ID: f1a2b3c40022
Revises: f1a2b3c40023
Create Date: 2026-12-03 14:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f1a2b3c40022'
down_revision = 'f1a2b3c40023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'proposal_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('reply_months', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_sessions')),
        sa.UniqueConstraint('name', name=op.f('uq_proposal_sessions_name')),
    )
    op.create_table(
        'proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('proposal_type', sa.String(length=32), nullable=False),
        sa.Column('proposer_name', sa.String(length=100), nullable=False),
        sa.Column('proposer_group', sa.String(length=100), nullable=True),
        sa.Column('proposer_phone', sa.String(length=32), nullable=True),
        sa.Column('proposer_email', sa.String(length=254), nullable=True),
        sa.Column('change_due', sa.DateTime(timezone=True), nullable=True),
        sa.Column('communicated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('communication_mode', sa.String(length=32), nullable=True),
        sa.Column('communication_note', sa.Text(), nullable=True),
        sa.Column('feedback_nonce', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_proposals_case_id_cases')),
        sa.ForeignKeyConstraint(['session_id'], ['proposal_sessions.id'],
                                name=op.f('fk_proposals_session_id_proposal_sessions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
        sa.UniqueConstraint('case_id', name=op.f('uq_proposals_case_id')),
        sa.UniqueConstraint('session_id', 'number', name='uq_proposals_session_number'),
    )
    op.create_index(op.f('ix_proposals_session_id'), 'proposals', ['session_id'], unique=False)
    op.create_table(
        'proposal_signers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('group', sa.String(length=100), nullable=True),
        sa.Column('phone', sa.String(length=32), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_proposal_signers_proposal_id_proposals')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_signers')),
    )
    op.create_index(op.f('ix_proposal_signers_proposal_id'), 'proposal_signers', ['proposal_id'],
                    unique=False)
    op.create_table(
        'proposal_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('grade', sa.String(length=1), nullable=False),
        sa.Column('replied_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('communicated', sa.Boolean(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False),
        sa.Column('feedback', sa.String(length=32), nullable=True),
        sa.Column('feedback_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('feedback_via', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_proposal_replies_proposal_id_proposals')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                                name=op.f('fk_proposal_replies_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_replies')),
    )
    for column in ('proposal_id', 'unit_id', 'replied_at', 'published'):
        op.create_index(op.f(f'ix_proposal_replies_{column}'), 'proposal_replies', [column],
                        unique=False)
    op.create_table(
        'proposal_change_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decision', sa.String(length=32), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.Column('new_unit_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'],
                                name=op.f('fk_proposal_change_requests_assignment_id_assignments')),
        sa.ForeignKeyConstraint(['new_unit_id'], ['org_units.id'],
                                name=op.f('fk_proposal_change_requests_new_unit_id_org_units')),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_proposal_change_requests_proposal_id_proposals')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_change_requests')),
    )
    op.create_index(op.f('ix_proposal_change_requests_proposal_id'), 'proposal_change_requests',
                    ['proposal_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_proposal_change_requests_proposal_id'),
                  table_name='proposal_change_requests')
    op.drop_table('proposal_change_requests')
    for column in ('published', 'replied_at', 'unit_id', 'proposal_id'):
        op.drop_index(op.f(f'ix_proposal_replies_{column}'), table_name='proposal_replies')
    op.drop_table('proposal_replies')
    op.drop_index(op.f('ix_proposal_signers_proposal_id'), table_name='proposal_signers')
    op.drop_table('proposal_signers')
    op.drop_index(op.f('ix_proposals_session_id'), table_name='proposals')
    op.drop_table('proposals')
    op.drop_table('proposal_sessions')

"""documents: an incoming document's handling record (拟办, 批办, 催办, 办结)
and its circulation list (传阅)

Revision ID: f1a2b3c40023
Revises: f1a2b3c40021
Create Date: 2026-12-03 14:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40023'
down_revision = 'f1a2b3c40021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_handlings',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('urgency', sa.String(length=16), nullable=False),
        sa.Column('proposal', sa.Text(), nullable=True),
        sa.Column('proposed_by_id', sa.Integer(), nullable=True),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('instruction', sa.Text(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminders', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_document_handlings_case_id_cases')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_document_handlings_decided_by_id_users')),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'],
                                name=op.f('fk_document_handlings_proposed_by_id_users')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_document_handlings')),
    )
    op.create_table(
        'document_readers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('named_by_id', sa.Integer(), nullable=True),
        sa.Column('named_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_document_readers_case_id_cases')),
        sa.ForeignKeyConstraint(['named_by_id'], ['users.id'],
                                name=op.f('fk_document_readers_named_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_document_readers_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_readers')),
        sa.UniqueConstraint('case_id', 'user_id', name='uq_document_readers'),
    )
    with op.batch_alter_table('document_readers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_readers_case_id'), ['case_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_document_readers_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('document_readers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_readers_user_id'))
        batch_op.drop_index(batch_op.f('ix_document_readers_case_id'))
    op.drop_table('document_readers')
    op.drop_table('document_handlings')

"""sms choices and rejections: SMS held while the sender is asked, rejections counted

An SMS from a citizen with an open case is held in sms_choices while they
are asked where it belongs; the evaluation counts rejections (不予受理). The
case status `rejected` and the events `rejected` / `rejection_reversed`
need no schema change: statuses and event kinds are stored as strings.

Revision ID: f1a2b3c40014
Revises: f1a2b3c40012
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40014'
down_revision = 'f1a2b3c40012'
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"


def upgrade():
    op.create_table(
        'sms_choices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('media', sa.JSON(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('default', sa.String(length=16), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.Enum('pending', 'attached', 'new_case', name='choicestatus',
                                    native_enum=False, create_constraint=False, length=16),
                  nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=16), nullable=True),
        sa.Column('result_case_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_sms_choices_case_id_cases')),
        sa.ForeignKeyConstraint(['result_case_id'], ['cases.id'],
                                name=op.f('fk_sms_choices_result_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_choices')),
    )
    with op.batch_alter_table('sms_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_choices_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_choices_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_sms_choices_status_deadline', ['status', 'deadline_at'],
                              unique=False)
        # At most one question pending per number.
        batch_op.create_index('uq_sms_choices_pending_phone', ['phone'], unique=True,
                              postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choice_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sms_messages_choice_id'), ['choice_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sms_messages_choice_id_sms_choices'),
                                    'sms_choices', ['choice_id'], ['id'])

    for table in ('evaluation_rollups', 'evaluation_month_rollups'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('rejected', sa.Integer(), nullable=False,
                                          server_default='0'))


def downgrade():
    for table in ('evaluation_month_rollups', 'evaluation_rollups'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('rejected')

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sms_messages_choice_id_sms_choices'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sms_messages_choice_id'))
        batch_op.drop_column('choice_id')

    with op.batch_alter_table('sms_choices', schema=None) as batch_op:
        batch_op.drop_index('uq_sms_choices_pending_phone', postgresql_where=sa.text(PENDING),
                            sqlite_where=sa.text(PENDING))
        batch_op.drop_index('ix_sms_choices_status_deadline')
        batch_op.drop_index(batch_op.f('ix_sms_choices_case_id'))
        batch_op.drop_index(batch_op.f('ix_sms_choices_phone'))
    op.drop_table('sms_choices')

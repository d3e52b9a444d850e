"""notifications and the callback survey

Revision ID: 7b2d91e40002
Revises: 3a7e0c1f0001
Create Date: 2026-11-26 21:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7b2d91e40002'
down_revision = '3a7e0c1f0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_notification_templates_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_templates')),
    sa.UniqueConstraint('key', 'channel', 'locale', name='uq_notification_templates_key')
    )
    op.create_table('staff_notify_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('none', 'email', 'sms', name='staffchannel', native_enum=False, length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_notify_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_staff_notify_preferences'))
    )
    op.create_table('callback_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('resolved_event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'asked', 'awaiting_decision', 'closed', 'redone', 'not_rated', 'cancelled', name='surveystatus', native_enum=False, length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('asked_via', sa.String(length=32), nullable=True),
    sa.Column('sms_phone', sa.String(length=32), nullable=True),
    sa.Column('reasked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_via', sa.String(length=16), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('solved', sa.String(length=16), nullable=True),
    sa.Column('satisfaction', sa.String(length=24), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_callback_surveys_answered_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_callback_surveys_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_callback_surveys_decided_by_id_users')),
    sa.ForeignKeyConstraint(['resolved_event_id'], ['case_events.id'], name=op.f('fk_callback_surveys_resolved_event_id_case_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_surveys')),
    sa.UniqueConstraint('resolved_event_id', name=op.f('uq_callback_surveys_resolved_event_id'))
    )
    with op.batch_alter_table('callback_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_surveys_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_surveys_sms_phone'), ['sms_phone'], unique=False)
        batch_op.create_index('ix_callback_surveys_status_due_at', ['status', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('callback_surveys', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_surveys_status_due_at')
        batch_op.drop_index(batch_op.f('ix_callback_surveys_sms_phone'))
        batch_op.drop_index(batch_op.f('ix_callback_surveys_case_id'))

    op.drop_table('callback_surveys')
    op.drop_table('staff_notify_preferences')
    op.drop_table('notification_templates')

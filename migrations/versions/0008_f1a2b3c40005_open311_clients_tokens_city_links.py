"""open311: api clients, tokens, city links

Revision ID: f1a2b3c40005
Revises: e5c0a7b10004
Create Date: 2026-11-26 22:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a2b3c40005'
down_revision = 'e5c0a7b10004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open311_attributes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('datatype', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('datatype_description', sa.Text(), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('variable', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_open311_attributes_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_attributes')),
    sa.UniqueConstraint('category_id', 'code', name=op.f('uq_open311_attributes_category_id'))
    )
    with op.batch_alter_table('open311_attributes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_attributes_category_id'), ['category_id'], unique=False)

    op.create_table('open311_requests',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('media_url', sa.String(length=1000), nullable=True),
    sa.Column('device_id', sa.String(length=100), nullable=True),
    sa.Column('account_id', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_open311_requests_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_open311_requests'))
    )
    op.create_table('city_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_case_id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('city_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_city_cases_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_cases')),
    sa.UniqueConstraint('case_id', name=op.f('uq_city_cases_case_id')),
    sa.UniqueConstraint('city_case_id', name=op.f('uq_city_cases_city_case_id'))
    )
    op.create_table('city_pushes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_city_pushes_case_id_cases')),
    sa.ForeignKeyConstraint(['event_id'], ['case_events.id'], name=op.f('fk_city_pushes_event_id_case_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_pushes')),
    sa.UniqueConstraint('event_id', name=op.f('uq_city_pushes_event_id'))
    )
    with op.batch_alter_table('city_pushes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_pushes_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_city_pushes_delivered_at'), ['delivered_at'], unique=False)

    op.create_table('city_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('referred_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('referred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('city_request_id', sa.String(length=64), nullable=True),
    sa.Column('city_token', sa.String(length=200), nullable=True),
    sa.Column('city_status', sa.String(length=32), nullable=True),
    sa.Column('city_status_notes', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('failed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_city_referrals_case_id_cases')),
    sa.ForeignKeyConstraint(['referred_by_id'], ['users.id'], name=op.f('fk_city_referrals_referred_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_referrals')),
    sa.UniqueConstraint('case_id', name=op.f('uq_city_referrals_case_id'))
    )


def downgrade():
    op.drop_table('city_referrals')
    with op.batch_alter_table('city_pushes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_pushes_delivered_at'))
        batch_op.drop_index(batch_op.f('ix_city_pushes_case_id'))
    op.drop_table('city_pushes')
    op.drop_table('city_cases')
    op.drop_table('open311_requests')
    with op.batch_alter_table('open311_attributes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_attributes_category_id'))
    op.drop_table('open311_attributes')

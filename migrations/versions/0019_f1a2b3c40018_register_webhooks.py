"""register webhooks: a webhook delivery carries a case event or a register
event (one delivery mechanism for both)

Revision ID: f1a2b3c40018
Revises: f1a2b3c40017
Create Date: 2026-12-03 14:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40018'
down_revision = 'f1a2b3c40017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register_event_id', sa.Integer(), nullable=True))
        batch_op.alter_column('case_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column('event_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint('uq_webhook_deliveries_register_event',
                                          ['webhook_id', 'register_event_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_webhook_deliveries_register_event_id_register_events'),
            'register_events', ['register_event_id'], ['id'])


def downgrade():
    # The register's deliveries have no case: they go with the column.
    op.execute("DELETE FROM webhook_deliveries WHERE register_event_id IS NOT NULL")
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_webhook_deliveries_register_event_id_register_events'),
            type_='foreignkey')
        batch_op.drop_constraint('uq_webhook_deliveries_register_event', type_='unique')
        batch_op.alter_column('event_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column('case_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('register_event_id')

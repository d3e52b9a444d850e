"""collaboration: assisting units, returns

Revision ID: f1a2b3c40006
Revises: f1a2b3c40005
Create Date: 2026-11-26 22:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a2b3c40006'
down_revision = 'f1a2b3c40005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('routing_rule_assists',
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['routing_rules.id'], name=op.f('fk_routing_rule_assists_rule_id_routing_rules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_routing_rule_assists_unit_id_org_units')),
    sa.PrimaryKeyConstraint('rule_id', 'unit_id', name=op.f('pk_routing_rule_assists'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Enum('not_responsible', 'wrong_area', 'duplicate', 'insufficient_information', 'other', name='returnreason', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('return_note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('return_note')
        batch_op.drop_column('return_reason')
        batch_op.drop_column('returned_at')
    op.drop_table('routing_rule_assists')

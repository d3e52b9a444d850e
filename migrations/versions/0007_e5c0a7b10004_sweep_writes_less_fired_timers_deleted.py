"""sweep writes less: fired timers are deleted, escalation level unindexed, room for HOT updates

A fired timer's record is its case event; marking the row rewrote every index
of the timers table (the pending index's predicate names the column), and
raising an indexed escalation level did the same to assignments. Both tables
keep 10 % of each page free on PostgreSQL so an update can stay on its page.

Revision ID: e5c0a7b10004
Revises: 8c4f5a230003
Create Date: 2026-11-26 22:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5c0a7b10004'
down_revision = '8c4f5a230003'
branch_labels = None
depends_on = None

PENDING = "cancelled_at IS NULL"
PENDING_BEFORE = "fired_at IS NULL AND cancelled_at IS NULL"


def _pending_index(batch_op, predicate: str) -> None:
    batch_op.create_index('ix_timers_pending_due', ['due_at'], unique=False,
                          postgresql_where=sa.text(predicate), sqlite_where=sa.text(predicate))


def upgrade():
    op.execute("DELETE FROM timers WHERE fired_at IS NOT NULL")
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_pending_due')
        batch_op.drop_column('fired_at')
        _pending_index(batch_op, PENDING)
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_escalation_level'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE assignments SET (fillfactor = 90)")
        op.execute("ALTER TABLE timers SET (fillfactor = 90)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE timers RESET (fillfactor)")
        op.execute("ALTER TABLE assignments RESET (fillfactor)")
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_escalation_level'), ['escalation_level'],
                              unique=False)
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_pending_due')
        batch_op.add_column(sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True))
        _pending_index(batch_op, PENDING_BEFORE)

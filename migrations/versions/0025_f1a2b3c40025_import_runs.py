"""import runs: an import from the administration page, run by a job, with
its stored file, progress and result

Revision ID: f1a2b3c40025
Revises: f1a2b3c40022
Create Date: 2026-12-03 14:10:00

"""
import sqlalchemy as sa
from alembic import op

import core.types

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40025'
down_revision = 'f1a2b3c40022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('filename', sa.String(length=100), nullable=False),
        sa.Column('actor_user_id', sa.Integer(), nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='runstatus',
                                    native_enum=False, create_constraint=False, length=32),
                  nullable=False),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.Column('failure', sa.String(length=300), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('submitted_at', core.types.UTCDateTime(), nullable=False),
        sa.Column('started_at', core.types.UTCDateTime(), nullable=True),
        sa.Column('finished_at', core.types.UTCDateTime(), nullable=True),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'],
                                name=op.f('fk_import_runs_actor_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs')),
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_runs_submitted_at'), ['submitted_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_import_runs_status'))
    op.drop_table('import_runs')

"""evaluation line weights: where an administrator already set weights, the
petition and register lines weigh what their measures' weights add up to,
so each unit's composite score is what it was (no schema change: a line's
weight is the row `line:<name>` of evaluation_weights)

Revision ID: f1a2b3c40024
Revises: f1a2b3c40020
Create Date: 2026-12-03 14:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40024'
down_revision = 'f1a2b3c40020'
branch_labels = None
depends_on = None

# The measures' default weights when the lines came (evaluation/measures.py then).
PETITION = {"signed_on_time": 10.0, "response_rate": 20.0, "resolved_on_time": 15.0,
            "resolution_rate": 20.0, "satisfaction_rate": 20.0, "return_rate": 5.0,
            "redo_rate": 5.0, "extension_rate": 0.0}
REGISTER = {"registered_on_time": 0.0, "visited_on_time": 0.0, "findings_on_time": 0.0,
            "red_emptied": 0.0}

weights = sa.table('evaluation_weights', sa.column('measure', sa.String),
                   sa.column('weight', sa.Float), sa.column('updated_at'))


def upgrade():
    bind = op.get_bind()
    rows = dict(bind.execute(sa.select(weights.c.measure, weights.c.weight)).all())
    if not rows:
        return  # the defaults give the same scores
    at = bind.execute(sa.select(sa.func.max(weights.c.updated_at))).scalar()
    for name, defaults in (("petition", PETITION), ("register", REGISTER)):
        key = f"line:{name}"
        if key in rows:
            continue
        total = sum(rows.get(code, default) for code, default in defaults.items())
        bind.execute(sa.insert(weights).values(measure=key, weight=total, updated_at=at))


def downgrade():
    op.execute(weights.delete().where(weights.c.measure.like('line:%')))

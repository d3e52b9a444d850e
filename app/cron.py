"""RQ cron configuration, run by `rq cron --url $REDIS_URL app/cron.py`.

Every minute the reconciler re-enqueues dispatch for each case the database
says is still waiting, so nothing accepted while Redis was down or flushed is
lost. `reconcile` is the `app.queues.job` wrapper (importable as
`cases.jobs.reconcile`), which gives the worker an app context.
"""

from rq import cron

from cases.jobs import reconcile
from channels.outbox.jobs import reconcile as reconcile_outbox
from escalation.jobs import sweep

cron.register(reconcile, queue_name="dispatch", interval=60)
# Every pending outbox message is sent, whether or not its job survived in Redis.
cron.register(reconcile_outbox, queue_name="notify", interval=60)
# Every reminder and escalation level that is due fires, whether or not its
# scheduled job survived in Redis.
cron.register(sweep, queue_name="escalation", interval=60)

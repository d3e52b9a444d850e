"""RQ cron configuration, run by `rq cron --url $REDIS_URL app/cron.py`.

Every minute the reconciler re-enqueues dispatch for each case the database
says is still waiting, so nothing accepted while Redis was down or flushed is
lost. `reconcile` is the `app.queues.job` wrapper (importable as
`cases.jobs.reconcile`), which gives the worker an app context.
"""

from rq import cron

from cases.jobs import reconcile

cron.register(reconcile, queue_name="dispatch", interval=60)

"""RQ cron configuration, run by `rq cron --url $REDIS_URL app/cron.py`.

The database is the truth and Redis only a messenger: every minute each
reconciler re-enqueues what the database says is still owed (a dispatch, an
outbox message, a due timer, a recording, a webhook delivery, a push to the
city, an SMS whose question timed out, an import from the administration
page), so nothing is lost when Redis was down or flushed. Each registered
function is an `core.queues.job` wrapper, which gives the worker an app
context.
"""

from rq import cron

from app.register.import_jobs import reconcile as reconcile_imports
from cases.jobs import reconcile
from cases.survey import ask_due, close_unanswered
from channels.city12319.push import reconcile as reconcile_city_pushes
from channels.city12319.referral import poll as poll_city_referrals
from channels.notify.rules import notify_staff_of_timers
from channels.outbox.jobs import reconcile as reconcile_outbox
from channels.phone.jobs import reconcile_recordings
from channels.phone.sms_cases import reconcile as decide_sms_choices
from channels.webhooks.deliver import reconcile as reconcile_webhooks
from escalation.jobs import sweep
from escalation.recalculate import recalculate_deadlines
from escalation.supervision_items import refresh_lights
from evaluation.jobs import advance_today
from evaluation.jobs import refresh as refresh_evaluation
from register.privacy import anonymise_departed

MINUTE = 60
DAY = 24 * 60 * MINUTE

cron.register(reconcile, queue_name="dispatch", interval=MINUTE)
cron.register(reconcile_outbox, queue_name="notify", interval=MINUTE)
# Every reminder and escalation level that is due fires.
cron.register(sweep, queue_name="escalation", interval=MINUTE)
# Open deadlines moved by a calendar change still waiting (a lost job's too).
cron.register(recalculate_deadlines, queue_name="escalation", interval=MINUTE)
# Supervision items' traffic lights: reminders before milestones, red escalates.
cron.register(refresh_lights, queue_name="escalation", interval=MINUTE)
cron.register(reconcile_recordings, queue_name="sync", interval=MINUTE)
# An SMS held with the question "1: add it to your case, 2: a new problem"
# takes its default once its deadline has passed, if its own job was lost.
cron.register(decide_sms_choices, queue_name="dispatch", interval=MINUTE)
cron.register(reconcile_webhooks, queue_name="sync", interval=MINUTE)
cron.register(reconcile_city_pushes, queue_name="sync", interval=MINUTE)
# Referrals up to the city: their status polled back into the timeline.
cron.register(poll_city_referrals, queue_name="sync", interval=5 * MINUTE)
# The callback survey: ask those due (the day after resolution); close, "not
# rated", those left unanswered. Held SMS (quiet hours) go out through the
# outbox reconciler once their time comes.
cron.register(ask_due, queue_name="notify", interval=5 * MINUTE)
cron.register(close_unanswered, queue_name="notify", interval=60 * MINUTE)
# Staff hear of reminders and escalations the sweep wrote in bulk.
cron.register(notify_staff_of_timers, queue_name="notify", interval=MINUTE)
# Evaluation: the per-unit per-day rollups of past days (and days a merge made
# dirty); today's rows up to a new watermark every minute, what came after it
# is computed live (evaluation/today.py).
cron.register(refresh_evaluation, queue_name="sync", interval=10 * MINUTE)
cron.register(advance_today, queue_name="sync", interval=MINUTE)
# The register: residents who left more than REGISTER_RETENTION_DAYS ago are
# anonymised (personal information is kept no longer than the duty needs).
cron.register(anonymise_departed, queue_name="sync", interval=DAY)
# Imports from the administration page whose job was lost (a Redis flush, a
# dead worker) go on where their run stopped. On `sync`: the imports queue may be
# busy with a long file, and this only enqueues.
cron.register(reconcile_imports, queue_name="sync", interval=MINUTE)

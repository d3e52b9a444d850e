"""`make chaos`: the promise "nothing lost, nothing late" under the faults
operations will meet (issue 16).

`python -m bench.chaos [--short]` starts a PostgreSQL cluster and a
redis-server of its own on spare ports (the machine's services are never
touched; as root, the cluster runs as an unprivileged user it creates),
migrates and loads the demo district, starts the Procfile's processes (two
gunicorn workers, two RQ workers, the clock, the SMTP intake) with SMS going
to a stand-in for Twilio's API in this process, and sends a bounded Open311
load from several clients. During the load, in order: Redis FLUSHALL; an RQ
worker frozen (SIGSTOP) while it holds a dispatch job, checked in RQ's
registry, then killed (SIGKILL) and replaced; a PostgreSQL restart; a
gunicorn worker killed; the SMTP intake asked to take a mail with the
database stopped (it must answer 451) and again once it is back (250 and a
case). Then it waits for the drain and counts, from the database and from
what the stand-in received: acknowledged but missing, not dispatched,
dispatched twice, notifications sent twice, 5xx answers that made a case,
and the time from the last fault to the drain. One line on stdout, every
figure in bench/chaos.json; the exit status is 1 when a goal is missed.

Modules: `services` (the throwaway PostgreSQL and Redis), `standin` (Twilio),
`system` (the Procfile's processes), `clients` (the load), `faults`,
`count` (the figures), `__main__` (the run).
"""

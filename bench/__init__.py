"""`make bench`: Xietong measured against this machine's own limit.

`python -m bench.run` (or `--smoke`) builds a fresh PostgreSQL database and a
flushed Redis database, starts gunicorn and RQ workers as subprocesses, and
measures, in one run: the raw commit and enqueue limit (`limit`), Open311
intake (`intake`), dispatch latency (`dispatch`) and status lookups
(`lookup`) under load, on shared web workers and again in the deployment the
README recommends for a busy day (`lookup.RECOMMENDED`), CPU per case in one
process (`cpu`), the scale from one web process and one RQ worker to two of
each (`scale`), and the memory of the web and RQ workers. It prints one table
and writes `bench/results.json` (the smoke: `bench/results-smoke.json`).

Items that need features still being built (the escalation sweep, the
evaluation ranking, staff search) plug in as one module each: see
`PLUGGABLE` in `run`.
"""

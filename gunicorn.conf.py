"""gunicorn reads this file from the directory it starts in (the Procfile's,
`make run`'s and the bench's): settings for every web worker.

A worker holds about 200,000 objects once the app is loaded (modules,
mappers, templates). Python's full garbage collection walks all of them,
about 130 ms, once every 1,500 to 2,000 requests. A sync worker serves one
request at a time, so every request queued behind that one waits too; under
load this came out as the p99 of every endpoint. Once the app is loaded they
live as long as the worker, so the worker freezes them: the collector no
longer walks them, and a full collection takes a few milliseconds.
"""

import gc
import os
import time
from pathlib import Path


def post_worker_init(worker) -> None:
    gc.collect()  # what start-up left as garbage is freed, not kept for good
    gc.freeze()


# For the bench (`bench/lookup.py`): with XIETONG_REQUEST_TIMES set to a
# directory, each worker writes one line per request there: the time it spent
# in the worker (from the parsed request to the last byte written) and the
# worker's CPU time meanwhile. A client's latency less the first is the time
# the request waited for a worker; the first less the second is waiting
# inside it (for a CPU, the database, Redis). Unset, no hook is defined.
if os.environ.get("XIETONG_REQUEST_TIMES"):
    _log = {}

    def pre_request(worker, req) -> None:
        req.xietong_began = (time.perf_counter(), time.thread_time())

    def post_request(worker, req, environ, resp) -> None:
        began = getattr(req, "xietong_began", None)
        if began is None:
            return
        wall = (time.perf_counter() - began[0]) * 1000
        cpu = (time.thread_time() - began[1]) * 1000
        out = _log.get(os.getpid())
        if out is None:
            path = Path(os.environ["XIETONG_REQUEST_TIMES"]) / f"{os.getpid()}.tsv"
            out = _log[os.getpid()] = path.open("a", buffering=1, encoding="utf-8")
        out.write(f"{req.method}\t{req.path}\t{wall:.3f}\t{cpu:.3f}\n")

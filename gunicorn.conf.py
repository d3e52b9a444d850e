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


def post_worker_init(worker) -> None:
    gc.collect()  # what start-up left as garbage is freed, not kept for good
    gc.freeze()

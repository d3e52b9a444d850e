"""The Open311 load: `total` POSTs spread evenly over `seconds`, from client
threads in child processes, each request with a marker of its own in the
description and a phone number of its own (so the citizen's SMS are told
apart). Every answer is kept: the status, the service_request_id of a 201,
or the error when there was no answer at all.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import signal
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from bench.load import ADDRESSES, CATEGORIES, DESCRIPTIONS, FORM, Http, community_points
from bench.procs import API_KEY

PROCESSES, THREADS = 2, 4  # 8 clients
TIMEOUT = 10.0  # seconds for one answer


def marker(seq: int) -> str:
    return f"CHAOS{seq:06d}"


def phone(seq: int) -> str:
    return f"139{seq:08d}"


@dataclass
class Answer:
    seq: int
    sent_at: float  # time.time()
    status: int | None  # None: no answer (the connection failed or timed out)
    request_id: str | None = None
    error: str | None = None


def _body(seq: int, rng: random.Random, points) -> bytes:
    fields = {
        "api_key": API_KEY,
        "service_code": rng.choice(CATEGORIES),
        "description": f"{rng.choice(DESCRIPTIONS)} [{marker(seq)}]",
        "phone": phone(seq),
        "first_name": "先生",
        "last_name": "王",
    }
    if points and rng.random() < 0.25:
        lat, long = rng.choice(points)
        fields["lat"], fields["long"] = f"{lat:.6f}", f"{long:.6f}"
    else:
        fields["address_string"] = rng.choice(ADDRESSES)
    return urlencode(fields).encode()


def _post(client: Http, seq: int, rng: random.Random, points) -> Answer:
    sent = time.time()
    try:
        status, data, _ = client.send("POST", "/open311/v2/requests.json",
                                      _body(seq, rng, points), FORM)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(seq, sent, None, error=type(exc).__name__)
    request_id = None
    if status == 201:
        try:
            request_id = json.loads(data)[0]["service_request_id"]
        except (ValueError, LookupError, TypeError):
            return Answer(seq, sent, status, error="201 without a service_request_id")
    return Answer(seq, sent, status, request_id)


def _thread(port: int, seqs: range, start_at: float, period: float, stop_at: float,
            out: list) -> None:
    """Each request at its time, or at once when behind; none after stop_at
    (a server slowed by the faults must not keep the run going forever)."""
    rng = random.Random(seqs.start)
    points = community_points()
    client = Http(port, timeout=TIMEOUT)
    for seq in seqs:
        wait = start_at + seq * period - time.time()
        if wait > 0:
            time.sleep(wait)
        if time.time() >= stop_at:
            break
        out.append(_post(client, seq, rng, points))
    client.close()


def _process(port: int, total: int, first: int, stride: int, start_at: float,
             period: float, stop_at: float, queue) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the orchestrator's handler
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    outs: list[list[Answer]] = [[] for _ in range(THREADS)]
    threads = [threading.Thread(
        target=_thread,
        args=(port, range(first + i * PROCESSES, total, stride), start_at, period, stop_at,
              outs[i]), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put([a for out in outs for a in out])


class Load:
    """Start now (plus `delay`); `wait()` returns every Answer, by seq. The
    clients send nothing after `seconds + grace`: what is left unsent then is
    not posted (and counted so)."""

    def __init__(self, port: int, total: int, seconds: float, delay: float = 1.0,
                 grace: float = 30.0) -> None:
        ctx = multiprocessing.get_context("fork")
        self.total, self.seconds = total, seconds
        self.start_at = time.time() + delay
        self.stop_at = self.start_at + seconds + grace
        period = seconds / total
        stride = PROCESSES * THREADS
        self.queues = [ctx.Queue() for _ in range(PROCESSES)]
        # Process p's thread i sends seq p + i*PROCESSES, then every `stride`-th.
        self.procs = [ctx.Process(
            target=_process,
            args=(port, total, p, stride, self.start_at, period, self.stop_at, q),
            daemon=True) for p, q in enumerate(self.queues)]
        for proc in self.procs:
            proc.start()

    def wait(self) -> list[Answer]:
        answers: list[Answer] = []
        for proc, queue in zip(self.procs, self.queues, strict=True):
            answers.extend(queue.get(timeout=max(self.stop_at - time.time(), 0) + TIMEOUT + 30))
            proc.join(5)
        return sorted(answers, key=lambda a: a.seq)

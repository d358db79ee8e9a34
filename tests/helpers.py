"""Test helpers: a controllable clock for the sandbox, and running queued jobs in-process."""

from __future__ import annotations

import io
import time
from decimal import Decimal

from django.utils import timezone
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from PIL import Image

from generator.models import GenerationTask


class FakeClock:
    def __init__(self, start: float | None = None):
        self.now = start if start is not None else time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def queued_jobs() -> list[tuple[str, tuple]]:
    """What is waiting in the real django-q2 queue (ORM or Redis), left in place."""
    broker = get_broker()
    waiting = broker.queue_size()
    taken = []
    while len(taken) < waiting:
        batch = broker.dequeue() or []
        if not batch:
            break
        taken += batch
    jobs = []
    for ack_id, payload in taken:
        package = SignedPackage.loads(payload)
        jobs.append((package["func"], tuple(package["args"])))
        broker.enqueue(payload)
        if ack_id is not None:
            broker.acknowledge(ack_id)
    return jobs


def run_jobs(max_jobs: int = 200) -> list[str]:
    """Take jobs from the real queue and run them here, as a worker would; returns their names.

    Each job runs at most once per call: a job that queues itself again (the poll sweep)
    is left waiting for the next call instead of spinning here.
    """
    from pydoc import locate

    broker = get_broker()
    ran: list[str] = []
    seen: set[tuple] = set()
    left_waiting = 0
    while len(ran) < max_jobs and broker.queue_size() > left_waiting:
        batch = broker.dequeue() or []
        if not batch:
            break
        for ack_id, payload in batch:
            package = SignedPackage.loads(payload)
            func = package["func"]
            key = (func, tuple(package["args"]))
            if key in seen:
                broker.enqueue(payload)
                left_waiting += 1
            else:
                seen.add(key)
                target = locate(func) if isinstance(func, str) else func
                target(*package["args"], **package["kwargs"])
                ran.append(func.rsplit(".", 1)[-1] if isinstance(func, str) else str(func))
            if ack_id is not None:
                broker.acknowledge(ack_id)
    return ran


def make_polls_due() -> None:
    """Bring every poll forward (an unconfirmed task's deadline is left alone)."""
    GenerationTask.objects.filter(state__in=("SUBMITTED", "RUNNING")).update(
        next_poll_at=timezone.now()
    )


def settle(clock: FakeClock, rounds: int = 10, step: float = 5.0) -> None:
    """Let the sandbox time pass and the jobs run until no task is active."""
    from generator import jobs

    for _ in range(rounds):
        run_jobs()
        if not GenerationTask.objects.active().exists():
            return
        clock.advance(step)
        make_polls_due()
        jobs.poll_sweep()
    run_jobs()


def png_bytes(width: int = 64, height: int = 48, color=(30, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def credits(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def post_generate(client, data: dict, **kwargs):
    """Post the generate form as a browser would: with the one-time token a rendered form
    carries (a fresh one, unless the test gives its own)."""
    import uuid

    return client.post("/generate/", {"submission_token": uuid.uuid4().hex, **data}, **kwargs)

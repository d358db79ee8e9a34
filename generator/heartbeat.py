"""Keep a job's lease alive while its work runs, so a dead worker's lease runs out soon.

A daemon thread calls `renew` every `every` seconds until the work is done or `renew`
answers False (the lease is no longer ours). A killed process takes the thread with it,
so its lease simply stops being renewed and another worker takes the work over.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from django.db import connections

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def heartbeat(renew: Callable[[], bool], every: float) -> Iterator[threading.Event]:
    """Run the body while renewing; the yielded event is set once the lease is lost."""
    done = threading.Event()
    lost = threading.Event()

    def beat() -> None:
        try:
            while not done.wait(every):
                try:
                    still_ours = renew()
                except Exception:  # a database hiccup: try again at the next beat
                    logger.warning("lease renewal failed", exc_info=True)
                    continue
                if not still_ours:
                    lost.set()
                    return
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name="lease-heartbeat", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        done.set()
        thread.join(timeout=every + 5)

"""The sandbox's memory: tasks, files, the balance and its refunds, the rate windows and
the fault draws, behind one lock; and the lazy timeline every family's tasks share.

Tasks progress with the configured clock: a task is finished `duration_seconds` after
its creation, and its pictures are drawn (see media.py) the first time anyone looks at
it after that. Credits are charged at create with the catalog's estimate and refunded
when a generation fails, as kie does. Nothing moves a task along: its state is worked
out from the clock whenever someone looks (a read, a file link, a callback).

Creates count against the rate limit once they pass validation (a rejected 429 is
neither counted nor charged). Input-image URLs that are the sandbox's own files are
drawn upon (a fake edit); any other URL is accepted and ignored, never fetched.

Magic words in a prompt (case-insensitive) simulate trouble; the task fails or hangs
at the end of its duration, and failures are refunded:

- ``[sandbox:policy]`` — content-policy rejection;
- ``[sandbox:fail]`` — generation failure;
- ``[sandbox:stuck]`` — never finishes: stays generating forever, never refunded.

How each family reports them is in its module (`FAILURES`).
"""

from __future__ import annotations

import io
import json
import random
import threading
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PIL import Image

from generator.catalog import Family, find_by_api_model

from . import control, faults
from .api import ApiError, Request, compact
from .faults import CALLBACK, CREATE
from .media import render_image
from .video import make_mp4, render_videos

if TYPE_CHECKING:
    from .app import SandboxConfig

_RATE_WINDOW_SECONDS = 10.0
_MAX_MARKER_COUNTS = 50000  # (task, fault) marker hit counters kept before the oldest go
_MAGIC = (("[sandbox:policy]", "policy"), ("[sandbox:fail]", "fail"), ("[sandbox:stuck]", "stuck"))


@dataclass
class File:
    data: bytes
    mime: str


@dataclass
class Task:
    task_id: str
    family: str  # the FAMILY of its module: "4o", "flux" or "market"
    model: str  # Market model id, Flux model, or "gpt4o-image"
    body: dict[str, Any]  # the create request as received
    prompt: str
    title: str
    sizes: list[tuple[int, int]]
    fmt: str
    file_names: list[str]
    base_name: str | None
    price: Decimal
    outcome: str  # "success", "policy", "fail" or "stuck"
    created_at: float
    rendered: bool = False
    refunded: bool = False
    markers: frozenset[str] = frozenset()  # [sandbox:<fault>] markers in the create body
    callback_url: str = ""
    callback_due: float = 0.0  # when the next delivery attempt may go
    callback_attempts: int = 0
    scale: float = 1.0  # its duration in `duration_seconds` (Veo's take minutes, not seconds)
    # A family's own memory of the task (a video's seconds and sound, Veo's upgrades).
    extra: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0  # a video's length (fmt "mp4")
    audio: bool = False  # a video with a soundtrack


_MIMES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "mp4": "video/mp4"}


def _render(task: Task, width: int, height: int, base: bytes | None) -> bytes:
    """One result file: a picture, or (fmt "mp4") a real H.264 video that starts with
    the input video when it is one of ours (a restyle)."""
    if task.fmt == "mp4":
        source = base if base and base[4:8] == b"ftyp" else None
        return make_mp4(
            task.prompt,
            width,
            height,
            task.seconds,
            audio=task.audio,
            title=task.title,
            source=source,
        )
    return render_image(task.prompt, width, height, task.fmt, task.title, base)


def magic_outcome(prompt: str) -> str:
    lowered = prompt.lower()
    for word, outcome in _MAGIC:
        if word in lowered:
            return outcome
    return "success"


class SandboxState:
    """One simulated kie.ai account. Methods that say "lock held" expect the caller to
    hold `lock`; the others take it themselves."""

    def __init__(self, config: SandboxConfig):
        self.config = config
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every task, file and count; back to the configured balance (lock held)."""
        self.balance = Decimal(str(self.config.credits))
        self.tasks: dict[str, Task] = {}
        self.files: OrderedDict[str, File] = OrderedDict()
        self.pending: dict[str, str] = {}  # result file name -> task id, before rendering
        self.creates: dict[str, deque[float]] = {}
        self.last_discovery = float("-inf")  # model discovery: 1 request per second
        self.record_reads: dict[str, deque[float]] = {}  # 4o task id -> recent read times
        self.to_refund: set[str] = set()  # failing tasks whose credits are not back yet
        self.file_task: dict[str, str] = {}  # result file name -> its task id
        self.marker_counts: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.rng = random.Random(self.config.seed)
        self.callbacks_due: dict[str, Task] = {}  # tasks whose callback is not delivered
        self.suno: dict[str, dict[str, Any]] = {}  # Suno's own facts per task (suno.py)
        self.drawing: dict[str, threading.Event] = {}  # task id -> set once its files are drawn
        self.stats = control.Stats(initial_balance=self.balance)

    # --- the task timeline -----------------------------------------------------------

    def fraction(self, task: Task) -> float:
        duration = self.config.duration_seconds * task.scale
        if duration <= 0:
            return 1.0
        return max(0.0, (self.config.clock() - task.created_at) / duration)

    def state_of(self, task: Task) -> str:
        """Market vocabulary, used internally for every family."""
        fraction = self.fraction(task)
        if fraction < 0.10:
            return "waiting"
        if fraction < 0.25:
            return "queuing"
        if fraction < 1.0 or task.outcome == "stuck":
            return "generating"
        return "success" if task.outcome == "success" else "fail"

    def finished_at(self, task: Task) -> float:
        return task.created_at + max(0.0, self.config.duration_seconds * task.scale)

    def settle_refunds(self) -> None:
        """Give back the credits of failed tasks (lock held)."""
        for task_id in list(self.to_refund):
            task = self.tasks[task_id]
            if self.state_of(task) == "fail":
                task.refunded = True
                self.balance += task.price
                self.stats.refunded += task.price
                self.to_refund.discard(task_id)

    def ensure_rendered(self, task: Task) -> None:
        """Draw a finished task's pictures once (called without the lock: drawing is slow).

        A long video takes a while: whoever asks meanwhile waits for that drawing instead
        of starting another (a client that timed out and polls again)."""
        with self.lock:
            if task.rendered or self.state_of(task) != "success":
                return
            drawing = self.drawing.get(task.task_id)
            if drawing is None:
                self.drawing[task.task_id] = threading.Event()
        if drawing is not None:
            drawing.wait()
            return
        try:
            self._render_files(task)
        finally:
            with self.lock:
                done = self.drawing.pop(task.task_id, None)  # gone after a reset
            if done is not None:
                done.set()

    def _render_files(self, task: Task) -> None:
        # The input may itself be a result that nobody has looked at yet.
        base = self.read_own(task.base_name) if task.base_name else None
        if task.fmt == "mp4" and task.extra:  # Veo and Runway: seconds, sound, extends
            images = render_videos(task, base.data if base else None)
        else:
            images = [
                _render(task, width, height, base.data if base else None)
                for width, height in task.sizes
            ]
        mime = _MIMES[task.fmt]
        with self.lock:
            if task.rendered:
                return
            for name, data in zip(task.file_names, images, strict=True):
                self.pending.pop(name, None)
                self.store(name, data, mime)
            task.rendered = True

    def requested_task(self, request: Request, family: str) -> Task:
        """The task named by the request's taskId, which must be of this family."""
        task_id = request.param("taskId")
        if not task_id:
            raise ApiError(400, "taskId parameter is required")
        with self.lock:
            task = self.tasks.get(task_id)
        if task is None or task.family != family:
            raise ApiError(404, "Task not found")
        return task

    # --- creating tasks --------------------------------------------------------------

    def create_task(
        self,
        *,
        family: str,
        model: str,
        body: dict[str, Any],
        price_family: Family,
        api_model: str | None,
        price_params: dict[str, Any],
        prompt: str,
        title: str,
        sizes: list[tuple[int, int]],
        fmt: str,
        base_name: str | None,
        price: Decimal | None = None,
        task_id: str | None = None,
        scale: float = 1.0,
        extra: dict[str, Any] | None = None,
        seconds: float = 0.0,
        audio: bool = False,
    ) -> dict[str, str]:
        """Count the create against the rate limit, charge the catalog's estimate (or
        `price`) and record the task; answers kie's create `data`."""
        if price is None:
            catalog_model = find_by_api_model(price_family, api_model)
            price = catalog_model.estimate(price_params) if catalog_model else Decimal("0")
        key = self.config.api_key
        with self.lock:
            now = self.config.clock()
            window = self.creates.setdefault(key, deque())
            while window and window[0] <= now - _RATE_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= self.config.create_rate_limit:
                raise ApiError(429, "Rate limit exceeded")
            window.append(now)
            self.settle_refunds()
            if self.balance < price:
                raise ApiError(402, "Insufficient credits")
            self.balance -= price
            task_id = task_id or uuid.uuid4().hex
            markers = faults.markers_in(compact(body))
            ext = "jpg" if fmt == "jpeg" else fmt
            names = [f"{uuid.uuid4().hex}.{ext}" for _ in sizes]
            task = Task(
                task_id=task_id,
                family=family,
                model=model,
                body=json.loads(json.dumps(body)),
                prompt=prompt,
                title=title,
                sizes=sizes,
                fmt=fmt,
                file_names=names,
                base_name=base_name,
                price=price,
                outcome=magic_outcome(prompt),
                created_at=now,
                markers=markers,
                scale=scale,
                extra=dict(extra or {}),
                seconds=seconds,
                audio=audio,
            )
            self.tasks[task_id] = task
            self.stats.created(model, prompt, price)
            for name in names:
                self.pending[name] = task_id
                self.file_task[name] = task_id
            self._forget_old_tasks()
        self._apply_outcome_faults(task)
        return {"taskId": task_id}

    def _apply_outcome_faults(self, task: Task) -> None:
        """fail_after_accept / never_finish (a marker always applies, like the magic
        words), and the task's callback, when it asked for one."""
        if task.outcome == "success":
            if "fail_after_accept" in task.markers or self.fires(
                "fail_after_accept", CREATE, frozenset(), ""
            ):
                task.outcome = "fail"
            elif "never_finish" in task.markers or self.fires(
                "never_finish", CREATE, frozenset(), ""
            ):
                task.outcome = "stuck"
        url = task.body.get("callBackUrl")
        wanted = self.config.callbacks and isinstance(url, str) and bool(url.strip())
        late = wanted and self.fires("callback_out_of_order", CALLBACK, task.markers, task.task_id)
        with self.lock:
            if task.outcome in ("policy", "fail"):
                self.to_refund.add(task.task_id)
            if wanted:
                # Kept exactly as given, query string included.
                task.callback_url = url
                task.callback_due = self.finished_at(task)
                if late:  # held back, so a task that finished later is called back first
                    delay = self.config.out_of_order_delay_seconds
                    task.callback_due += self.rng.uniform(0.2, 1.0) * delay
                self.callbacks_due[task.task_id] = task

    def _forget_old_tasks(self) -> None:
        """Keep at most max_tasks by forgetting the oldest finished ones (lock held)."""
        excess = len(self.tasks) - max(1, self.config.max_tasks)
        doomed = []
        for task_id, task in self.tasks.items():  # oldest first
            if len(doomed) >= excess:
                break
            if task_id not in self.to_refund and self.state_of(task) in ("success", "fail"):
                doomed.append(task)
        for task in doomed:
            del self.tasks[task.task_id]
            self.record_reads.pop(task.task_id, None)
            self.callbacks_due.pop(task.task_id, None)
            for name in task.file_names:
                self.pending.pop(name, None)
                self.file_task.pop(name, None)

    # --- fault draws -----------------------------------------------------------------

    def fires(self, name: str, kind: str, markers: frozenset[str], subject: str) -> bool:
        """Whether fault `name` hits this request (counted in the stats when it does)."""
        if kind not in faults.FAULTS[name]:
            return False
        with self.lock:
            fired = False
            if name in markers and subject:
                key = (subject, name)
                used = self.marker_counts.get(key, 0)
                if used < self.config.marker_hits:
                    self.marker_counts[key] = used + 1
                    self.marker_counts.move_to_end(key)
                    while len(self.marker_counts) > _MAX_MARKER_COUNTS:
                        self.marker_counts.popitem(last=False)
                    fired = True
            if not fired:
                table = self.config.faults
                chance = table.get(name, 0.0) or table.get(f"{name}@{kind}", 0.0)
                fired = chance > 0 and self.rng.random() < chance
            if fired:
                self.stats.fault(name)
            return fired

    # --- files -----------------------------------------------------------------------

    def file_url(self, name: str) -> str:
        return f"{self.config.public_url}/files/{name}"

    def store(self, name: str, data: bytes, mime: str) -> None:
        """Keep a file, forgetting the oldest beyond max_files (lock held)."""
        self.files[name] = File(data, mime)
        self.files.move_to_end(name)
        while len(self.files) > max(1, self.config.max_files):
            self.files.popitem(last=False)

    def own_name(self, url: Any) -> str | None:
        """The file name behind one of our own links (any query ignored), else None
        (lock held).

        Only the path is compared: names are random, and clients may reach the sandbox
        under another host name than `public_url` (localhost vs 127.0.0.1, containers).
        """
        if not isinstance(url, str):
            return None
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https"):
            return None
        prefix = urlsplit(self.config.public_url).path.rstrip("/") + "/files/"
        if not parts.path.startswith(prefix):
            return None
        name = parts.path[len(prefix) :]
        if name in self.files or name in self.pending:
            return name
        return None

    def base_for(self, url: Any) -> str | None:
        """The own file an input-image URL names, which a task then draws upon."""
        with self.lock:
            return self.own_name(url)

    def read_own(self, name: str) -> File | None:
        """Bytes of one of our files, drawing a finished task's result on demand."""
        with self.lock:
            stored = self.files.get(name)
            task_id = self.pending.get(name)
            task = self.tasks.get(task_id) if task_id else None
        if stored is not None:
            return stored
        if task is None:
            return None
        self.ensure_rendered(task)
        with self.lock:
            return self.files.get(name)

    def image_size(self, url: Any) -> tuple[int, int] | None:
        """The width and height of an image of ours that a URL names, else None."""
        name = self.base_for(url)
        stored = self.read_own(name) if name else None
        if stored is None or not stored.mime.startswith("image/"):
            return None
        try:
            with Image.open(io.BytesIO(stored.data)) as image:
                return image.size
        except Exception:  # not a picture after all: nothing to keep the orientation of
            return None

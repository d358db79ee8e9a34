"""The chaos run: many generations through real workers against a faulty sandbox, with
workers killed along the way, then a check that nothing was lost or paid twice.

`manage.py kie chaos` runs in two processes. The one you start picks free ports and a
scratch database (a temp SQLite file, or a new PostgreSQL database beside DATABASE_URL's),
then runs itself again inside that environment; that inner run starts the sandbox, a web
server (kie's callbacks land there) and the workers, queues the tasks, kills and restarts
workers, waits until every task is final, and checks the invariants. Nothing it does
touches the studio's own database, queue or sandbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

INNER_FLAG = "AUTOSCALE_CHAOS_RUN"
BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class ChaosOptions:
    tasks: int = 30
    faults: str = "default"
    workers: int = 2
    kill_every: float = 0.0
    time_limit: float = 1800.0
    sandbox_duration: float = 2.0
    seed: int | None = None
    keep: bool = False


@dataclass
class Processes:
    sandbox: subprocess.Popen | None = None
    web: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    logs: Path | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the outer run: a scratch environment -------------------------------------------


def run_isolated(options: ChaosOptions, argv: list[str]) -> int:
    """Run `argv` (this command, again) in a scratch environment; its exit code."""
    run_id = uuid.uuid4().hex[:8]
    scratch = Path(tempfile.mkdtemp(prefix=f"autoscale-chaos-{run_id}-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KIE_", "DJANGO_DEBUG"))
    }
    sandbox_port, web_port = free_port(), free_port()
    env.update(
        {
            INNER_FLAG: run_id,
            "AUTOSCALE_VAR_DIR": str(scratch),
            "MEDIA_ROOT": str(scratch / "media"),
            "KIE_SANDBOX_PORT": str(sandbox_port),
            "KIE_SANDBOX_URL": f"http://127.0.0.1:{sandbox_port}",
            "KIE_CALLBACK_URL": f"http://127.0.0.1:{web_port}/kie/callback/",
            "CHAOS_WEB_PORT": str(web_port),
            # Short requests, so a killed sweep's lease (a request timeout plus 15 s) runs
            # out quickly and the run measures recovery, not waiting.
            "KIE_TIMEOUT_SECONDS": "10",
            "Q_CLUSTER_NAME": f"chaos-{run_id}",
            "Q_WORKERS": "2",
            "DJANGO_DEBUG": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    database = env.get("DATABASE_URL", "")
    if database:
        env["DATABASE_URL"] = _create_database(database, f"chaos_{run_id}")
    try:
        return subprocess.run(argv, env=env, cwd=BASE_DIR, check=False).returncode
    finally:
        if database:
            _drop_database(database, env["DATABASE_URL"])
        if not options.keep:
            subprocess.run(["rm", "-rf", str(scratch)], check=False)


def _create_database(url: str, suffix: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'autoscale'}_{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop_database(admin_url: str, url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(admin_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the inner run ------------------------------------------------------------------


def run(options: ChaosOptions, out) -> dict:
    """The chaos run itself (inside the scratch environment); its report."""
    from django.conf import settings
    from django.core.management import call_command

    started = time.monotonic()
    rng = random.Random(options.seed)
    call_command("migrate", verbosity=0)
    processes = Processes(logs=Path(settings.VAR_DIR) / "logs")
    processes.logs.mkdir(parents=True, exist_ok=True)
    kills = 0
    try:
        processes.sandbox = _spawn("sandbox", _sandbox_command(options), processes.logs)
        processes.web = _spawn("web", _web_command(), processes.logs)
        _wait_until_up(settings.KIE_SANDBOX_URL + "/_sandbox/stats", 30)
        _wait_until_up(f"http://127.0.0.1:{os.environ['CHAOS_WEB_PORT']}/login/", 30)
        processes.workers = [
            _spawn(f"worker-{n}", _worker_command(), processes.logs) for n in range(options.workers)
        ]
        run_id = os.environ[INNER_FLAG]
        task_ids = queue_tasks(options.tasks, run_id, rng)
        out.write(f"queued {len(task_ids)} tasks; faults {options.faults!r}\n")
        deadline = started + options.time_limit
        next_kill = time.monotonic() + options.kill_every if options.kill_every else None
        last_report = 0.0
        while time.monotonic() < deadline:
            left = _unfinished(task_ids)
            if not left:
                break
            if next_kill and time.monotonic() >= next_kill:
                victim = rng.randrange(len(processes.workers))
                _kill(processes.workers[victim])
                kills += 1
                processes.workers[victim] = _spawn(
                    f"worker-{victim}", _worker_command(), processes.logs
                )
                next_kill = time.monotonic() + options.kill_every
            if time.monotonic() - last_report > 15:
                out.write(f"{time.monotonic() - started:6.0f} s: {left} tasks not final\n")
                last_report = time.monotonic()
            time.sleep(0.5)
        report = check(task_ids, _sandbox_stats(), run_id)
    finally:
        for process in [*processes.workers, processes.web, processes.sandbox]:
            if process:
                _kill(process)
    report["worker_kills"] = kills
    report["wall_seconds"] = round(time.monotonic() - started, 1)
    report["faults"] = options.faults
    report["ok"] = not failed_invariants(report)
    return report


def failed_invariants(report: dict) -> list[str]:
    problems = []
    if report["terminal"] != report["tasks"]:
        problems.append(f"{report['tasks'] - report['terminal']} task(s) not final")
    if report["upstream_tasks_per_local_task"] > 1:
        problems.append("a local task was created more than once upstream")
    if report["orphan_upstream_tasks"]:
        problems.append(f"{report['orphan_upstream_tasks']} upstream task(s) with no local task")
    if report["assets_lost"]:
        problems.append(f"{report['assets_lost']} asset(s) lost or damaged")
    if report["ledger_mismatch_credits"] != 0:
        problems.append(f"ledger differs from kie by {report['ledger_mismatch_credits']} credits")
    return problems


def _python() -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py")]


def _sandbox_command(options: ChaosOptions) -> list[str]:
    command = [
        *_python(),
        "kie",
        "sandbox",
        "--port",
        os.environ["KIE_SANDBOX_PORT"],
        "--duration",
        str(options.sandbox_duration),
        "--credits",
        "1000000",
        "--faults",
        options.faults,
    ]
    if options.seed is not None:
        command += ["--seed", str(options.seed)]
    return command


def _web_command() -> list[str]:
    port = os.environ["CHAOS_WEB_PORT"]
    return [*_python(), "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]


def _worker_command() -> list[str]:
    return [*_python(), "qcluster"]


def _spawn(name: str, command: list[str], logs: Path) -> subprocess.Popen:
    logs.mkdir(parents=True, exist_ok=True)
    log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - owned by the process
    return subprocess.Popen(
        command,
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a kill takes its children too
    )


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL, as a crash would: no cleanup, no goodbye."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _wait_until_up(url: str, seconds: float) -> None:
    headers = {"Authorization": f"Bearer {os.environ.get('KIE_SANDBOX_KEY', 'sandbox')}"}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, headers=headers, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


def _sandbox_stats() -> dict:
    from django.conf import settings

    response = httpx.get(
        settings.KIE_SANDBOX_URL + "/_sandbox/stats",
        headers={"Authorization": f"Bearer {settings.KIE_SANDBOX_KEY}"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


# --- tasks --------------------------------------------------------------------------


def every_operation():
    """Every operation a marketer can start from a prompt, of every model that can be
    submitted: images, videos (Veo, Runway, Kling, Aleph restyling a video) and music
    (Suno songs, sounds, lyrics, mashups of uploaded tracks). Follow-ups need a finished
    result and have their own tests; retired models are refused before anything runs;
    a soundtrack is made here, without kie.ai."""
    from generator import catalog

    return [
        (model, operation)
        for model in catalog.MODELS
        if not model.retired and model.family is not catalog.Family.LOCAL
        for operation in model.operations
        if not operation.is_followup and any(param.name == "prompt" for param in operation.params)
    ]


def queue_tasks(count: int, run_id: str, rng: random.Random) -> list[int]:
    """`count` generations spread over every model and operation of the catalog, made
    through the same door as the generate page; each prompt names its task."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from generator import generations
    from generator.models import GenerationTask

    user, _ = get_user_model().objects.get_or_create(
        username="chaos", defaults={"is_staff": True, "first_name": "Chaos"}
    )
    kinds = every_operation()
    files = _input_files()
    ids = []
    for number in range(count):
        model, operation = kinds[number % len(kinds)]
        images = []
        for position, param in enumerate(operation.file_params):
            wanted = max(param.min_items, 1) if position == 0 else param.min_items
            data, extension = files[param.type]
            images += [
                generations.ImageInput(
                    file=ContentFile(data, name=f"ref-{number}.{extension}"), param=param.name
                )
                for _ in range(wanted)
            ]
        raw = _required_values(model, operation)
        raw["prompt"] = f"{marker(run_id, number)} an office phone, morning light"
        task = generations.start_generation(
            user,
            model.key,
            operation.key,
            raw,
            images,
            submission_token=uuid.uuid4().hex,
        )
        ids.append(task.pk)
        if number % 20 == 19:
            time.sleep(rng.uniform(0, 0.5))  # arrivals in bursts, as people click
    assert GenerationTask.objects.filter(pk__in=ids).count() == count
    return ids


def _required_values(model, operation) -> dict:
    """A plain value for each required setting that has no default (where to continue an
    uploaded track from), and a song's style and title (custom mode asks for them): what
    a marketer would have to type."""
    from generator import catalog

    values = {}
    if model.family is catalog.Family.SUNO:
        names = {param.name for param in operation.params}
        values = {n: word for n, word in (("style", "pop"), ("title", "Chaos")) if n in names}
    for param in operation.params:
        if not param.required or param.default is not None or param.name == "prompt":
            continue
        if param.type in (catalog.ParamType.INT, catalog.ParamType.FLOAT):
            values[param.name] = str(max(param.minimum or 0, 1))
        elif param.type is catalog.ParamType.CHOICE:
            values[param.name] = str(param.choice_values()[0])
        elif param.type is catalog.ParamType.TEXT:
            values[param.name] = "chaos"
    return values


def marker(run_id: str, number: int) -> str:
    return f"[chaos {run_id} #{number}]"


def _input_files() -> dict:
    """One small file per kind of file parameter: a picture, a 2 s video, a 3 s track."""
    from generator import catalog
    from generator.sandbox import audio, video

    tune = audio.plan("chaos input", 3.0)
    return {
        catalog.ParamType.IMAGES: (_reference_png(), "png"),
        catalog.ParamType.VIDEOS: (video.make_mp4("chaos input", 320, 180, 2.0), "mp4"),
        catalog.ParamType.AUDIO: (audio.encode_mp3(audio.render_mix(tune)), "mp3"),
    }


def _reference_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (27, 92, 255)).save(out, "PNG")
    return out.getvalue()


def _unfinished(task_ids: list[int]) -> int:
    from generator.models import FINAL_STATES, GenerationTask

    return GenerationTask.objects.filter(pk__in=task_ids).exclude(state__in=FINAL_STATES).count()


# --- the checks ---------------------------------------------------------------------


def check(task_ids: list[int], stats: dict, run_id: str) -> dict:
    from django.db.models import Sum

    from generator.models import FINAL_STATES, CreditLedgerEntry, GenerationTask, State

    tasks = list(GenerationTask.objects.filter(pk__in=task_ids).prefetch_related("assets"))
    failed_by_kind = Counter(
        task.failure_kind or task.state.lower()
        for task in tasks
        if task.state in FINAL_STATES and task.state != State.SUCCEEDED
    )
    upstream_counts = upstream_tasks_per_marker(stats.get("by_prompt", {}), run_id)
    per_local = [upstream_counts.get(number, 0) for number in range(len(task_ids))]
    ledger = CreditLedgerEntry.objects.filter(task_id__in=task_ids).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)
    kie_spent = Decimal(str(stats["initial_balance"])) - Decimal(str(stats["balance"]))
    reattached = sum(
        1
        for task in tasks
        if any(e.to_state == State.UNCONFIRMED for e in task.events.all()) and task.upstream_task_id
    )
    return {
        "tasks": len(tasks),
        "terminal": sum(task.state in FINAL_STATES for task in tasks),
        "succeeded": sum(task.state == State.SUCCEEDED for task in tasks),
        "failed_by_kind": dict(sorted(failed_by_kind.items())),
        "unknown_outcome": GenerationTask.objects.filter(pk__in=task_ids)
        .unknown_outcomes()
        .count(),
        "reattached_by_callback": reattached,
        "upstream_tasks": int(stats.get("tasks_created", 0)),
        "upstream_tasks_per_local_task": max(per_local, default=0),
        "orphan_upstream_tasks": sum(
            count
            for number, count in upstream_counts.items()
            if number is None or number >= len(task_ids)
        ),
        "assets": sum(len(task.assets.all()) for task in tasks),
        "assets_lost": sum(_lost(asset) for task in tasks for asset in task.assets.all())
        + sum(
            max(len(task.result_urls) - len(task.assets.all()), 0)
            for task in tasks
            if task.state == State.SUCCEEDED
        ),
        "kie_spent_credits": float(kie_spent),
        "ledger_spent_credits": float(-ledger),
        "ledger_mismatch_credits": float(kie_spent + ledger),
        "faults_injected": stats.get("faults_injected", {}),
    }


def upstream_tasks_per_marker(by_prompt: dict, run_id: str) -> Counter:
    """How many upstream tasks carry each local task's marker (None: no marker)."""
    counts: Counter = Counter()
    prefix = f"[chaos {run_id} #"
    for prompt, count in by_prompt.items():
        start = prompt.find(prefix)
        number = None
        if start >= 0:
            digits = prompt[start + len(prefix) :].split("]", 1)[0]
            number = int(digits) if digits.isdigit() else None
        counts[number] += int(count)
    return counts


def _lost(asset) -> bool:
    """Missing from storage, or not the bytes we checksummed when we stored them."""
    digest = hashlib.sha256()
    try:
        with asset.file.open("rb") as stored:
            for chunk in iter(lambda: stored.read(1 << 20), b""):
                digest.update(chunk)
    except (FileNotFoundError, ValueError):
        return True
    return digest.hexdigest() != asset.sha256


def print_report(report: dict, as_json: bool, out) -> None:
    if as_json:
        out.write(json.dumps(report, indent=2, default=str) + "\n")
        return
    for key, value in report.items():
        out.write(f"{key:32} {value}\n")
    for problem in failed_invariants(report):
        out.write(f"FAILED: {problem}\n")

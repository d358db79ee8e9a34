"""`manage.py kie ...`: the studio from a terminal, for scripts and operators.

kie models [--refresh] [--json]
kie generate MODEL [--prompt TEXT] [--operation OP] [--set key=value ...]
             [--image PATH ...] [--file PARAM=PATH ...] [--audio PATH ...]
             [--from ASSET_ID] [--wait] [--timeout S] [--json]
kie status [TASK] [--json]
kie credits [--json]
kie reconcile [--since DATETIME] [--json]
kie budget [--monthly N [--user NAME] | --remove [--user NAME]]
           [--approval-threshold N|none] [--low-balance N] [--json]
kie sandbox [--port N] [--host H] [--duration S] [--credits N] [--visibility-delay S]
            [--retired-models]
            [--faults PROFILE|JSON] [--fault NAME=P ...] [--seed N] [--slow-seconds S]
kie chaos [--tasks N] [--faults PROFILE] [--workers W] [--kill-every S] [--json]
kie user NAME --role marketer|approver|admin [--email E]
kie token NAME [--label TEXT]

It speaks English (operators, scripts, log search): the catalog's labels and validation
messages are the web's translated ones, read here in English. What a task stores for
its creator (its failure) is printed as stored, in the creator's language.
"""

from __future__ import annotations

import argparse
import json
import secrets
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils import timezone, translation

from generator import availability, catalog, followups, generations, jobs, music, roles, soundtrack
from generator.kie import KieError
from generator.models import ApiToken, Asset, CreditBalanceSnapshot, GenerationTask
from generator.sandbox.server import number, port
from generator.upstream import kie_client, mode_label

_UNSET = object()  # an option not given (None means "none")


class Command(BaseCommand):
    help = (
        "kie.ai from the command line: models, generate, status, credits, reconcile, budget, "
        "sandbox, chaos; accounts: user, token."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        models = sub.add_parser("models", help="list the catalog")
        models.add_argument(
            "--refresh",
            action="store_true",
            help="first ask kie.ai which Market models it has (its model list)",
        )
        models.add_argument("--json", action="store_true")

        generate = sub.add_parser("generate", help="start a generation")
        generate.add_argument("model", help="catalog key, e.g. flux-kontext-pro")
        generate.add_argument("--prompt", help="needed except for 1080p, 4k and a reframe")
        generate.add_argument(
            "--operation", help="e.g. text-to-image (default), edit, remix, extend, 1080p, 4k"
        )
        generate.add_argument(
            "--from",
            dest="from_asset",
            type=int,
            metavar="ASSET_ID",
            help="the asset a follow-up acts on (a video to extend or upscale, a track to "
            "extend or separate), or the input file of an operation that takes one",
        )
        generate.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a parameter, e.g. --set aspectRatio=1:1 (repeatable)",
        )
        generate.add_argument(
            "--image",
            action="append",
            default=[],
            metavar="PATH",
            help="the operation's first file: a reference image, a video to restyle (repeatable)",
        )
        generate.add_argument(
            "--file",
            action="append",
            default=[],
            metavar="PARAM=PATH",
            help="a file for another file parameter, e.g. mask_url=mask.png (repeatable)",
        )
        generate.add_argument(
            "--audio",
            action="append",
            default=[],
            metavar="PATH",
            help="a track to upload (Suno upload-cover, upload-extend, mashup; repeatable)",
        )
        generate.add_argument("--user", help="who the task belongs to (default: first staff)")
        generate.add_argument(
            "--wait", action="store_true", help="run the jobs here until the task is finished"
        )
        generate.add_argument("--timeout", type=number(1, 86400), default=900)
        generate.add_argument("--json", action="store_true")

        soundtrack = sub.add_parser("soundtrack", help="put a track under a video (free)")
        soundtrack.add_argument("--video", type=int, required=True, metavar="ASSET_ID")
        soundtrack.add_argument("--audio", type=int, required=True, metavar="ASSET_ID")
        soundtrack.add_argument("--volume", type=number(0, 1), default=0.8)
        soundtrack.add_argument("--user", help="who the task belongs to (default: first staff)")
        soundtrack.add_argument("--wait", action="store_true")
        soundtrack.add_argument("--timeout", type=number(1, 86400), default=900)
        soundtrack.add_argument("--json", action="store_true")

        lyrics = sub.add_parser(
            "timed-lyrics", help="when each word of a Suno track is sung (0.5 credits)"
        )
        lyrics.add_argument("asset", type=int, metavar="ASSET_ID")
        lyrics.add_argument("--json", action="store_true")

        boost = sub.add_parser("boost-style", help="a richer Suno style from a short one (0.4)")
        boost.add_argument("style")
        boost.add_argument("--json", action="store_true")

        persona = sub.add_parser("persona", help="a Suno persona from a track's voice (free)")
        persona.add_argument("asset", type=int, metavar="ASSET_ID")
        persona.add_argument("--name", required=True)
        persona.add_argument("--description", required=True)
        persona.add_argument("--json", action="store_true")

        status = sub.add_parser("status", help="one task, or the latest ones")
        status.add_argument("task", nargs="?", type=int)
        status.add_argument("--json", action="store_true")

        credits = sub.add_parser("credits", help="kie.ai's credit balance")
        credits.add_argument("--json", action="store_true")

        reconcile = sub.add_parser(
            "reconcile",
            help="compare kie.ai's balance movements with the ledger (exit 1: unexplained)",
        )
        reconcile.add_argument(
            "--since",
            type=moment,
            metavar="DATETIME",
            help="from the balance read at this moment (default: where the last one ended)",
        )
        reconcile.add_argument("--json", action="store_true")

        budget = sub.add_parser(
            "budget", help="monthly budgets (the team's, or --user's) and the approval threshold"
        )
        change = budget.add_mutually_exclusive_group()
        change.add_argument(
            "--monthly", type=credit_amount, metavar="N", help="set the monthly budget, in credits"
        )
        change.add_argument("--remove", action="store_true", help="remove the monthly budget")
        budget.add_argument("--user", help="a person's budget instead of the team's")
        budget.add_argument(
            "--approval-threshold",
            type=credit_amount_or_none,
            metavar="N|none",
            default=_UNSET,
            help="a task above N credits waits for an admin's approval (none: never)",
        )
        budget.add_argument(
            "--low-balance", type=credit_amount, metavar="N", help="warn below N credits"
        )
        budget.add_argument("--json", action="store_true")

        sandbox = sub.add_parser("sandbox", help="run the kie.ai simulator")
        sandbox.add_argument("--port", type=port, default=settings.KIE_SANDBOX_PORT)
        sandbox.add_argument("--host", default="127.0.0.1")
        sandbox.add_argument(
            "--duration", type=number(0, 86400), default=8.0, help="seconds from create to result"
        )
        sandbox.add_argument("--credits", type=number(0, 1e12), default=1000)
        sandbox.add_argument(
            "--visibility-delay",
            type=number(0, 3600),
            default=1.0,
            help='seconds a new Market task answers "recordInfo is null", as on kie.ai',
        )
        sandbox.add_argument(
            "--retired-models",
            action="store_true",
            help="serve models kie.ai retired (Luma) as last documented, not as unknown",
        )
        from generator.sandbox.server import add_fault_arguments

        add_fault_arguments(sandbox)

        chaos = sub.add_parser(
            "chaos", help="many tasks through real workers against a faulty sandbox, then checks"
        )
        chaos.add_argument("--tasks", type=int, default=30)
        chaos.add_argument("--faults", default="default", help="a sandbox fault profile")
        chaos.add_argument("--workers", type=int, default=2, help="worker clusters (qcluster)")
        chaos.add_argument(
            "--kill-every",
            type=number(0, 86400),
            default=0,
            help="SIGKILL a random worker every S seconds",
        )
        chaos.add_argument("--time-limit", type=number(1, 86400), default=1800)
        chaos.add_argument("--sandbox-duration", type=number(0, 3600), default=2.0)
        chaos.add_argument("--seed", type=int)
        chaos.add_argument("--keep", action="store_true", help="keep the scratch folder")
        chaos.add_argument("--json", action="store_true")

        account = sub.add_parser(
            "user", help="create or update a studio account and give it a role"
        )
        account.add_argument("name", help="the login name")
        account.add_argument("--role", required=True, choices=list(roles.ROLE_NAMES))
        account.add_argument("--email", help="where review e-mails go")

        token = sub.add_parser("token", help="print a new API token for an account (shown once)")
        token.add_argument("name", help="the account's login name")
        token.add_argument("--label", default="", help="what the token is for")

    def handle(self, *args, action, **options):
        with translation.override("en"):
            return getattr(self, f"do_{action.replace('-', '_')}")(**options)

    def emit(self, payload, as_json: bool, text: str) -> None:
        self.stdout.write(json.dumps(payload, indent=2, default=str) if as_json else text)

    # --- models -------------------------------------------------------------------
    def do_models(self, json: bool = False, refresh: bool = False, **_):
        if refresh:
            with kie_client() as client:
                try:
                    availability.refresh_from_discovery(client)
                except KieError as exc:
                    raise CommandError(f"kie.ai did not give its model list: {exc}") from None
        statuses = availability.statuses()
        rows = [_model_dict(model, statuses[model.key]) for model in catalog.MODELS]
        lines = []
        for model in catalog.MODELS:
            price = "" if model.pricing.documented else " (estimate)"
            status = statuses[model.key]
            shown = "" if status.available else f" [{status.availability}: {status.reason}]"
            lines.append(
                f"{model.key:<18} {model.kind:<6} {model.label} — "
                f"{model.pricing.unit} credits{price}{shown}"
            )
            for op in model.operations:
                params = ", ".join(_param_summary(p) for p in op.params)
                lines.append(f"    {op.key:<16} {params}")
        self.emit(rows, json, "\n".join(lines))

    # --- generate -----------------------------------------------------------------
    def do_generate(
        self,
        model,
        prompt,
        operation,
        set,
        image,
        user,
        wait,
        timeout,
        json,
        from_asset,
        audio=(),
        file=(),
        **_,
    ):
        raw = {"prompt": prompt} if prompt is not None else {}
        for item in set:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--set needs KEY=VALUE, got {item!r}")
            raw[key.strip()] = value
        owner = _owner(user)
        source, images = _from_asset(model, operation, from_asset)
        handles = []
        try:
            named = [("", path) for path in [*image, *audio]]
            for item in file:
                param, sep, path = item.partition("=")
                if not sep or not param.strip() or not path:
                    raise CommandError(f"--file needs PARAM=PATH, got {item!r}")
                named.append((param.strip(), path))
            for param, path in named:
                if not Path(path).is_file():
                    raise CommandError(f"no such file: {path}")
                handle = open(path, "rb")  # noqa: SIM115 - closed below
                handles.append(handle)
                images.append(
                    generations.ImageInput(file=File(handle, name=Path(path).name), param=param)
                )
            try:
                task = generations.start_generation(
                    owner, model, operation, raw, images, source_asset=source
                )
            except catalog.CatalogError as exc:
                raise CommandError(f"invalid request: {exc}") from None
        finally:
            for handle in handles:
                handle.close()
        if wait:
            task = _run_until_finished(task, timeout)
        self.emit(task_dict(task), json, _task_line(task))
        if wait and task.state != "SUCCEEDED":
            raise CommandError(f"task {task.pk} ended {task.state}: {task.failure_message}")

    # --- music ----------------------------------------------------------------------
    def do_soundtrack(self, video, audio, volume, user, wait, timeout, json, **_):
        video_asset = Asset.objects.filter(pk=video).first()
        params = {"audio_asset": audio, "volume": float(volume)}
        problems = soundtrack.check_inputs(params, video_asset)
        if problems:
            raise CommandError("invalid request: " + "; ".join(problems.values()))
        try:
            task = generations.start_generation(
                _owner(user), "soundtrack", "soundtrack", params, source_asset=video_asset
            )
        except catalog.CatalogError as exc:
            raise CommandError(f"invalid request: {exc}") from None
        if wait:
            task = _run_until_finished(task, timeout)
        self.emit(task_dict(task), json, _task_line(task))
        if wait and task.state != "SUCCEEDED":
            raise CommandError(f"task {task.pk} ended {task.state}: {task.failure_message}")

    def _track(self, asset_id: int) -> Asset:
        asset = Asset.objects.select_related("task").filter(pk=asset_id).first()
        if asset is None:
            raise CommandError(f"no asset {asset_id}")
        return asset

    def do_timed_lyrics(self, asset, json, **_):
        track = self._track(asset)
        try:
            with kie_client() as client:
                words = music.timestamped_lyrics(track, client, track.task.created_by)
        except music.SunoCallError as exc:
            raise CommandError(str(exc)) from None
        text = "\n".join(f"{w['start']:7.2f}-{w['end']:7.2f}  {w['word']}" for w in words)
        self.emit(words, json, text)

    def do_boost_style(self, style, json, **_):
        try:
            with kie_client() as client:
                boosted = music.boost_style(style, client, _owner(None))
        except music.SunoCallError as exc:
            raise CommandError(str(exc)) from None
        self.emit({"style": boosted}, json, boosted)

    def do_persona(self, asset, name, description, json, **_):
        track = self._track(asset)
        try:
            with kie_client() as client:
                persona = music.make_persona(track, client, name, description)
        except music.SunoCallError as exc:
            raise CommandError(str(exc)) from None
        self.emit(persona, json, f"{persona['personaId']} {persona['name']}")

    # --- status -------------------------------------------------------------------
    def do_status(self, task=None, json: bool = False, **_):
        if task is not None:
            found = GenerationTask.objects.filter(pk=task).prefetch_related("assets").first()
            if not found:
                raise CommandError(f"no task {task}")
            self.emit(task_dict(found), json, _task_line(found))
            return
        tasks = list(GenerationTask.objects.prefetch_related("assets")[:20])
        self.emit(
            [task_dict(t) for t in tasks],
            json,
            "\n".join(_task_line(t) for t in tasks) or "no tasks yet",
        )

    # --- credits ------------------------------------------------------------------
    def do_credits(self, json: bool = False, **_):
        from generator import credits as spending

        asked = timezone.now()
        with kie_client() as client:
            try:
                balance = client.account.credits()
            except KieError as exc:
                raise CommandError(f"kie.ai did not give the balance: {exc}") from None
        snapshot = CreditBalanceSnapshot.objects.create(
            balance=balance, sandbox=settings.KIE_USE_SANDBOX, requested_at=asked
        )
        usd = (balance * settings.CREDIT_PRICE_USD).quantize(Decimal("0.01"))
        seen = spending.forecast(balance)
        payload = {
            "credits": _number(balance),
            "usd": float(usd),
            "low": balance < spending.CreditPolicy.current().low_balance,
            "per_day": _number(seen.per_day),
            "runs_out_on": seen.runs_out_on.isoformat() if seen.runs_out_on else None,
            "mode": mode_label(),
            "at": snapshot.at,
        }
        text = f"{balance} credits ({mode_label()}), about ${usd}"
        if seen.runs_out_on:
            text += f"; at {seen.per_day} credits a day it runs out around {seen.runs_out_on}"
        self.emit(payload, json, text)

    # --- reconcile ----------------------------------------------------------------
    def do_reconcile(self, since=None, json: bool = False, **_):
        import sys

        from generator import reconciliation

        try:
            done = reconciliation.reconcile(since)
        except reconciliation.ReconcileError as exc:
            raise CommandError(str(exc)) from None
        result = done.as_json()
        lines = [
            f"{result['period_start']} -> {result['period_end']}: kie.ai's balance moved "
            f"{result['provider_spent']} credits, the ledger explains {result['ledger_spent']}"
            + (f"; {result['unexplained']} unexplained" if done.unexplained else "; all explained")
        ]
        for flag in done.flags:
            tasks = ", ".join(f"#{task['id']}" for task in flag["tasks"]) or "none"
            lines.append(
                f"  {flag['from']} -> {flag['to']}: {flag['unexplained']} credits not explained"
                f" (tasks around it: {tasks})"
            )
        self.emit(result, json, "\n".join(lines))
        if done.unexplained > 0:
            sys.exit(1)

    # --- budget -------------------------------------------------------------------
    def do_budget(
        self,
        monthly=None,
        remove=False,
        user=None,
        approval_threshold=_UNSET,
        low_balance=None,
        json: bool = False,
        **_,
    ):
        from generator import credits as spending
        from generator.models import Budget, CreditPolicy

        person = _owner(user) if user else None
        if monthly is not None:
            Budget.objects.update_or_create(
                user=person, is_team=person is None, defaults={"monthly_credits": monthly}
            )
        if remove:
            removed, _count = Budget.objects.filter(user=person, is_team=person is None).delete()
            if not removed:
                raise CommandError(
                    f"no {'budget for ' + user if user else 'team budget'} to remove"
                )
        if approval_threshold is not _UNSET or low_balance is not None:
            policy = CreditPolicy.current()
            if approval_threshold is not _UNSET:
                policy.approval_threshold = approval_threshold
            if low_balance is not None:
                policy.low_balance = low_balance
            policy.save()
        rows = []
        for budget in Budget.objects.select_related("user"):
            use = spending.use_of(budget)
            rows.append(
                {
                    "user": budget.user.username if budget.user else None,
                    "name": budget.name,
                    "monthly_credits": float(budget.monthly_credits),
                    "spent": float(use.spent),
                    "left": float(use.left),
                    "percent": use.percent,
                }
            )
        policy = CreditPolicy.current()
        threshold = policy.approval_threshold
        payload = {
            "month_start": spending.month_start().isoformat(),
            "budgets": rows,
            "approval_threshold": None if threshold is None else float(threshold),
            "low_balance": float(policy.low_balance),
        }
        lines = [
            f"{row['name']}: {row['spent']:g} of {row['monthly_credits']:g} credits spent "
            f"this month ({row['percent']} %), {row['left']:g} left"
            for row in rows
        ] or ["no budget set"]
        lines.append(
            "approval: none needed"
            if threshold is None
            else f"approval: tasks above {threshold} credits wait for an admin"
        )
        self.emit(payload, json, "\n".join(lines))

    # --- sandbox ------------------------------------------------------------------
    def do_sandbox(
        self,
        port,
        host,
        duration,
        credits,
        visibility_delay=1.0,
        faults="none",
        fault=(),
        seed=None,
        slow_seconds=2.0,
        retired_models=False,
        **_,
    ):
        from decimal import Decimal

        from generator.sandbox import SandboxConfig, serve
        from generator.sandbox.faults import FaultError
        from generator.sandbox.server import fault_options

        try:
            table = fault_options(faults, list(fault or ()))
        except FaultError as exc:
            raise CommandError(str(exc)) from None
        config = SandboxConfig(
            api_key=settings.KIE_SANDBOX_KEY,
            credits=Decimal(str(credits)),
            duration_seconds=duration,
            visibility_delay_seconds=visibility_delay,
            public_url=f"http://{host}:{port}",
            faults=table,
            seed=seed,
            slow_seconds=slow_seconds,
            callbacks=True,
            retired_models=retired_models,
        )
        try:
            serve(host, port, config)
        except OSError as exc:  # the port is taken, or not ours to bind
            raise CommandError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None

    # --- chaos --------------------------------------------------------------------
    def do_chaos(self, json: bool = False, **options):
        import os
        import sys

        from generator import chaos

        fields = chaos.ChaosOptions.__dataclass_fields__
        run = chaos.ChaosOptions(**{k: v for k, v in options.items() if k in fields})
        if run.tasks < 1 or run.workers < 1:
            raise CommandError("--tasks and --workers must be at least 1")
        if chaos.INNER_FLAG not in os.environ:  # first, a scratch database, queue and ports
            argv = [sys.executable, str(chaos.BASE_DIR / "manage.py"), "kie", "chaos"]
            code = chaos.run_isolated(run, argv + _chaos_args(run, json))
            if code:
                sys.exit(code)
            return
        report = chaos.run(run, self.stderr)
        chaos.print_report(report, json, self.stdout)
        if not report["ok"]:
            sys.exit(1)

    # --- accounts -----------------------------------------------------------------
    def do_user(self, name, role, email=None, **_):
        """Create the account (printing its generated password, once) or update it; either
        way it ends up holding exactly `role`."""
        users = get_user_model().objects
        if email is not None:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"not an e-mail address: {email!r}") from None
        user = users.filter(username=name).first()
        password = None
        if user is None:
            try:
                users.model.username_validator(name)
            except ValidationError:
                raise CommandError(
                    f"not a valid login name: {name!r} (letters, digits and @/./+/-/_)"
                ) from None
            password = secrets.token_urlsafe(12)
            user = users.create_user(name, email=email or "", password=password)
        elif email is not None:
            user.email = email
            user.save(update_fields=["email"])
        roles.assign(user, role)
        if password:
            self.stdout.write(
                f"created {name} ({role}); password: {password}\n"
                "(shown once: keep it, or set another with `manage.py changepassword "
                f"{name}`)"
            )
        else:
            self.stdout.write(f"updated {name}: {role}")

    def do_token(self, name, label="", **_):
        """A new API token on stdout (alone, for scripts); how to revoke it on stderr."""
        user = get_user_model().objects.filter(username=name).first()
        if not user or not user.is_active:
            raise CommandError(f"no active account {name!r} (make one with `kie user`)")
        if not user.has_perm(roles.VIEW_STUDIO):
            raise CommandError(f"{name!r} holds no role: give them one with `kie user`")
        row, token = ApiToken.issue(user, label)
        self.stdout.write(token)
        self.stderr.write(
            f"token {row.prefix}… for {name}: shown this once and stored hashed; "
            "revoke it in the admin (API tokens)"
        )


def moment(text: str):
    """An ISO date or date and time from the command line, in the studio's time zone."""
    from django.utils.dateparse import parse_date, parse_datetime

    try:
        value = parse_datetime(text.strip())
        if value is None and (day := parse_date(text.strip())):
            value = datetime.combine(day, datetime.min.time())
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD[THH:MM])")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def credit_amount(text: str) -> Decimal:
    """A number of credits from the command line: finite, at least 0, two decimals."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of credits") from None
    if not value.is_finite() or not 0 <= value < Decimal("1e10"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of credits (0 or more)")
    return value.quantize(Decimal("0.01"))


def credit_amount_or_none(text: str) -> Decimal | None:
    return None if text.strip().lower() in ("none", "off", "") else credit_amount(text)


def _chaos_args(options, as_json: bool) -> list[str]:
    args = [
        f"--tasks={options.tasks}",
        f"--faults={options.faults}",
        f"--workers={options.workers}",
        f"--kill-every={options.kill_every}",
        f"--time-limit={options.time_limit}",
        f"--sandbox-duration={options.sandbox_duration}",
    ]
    if options.seed is not None:
        args.append(f"--seed={options.seed}")
    return args + (["--keep"] if options.keep else []) + (["--json"] if as_json else [])


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _owner(username: str | None):
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if not user:
            raise CommandError(f"no user {username!r}")
        if not user.has_perm(roles.GENERATE):
            raise CommandError(f"{username!r} may not generate (give them a role: kie user)")
        return user
    user = roles.holders(roles.GENERATE).order_by("pk").first()
    if not user:
        raise CommandError(
            "nobody may generate yet: run `make run` once, "
            "or `manage.py kie user NAME --role marketer`"
        )
    return user


def _run_until_finished(task: GenerationTask, timeout: float) -> GenerationTask:
    """Drive this task's jobs in this process (no worker needed) until it is final.

    Same claims as the workers, so a running worker and this command never both act.
    """
    deadline = time.monotonic() + timeout
    jobs.submit(task.pk)
    while True:
        task.refresh_from_db()
        if task.is_final:
            return task
        if time.monotonic() > deadline:
            raise CommandError(f"task {task.pk} still {task.state} after {timeout:g} s")
        if task.state == "DOWNLOADING":
            jobs.download(task.pk)  # does nothing while another worker or a backoff holds it
            task.refresh_from_db()
            if task.state == "DOWNLOADING":
                time.sleep(0.5)
            continue
        if task.state == "QUEUED":
            jobs.submit(task.pk)  # a deferred submission (rate limit) whose time came
        else:
            GenerationTask.objects.filter(pk=task.pk, state__in=("SUBMITTED", "RUNNING")).update(
                next_poll_at=timezone.now()
            )
            jobs.poll_due_tasks(only=[task.pk])
        task.refresh_from_db()
        if not task.is_final and task.state != "DOWNLOADING":
            time.sleep(_poll_pause(task))


def _poll_pause(task: GenerationTask) -> float:
    """A second, or the pace kie.ai asks for on this operation (Veo 4K: 30 s)."""
    if settings.KIE_USE_SANDBOX:
        return 1.0
    operation = task.catalog_model.operation(task.operation)
    return max(1.0, operation.min_poll_seconds or 0.0)


def task_dict(task: GenerationTask) -> dict:
    return {
        "id": task.pk,
        "model": task.model_key,
        "operation": task.operation,
        "state": task.state,
        "progress": task.progress,
        "error": task.failure_message or None,
        "failure_kind": task.failure_kind or None,
        # What kie.ai kept, null while it is not known (in flight, or an unknown outcome).
        "credits": _charged(task),
        "credits_charged": _charged(task),
        "credits_estimated": float(task.credits_estimated),
        # charged, refunded, not_charged, unknown; pending while the task is not finished
        "charge": task.charge,
        "upstream_task_id": task.upstream_task_id or None,
        "created_at": task.created_at.isoformat(),
        "assets": [
            {
                "path": _absolute_path(asset.file),
                "url": asset.get_absolute_url(),
                "content_type": asset.content_type,
                "bytes": asset.bytes,
                "sha256": asset.sha256,
                "width": asset.width,
                "height": asset.height,
                "duration": asset.duration,
                "poster_path": _absolute_path(asset.poster) if asset.poster else None,
                "title": asset.title or None,
                "role": asset.role or None,
            }
            for asset in task.assets.all()
        ],
    }


def _from_asset(model_key: str, operation_key: str | None, asset_id: int | None):
    """--from: a follow-up's source asset, or the input image of an operation taking one."""
    if asset_id is None:
        return None, []
    asset = Asset.objects.select_related("task").filter(pk=asset_id).first()
    if asset is None:
        raise CommandError(f"--from: no asset {asset_id}")
    try:
        operation = catalog.get(model_key).operation(operation_key)
    except catalog.CatalogError as exc:
        raise CommandError(f"invalid request: {exc}") from None
    if operation.is_followup:
        return asset, []
    if operation.file_params:
        # The parameter taking this kind of file (Aleph: a video to restyle, an image as
        # its reference); otherwise the first, whose check then says what it wants.
        fitting = [p for p in operation.file_params if followups.param_kind(p) == asset.kind]
        param = (fitting or operation.file_params)[0]
        return None, [generations.ImageInput(asset=asset, param=param.name)]
    raise CommandError(
        f"--from: {model_key} {operation.key} takes no asset (use --operation extend, "
        "1080p, 4k, or one that takes an image or a video)"
    )


def _absolute_path(field_file) -> str:
    try:
        return str(Path(field_file.path).resolve())
    except NotImplementedError:  # remote storage has no local path
        return field_file.name


def _charged(task: GenerationTask) -> float | None:
    if task.charge in ("pending", "unknown"):
        return None
    return float(task.credits_charged)


def _task_line(task: GenerationTask) -> str:
    charge = task.charge
    shown = (
        f"charge {charge} (estimate {task.credits_estimated})"
        if charge in ("pending", "unknown")
        else f"{charge.replace('_', ' ')}: {task.credits_charged} credits"
    )
    line = f"#{task.pk} {task.model_key} {task.state} {shown}"
    if task.failure_message:
        line += f" — {task.failure_message}"
    for asset in task.assets.all():
        line += f"\n    {_absolute_path(asset.file)} ({asset.content_type}, {asset.bytes} bytes)"
    return line


def _param_summary(param: catalog.Param) -> str:
    if param.choices:
        return f"{param.name}={'|'.join(str(v) for v in param.choice_values())}"
    return f"{param.name}:{param.type}{'*' if param.required else ''}"


def _model_dict(model: catalog.CatalogModel, status) -> dict:
    return {
        "key": model.key,
        "label": model.label,
        "kind": model.kind.value,
        "family": model.family.value,
        "availability": {
            "status": str(status.availability),
            "reason": status.reason,
            "retired_since": model.retired.since if model.retired else None,
            "source": model.retired.source if model.retired else None,
        },
        "price": {
            "unit": float(model.pricing.unit),
            "documented": model.pricing.documented,
            "source": model.pricing.source,
            "by": {k or "unit": float(v) for k, v in model.pricing.price_keys()},
            "per": model.pricing.count_param,
        },
        "operations": [
            {
                "key": op.key,
                "label": op.label,
                "params": [
                    {
                        "name": p.name,
                        "type": p.type.value,
                        "required": p.required,
                        "default": p.default,
                        "choices": list(p.choice_values()) or None,
                        "min": p.minimum,
                        "max": p.maximum,
                        "max_length": p.max_length,
                        "help": p.help,
                    }
                    for p in op.params
                ],
                # A follow-up acts on a finished result (--from ASSET_ID), at its own price.
                "followup_of": op.source_kind.value if op.source_kind else None,
                "price": {k or "unit": float(v) for k, v in op.pricing.price_keys()}
                if op.pricing
                else None,
            }
            for op in model.operations
        ],
    }

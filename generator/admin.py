"""Django admin: everything an admin needs to watch tasks and credits and fix things."""

import hashlib
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Sum
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from generator import catalog, credits, generations
from generator.models import (
    ApiCallback,
    ApiToken,
    Asset,
    AssetComment,
    AssetReview,
    Availability,
    Budget,
    BudgetAlert,
    CallbackHost,
    Comparison,
    ComparisonEntry,
    CreditBalanceSnapshot,
    CreditLedgerEntry,
    CreditPolicy,
    GenerationTask,
    JobLease,
    ModelAvailability,
    PriceOverride,
    Prompt,
    PublishedPrice,
    Reconciliation,
    ReviewEvent,
    TaskEvent,
    TaskInput,
)
from generator.templatetags.studio import credit_amount
from generator.templatetags.studio import credits as credits_shown

_KIE_TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,120}")


def _action_token(request, task) -> str:
    """A one-time token for an admin action that spends credits. The action form carries
    a CSRF token masked afresh each time the page is shown, so the same page posted twice
    (a double click) gives the same token, and the task is re-run once."""
    shown = request.POST.get("csrfmiddlewaretoken", "")
    return hashlib.sha256(f"admin-rerun:{task.pk}:{shown}".encode()).hexdigest()[:32]


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "updated_at"]
    list_filter = ["owner"]
    search_fields = ["name", "text", "brand_context"]


class TaskEventInline(admin.TabularInline):
    model = TaskEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_state", "to_state", "message"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class TaskInputInline(admin.TabularInline):
    model = TaskInput
    extra = 0
    can_delete = False
    fields = ["preview", "param", "position", "content_type", "uploaded_copy", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("image"))
    def preview(self, task_input):
        url = reverse("generator:task_input_file", args=[task_input.pk])
        return format_html(
            '<a href="{}"><img src="{}" class="studio-preview" alt=""></a>', url, url
        )

    @admin.display(description=gettext_lazy("copy at kie.ai"))
    def uploaded_copy(self, task_input):
        if not task_input.upstream_url:
            return "-"
        return format_html(
            '<a href="{}" rel="noreferrer">{}</a>', task_input.upstream_url, _("link")
        )


class AssetInline(admin.TabularInline):
    model = Asset
    extra = 0
    can_delete = False
    fields = ["preview", "index", "content_type", "bytes", "width", "height", "sha256"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("preview"))
    def preview(self, asset):
        if not asset.pk or not asset.thumbnail:
            return "-"
        return format_html(
            '<a href="{}"><img src="{}" class="studio-preview-large" alt=""></a>',
            asset.get_absolute_url(),
            asset.thumbnail_url(),
        )


class OutcomeFilter(admin.SimpleListFilter):
    """Every task kie.ai may have made without our knowing, in one list."""

    title = gettext_lazy("outcome")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("unknown", _("Unknown (kie.ai may have made it)"))]

    def queryset(self, request, queryset):
        if self.value() == "unknown":
            return queryset.unknown_outcomes()
        return queryset


@admin.register(GenerationTask)
class GenerationTaskAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "model_and_operation",
        "state",
        "progress_percent",
        "created_by",
        "credits",
        "failure_kind",
        "created_at",
    ]
    list_filter = [OutcomeFilter, "state", "kind", "model_key", "failure_kind", "created_at"]
    search_fields = ["prompt_text", "upstream_task_id", "failure_message", "created_by__username"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    inlines = [TaskInputInline, AssetInline, TaskEventInline]
    actions = [
        "approve",
        "reject",
        "poll_now",
        "rerun",
        "cancel",
        "retry_download",
        "attach_kie_task",
    ]
    # Upstream facts and the state machine are never edited by hand.
    readonly_fields = [
        "state",
        "progress",
        "failure_kind",
        "failure_message",
        "last_error",
        "upstream_task_id",
        "kie_logs",
        "upstream_record",
        "result_urls",
        "credits_estimated",
        "credits_charged",
        "next_poll_at",
        "poll_count",
        "submit_claimed_at",
        "create_sent_at",
        "submit_attempts",
        "poll_failures",
        "download_claimed_until",
        "download_attempts",
        "created_at",
        "updated_at",
        "submitted_at",
        "finished_at",
        "model_key",
        "operation",
        "kind",
        "params",
        "prompt_text",
        "created_by",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "created_by",
                    "prompt",
                    "model_key",
                    "operation",
                    "kind",
                    "prompt_text",
                    "params",
                ]
            },
        ),
        (
            gettext_lazy("State"),
            {"fields": ["state", "progress", "failure_kind", "failure_message", "last_error"]},
        ),
        (gettext_lazy("Credits"), {"fields": ["credits_estimated", "credits_charged"]}),
        (
            gettext_lazy("Upstream (kie.ai)"),
            {"fields": ["upstream_task_id", "kie_logs", "upstream_record", "result_urls"]},
        ),
        (
            gettext_lazy("Scheduling"),
            {
                "classes": ["collapse"],
                "fields": [
                    "next_poll_at",
                    "poll_count",
                    "submit_claimed_at",
                    "create_sent_at",
                    "submit_attempts",
                    "poll_failures",
                    "download_claimed_until",
                    "download_attempts",
                ],
            },
        ),
        (
            gettext_lazy("Times"),
            {"fields": ["created_at", "submitted_at", "finished_at", "updated_at"]},
        ),
    ]

    def has_add_permission(self, request):
        return False  # tasks start from the generate page or the CLI

    # A task is the audit trail of what was spent: read it, act on it through the
    # actions, never edit or delete it by hand.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("model"), ordering="model_key")
    def model_and_operation(self, task):
        return f"{task.model_label} · {task.operation_label}"

    @admin.display(description=gettext_lazy("credits (charged / estimated)"))
    def credits(self, task):
        charged = "?" if task.credits_charged is None else credits_shown(task.credits_charged)
        return f"{charged if task.is_final else '…'} / {credits_shown(task.credits_estimated)}"

    @admin.display(description=gettext_lazy("look it up at kie.ai"))
    def kie_logs(self, task):
        """kie.ai's own logs are where an unknown outcome is settled by hand."""
        if task.upstream_task_id:
            how = _("search for task %(id)s") % {"id": task.upstream_task_id}
        else:
            sent = timezone.localtime(task.create_sent_at or task.created_at)
            how = _(
                "look for a %(model)s task created around %(when)s with the prompt “%(prompt)s”"
            ) % {
                "model": task.model_label,
                "when": f"{date_format(sent, 'DATETIME_FORMAT')} {sent:%Z}",
                "prompt": task.prompt_text[:60],
            }
        return format_html(
            '<a href="{}" target="_blank" rel="noreferrer">{}</a> — {}',
            settings.KIE_LOGS_URL,
            _("kie.ai logs"),
            how,
        )

    @admin.display(description=gettext_lazy("progress"))
    def progress_percent(self, task):
        return "-" if task.progress is None else f"{task.progress:.0%}"

    # Actions ask for permissions (Django hides an action its user lacks and refuses it):
    # re-running spends credits (generate); the others act on tasks (change).
    def has_generate_permission(self, request):
        return request.user.has_perm("generator.generate")

    def has_operate_permission(self, request):
        return request.user.has_perm("generator.change_generationtask")

    @admin.action(description=gettext_lazy("Approve (tasks awaiting approval)"))
    def approve(self, request, queryset):
        if not credits.may_approve(request.user):
            self.message_user(request, _("Only an admin may approve spending."), messages.ERROR)
            return
        count = sum(credits.approve(task, request.user) for task in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d task approved: it is on its way to kie.ai.",
                "%(count)d tasks approved: they are on their way to kie.ai.",
                count,
            )
            % {"count": count},
        )

    @admin.action(description=gettext_lazy("Reject (tasks awaiting approval; nothing is spent)"))
    def reject(self, request, queryset):
        if not credits.may_approve(request.user):
            self.message_user(request, _("Only an admin may approve spending."), messages.ERROR)
            return
        count = sum(credits.reject(task, request.user) for task in queryset)
        self.message_user(
            request,
            ngettext("%(count)d task rejected.", "%(count)d tasks rejected.", count)
            % {"count": count},
        )

    @admin.action(description=gettext_lazy("Re-poll now"), permissions=["operate"])
    def poll_now(self, request, queryset):
        count = sum(generations.poll_now(task) for task in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d task will be polled at once; others are not waiting on kie.ai.",
                "%(count)d tasks will be polled at once; others are not waiting on kie.ai.",
                count,
            )
            % {"count": count},
        )

    @admin.action(
        description=gettext_lazy("Retry (as a new task with the same settings)"),
        permissions=["generate"],
    )
    def rerun(self, request, queryset):
        created, refused = [], []
        for task in queryset:
            try:
                created.append(
                    generations.rerun(
                        task, request.user, submission_token=_action_token(request, task)
                    )
                )
            except catalog.CatalogError as exc:
                refused.append(f"#{task.pk} ({exc})")
        self.message_user(
            request,
            ngettext(
                "Started %(count)d new task: %(tasks)s",
                "Started %(count)d new tasks: %(tasks)s",
                len(created),
            )
            % {"count": len(created), "tasks": ", ".join(f"#{task.pk}" for task in created)},
        )
        if refused:
            self.message_user(
                request,
                _("Could not re-run: %(tasks)s") % {"tasks": "; ".join(refused)},
                messages.WARNING,
            )

    @admin.action(
        description=gettext_lazy(
            "Attach a kie.ai task id (an unknown outcome found in kie's logs)"
        ),
        permissions=["operate"],
    )
    def attach_kie_task(self, request, queryset):
        tasks = list(queryset.unknown_outcomes().filter(upstream_task_id="")[:2])
        if len(tasks) != 1:
            self.message_user(
                request,
                _("Choose exactly one task whose outcome is unknown and has no kie.ai task id."),
                messages.WARNING,
            )
            return None
        task = tasks[0]
        value = request.POST.get("kie_task_id", "").strip()
        error = ""
        if "apply" in request.POST:
            if not _KIE_TASK_ID.fullmatch(value):
                error = _("A kie.ai task id is letters, digits, '-' and '_' (at most 120).")
            elif generations.attach_upstream_task(task, value, by=request.user):
                self.message_user(
                    request,
                    _("Task #%(number)s is now kie.ai task %(id)s.")
                    % {"number": task.pk, "id": value},
                )
                return None
            else:
                error = _("This task can no longer be attached (it changed meanwhile).")
        context = {
            **self.admin_site.each_context(request),
            "task": task,
            "value": value,
            "error": error,
            "logs_url": settings.KIE_LOGS_URL,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/generator/attach_kie_task.html", context)

    @admin.action(
        description=gettext_lazy("Cancel (only tasks not yet sent to kie.ai)"),
        permissions=["operate"],
    )
    def cancel(self, request, queryset):
        count = sum(generations.cancel(task) for task in queryset)
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext("Canceled %(count)d task.", "Canceled %(count)d tasks.", count)
            % {"count": count},
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d task was already sent to kie.ai, which has no cancel call; "
                    "it was left alone.",
                    "%(count)d tasks were already sent to kie.ai, which has no cancel call; "
                    "they were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=gettext_lazy("Retry failed download"), permissions=["operate"])
    def retry_download(self, request, queryset):
        count = sum(generations.retry_download(task) for task in queryset)
        self.message_user(
            request,
            ngettext("%(count)d download retried.", "%(count)d downloads retried.", count)
            % {"count": count},
        )


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):
    list_display = ["at", "task", "from_state", "to_state", "message"]
    list_filter = ["to_state", "at"]
    search_fields = ["message", "task__id"]
    list_select_related = ["task"]
    readonly_fields = ["task", "from_state", "to_state", "at", "message"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "preview",
        "task",
        "kind",
        "content_type",
        "width",
        "height",
        "bytes",
        "created_at",
    ]
    list_filter = ["kind", "content_type", "created_at"]
    search_fields = ["sha256", "task__prompt_text", "task__id"]
    list_select_related = ["task"]
    readonly_fields = [
        "task",
        "index",
        "kind",
        "file",
        "content_type",
        "bytes",
        "sha256",
        "width",
        "height",
        "duration",
        "thumbnail",
        "source_url",
        "source_expires_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("preview"))
    def preview(self, asset):
        if not asset.thumbnail:
            return "-"
        return format_html(
            '<img src="{}" class="studio-preview-small" alt="">', asset.thumbnail_url()
        )


@admin.register(CreditLedgerEntry)
class CreditLedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "amount", "task", "user", "note"]
    list_filter = ["kind", "at", "user"]
    search_fields = ["note", "task__id", "user__username"]
    list_select_related = ["task", "user"]

    # Append-only: an admin adds a manual adjustment; nothing is changed or deleted.
    fields = ["amount", "task", "note"]
    raw_id_fields = ["task"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return ["at", "kind", "amount", "task", "user", "note"] if obj else self.fields

    def get_readonly_fields(self, request, obj=None):
        return ["at", "kind", "amount", "task", "user", "note"] if obj else []

    def save_model(self, request, obj, form, change):
        obj.kind = CreditLedgerEntry.Kind.ADJUST
        obj.user = request.user
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        total = CreditLedgerEntry.objects.aggregate(total=Sum("amount"))["total"] or 0
        net = ("+" if total > 0 else "") + credits_shown(total)
        title = _("Credit ledger (net %(total)s)") % {"total": net}
        extra_context = {**(extra_context or {}), "title": title}
        return super().changelist_view(request, extra_context)


@admin.register(CreditBalanceSnapshot)
class CreditBalanceSnapshotAdmin(admin.ModelAdmin):
    list_display = ["at", "balance", "sandbox"]
    list_filter = ["sandbox", "at"]
    readonly_fields = ["at", "balance", "sandbox"]
    actions = ["refresh"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Ask kie.ai for the balance now"))
    def refresh(self, request, queryset):
        from generator import jobs

        snapshot = jobs.refresh_credits()
        if snapshot:
            self.message_user(
                request,
                _("kie.ai reports %(amount)s.") % {"amount": credit_amount(snapshot.balance)},
            )
        else:
            self.message_user(request, _("kie.ai did not answer; see the logs."), messages.ERROR)


@admin.register(PriceOverride)
class PriceOverrideAdmin(admin.ModelAdmin):
    list_display = ["model_key", "price_key", "credits", "catalog_price", "note", "updated_at"]
    list_filter = ["model_key"]
    search_fields = ["model_key", "price_key", "note"]

    @admin.display(description=gettext_lazy("catalog price"))
    def catalog_price(self, override):
        from generator import catalog

        try:
            prices = dict(catalog.get(override.model_key).pricing.price_keys())
        except catalog.CatalogError:
            return "-"
        if override.price_key not in prices:
            return _("no such price")
        return credits_shown(prices[override.price_key])


@admin.register(PublishedPrice)
class PublishedPriceAdmin(admin.ModelAdmin):
    """What kie.ai says its prices are (read daily): read here, deleted to fall back on the
    catalog's price, overridden under Price overrides."""

    list_display = ["model_key", "price_key", "credits", "catalog_price", "fetched_at"]
    list_filter = ["model_key"]
    readonly_fields = ["model_key", "price_key", "credits", "description", "fetched_at"]
    actions = ["refresh"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("catalog price"))
    def catalog_price(self, price):
        try:
            prices = dict(catalog.get(price.model_key).pricing.price_keys())
        except catalog.CatalogError:
            return "-"
        return credits_shown(prices[price.price_key]) if price.price_key in prices else "-"

    @admin.action(description=gettext_lazy("Ask kie.ai for its prices now"))
    def refresh(self, request, queryset):
        from generator import jobs

        count = jobs.refresh_prices()
        self.message_user(
            request,
            ngettext("kie.ai stated %(count)d price.", "kie.ai stated %(count)d prices.", count)
            % {"count": count},
        )


class ModelAvailabilityForm(forms.ModelForm):
    model_key = forms.ChoiceField(
        label=gettext_lazy("model"),
        choices=lambda: [(m.key, f"{m.label} ({m.key})") for m in catalog.MODELS],
    )

    class Meta:
        model = ModelAvailability
        fields = ["model_key", "status", "reason", "source"]


@admin.register(ModelAvailability)
class ModelAvailabilityAdmin(admin.ModelAdmin):
    """Models kie.ai refused or no longer lists (marked by the studio), and those an admin
    switched off. Re-enabling one makes it available until kie.ai refuses it again;
    a model the catalog marks retired stays retired whatever its row says."""

    form = ModelAvailabilityForm
    list_display = ["model_key", "status", "reason", "source", "changed_at", "checked_at"]
    list_filter = ["status", "source"]
    search_fields = ["model_key", "reason"]
    readonly_fields = ["changed_at", "checked_at"]
    actions = ["re_enable", "disable"]

    @admin.action(description=gettext_lazy("Re-enable the selected models"))
    def re_enable(self, request, queryset):
        count = queryset.update(
            status=Availability.AVAILABLE, reason="", source="admin", changed_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext("%(count)d model re-enabled.", "%(count)d models re-enabled.", count)
            % {"count": count},
        )

    @admin.action(description=gettext_lazy("Disable the selected models"))
    def disable(self, request, queryset):
        count = queryset.update(
            status=Availability.DISABLED, source="admin", changed_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext("%(count)d model disabled.", "%(count)d models disabled.", count)
            % {"count": count},
        )


@admin.register(CreditPolicy)
class CreditPolicyAdmin(admin.ModelAdmin):
    """One row: the low-balance warning and the approval threshold."""

    list_display = ["__str__", "low_balance", "approval_threshold", "updated_at"]
    fields = ["low_balance", "approval_threshold"]

    def has_add_permission(self, request):
        return not CreditPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reconciliation)
class ReconciliationAdmin(admin.ModelAdmin):
    """kie.ai's balance against the ledger (the studio's Reconciliation page shows the
    flags with their tasks): read here, never edited."""

    list_display = ["period_end", "period_start", "provider_spent", "ledger_spent", "unexplained"]
    list_filter = ["sandbox", "period_end"]
    readonly_fields = [
        "period_start",
        "period_end",
        "start_snapshot",
        "end_snapshot",
        "provider_spent",
        "ledger_spent",
        "unexplained",
        "flags",
        "sandbox",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ComparisonEntryInline(admin.TabularInline):
    model = ComparisonEntry
    extra = 0
    can_delete = False
    fields = ["position", "task"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    """Model comparisons and their winners: read here (the studio's Compare page makes
    them)."""

    list_display = ["id", "prompt_text", "created_by", "winner", "created_at"]
    list_select_related = ["created_by", "winner"]
    search_fields = ["prompt_text"]
    inlines = [ComparisonEntryInline]
    readonly_fields = [
        "created_by",
        "prompt_text",
        "kind",
        "winner",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    """Monthly budgets: the team's (no person) and per person; what each has spent."""

    list_display = ["__str__", "monthly_credits", "spent_this_month", "left_this_month", "note"]
    fields = ["user", "monthly_credits", "note"]
    autocomplete_fields = []
    raw_id_fields = ["user"]

    @admin.display(description=gettext_lazy("spent this month"))
    def spent_this_month(self, budget):
        return credits_shown(credits.use_of(budget).spent)

    @admin.display(description=gettext_lazy("left this month"))
    def left_this_month(self, budget):
        return credits_shown(credits.use_of(budget).left)


@admin.register(BudgetAlert)
class BudgetAlertAdmin(admin.ModelAdmin):
    list_display = ["at", "budget", "percent", "spent", "month"]
    list_filter = ["percent", "month"]
    readonly_fields = ["budget", "month", "percent", "spent", "at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JobLease)
class JobLeaseAdmin(admin.ModelAdmin):
    list_display = ["name", "held_until", "holder"]
    readonly_fields = ["name", "held_until", "holder"]

    def has_add_permission(self, request):
        return False  # leases are taken by the jobs themselves


# --- review: the record of who decided what, never edited by hand ---------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the application writes and nobody edits: the review trail, comments."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    extra = 0
    fields = ["at", "actor", "action", "from_state", "to_state", "text"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AssetCommentInline(admin.TabularInline):
    model = AssetComment
    extra = 0
    fields = ["at", "author", "text"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


AssetAdmin.inlines = [ReviewEventInline, AssetCommentInline]  # an asset's review, in full


@admin.register(AssetReview)
class AssetReviewAdmin(ReadOnlyAdmin):
    list_display = ["asset", "state", "submitted_by", "submitted_at", "decided_by", "decided_at"]
    list_filter = ["state", "submitted_at", "decided_at"]
    search_fields = ["asset__id", "note", "reason", "submitted_by__username"]
    list_select_related = ["asset", "submitted_by", "decided_by"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "asset", "actor", "action", "from_state", "to_state", "text"]
    list_filter = ["action", "to_state", "at"]
    search_fields = ["asset__id", "actor__username", "text"]
    list_select_related = ["asset", "actor"]


@admin.register(AssetComment)
class AssetCommentAdmin(ReadOnlyAdmin):
    list_display = ["at", "asset", "author", "text"]
    search_fields = ["asset__id", "author__username", "text"]
    list_select_related = ["asset", "author"]


# --- the posting pipeline's API ------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by `manage.py kie token NAME` (shown once there); here they are
    seen and revoked. Only a digest is stored: nothing here can show a token again."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["prefix", "name", "user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(
        description=gettext_lazy("Revoke (the token stops working at once)"),
        permissions=["change"],
    )
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoke()
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
        )


@admin.register(CallbackHost)
class CallbackHostAdmin(admin.ModelAdmin):
    list_display = ["host", "note", "created_at"]
    search_fields = ["host", "note"]


@admin.register(ApiCallback)
class ApiCallbackAdmin(ReadOnlyAdmin):
    list_display = [
        "task",
        "url",
        "sent_state",
        "attempts",
        "delivered_at",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = [("delivered_at", admin.EmptyFieldListFilter), "sent_state"]
    search_fields = ["url", "task__id"]
    list_select_related = ["task"]
    actions = ["deliver_now"]

    def has_operate_permission(self, request):
        return request.user.has_perm("generator.change_apicallback")

    @admin.action(description=gettext_lazy("Deliver again now"), permissions=["operate"])
    def deliver_now(self, request, queryset):
        from django.utils import timezone

        from generator.api import callbacks

        ids = list(queryset.exclude(sent_state="").values_list("pk", flat=True))
        ApiCallback.objects.filter(pk__in=ids).update(
            next_attempt_at=timezone.now(), attempts=0, delivered_at=None
        )
        for pk in ids:
            callbacks.enqueue(pk)
        self.message_user(
            request,
            ngettext(
                "%(count)d callback will be delivered again.",
                "%(count)d callbacks will be delivered again.",
                len(ids),
            )
            % {"count": len(ids)},
        )

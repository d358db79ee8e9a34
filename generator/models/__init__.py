"""What we keep: prompts, generation tasks and their events, assets, credits and their
rules, model comparisons, leases, reviews, API tokens and callbacks."""

from generator.models.assets import Asset
from generator.models.availability import Availability, ModelAvailability
from generator.models.budgets import Budget, BudgetAlert, CreditPolicy
from generator.models.callbacks import ApiCallback, CallbackHost
from generator.models.comparisons import Comparison, ComparisonEntry
from generator.models.credits import (
    CreditBalanceSnapshot,
    CreditLedgerEntry,
    PriceOverride,
    PublishedPrice,
    Reconciliation,
)
from generator.models.leases import JobLease
from generator.models.preferences import UserPreference
from generator.models.prompts import Prompt
from generator.models.review import (
    DECISIONS,
    MOVES,
    AssetComment,
    AssetReview,
    IllegalMove,
    Lineage,
    ReviewAction,
    ReviewEvent,
    ReviewState,
)
from generator.models.tasks import (
    ACTIVE_STATES,
    ALLOWED_TRANSITIONS,
    FINAL_STATES,
    REOPENING,
    SUBMIT_LEASE,
    FailureKind,
    GenerationTask,
    GenerationTaskQuerySet,
    IllegalTransition,
    State,
    TaskEvent,
    TaskInput,
)
from generator.models.tokens import ApiToken

__all__ = [
    "Availability",
    "ModelAvailability",
    "ACTIVE_STATES",
    "ALLOWED_TRANSITIONS",
    "DECISIONS",
    "FINAL_STATES",
    "MOVES",
    "REOPENING",
    "SUBMIT_LEASE",
    "ApiCallback",
    "ApiToken",
    "Asset",
    "AssetComment",
    "AssetReview",
    "CallbackHost",
    "Budget",
    "BudgetAlert",
    "Comparison",
    "ComparisonEntry",
    "CreditBalanceSnapshot",
    "CreditLedgerEntry",
    "CreditPolicy",
    "FailureKind",
    "GenerationTask",
    "GenerationTaskQuerySet",
    "IllegalMove",
    "IllegalTransition",
    "JobLease",
    "Lineage",
    "PriceOverride",
    "Prompt",
    "ReviewAction",
    "ReviewEvent",
    "ReviewState",
    "PublishedPrice",
    "Reconciliation",
    "State",
    "TaskEvent",
    "TaskInput",
    "UserPreference",
]

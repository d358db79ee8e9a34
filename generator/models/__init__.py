"""What we keep: prompts, generation tasks and their events, assets, credits and their
rules, model comparisons, leases."""

from generator.models.assets import Asset
from generator.models.budgets import Budget, BudgetAlert, CreditPolicy
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

__all__ = [
    "ACTIVE_STATES",
    "ALLOWED_TRANSITIONS",
    "FINAL_STATES",
    "REOPENING",
    "SUBMIT_LEASE",
    "Asset",
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
    "IllegalTransition",
    "JobLease",
    "PriceOverride",
    "Prompt",
    "PublishedPrice",
    "Reconciliation",
    "State",
    "TaskEvent",
    "TaskInput",
    "UserPreference",
]

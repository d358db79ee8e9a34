"""Random input at the credits pages, the comparison form and the approval buttons:
never a server error, never a task by accident."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from generator import catalog
from generator.models import Comparison, GenerationTask
from tests.factories import make_task
from tests.fuzz.hostile import answer, extra_fields, ids, junk

MODEL_KEYS = [model.key for model in catalog.MODELS]


@pytest.fixture
def admin_browser(db):
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.create_superuser("boss", "b@x.io", "pw"))
    return client


@pytest.mark.django_db
@given(query=st.fixed_dictionaries({}, optional={"days": ids, "page": ids}), extra=extra_fields)
def test_credit_pages_and_exports(admin_browser, query, extra):
    for url in (
        "/credits/",
        "/credits/balance/",
        "/credits/analytics/",
        "/credits/analytics.csv",
        "/credits/ledger.csv",
        "/credits/reconciliation/",
        "/compare/",
    ):
        answer(admin_browser, "get", url, data={**extra, **query})


@pytest.mark.django_db
@given(
    models=st.lists(st.one_of(st.sampled_from(MODEL_KEYS), junk), max_size=6),
    prompt=junk,
    token=st.one_of(st.just("a" * 32), ids),
    extra=extra_fields,
)
def test_the_comparison_form(admin_browser, models, prompt, token, extra):
    before = GenerationTask.objects.count()
    response = answer(
        admin_browser,
        "post",
        "/compare/",
        data={**extra, "models": models, "prompt": prompt, "submission_token": token},
    )
    if response.status_code != 302:
        assert GenerationTask.objects.count() == before  # refused: nothing made


@pytest.mark.django_db
@given(task=ids, reason=junk)
def test_approval_and_winner_buttons(admin_browser, task, reason):
    owner = get_user_model().objects.get()
    held = make_task(owner, state="HELD")
    comparison = Comparison.objects.create(created_by=owner, prompt_text="x", kind="image")
    answer(admin_browser, "post", f"/tasks/{held.pk}/reject/", data={"reason": reason})
    answer(admin_browser, "post", f"/compare/{comparison.pk}/winner/", data={"task": task})
    answer(admin_browser, "post", f"/tasks/{task}/approve/" if task.isdigit() else "/", data={})

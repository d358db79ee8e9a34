"""Compare models: one prompt to 2-4 models of a kind at once, side by side with each
result's cost and time, the winner picked by the marketer and counted in the analytics."""

import uuid
from decimal import Decimal

import pytest

from generator import analytics, catalog, comparisons
from generator.models import Budget, Comparison, GenerationTask, State
from tests.helpers import settle

THREE = ["flux-kontext-pro", "ideogram-v3", "4o-image"]


def post(client, models, prompt="Phone on a desk, morning light", token=None):
    return client.post(
        "/compare/",
        {"models": models, "prompt": prompt, "submission_token": token or uuid.uuid4().hex},
    )


@pytest.mark.django_db(transaction=True)
def test_three_image_models_one_prompt_side_by_side_and_a_winner(
    sandbox, clock, staff, staff_client
):
    response = post(staff_client, THREE)
    comparison = Comparison.objects.get()
    assert response["Location"] == f"/compare/{comparison.pk}/"
    tasks = [entry.task for entry in comparison.entries.all()]
    assert [task.model_key for task in tasks] == THREE
    assert {task.prompt_text for task in tasks} == {"Phone on a desk, morning light"}
    assert 'hx-trigger="every' in staff_client.get(response["Location"]).content.decode()

    settle(clock)
    html = staff_client.get(f"/compare/{comparison.pk}/").content.decode()
    assert GenerationTask.objects.filter(state=State.SUCCEEDED).count() == 3
    assert html.count('class="compared card-panel') == 3
    for label, cost in (("Flux Kontext Pro", "5 credits"), ("Ideogram V3", "7 credits")):
        assert label in html and cost in html
    assert html.count(" s</dd>") == 3  # each one's time from submit to done
    assert 'hx-trigger="every' not in html  # all done: no more polling

    ideogram = next(task for task in tasks if task.model_key == "ideogram-v3")
    staff_client.post(f"/compare/{comparison.pk}/winner/", {"task": ideogram.pk})
    comparison.refresh_from_db()
    assert comparison.winner == ideogram and comparison.decided_by == staff

    rows = {row.key: row for row in analytics.model_table(7)}
    assert (rows["ideogram-v3"].wins, rows["ideogram-v3"].comparisons) == (1, 1)
    assert rows["ideogram-v3"].credits_per_win == Decimal("7")
    assert (rows["flux-kontext-pro"].wins, rows["flux-kontext-pro"].credits_per_win) == (0, None)
    page = staff_client.get("/credits/analytics/?days=7").content.decode()
    assert "1/1" in page and "0/1" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("models", "prompt", "error"),
    [
        (["flux-kontext-pro"], "x", "Choose 2 to 4 models"),
        (["flux-kontext-pro", "flux-kontext-pro"], "x", "Choose 2 to 4 models"),
        (THREE + ["flux-kontext-max", "gpt-5"], "x", "Choose 2 to 4 models"),
        (["flux-kontext-pro", "gpt-5"], "x", "cannot be compared: gpt-5"),
        (THREE, "  ", "Write the prompt"),
        (THREE, "x" * 3001, "Flux Kontext Pro: Prompt is 3001 characters; the limit is 3000."),
    ],
)
def test_a_comparison_that_cannot_be_made_says_why_and_makes_nothing(
    staff, staff_client, models, prompt, error
):
    response = post(staff_client, models, prompt)
    assert response.status_code == 400
    assert error in response.content.decode().replace("&#x27;", "'")
    assert not GenerationTask.objects.exists() and not Comparison.objects.exists()


@pytest.mark.django_db
def test_a_budget_that_cannot_cover_them_all_refuses_them_all(staff, staff_client):
    Budget.objects.create(monthly_credits=Decimal("15"))  # Flux 5 + Ideogram 7, not 4o's 6
    response = post(staff_client, THREE)
    assert "The team&#x27;s monthly budget has 3 credits left" in response.content.decode()
    assert not GenerationTask.objects.exists() and not Comparison.objects.exists()


@pytest.mark.django_db
def test_the_same_form_sent_twice_makes_one_comparison(staff, staff_client):
    token = uuid.uuid4().hex
    first, second = post(staff_client, THREE, token=token), post(staff_client, THREE, token=token)
    assert first["Location"] == second["Location"]
    assert Comparison.objects.count() == 1 and GenerationTask.objects.count() == 3


@pytest.mark.django_db
def test_only_a_finished_result_of_the_comparison_can_win(staff, staff_client):
    comparison = comparisons.start_comparison(staff, THREE[:2], "a desk")
    from tests.factories import make_task

    outsider = make_task(staff, state=State.SUCCEEDED)
    staff_client.post(f"/compare/{comparison.pk}/winner/", {"task": outsider.pk})
    queued = comparison.entries.first().task
    staff_client.post(f"/compare/{comparison.pk}/winner/", {"task": queued.pk})
    comparison.refresh_from_db()
    assert comparison.winner is None
    assert staff_client.post(f"/compare/{comparison.pk}/winner/", {"task": "x"}).status_code == 404


def test_only_models_of_one_kind_that_need_no_image_are_offered():
    offered = comparisons.comparable_models()
    assert set(offered) == {catalog.Kind.IMAGE, catalog.Kind.VIDEO, catalog.Kind.AUDIO}
    assert {model.key for model in offered[catalog.Kind.AUDIO]} == {
        "suno",
        "suno-lyrics",
        "suno-sounds",
    }
    assert {model.key for model in offered[catalog.Kind.IMAGE]} == {
        "4o-image",
        "flux-kontext-pro",
        "flux-kontext-max",
        "ideogram-v3",
    }
    # Image-to-video only (Kling 2.1 Standard, Pro) and retired (Sora 2) are left out.
    assert {model.key for model in offered[catalog.Kind.VIDEO]} == {
        "veo3-quality",
        "veo3-fast",
        "veo3-lite",
        "runway",
        "kling-2.1-master",
        "kling-2.5-turbo",
        "kling-2.6",
        "kling-3.0",
    }


@pytest.mark.django_db
def test_a_nul_in_the_prompt_is_refused_before_anything_is_saved(staff, staff_client):
    response = post(staff_client, THREE, prompt="a desk\x00")
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert not Comparison.objects.exists()

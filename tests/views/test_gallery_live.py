"""Live updates: one request per interval returns only the changed cards, out of band."""

import pytest

from generator.models import GenerationTask, State
from tests.factories import make_asset, make_task


def live(client, tasks):
    cards = ",".join(f"{t.pk}:{t.version}" for t in tasks)
    return client.get(f"/gallery/live/?cards={cards}", HTTP_HX_REQUEST="true")


@pytest.mark.django_db
def test_nothing_changed_answers_204_and_keeps_polling(staff_client, staff):
    tasks = [make_task(staff, state=State.RUNNING), make_task(staff, state=State.SUBMITTED)]
    assert live(staff_client, tasks).status_code == 204


@pytest.mark.django_db
def test_only_the_changed_card_comes_back_as_an_oob_swap(staff_client, staff):
    running, waiting = make_task(staff, state=State.RUNNING), make_task(staff, state=State.RUNNING)
    seen = [GenerationTask.objects.get(pk=t.pk) for t in (running, waiting)]
    running.record_progress(0.5, None)
    response = live(staff_client, seen)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="task-{running.pk}"' in html and 'hx-swap-oob="true"' in html
    assert f'id="task-{waiting.pk}"' not in html
    # the poller comes back with the new versions, still polling
    assert 'id="gallery-live"' in html and "every 2s" in html


@pytest.mark.django_db
def test_a_poll_that_learns_nothing_new_sends_no_card(staff_client, staff):
    task = make_task(staff, state=State.RUNNING)
    task.record_progress(0.5, None)
    seen = GenerationTask.objects.get(pk=task.pk)
    task.record_progress(0.5, None)  # the sweep polled again: same progress
    assert live(staff_client, [seen]).status_code == 204


@pytest.mark.django_db
def test_polling_stops_when_nothing_is_pending(staff_client, staff):
    task = make_task(staff, state=State.DOWNLOADING)
    seen = GenerationTask.objects.get(pk=task.pk)
    make_asset(task)
    task.transition(State.SUCCEEDED)
    response = live(staff_client, [seen])
    html = response.content.decode()
    assert response.status_code == 286  # htmx stops polling
    assert "Done" in html and "hx-trigger" not in html.split('id="gallery-live"')[1]


@pytest.mark.django_db
def test_gallery_page_polls_only_when_a_card_is_pending(staff_client, staff):
    make_task(staff, state=State.SUCCEEDED)
    assert 'hx-trigger="every' not in staff_client.get("/gallery/").content.decode()
    pending = make_task(staff, state=State.QUEUED)
    page = staff_client.get("/gallery/").content.decode()
    assert f"cards={pending.pk}%3A" in page and 'hx-trigger="every 2s"' in page


@pytest.mark.django_db
def test_live_update_query_count_does_not_grow_with_cards(
    staff_client, staff, django_assert_max_num_queries
):
    tasks = [make_task(staff, state=State.RUNNING) for _ in range(12)]
    for task in tasks:
        task.record_progress(0.3, None)
    # session, user, its language, its permissions (2), the tasks, their assets: the same
    # for one card or twelve
    with django_assert_max_num_queries(7):
        assert live(staff_client, tasks).status_code in (200, 286)


@pytest.mark.django_db
def test_gallery_filters_and_search(staff_client, staff):
    make_task(staff, prompt="a red phone", state=State.SUCCEEDED)
    make_task(staff, prompt="a blue desk", model="ideogram-v3", state=State.FAILED)

    def shown(query):
        return staff_client.get(f"/gallery/?{query}").content.decode()

    assert "red phone" in shown("q=red") and "blue desk" not in shown("q=red")
    assert "blue desk" in shown("model=ideogram-v3") and "red phone" not in shown(
        "model=ideogram-v3"
    )
    assert "blue desk" in shown("state=failed") and "red phone" not in shown("state=failed")
    assert "Nothing matches" in shown("kind=video")
    assert "red phone" in shown("state=bogus") and "blue desk" in shown("state=bogus")


@pytest.mark.django_db
def test_gallery_is_paginated_newest_first(staff_client, staff):
    tasks = [make_task(staff, prompt=f"prompt number {i}") for i in range(30)]
    first = staff_client.get("/gallery/").content.decode()
    assert f'id="task-{tasks[-1].pk}"' in first and f'id="task-{tasks[0].pk}"' not in first
    assert "Page 1 of 2" in first
    assert f'id="task-{tasks[0].pk}"' in staff_client.get("/gallery/?page=2").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("card", ["9" * 23 + ":x", "²:1", "0:1", "-4:1", f"{2**63}:1"])
def test_an_id_out_of_range_is_not_a_card(staff_client, staff, card):
    task = make_task(staff, state=State.RUNNING)
    response = staff_client.get(f"/gallery/live/?cards={card},{task.pk}:{task.version}")
    assert response.status_code == 204


@pytest.mark.django_db
def test_gallery_filters_drop_nul_characters(staff_client, staff):
    # PostgreSQL refuses NUL in a query parameter: it must never reach the database.
    make_task(staff, prompt="desk lamp")
    response = staff_client.get("/gallery/", {"q": "desk\x00", "model": "\x00", "kind": "\x00"})
    assert response.status_code == 200
    assert response.context["filters"]["search"] == "desk"
    assert "\x00" not in "".join(response.context["filters"].values())

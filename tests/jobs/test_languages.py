"""What a task tells its creator is in their language; the prompt sent to kie.ai never
changes with the interface's language; the CLI speaks English."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from generator import generations
from generator.models import GenerationTask, UserPreference
from tests.helpers import post_generate, settle

FRENCH_PROMPT = "Une réceptionniste souriante décroche, lumière du matin, bureau AutoScale"


@pytest.fixture
def french_marketer(staff):
    UserPreference.objects.create(user=staff, language="fr")
    return staff


def failing_task(user):
    return generations.start_generation(
        user, "flux-kontext-pro", None, {"prompt": "a desk [sandbox:fail]"}
    )


@pytest.mark.django_db(transaction=True)
def test_a_failure_is_written_in_its_creators_language(sandbox, clock, french_marketer):
    with translation.override("en"):  # a worker runs in the site's language
        task = failing_task(french_marketer)
        settle(clock)
    task.refresh_from_db()
    assert task.state == "FAILED"
    assert task.failure_message.startswith("La génération a échoué chez kie.ai")
    assert "kie.ai rembourse les générations échouées" in task.failure_message
    events = [event.message for event in task.events.all()]
    assert events[0] == "créée" and events[1].startswith("tâche kie.ai ")
    notes = list(task.ledger_entries.values_list("note", flat=True))
    assert "Flux Kontext Pro\u00a0: réservé à l’envoi de la création" in notes


@pytest.mark.django_db(transaction=True)
def test_a_creator_who_never_chose_reads_the_sites_language(sandbox, clock, staff):
    with translation.override("fr"):  # whoever runs the job does not matter
        task = failing_task(staff)
        settle(clock)
    task.refresh_from_db()
    assert task.failure_message.startswith("The generation failed at kie.ai")


@pytest.mark.django_db(transaction=True)
def test_a_french_interface_sends_the_prompt_exactly_as_typed(sandbox, clock, staff_client):
    response = post_generate(
        staff_client,
        {
            "model": "flux-kontext-pro",
            "operation": "text-to-image",
            "prompt": FRENCH_PROMPT,
            "aspectRatio": "1:1",
            "outputFormat": "png",
            "enableTranslation": "on",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302
    settle(clock)
    task = GenerationTask.objects.get()
    assert task.state == "SUCCEEDED" and task.prompt_text == FRENCH_PROMPT
    sent = sandbox.task(task.upstream_task_id)["body"]
    assert sent["prompt"] == FRENCH_PROMPT and sent["enableTranslation"] is True


@pytest.mark.django_db
def test_a_refused_form_speaks_french_with_the_catalogs_messages(staff_client):
    html = post_generate(
        staff_client,
        {"model": "ideogram-v3", "operation": "remix", "prompt": "", "strength": "2"},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert "Prompt\u00a0: obligatoire." in html
    assert "Intensité\u00a0: doit valoir au plus 1." in html
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_the_cli_explains_a_refusal_in_english_with_the_same_messages(staff, sandbox):
    with translation.override("fr"), pytest.raises(CommandError) as refused:
        call_command(
            "kie", "generate", "ideogram-v3", "--prompt", "x", "--set", "rendering_speed=FAST"
        )
    assert str(refused.value) == (
        "invalid request: rendering_speed: must be one of TURBO, BALANCED, QUALITY"
    )


@pytest.mark.django_db(transaction=True)
def test_the_cli_prints_a_failure_as_its_creator_reads_it(sandbox, clock, french_marketer):
    task = failing_task(french_marketer)
    settle(clock)
    out = StringIO()
    call_command("kie", "status", str(task.pk), stdout=out)
    assert f"#{task.pk} flux-kontext-pro FAILED" in out.getvalue()
    assert "La génération a échoué chez kie.ai" in out.getvalue()

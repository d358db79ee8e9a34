"""Numbers, credits, dates and durations in the page's language: "1,234.5 credits" and
"28 Nov 2026, 20:35" in English, "1 234,5 crédits" and "28 nov. 2026, 20:35" in French,
in Europe/Paris time."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import formats, timezone, translation

from generator.models import GenerationTask
from generator.templatetags import studio
from tests.factories import make_task

NNBSP, NBSP = "\u202f", "\u00a0"  # the French thousands separator; before a unit
NOV_28_2026 = datetime(2026, 11, 28, 19, 35, 7, tzinfo=UTC)  # 20:35:07 in Paris


@pytest.mark.parametrize(
    ("value", "english", "french"),
    [
        (Decimal("1234.5"), "1,234.5", f"1{NNBSP}234,5"),
        (Decimal("5.00"), "5", "5"),
        (Decimal("3.50"), "3.5", "3,5"),
        (Decimal("12.25"), "12.25", "12,25"),
        (Decimal("-1234567"), "-1,234,567", f"-1{NNBSP}234{NNBSP}567"),
        ("not a number", "-", "-"),
        (None, "-", "-"),
    ],
)
def test_credit_amounts_in_each_language(value, english, french):
    with translation.override("en"):
        assert studio.credits(value) == english
    with translation.override("fr"):
        assert studio.credits(value) == french


@pytest.mark.parametrize(
    ("value", "english", "french"),
    [
        (1, "1 credit", f"1{NBSP}crédit"),
        (2, "2 credits", f"2{NBSP}crédits"),
        (0, "0 credits", f"0{NBSP}crédit"),
        (Decimal("0.5"), "0.5 credits", f"0,5{NBSP}crédit"),
        (Decimal("1.5"), "1.5 credits", f"1,5{NBSP}crédit"),
        (Decimal("3.5"), "3.5 credits", f"3,5{NBSP}crédits"),
        (Decimal("1234.5"), "1,234.5 credits", f"1{NNBSP}234,5{NBSP}crédits"),
    ],
)
def test_credits_are_counted_with_each_languages_plural(value, english, french):
    with translation.override("en"):
        assert studio.credit_amount(value) == english
    with translation.override("fr"):
        assert studio.credit_amount(value) == french


def test_dollars_durations_and_sizes_in_each_language():
    with translation.override("en"):
        assert studio.usd(Decimal("2468")) == "12.34"
        assert studio.seconds(4.25) == "4.2 s" and studio.seconds(95) == "1 min 35 s"
        assert studio.filesize(1536) == f"1.5{NBSP}KB"
    with translation.override("fr"):
        assert studio.usd(Decimal("2468")) == "12,34"
        assert studio.seconds(4.25) == f"4,2{NBSP}s"
        assert studio.seconds(95) == f"1{NBSP}min 35{NBSP}s"
        assert studio.filesize(1536) == f"1,5{NBSP}Kio"  # Django's own French


def test_how_long_ago_in_each_language():
    three_minutes_ago = timezone.now() - timedelta(minutes=3, seconds=5)
    with translation.override("en"):
        assert studio.ago(timezone.now()) == "just now"
        assert studio.ago(three_minutes_ago) == f"3{NBSP}minutes ago"
    with translation.override("fr"):
        assert studio.ago(timezone.now()) == "à l’instant"
        assert studio.ago(three_minutes_ago) == f"il y a 3{NBSP}minutes"


def test_dates_in_each_language_in_paris_time():
    moment = timezone.localtime(NOV_28_2026)  # TIME_ZONE: Europe/Paris
    with translation.override("fr"):
        assert formats.date_format(moment, "DATE_FORMAT") == "28 nov. 2026"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "28 nov. 2026, 20:35:07"
        assert formats.date_format(moment.replace(month=6), "DATE_FORMAT") == "28 juin 2026"
    with translation.override("en"):
        assert formats.date_format(moment, "DATE_FORMAT") == "28 Nov 2026"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "28 Nov 2026, 20:35:07"


@pytest.mark.django_db
def test_the_task_page_shows_its_date_and_numbers_in_the_page_language(staff_client, staff):
    task = make_task(
        staff,
        model="ideogram-v3",
        state="SUCCEEDED",
        credits_charged=Decimal("1234.5"),
        params={"prompt": "a phone", "strength": 0.8, "rendering_speed": "TURBO"},
    )
    GenerationTask.objects.filter(pk=task.pk).update(created_at=NOV_28_2026, operation="remix")
    french = staff_client.get(task.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "par Marie, le 28 nov. 2026 à 20:35" in french
    assert f"1{NNBSP}234,5{NBSP}crédits" in french  # charged
    assert "<dt>Intensité</dt><dd>0,8</dd>" in french
    english = staff_client.get(task.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "by Marie, 28 Nov 2026, 20:35" in english
    assert "1,234.5 credits" in english and "<dt>Strength</dt><dd>0.8</dd>" in english


@pytest.mark.django_db
def test_gallery_cards_show_credits_and_time_in_the_page_language(staff_client, staff):
    make_task(staff, state="RUNNING")  # 5 credits estimated
    french = staff_client.get("/gallery/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"à l’instant</time> · 5{NBSP}cr ·" in french
    english = staff_client.get("/gallery/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "just now</time> · 5 cr ·" in english

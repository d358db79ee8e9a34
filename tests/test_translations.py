"""The French catalog is complete, and `manage.py translations check` (make lint) keeps it
so: a string without its French, an untranslated or fuzzy entry, a translation that loses
a placeholder or a stale .mo fails it, and it never changes the committed files."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command

from generator.management.commands.translations import SOURCES

ROOT = Path(settings.BASE_DIR)
DJANGO_PO = "locale/fr/LC_MESSAGES/django.po"
DJANGOJS_PO = "locale/fr/LC_MESSAGES/djangojs.po"


def project_copy(tmp_path) -> Path:
    """The project's sources and catalogs, to change freely."""
    copy = tmp_path / "project"
    copy.mkdir()
    for source in SOURCES:
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(path, copy / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, copy / source)
    return copy


def translations(copy: Path, action: str = "check") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUTOSCALE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="autoscale.settings", AUTOSCALE_VAR_DIR=str(copy.parent / "var")
    )
    return subprocess.run(
        [sys.executable, "manage.py", "translations", action],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def edit_entry(copy: Path, msgid: str, change) -> None:
    catalog = polib.pofile(str(copy / DJANGO_PO))
    change(catalog.find(msgid))
    catalog.save()


def test_the_committed_catalog_is_complete():
    call_command("translations", "check")  # raises CommandError, listing what is missing


def test_new_strings_without_french_fail_the_guard_which_changes_nothing(tmp_path):
    copy = project_copy(tmp_path)
    (copy / "generator/approvals.py").write_text(
        "from django.utils.translation import gettext as _\n\n\n"
        "def label():\n    return _('Polishing the xylophones')\n"
    )
    (copy / "templates/approvals.html").write_text(
        "{% load i18n %}<p>{% translate 'Approve this generation' %}</p>\n"
    )
    (copy / "static/js/approvals.js").write_text('var label = gettext("Approved");\n')
    before = fingerprint(copy)

    result = translations(copy)

    assert result.returncode != 0
    assert (
        f"{DJANGO_PO}: not in the catalog: 'Polishing the xylophones' (generator/approvals.py)"
        in result.stderr
    )
    assert "'Approve this generation' (templates/approvals.html)" in result.stderr
    assert f"{DJANGOJS_PO}: not in the catalog: 'Approved' (static/js/approvals.js)" in (
        result.stderr
    )
    assert "3 translation problem(s)" in result.stderr
    assert fingerprint(copy) == before  # makemessages ran on a copy of the copy


def test_untranslated_and_fuzzy_entries_fail_the_guard(tmp_path):
    copy = project_copy(tmp_path)
    edit_entry(copy, "Gallery", lambda entry: setattr(entry, "msgstr", ""))
    edit_entry(copy, "Generate", lambda entry: entry.flags.append("fuzzy"))

    result = translations(copy)

    assert result.returncode != 0
    assert f"{DJANGO_PO}: untranslated: 'Gallery'" in result.stderr
    assert f"{DJANGO_PO}: fuzzy (check it, then remove the flag): 'Generate'" in result.stderr


def test_a_translation_that_loses_a_placeholder_fails_the_guard(tmp_path):
    copy = project_copy(tmp_path)
    edit_entry(copy, "Task #%(number)s", lambda entry: setattr(entry, "msgstr", "Génération"))

    result = translations(copy)

    assert result.returncode != 0
    assert "msgfmt failed" in result.stderr and "argument 'number'" in result.stderr


def test_a_mo_file_older_than_its_catalog_fails_the_guard(tmp_path):
    copy = project_copy(tmp_path)
    edit_entry(copy, "Gallery", lambda entry: setattr(entry, "msgstr", "Galerie d’images"))

    result = translations(copy)

    assert result.returncode != 0
    assert "locale/fr/LC_MESSAGES/django.mo: not the compiled .po" in result.stderr


def test_update_adds_new_strings_to_translate_and_compiles(tmp_path):
    copy = project_copy(tmp_path)
    (copy / "generator/approvals.py").write_text(
        "from django.utils.translation import gettext as _\n\n\n"
        "def label():\n    return _('Polishing the xylophones')\n"
    )
    result = translations(copy, "update")
    assert result.returncode == 0, result.stderr
    assert "django.po: updated, 1 entries to translate" in result.stdout
    entry = polib.pofile(str(copy / DJANGO_PO)).find("Polishing the xylophones")
    assert entry is not None and entry.msgstr == ""

    assert translations(copy).returncode != 0  # untranslated until someone writes the French

    edit_entry(copy, "Polishing the xylophones", lambda e: setattr(e, "msgstr", "En attente"))
    assert translations(copy, "update").returncode == 0  # compiles the .mo
    result = translations(copy)
    assert result.returncode == 0, result.stderr

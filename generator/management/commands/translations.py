"""`manage.py translations update|check`: the French catalog, complete and compiled.

update  after adding or changing a user-facing string: runs makemessages for both
        domains (django: Python and templates; djangojs: static/js), keeps the
        catalogs' header date as it was, and compiles each .mo. New
        strings arrive with an empty msgstr in locale/fr/LC_MESSAGES/*.po: translate
        them, then run update again.
check   (make lint) fails, listing each problem, when makemessages would add a string
        the catalog lacks, when an entry is untranslated or fuzzy, when a translation's
        placeholders differ from its msgid's (msgfmt --check-format), or when a
        committed .mo is not its .po compiled. It changes nothing: makemessages runs on
        a copy of the project in a temporary folder.

Both need GNU gettext (`make gettext` installs Debian's package).
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DOMAINS = ("django", "djangojs")
# What makemessages reads: the code, the templates and the scripts (never .venv, var/,
# tests/ or collected static files).
SOURCES = ("manage.py", "autoscale", "generator", "templates", "static", "locale")
MAKEMESSAGES_OPTIONS = ["--add-location", "file", "--no-obsolete", "--no-wrap"]
_HEADER_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"$', re.M)


def translated_languages() -> list[str]:
    """Every language of the site but the one the msgids are written in."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class Command(BaseCommand):
    help = "Update the translation catalogs (update), or check that they are complete (check)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["update", "check"])

    def handle(self, *args, action, **options):
        for tool in ("xgettext", "msgmerge", "msgfmt"):
            if not shutil.which(tool):
                raise CommandError(f"{tool} is missing: install GNU gettext (make gettext)")
        import polib  # the dev extra: only developers and CI run this command

        self.polib = polib
        root = Path(settings.BASE_DIR)
        with tempfile.TemporaryDirectory(prefix="autoscale-messages-") as scratch:
            copy = Path(scratch, "project")
            regenerate(root, copy)
            if action == "update":
                self.update(root, copy)
            else:
                self.check(root, copy, Path(scratch))

    # --- update -------------------------------------------------------------------
    def update(self, root: Path, copy: Path) -> None:
        for language, domain in catalogs():
            committed, fresh = root / po_path(language, domain), copy / po_path(language, domain)
            text = fresh.read_text(encoding="utf-8")
            if committed.exists():
                old = committed.read_text(encoding="utf-8")
                kept = _HEADER_DATE.search(old)
                if kept:  # a new date on every run is churn, and a merge conflict
                    text = _HEADER_DATE.sub(kept.group(0).replace("\\", "\\\\"), text, count=1)
                if text == old and mo_is_current(committed, committed.with_suffix(".mo")):
                    self.stdout.write(f"{committed.relative_to(root)}: unchanged")
                    continue
            committed.parent.mkdir(parents=True, exist_ok=True)
            committed.write_text(text, encoding="utf-8")
            compile_mo(committed, committed.with_suffix(".mo"))
            todo = self.polib.pofile(str(committed))
            left = len(todo.untranslated_entries()) + len(todo.fuzzy_entries())
            self.stdout.write(
                f"{committed.relative_to(root)}: updated, {left} entries to translate"
            )

    # --- check --------------------------------------------------------------------
    def check(self, root: Path, copy: Path, scratch: Path) -> None:
        problems: list[str] = []
        for language, domain in catalogs():
            name = po_path(language, domain)
            committed = root / name
            if not committed.exists():
                problems.append(f"{name}: missing (run `make messages`)")
                continue
            catalog = self.polib.pofile(str(committed))
            fresh = self.polib.pofile(str(copy / name))
            known = {_key(entry) for entry in catalog if not entry.obsolete}
            for entry in fresh:
                if not entry.obsolete and _key(entry) not in known:
                    problems.append(f"{name}: not in the catalog: {_show(entry)}")
            for entry in catalog.untranslated_entries():
                problems.append(f"{name}: untranslated: {_show(entry)}")
            for entry in catalog.fuzzy_entries():
                problems.append(f"{name}: fuzzy (check it, then remove the flag): {_show(entry)}")
            compiled = scratch / f"{language}-{domain}.mo"
            try:
                compile_mo(committed, compiled)
            except CommandError as exc:
                problems.append(f"{name}: {exc}")
                continue
            if not same_catalog(compiled, committed.with_suffix(".mo")):
                problems.append(f"{name[:-3]}.mo: not the compiled .po (run `make messages`)")
        if problems:
            self.stderr.write("\n".join(problems))
            raise CommandError(
                f"{len(problems)} translation problem(s). Add the French in "
                "locale/fr/LC_MESSAGES/*.po (after `make messages`), then `make messages`."
            )
        self.stdout.write("Translations complete: every string has its French.")


def catalogs():
    return [(language, domain) for language in translated_languages() for domain in DOMAINS]


def po_path(language: str, domain: str) -> str:
    return f"locale/{language}/LC_MESSAGES/{domain}.po"


def regenerate(root: Path, copy: Path) -> None:
    """makemessages on a copy of the sources, so the committed catalogs stay as they are."""
    copy.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for source in SOURCES:
        path = root / source
        if path.is_dir():
            shutil.copytree(path, copy / source, ignore=skip)
        elif path.exists():
            shutil.copy2(path, copy / source)
    for language, domain in catalogs():
        (copy / po_path(language, domain)).parent.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AUTOSCALE_PRODUCTION", "DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="autoscale.settings",
        AUTOSCALE_VAR_DIR=str(copy / "var"),
        PYTHONPATH=str(copy),  # the copy's own settings, never the installed project's
    )
    for domain in DOMAINS:
        command = [sys.executable, "manage.py", "makemessages", "--domain", domain]
        command += [f"--locale={language}" for language in translated_languages()]
        run(command + MAKEMESSAGES_OPTIONS, cwd=copy, env=env)


def compile_mo(po: Path, mo: Path) -> None:
    run(["msgfmt", "--check-format", "--output-file", str(mo), str(po)])


def mo_is_current(po: Path, mo: Path) -> bool:
    with tempfile.TemporaryDirectory() as scratch:
        compiled = Path(scratch, "check.mo")
        compile_mo(po, compiled)
        return same_catalog(compiled, mo)


def same_catalog(compiled: Path, committed: Path) -> bool:
    """Compared by content: two msgfmt versions may lay the same catalog out differently."""
    if not committed.exists():
        return False
    with compiled.open("rb") as a, committed.open("rb") as b:
        return gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog


def run(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    if result.returncode:
        output = (result.stderr or result.stdout).strip()
        what = " ".join(part for part in command[:3] if not part.startswith("-"))
        raise CommandError(f"{what} failed:\n{output}")


def _key(entry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def _show(entry) -> str:
    where = f" ({entry.occurrences[0][0]})" if entry.occurrences else ""
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r}{where}"

"""scripts/check_catalogues.py finds what it is for (an untranslated, fuzzy,
missing or stale entry), and the project's catalogues pass it."""

import importlib.util
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

spec = importlib.util.spec_from_file_location("check_catalogues", ROOT / "scripts" / "check_catalogues.py")
check_catalogues = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_catalogues)

MANAGE = """\
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
"""
SETTINGS = """\
from pathlib import Path

SECRET_KEY = "not secret"
USE_I18N = True
INSTALLED_APPS = []
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
"""
VIEWS = """\
from django.utils.translation import gettext as _, ngettext

WORDS = [_("Agenda"), _("When"), _("Cancelled")]
COUNT = ngettext("%(count)d date", "%(count)d dates", 2)
"""
EDITOR_JS = """\
const t = (text) => (window.gettext ? window.gettext(text) : text)
document.title = t("Insert a picture")
"""
HEADER = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: fr\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""
COMPLETE = {
    "Agenda": "Agenda",
    "When": "Quand",
    "Cancelled": "Annulé",
}
PLURAL = """
#, python-format
msgid "%(count)d date"
msgid_plural "%(count)d dates"
msgstr[0] "%(count)d date"
msgstr[1] "%(count)d dates"
"""


def catalogue(entries: dict[str, str], extra: str = PLURAL) -> str:
    body = "".join(f'\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n' for msgid, msgstr in entries.items())
    return HEADER + body + extra


def fake_project(folder: Path, django_po: str, djangojs_po: str | None = None) -> Path:
    """A project of one Python file and one script, with a French catalogue."""
    (folder / "manage.py").write_text(MANAGE)
    (folder / "site_settings.py").write_text(SETTINGS)
    (folder / "views.py").write_text(VIEWS)
    (folder / "static").mkdir()
    (folder / "static" / "editor.js").write_text(EDITOR_JS)
    messages = folder / "locale" / "fr" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(django_po)
    js = djangojs_po if djangojs_po is not None else catalogue({"Insert a picture": "Insérer une image"}, extra="")
    (messages / "djangojs.po").write_text(js)
    # Left out of the copy: a virtualenv's own catalogues would otherwise be read.
    (folder / ".venv" / "locale").mkdir(parents=True)
    (folder / ".venv" / "strings.py").write_text('from django.utils.translation import gettext\ngettext("Hidden")\n')
    return folder


def test_a_complete_catalogue_passes(tmp_path, capsys):
    project = fake_project(tmp_path, catalogue(COMPLETE))
    assert check_catalogues.problems(project) == []
    assert check_catalogues.main([str(project)]) == 0
    assert "complete" in capsys.readouterr().out
    # The project itself is left as it was: makemessages ran on a copy.
    assert (project / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text() == catalogue(COMPLETE)


def test_an_untranslated_and_a_fuzzy_entry_fail(tmp_path, capsys):
    fuzzy = '\n#, fuzzy\n#| msgid "Cancel"\nmsgid "Cancelled"\nmsgstr "Annuler"\n'
    po = catalogue({"Agenda": "Agenda", "When": ""}, extra=PLURAL + fuzzy)
    project = fake_project(tmp_path, po)
    assert check_catalogues.problems(project) == [
        "fr django.po: fuzzy: 'Cancelled'",
        "fr django.po: untranslated: 'When'",
    ]
    assert check_catalogues.main([str(project)]) == 1
    out = capsys.readouterr().out
    assert "fr django.po: untranslated: 'When'" in out and "fr django.po: fuzzy: 'Cancelled'" in out


def test_a_plural_with_one_form_missing_is_untranslated(tmp_path):
    half = PLURAL.replace('msgstr[1] "%(count)d dates"', 'msgstr[1] ""')
    project = fake_project(tmp_path, catalogue(COMPLETE, extra=half))
    assert check_catalogues.problems(project) == ["fr django.po: untranslated: '%(count)d date'"]


def test_a_string_missing_from_the_catalogue_or_gone_from_the_code_fails(tmp_path):
    entries = {"Agenda": "Agenda", "When": "Quand", "Where": "Où"}  # no "Cancelled"; "Where" is in no code
    project = fake_project(tmp_path, catalogue(entries))
    assert check_catalogues.problems(project) == [
        "fr django.po: no longer in the code (make messages): 'Where'",
        "fr django.po: not in the catalogue (make messages, then translate): 'Cancelled'",
    ]


def test_english_needs_no_translation_but_its_msgids_in_step(tmp_path):
    project = fake_project(tmp_path, catalogue(COMPLETE))
    english = project / "locale" / "en" / "LC_MESSAGES"
    english.mkdir(parents=True)
    (english / "django.po").write_text(catalogue(dict.fromkeys(COMPLETE, "")).replace("Language: fr", "Language: en"))
    assert check_catalogues.problems(project) == []
    (english / "django.po").write_text(catalogue({"Agenda": ""}).replace("Language: fr", "Language: en"))
    assert check_catalogues.problems(project) == [
        "en django.po: not in the catalogue (make messages, then translate): 'Cancelled'",
        "en django.po: not in the catalogue (make messages, then translate): 'When'",
    ]


def test_a_script_string_missing_from_djangojs_fails(tmp_path):
    # Our scripts call gettext through t(), which makemessages cannot see.
    js = catalogue({"Upload": "Téléverser"}, extra="")
    project = fake_project(tmp_path, catalogue(COMPLETE), djangojs_po=js)
    assert check_catalogues.problems(project) == [
        "fr djangojs.po: used by our scripts, not in the catalogue: 'Insert a picture'",
    ]


def test_french_typography_is_held_and_set(tmp_path, capsys):
    """A plain space before a colon lets a phone break the line before it."""
    entries = COMPLETE | {"When": "Quand : bientôt", "Cancelled": "Annulé ; d'abord « reporté » !"}
    project = fake_project(tmp_path, catalogue(entries))
    faults = [line.split(": ", 1)[1].rsplit(": '", 1)[0] for line in check_catalogues.problems(project)]
    assert faults == [
        "French typography: a straight apostrophe",
        "French typography: after «, a space other than a no-break one",
        "French typography: before ; ! or ?, a space other than a narrow no-break one",
        "French typography: before a colon or », a space other than a no-break one",
        "French typography: before a colon or », a space other than a no-break one",
    ]
    assert check_catalogues.main(["--fix-french", str(project)]) == 0
    fixed = (project / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text()
    assert 'msgstr "Quand\u00a0: bientôt"' in fixed
    assert 'msgstr "Annulé\u202f; d’abord «\u00a0reporté\u00a0»\u202f!"' in fixed
    assert check_catalogues.main([str(project)]) == 0
    assert "complete" in capsys.readouterr().out


def test_french_typography_is_set_across_wrapped_lines_and_spares_markdown():
    text = textwrap.dedent(
        """        msgid "A long one"
        msgstr ""
        "Écrivez-la ![ce qu'elle montre](adresse) "
        ": puis « "
        "envoyez-la »."
        """
    )
    assert check_catalogues.set_french_typography(text) == textwrap.dedent(
        """        msgid "A long one"
        msgstr ""
        "Écrivez-la ![ce qu’elle montre](adresse)\u00a0"
        ": puis «\u00a0"
        "envoyez-la\u00a0»."
        """
    )
    assert check_catalogues.typography_faults("Les dates : 14:00, BEGIN:VCALENDAR, FREQ=WEEKLY;COUNT=2") == [
        "before a colon or », a space other than a no-break one"
    ]


def test_the_reader_keeps_contexts_plurals_and_skips_obsolete_entries():
    text = textwrap.dedent(
        """\
        msgctxt "month"
        msgid "May"
        msgstr ""
        "Mai"

        #, fuzzy, python-format
        #| msgid "old"
        msgid "%(n)s \\"item\\""
        msgid_plural "%(n)s items"
        msgstr[0] "a"
        msgstr[1] ""

        #~ msgid "Gone"
        #~ msgstr "Parti"
        """
    )
    entries = check_catalogues.read_po(text)
    assert [check_catalogues.key(entry) for entry in entries] == [
        ("month", "May", None),
        (None, '%(n)s "item"', "%(n)s items"),
        (None, "Gone", None),
    ]
    assert entries[0]["msgstr"] == "Mai" and not entries[0]["obsolete"]
    assert "fuzzy" in entries[1]["flags"] and entries[1]["msgstr[1]"] == ""
    assert entries[2]["obsolete"]


def test_the_check_uses_the_flags_of_make_messages():
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"^messages:.*\n\t(.*)$", makefile, re.MULTILINE).group(1)
    assert "makemessages" in line
    assert set(re.findall(r"--ignore=\S+", line)) == set(check_catalogues.MAKEMESSAGES_IGNORES)
    assert set(re.findall(r"-l (\w+)", line)) == set(check_catalogues.catalogues(ROOT, "django"))


def test_the_project_catalogues_are_complete():
    assert check_catalogues.problems() == []


@pytest.mark.django_db
def test_the_admin_history_labels_of_our_models_are_in_the_catalogue():
    """A change is logged with its fields' form labels, capitalised; the
    history shows them translated only if each is a msgid."""
    from django.contrib import admin
    from django.contrib.auth.models import User
    from django.test import RequestFactory
    from django.utils import translation

    french = check_catalogues.live_keys(ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    msgids = {msgid for _context, msgid, _plural in french}
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True)
    ours = {"tracts", "articles", "events", "website", "newsletter", "collectif"}
    missing = set()
    with translation.override("en"):
        for model, model_admin in admin.site._registry.items():
            if model._meta.app_label not in ours:
                continue
            forms = [model_admin.get_form(request)]
            forms += [inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)]
            for form in forms:
                missing |= {str(field.label) for field in form.base_fields.values() if field.label} - msgids
    # Labels made per language ("Name in Spanish") cannot be msgids.
    assert {label for label in missing if not re.fullmatch(r"Name in \w+", label)} == set()

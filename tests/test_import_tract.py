import io
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from PIL import Image as PillowImage

from publishing.models import Image, Theme
from tests.helpers import jpeg_with_gps, plain_french, run_manage
from tracts.models import Tract, TractVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    """Error messages in English here; the subprocess test below checks the French ones."""
    with translation.override("en"):
        yield


GOOD = """---
title: Contrôle : non !
subtitle: Nous ne sommes pas des suspects
date: 2026-10-05
themes: Algorithmes, Contrôle
contact: Permanence le mardi, 14h–17h
---

Un **algorithme** note les allocataires.

## Ce que nous voulons

- la publication des critères
- la fin du ciblage
"""


def run_import(tmp_path, text: str | bytes, *args: str, name: str = "tract.md") -> list[str]:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_tract", str(path), *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_good_file_creates_a_draft_tract(tmp_path):
    lines = run_import(tmp_path, GOOD, "--language", "fr")

    tract = Tract.objects.get()
    version = tract.versions.get()
    assert lines[-1] == "/fr/tracts/controle-non/"
    assert tract.slug == "controle-non"
    assert tract.status == Tract.Status.DRAFT
    assert str(tract.date) == "2026-10-05"
    assert sorted(t.name for t in tract.themes.all()) == ["Algorithmes", "Contrôle"]
    assert version.title == "Contrôle : non !"
    assert version.subtitle == "Nous ne sommes pas des suspects"
    assert version.contact == "Permanence le mardi, 14h–17h"
    assert "<strong>algorithme</strong>" in version.body
    assert "<h2>Ce que nous voulons</h2>" in version.body
    assert "<li>la fin du ciblage</li>" in version.body


def test_publish_and_title_from_the_first_heading(tmp_path):
    lines = run_import(tmp_path, "# Rouvrez les guichets\n\nDu papier, des humains.\n", "--language", "fr", "--publish")

    tract = Tract.objects.get()
    assert tract.is_public
    assert tract.versions.get().title == "Rouvrez les guichets"
    assert "Rouvrez" not in tract.versions.get().body
    assert lines[-1] == "/fr/tracts/rouvrez-les-guichets/"


def test_an_arabic_title_gets_a_readable_latin_slug(tmp_path):
    lines = run_import(tmp_path, "# لا للمراقبة الرقمية\n\nنص قصير.\n", "--language", "ar")

    assert Tract.objects.get().slug == "l-llmrqbh-lrqmyh"
    assert lines[-1] == "/ar/tracts/l-llmrqbh-lrqmyh/"


def test_slug_of_an_existing_tract_adds_then_replaces_a_version(tmp_path):
    run_import(tmp_path, GOOD, "--language", "fr")
    lines = run_import(tmp_path, "# لا للتنقيط\n\nنص أول.\n", "--language", "ar", "--slug", "controle-non")
    assert lines[-1] == "/ar/tracts/controle-non/"
    run_import(tmp_path, "# لا للتنقيط\n\nنص جديد.\n", "--language", "ar", "--slug", "controle-non")

    tract = Tract.objects.get()
    assert tract.original_language == "fr"
    assert [v.language for v in tract.all_versions()] == ["fr", "ar"]
    assert "نص جديد" in tract.version("ar").body


def test_raw_html_is_cleaned_and_stray_markdown_does_not_break(tmp_path):
    text = (
        "# Titre\n\nUn *astérisque orphelin et un _souligné et `code.\n\n"
        '<script>alert(1)</script><p onclick="x()">Bloc <b>HTML</b></p>\n\n'
        "[lien](javascript:alert(1)) [ok](https://example.org)\n"
    )
    run_import(tmp_path, text, "--language", "fr")

    body = TractVersion.objects.get().body
    assert "astérisque orphelin" in body
    assert "<script" not in body and "alert(1)</" not in body and "onclick" not in body
    assert 'href="javascript' not in body
    assert "<b>HTML</b>" in body
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in body


@pytest.mark.parametrize(
    "text, message",
    [
        ("---\ntitle: Sans fin\n\nTexte", "never closed"),
        ("---\ntitre: Faute de frappe\n---\nTexte", "Unknown front matter key"),
        ("---\ntitle: Mauvaise date\ndate: 5 octobre\n---\nTexte", "YYYY-MM-DD"),
        ("---\nsubtitle: Pas de titre\n---\nJuste du texte.", "No title"),
        ("# Titre seul\n", "no text"),
        ("", "No title"),
        ("---\ntitle: " + "x" * 300 + "\n---\nTexte", "limit is 200"),
        ("---\nligne sans deux-points\n---\nTexte", "not “key: value”"),
    ],
)
def test_bad_files_fail_with_one_line_and_leave_nothing(tmp_path, text, message):
    with pytest.raises(CommandError) as error:
        run_import(tmp_path, text, "--language", "fr")
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert not Tract.objects.exists() and not TractVersion.objects.exists() and not Theme.objects.exists()


def test_not_utf8_unknown_language_missing_file_and_bad_slug(tmp_path):
    with pytest.raises(CommandError, match="not a UTF-8 text file"):
        run_import(tmp_path, b"# Titre\n\n\xff\xfe caf\xe9", "--language", "fr")
    with pytest.raises(CommandError, match="Unknown language"):
        run_import(tmp_path, GOOD, "--language", "klingon")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_tract", str(tmp_path / "absent.md"), "--language", "fr")
    with pytest.raises(CommandError, match="not a valid slug"):
        run_import(tmp_path, GOOD, "--language", "fr", "--slug", "Pas Un Slug!")
    assert not Tract.objects.exists()


def test_same_title_twice_without_slug_is_refused_without_touching_the_first(tmp_path):
    run_import(tmp_path, GOOD, "--language", "fr")
    with pytest.raises(CommandError, match="--slug controle-non"):
        run_import(tmp_path, GOOD.replace("algorithme", "autre"), "--language", "fr")
    assert "autre" not in TractVersion.objects.get().body


def test_a_failing_version_leaves_an_existing_tract_untouched(tmp_path):
    run_import(tmp_path, GOOD, "--language", "fr")
    bad = "---\ntitle: Titre\nthemes: Nouveau thème\nfooter: Autre pied\n---\n"  # no text
    with pytest.raises(CommandError):
        run_import(tmp_path, bad, "--language", "en", "--slug", "controle-non")
    tract = Tract.objects.get()
    assert tract.legal_footer == ""
    assert not Theme.objects.filter(name="Nouveau thème").exists()


def test_exit_code_is_1_and_the_error_is_one_line(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: x\n", encoding="utf-8")
    result = run_manage(tmp_path, "import_tract", str(path), "--language", "fr")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    # Organisers read errors in French, the site's language.
    assert "n'est jamais refermé" in plain_french(result.stderr)


def test_import_queues_the_pdf_renders(tmp_path, task_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_import(tmp_path, GOOD, "--language", "fr")
    # The A5 and its share picture, then every format.
    assert [result.args for result in task_queue.results] == [["tracts.Tract", Tract.objects.get().pk]] * 2


YAML_FROM_A_PAD = """---
title: "Précaires sous plateforme : la fin du guichet ?"
subtitle: 'Ce que l''algorithme ne voit pas'
date: 2026-11-03
themes:
  - Algorithmes
  - "Contrôle : social"
contact: >-
  Permanence le mardi,
  Bourse du travail
---

Le texte du tract.
"""


def test_yaml_front_matter_quoted_title_lists_and_date(tmp_path):
    lines = run_import(tmp_path, YAML_FROM_A_PAD, "--language", "fr")

    tract = Tract.objects.get()
    version = tract.versions.get()
    assert version.title == "Précaires sous plateforme : la fin du guichet ?"  # no quotes kept
    assert version.subtitle == "Ce que l'algorithme ne voit pas"
    assert version.contact == "Permanence le mardi, Bourse du travail"
    assert str(tract.date) == "2026-11-03"
    assert sorted(t.name for t in tract.themes.all()) == ["Algorithmes", "Contrôle : social"]
    assert '"' not in version.search_text.split()[0]
    assert lines[-1] == "/fr/tracts/precaires-sous-plateforme-la-fin-du-guichet/"


def test_lenient_lines_still_work_where_yaml_would_refuse_them(tmp_path):
    text = "---\ntitle: Non\nsubtitle: Contrôle : non ! Et: encore\ndate: 2026-10-05T09:30:00\n---\n\nTexte.\n"
    run_import(tmp_path, text, "--language", "fr")

    version = TractVersion.objects.get()
    assert version.subtitle == "Contrôle : non ! Et: encore"
    assert str(version.tract.date) == "2026-10-05"


def test_yaml_title_read_as_a_boolean_keeps_its_word(tmp_path):
    run_import(tmp_path, "---\ntitle: yes\ndate: 2026-10-05\n---\n\nTexte.\n", "--language", "fr")
    assert TractVersion.objects.get().title == "yes"


@pytest.mark.parametrize(
    "front, message",
    [
        ("title:\n  - Un\n  - Deux\n", "must be one value, not a list"),
        ("title: Un\nsubtitle:\n  key: value\n", "must be text, not a group of keys"),
        ('title: "Un"\nlayout: post\n', "Unknown front matter key “layout”"),
    ],
)
def test_yaml_front_matter_of_the_wrong_shape_is_refused(tmp_path, front, message):
    with pytest.raises(CommandError, match=message):
        run_import(tmp_path, f"---\n{front}---\n\nTexte.\n", "--language", "fr")
    assert not Tract.objects.exists()


def test_an_overflowing_import_warns_before_the_path(tmp_path):
    long_text = "\n\n".join(
        f"Paragraphe {n} : un algorithme note les allocataires et décide qui sera contrôlé, sans dire pourquoi."
        for n in range(250)
    )
    path = tmp_path / "long.md"
    path.write_text(f"# Beaucoup trop long\n\n{long_text}\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_tract", str(path), "--language", "fr", stdout=out, stderr=err)

    assert out.getvalue().strip().splitlines()[-1] == "/fr/tracts/beaucoup-trop-long/"
    assert "pages in A5" in err.getvalue()


def test_a_short_import_gives_no_warning(tmp_path):
    path = tmp_path / "short.md"
    path.write_text(GOOD, encoding="utf-8")
    err = StringIO()
    call_command("import_tract", str(path), "--language", "fr", stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""


# Pictures ------------------------------------------------------------------

WITH_PICTURE = """# Non au score

Un algorithme note les allocataires.

![Une banderole devant la caisse](photo.jpg "Devant la CAF, le 5 octobre")

Nous demandons la fin du ciblage.
"""


def stored_files(folder: str = "images") -> list[str]:
    if not default_storage.exists(folder):
        return []
    directories, files = default_storage.listdir(folder)
    return files + [name for directory in directories for name in stored_files(f"{folder}/{directory}")]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(jpeg_with_gps(1800, 1000))
    return tmp_path


def test_a_local_picture_is_uploaded_stripped_and_shown_as_a_figure(folder):
    lines = run_import(folder, WITH_PICTURE, "--language", "fr")

    image = Image.objects.get()
    body = TractVersion.objects.get().body
    assert lines[-1] == "/fr/tracts/non-au-score/"
    assert image.alt_text == "Une banderole devant la caisse" and image.caption == "Devant la CAF, le 5 octobre"
    assert (
        f'<figure><img src="{image.file.url}" alt="Une banderole devant la caisse">'
        "<figcaption>Devant la CAF, le 5 octobre</figcaption></figure>"
    ) in body
    assert "<p></p>" not in body
    # The same checks as an upload in the admin: no camera, no GPS.
    with default_storage.open(image.file.name, "rb") as handle:
        assert len(PillowImage.open(io.BytesIO(handle.read())).getexif()) == 0


def test_pictures_are_also_looked_for_in_the_pictures_folder(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "photo.jpg").write_bytes(jpeg_with_gps(900, 600))
    run_import(tmp_path / "texts", WITH_PICTURE, "--language", "fr", "--pictures", str(tmp_path / "photos"))
    assert Image.objects.get().file.url in TractVersion.objects.get().body

    with pytest.raises(CommandError, match="no such folder for the pictures"):
        run_import(tmp_path / "texts", WITH_PICTURE, "--language", "fr", "--pictures", str(tmp_path / "absent"))


@pytest.mark.parametrize(
    "picture, message",
    [
        ("![Une carte](absente.jpg)", "The picture “absente.jpg” was not found next to the Markdown file."),
        ("![Une carte](../photo.jpg)", "“../photo.jpg” must be named from the Markdown file's folder"),
        ("![Une carte](sous/../../photo.jpg)", "without “/” first or “..”"),
        ("![Une carte](/etc/passwd)", "“/etc/passwd” must be named"),
        ("![Une carte](https://tracker.example/p.jpg)", "“https://tracker.example/p.jpg” is on another site"),
        ('<img src="https://tracker.example/p.gif" alt="x">', "“https://tracker.example/p.gif” is on another site"),
        ("![Une carte](<ma carte.jpg>)", "“ma carte.jpg” cannot be read"),
        ("![](photo.jpg)", "needs a description"),
        ("![Une carte](faux.jpg)", "faux.jpg: This file is not an image"),
    ],
)
def test_a_picture_that_cannot_be_brought_in_fails_naming_it_and_imports_nothing(tmp_path, picture, message):
    folder = tmp_path / "tract"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(jpeg_with_gps(900, 600))
    (folder / "faux.jpg").write_bytes(b"not a picture")
    (tmp_path / "photo.jpg").write_bytes(jpeg_with_gps(600, 400))  # beside the folder: never reached
    # A good picture first, so that its upload must be undone too.
    text = f"# Titre\n\n![Une banderole](photo.jpg)\n\nUn texte.\n\n{picture}\n"
    with pytest.raises(CommandError) as error:
        run_import(folder, text, "--language", "fr")
    assert message in str(error.value) and "\n" not in str(error.value)
    assert not Tract.objects.exists() and not TractVersion.objects.exists() and not Image.objects.exists()
    assert stored_files() == []


def test_a_missing_picture_exits_with_status_1_and_one_line(tmp_path):
    path = tmp_path / "tract.md"
    path.write_text(WITH_PICTURE, encoding="utf-8")
    result = run_manage(tmp_path, "import_tract", str(path), "--language", "fr")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "photo.jpg\xa0» est introuvable à côté du fichier Markdown." in result.stderr
    assert "Imported" not in result.stdout


# What an import refuses rather than keep half ---------------------------------


def test_a_text_whose_render_times_out_is_not_imported(tmp_path, settings):
    # A real render stopped at its time limit: the import is undone, nothing is published.
    settings.PDF_RENDER_TIMEOUT = 0.01
    with pytest.raises(CommandError) as refused:
        run_import(tmp_path, GOOD, "--language", "fr", "--publish")
    message = str(refused.value)
    assert "\n" not in message
    assert message.endswith("Its PDF could not be made (it took longer than 0 seconds): nothing was imported.")
    assert not Tract.objects.exists() and not TractVersion.objects.exists() and not Theme.objects.exists()


def test_a_replacement_that_cannot_be_printed_keeps_the_published_version(tmp_path, settings, client):
    run_import(tmp_path, GOOD, "--language", "fr", "--publish")
    settings.PDF_RENDER_TIMEOUT = 0.01
    with pytest.raises(CommandError, match="nothing was imported"):
        run_import(tmp_path, "# Autre titre\n\nAutre texte.\n", "--language", "fr", "--slug", "controle-non")
    version = TractVersion.objects.get()
    assert version.title == "Contrôle : non !" and version.tract.is_public
    assert client.get("/fr/tracts/").status_code == 200


@pytest.mark.parametrize(
    "body, message",
    [
        # markdown-it would drop everything past its limit: 191 of these 200 items.
        ("".join("  " * level + f"- point {level}\n" for level in range(200)), "more than 30 levels deep"),
        ("> " * 40 + "au fond", "more than 30 levels deep"),
        ("<blockquote>" * 1000 + "au fond" + "</blockquote>" * 1000, "nests elements 1000 deep"),
        ("mot " * 180_000, "the limit is 500000"),
    ],
)
def test_a_text_beyond_the_admins_bounds_is_refused_not_cut(tmp_path, body, message):
    with pytest.raises(CommandError) as refused:
        run_import(tmp_path, f"# Profond\n\n{body}\n", "--language", "fr")
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert not Tract.objects.exists()


def test_a_picture_that_links_outside_the_folder_is_refused(tmp_path):
    (tmp_path / "ailleurs.jpg").write_bytes(jpeg_with_gps(800, 600))
    folder = tmp_path / "tract"
    folder.mkdir()
    (folder / "carte.jpg").symlink_to(tmp_path / "ailleurs.jpg")
    with pytest.raises(CommandError, match=r"“carte\.jpg” is a link to a file outside its folder"):
        run_import(folder, "# Carte\n\n![Une carte](carte.jpg)\n", "--language", "fr")
    assert not Tract.objects.exists() and not Image.objects.exists()

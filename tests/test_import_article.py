import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from PIL import Image as PillowImage

from articles.models import Article, ArticleVersion, Author
from publishing.models import Image
from tests.helpers import jpeg_with_gps, plain_french, run_manage

pytestmark = pytest.mark.django_db

GOOD = """---
title: La machine à soupçonner
subtitle: Comment un score transforme la précarité en suspicion.
date: 2026-10-20
updated: 2026-11-12
authors: Camille Arnaud, Commission enquête
themes: Algorithmes, Contrôle
---

Un score est calculé pour chaque dossier[^score]. Un autre appel[^b].

## Ce que disent les personnes

> Je n'ai jamais su pourquoi mon dossier avait été choisi.
> — Témoignage recueilli à la permanence

> Une phrase sans source.

![Une grille de dossiers, certains surlignés](photo.jpg "La grille des dossiers")

| Ce qu'on impose | Ce que nous demandons |
| --- | --- |
| Le tout-numérique | Un guichet ouvert |

Le score revient[^score].

[^score]: Un nombre calculé à partir du dossier,
    mis à jour chaque mois.
[^b]: Voir [le rapport](https://example.org/rapport).
"""


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(jpeg_with_gps(1800, 1000))
    return tmp_path


def run_import(folder, text: str, *args: str) -> list[str]:
    path = folder / "article.md"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_article", str(path), *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_good_file(folder):
    lines = run_import(folder, GOOD, "--language", "fr", "--publish")

    article = Article.objects.get()
    version = article.versions.get()
    assert lines[-1] == "/fr/articles/la-machine-a-soupconner/"
    assert article.is_public and str(article.date) == "2026-10-20" and str(article.updated_on) == "2026-11-12"
    assert sorted(a.name for a in article.authors.all()) == ["Camille Arnaud", "Commission enquête"]
    assert sorted(t.name for t in article.themes.all()) == ["Algorithmes", "Contrôle"]
    assert version.standfirst == "Comment un score transforme la précarité en suspicion."
    # Notes numbered in the order they are called, the body keeps the calls.
    assert "dossier[^1]. Un autre appel[^2]." in version.body and "Le score revient[^1]." in version.body
    assert version.notes == (
        "<ol><li><p>Un nombre calculé à partir du dossier, mis à jour chaque mois.</p></li>"
        '<li><p>Voir <a href="https://example.org/rapport" rel="noopener noreferrer">le rapport</a>.</p></li></ol>'
    )
    assert "<table>" in version.body and "<td>Un guichet ouvert</td>" in version.body
    # The picture is uploaded, stripped, and shown as a figure with its caption.
    image = Image.objects.get()
    assert image.alt_text == "Une grille de dossiers, certains surlignés" and image.caption == "La grille des dossiers"
    with default_storage.open(image.file.name, "rb") as handle:
        assert len(PillowImage.open(io.BytesIO(handle.read())).getexif()) == 0
    assert f'<figure><img src="{image.file.url}" alt="Une grille de dossiers, certains surlignés">' in version.body
    assert "<figcaption>La grille des dossiers</figcaption></figure>" in version.body


def test_quotations_get_their_attribution_on_the_page(folder, client):
    run_import(folder, GOOD, "--language", "fr", "--publish")
    html = client.get("/fr/articles/la-machine-a-soupconner/").content.decode()
    assert '<footer class="attribution">— Témoignage recueilli à la permanence</footer></blockquote>' in html
    assert "<blockquote>\n<p>Une phrase sans source.</p>\n</blockquote>" in html
    assert html.count('class="note-ref"') == 3 and html.count('<li id="note-') == 2


def test_slug_adds_a_translation(folder):
    run_import(folder, GOOD, "--language", "fr")
    english = "# The suspicion machine\n\nA score is computed[^1].\n\n[^1]: A number.\n"
    lines = run_import(folder, english, "--language", "en", "--slug", "la-machine-a-soupconner")
    article = Article.objects.get()
    assert lines[-1] == "/en/articles/la-machine-a-soupconner/"
    assert [v.language for v in article.all_versions()] == ["fr", "en"]
    assert article.version("en").notes == "<ol><li><p>A number.</p></li></ol>"


@pytest.mark.parametrize(
    "text, message",
    [
        ("# Titre\n\nUn appel[^x] sans note.\n", "[^x] is called but never written"),
        ("# Titre\n\n![Une image](https://tracker.example/p.jpg)\n", "on another site"),
        ("# Titre\n\n![Une image](absente.jpg)\n", "was not found"),
        ("# Titre\n\n![Une image](../../etc/passwd)\n", "“../../etc/passwd” must be named from the Markdown file's"),
        ("# Titre\n\n![Une image](/etc/passwd)\n", "without “/” first or “..”"),
        ("# Titre\n\n![Une image](<ma photo.jpg>)\n", "“ma photo.jpg” cannot be read"),
        ("# Titre\n\n![](photo.jpg)\n", "needs a description"),
        ("---\ntitle: T\nupdated: hier\n---\nTexte", "YYYY-MM-DD"),
        ("---\ntitle: T\nauteur: X\n---\nTexte", "Unknown front matter key"),
        ("# Titre\n\n" + "".join("  " * n + f"- point {n}\n" for n in range(200)), "more than 30 levels deep"),
        ("# Titre\n\n" + "<blockquote>" * 1000 + "x" + "</blockquote>" * 1000, "nests elements 1000 deep"),
        ("# Titre\n\n<table>" + ("<tr>" + "<td>x</td>" * 100 + "</tr>") * 100 + "</table>", "10000 cells"),
        ("# Titre\n\n" + "mot " * 180_000, "the limit is 500000"),
    ],
)
def test_bad_files_leave_nothing_behind(folder, text, message):
    # A valid picture first, so that a failure after its upload is tested too.
    text = text.replace("# Titre\n\n", "# Titre\n\n![Une grille](photo.jpg)\n\n", 1)
    with pytest.raises(CommandError) as error:
        run_import(folder, text, "--language", "fr")
    assert message in str(error.value) and "\n" not in str(error.value)
    assert not Article.objects.exists() and not ArticleVersion.objects.exists() and not Author.objects.exists()
    assert not Image.objects.exists()
    assert not default_storage.exists("images") or not any(default_storage.listdir("images")[1])


def test_broken_image_file_is_a_clear_error(folder):
    (folder / "photo.jpg").write_bytes(b"not really a jpeg")
    with pytest.raises(CommandError, match="not an image"):
        run_import(folder, GOOD, "--language", "fr")
    assert not Article.objects.exists()


def test_command_exit_code_and_french_message(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("# Titre\n\nUn appel[^x].\n", encoding="utf-8")
    result = run_manage(tmp_path, "import_article", str(path), "--language", "fr", MEDIA_ROOT=str(tmp_path))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    # Organisers read errors in French, the site's language.
    assert "La note [^x] est appelée dans le texte mais n'est jamais rédigée." in plain_french(result.stderr)


def bad_profile_jpeg() -> bytes:
    output = io.BytesIO()
    PillowImage.new("RGB", (400, 300), (200, 10, 10)).save(output, "JPEG", icc_profile=b"not a profile" * 8)
    return output.getvalue()


def bomb_png() -> bytes:
    output = io.BytesIO()
    PillowImage.new("1", (14_000, 14_000)).save(output, "PNG")
    return output.getvalue()


def thin_png() -> bytes:
    output = io.BytesIO()
    PillowImage.new("RGB", (20000, 1), (200, 10, 10)).save(output, "PNG")
    return output.getvalue()


@pytest.mark.parametrize(
    "content, message",
    [(bad_profile_jpeg, "colour profile is damaged"), (bomb_png, "decompression bomb"), (thin_png, "too thin")],
)
def test_picture_errors_are_one_line_and_leave_nothing(folder, content, message):
    (folder / "photo.jpg").write_bytes(content())
    with pytest.raises(CommandError) as error:
        run_import(folder, GOOD, "--language", "fr")
    assert message in str(error.value) and "\n" not in str(error.value)
    assert not Article.objects.exists() and not Image.objects.exists()


def test_a_full_disk_during_an_import_is_one_line(folder, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", no_space)
    with pytest.raises(CommandError) as error:
        run_import(folder, GOOD, "--language", "fr")
    assert "disk is full" in str(error.value) and "\n" not in str(error.value)
    assert not Article.objects.exists() and not Image.objects.exists()


def test_yaml_front_matter_with_lists_of_authors_and_themes(folder):
    text = (
        '---\ntitle: "Le score : une machine à soupçonner"\nauthors: [Camille Arnaud, "Commission, enquête"]\n'
        "themes:\n  - Algorithmes\ndate: 2026-10-20\n---\n\nUn texte.\n"
    )
    (folder / "yaml.md").write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_article", str(folder / "yaml.md"), "--language", "fr", stdout=out)

    article = Article.objects.get()
    assert article.versions.get().title == "Le score : une machine à soupçonner"
    assert sorted(a.name for a in article.authors.all()) == ["Camille Arnaud", "Commission, enquête"]
    assert [t.name for t in article.themes.all()] == ["Algorithmes"]
    assert out.getvalue().strip().splitlines()[-1] == "/fr/articles/le-score-une-machine-a-soupconner/"


def test_pictures_can_come_from_a_pictures_folder(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "photo.jpg").write_bytes(jpeg_with_gps(900, 600))
    with pytest.raises(CommandError, match="nor in"):
        run_import(
            tmp_path / "texts",
            GOOD.replace("photo.jpg", "autre.jpg"),
            "--language",
            "fr",
            "--pictures",
            str(tmp_path / "photos"),
        )
    assert not Image.objects.exists()

    run_import(tmp_path / "texts", GOOD, "--language", "fr", "--pictures", str(tmp_path / "photos"))
    assert Image.objects.get().file.url in ArticleVersion.objects.get().body

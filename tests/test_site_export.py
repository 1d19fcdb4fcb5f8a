import hashlib
import io
import re
from pathlib import Path

import pytest
import yaml
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from articles.models import Article, Author
from publishing.html_text import plain_text
from publishing.models import Image, OldAddress, Theme
from tests.helpers import jpeg_with_gps, run_manage
from tests.test_import_wordpress import EXPORT, tract_pdf, uploads  # noqa: F401 (fixtures)
from tracts.models import Tract
from website.models import Page

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Everything a round trip must keep, in comparable form."""

    def versions(publication, *fields: str) -> dict:
        return {
            v.language: (
                v.title,
                *(" ".join(plain_text(re.sub("<[^>]+>", " ", getattr(v, f))).split()) for f in fields),
            )
            for v in publication.versions.all()
        }

    def common(publication) -> tuple:
        dated = publication.date is not None
        return (
            publication.status,
            publication.date,
            publication.published_at,
            publication.original_language,
            sorted(t.name for t in publication.themes.all()) if dated else [],
            sorted(path for v in publication.versions.all() for path in OldAddress.paths_of(v)),
        )

    def archived(tract: Tract) -> str:
        return hashlib.sha256(tract.archived_pdf.read()).hexdigest() if tract.archived_pdf else ""

    return {
        "tracts": {
            t.slug: (*common(t), versions(t, "subtitle", "body", "contact"), archived(t), t.legal_footer)
            for t in Tract.objects.all()
        },
        "articles": {
            a.slug: (
                *common(a),
                versions(a, "standfirst", "body", "notes", "excerpt"),
                sorted(x.name for x in a.authors.all()),
                a.cover_image.alt_text if a.cover_image else "",
                a.updated_on,
                [
                    (f.linked_article and f.linked_article.slug, f.linked_tract and f.linked_tract.slug, f.url, f.title)
                    for f in a.further_reading.all()
                ],
                sorted(tract.slug for tract in a.related_tracts.all()),
            )
            for a in Article.objects.all()
        },
        "pages": {p.slug: (*common(p), versions(p, "summary", "body"), p.in_footer) for p in Page.objects.all()},
        "themes": sorted((t.name, t.slug, tuple(sorted(t.translated_names.items()))) for t in Theme.objects.all()),
        "authors": sorted(Author.objects.values_list("name", "slug", "is_organisation")),
        "pictures": sorted((i.alt_text, i.caption, i.width, i.height) for i in Image.objects.all()),
        "redirects": sorted((a.path, a.target_url()) for a in OldAddress.objects.all()),
    }


@pytest.fixture
def site(tmp_path, uploads, make_tract, make_article):  # noqa: F811
    call_command(
        "import_wordpress",
        str(EXPORT),
        "--uploads",
        str(uploads),
        "--tracts-category",
        "tracts",
        "--report",
        str(tmp_path / "r.txt"),
        stdout=io.StringIO(),
    )
    make_tract(
        "bilingue",
        {"fr": {"title": "Guichets", "subtitle": "Ouvrez", "contact": "Le mardi"}, "ar": {"title": "الشبابيك"}},
        themes=["Algorithmes"],
        legal_footer="Imprimé par nos soins",
    )
    make_tract("scan-sans-texte", {"fr": {"title": "Un tract scanné", "body": ""}})
    make_article(
        "avec-notes",
        {
            "fr": {
                "title": "Avec des notes",
                "standfirst": "Le chapeau.",
                "body": "<p>Un score[^1] et un <u>mot</u> souligné.</p><blockquote><p>Une phrase.</p>"
                "<p>— Une source</p></blockquote><ul><li>un</li><li>deux</li></ul>",
                "notes": '<ol><li>La note, avec <a href="https://example.org/">un lien</a>.</li></ol>',
                "excerpt": "Un extrait écrit.",
            }
        },
        authors=["Commission enquête"],
    )
    # Further reading (ours and elsewhere) and related tracts, which refer to
    # publications the import may not have read yet.
    with_notes = Article.objects.get(slug="avec-notes")
    with_notes.further_reading.create(position=0, linked_tract=Tract.objects.get(slug="bilingue"))
    with_notes.further_reading.create(position=1, url="https://example.org/rapport", title="Un rapport")
    with_notes.further_reading.create(position=2, linked_article=Article.objects.get(slug="controle-algorithmique"))
    with_notes.related_tracts.set([Tract.objects.get(slug="bilingue"), Tract.objects.get(slug="scan-sans-texte")])
    theme = Theme.objects.get(name="Algorithmes")
    theme.translated_names = {"ar": "الخوارزميات"}
    theme.save()
    OldAddress.objects.create(path="/agenda/", new_path="/fr/pages/a-propos/")


def test_export_writes_readable_markdown_with_pictures_and_pdfs(site, tmp_path):
    out = io.StringIO()
    call_command("export_site", str(tmp_path / "site"), stdout=out)
    folder = tmp_path / "site"

    assert out.getvalue().startswith("3 tracts, 6 articles, 1 pages")
    text = (folder / "articles" / "controle-algorithmique" / "fr.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"] == "Contrôle algorithmique : ce que la caisse ne dit pas"
    assert front["themes"] == ["Algorithmes", "CAF"]
    assert front["status"] == "published"
    assert "/2023/05/controle-algorithmique" in front["old_addresses"]
    assert "Premier paragraphe  \navec un saut de ligne." in text
    assert "](" in text and '"La banderole du 12 mai")' in text
    picture = text.split("![Une banderole devant la caisse](")[1].split(" ")[0]
    assert (folder / "articles" / "controle-algorithmique" / picture).is_file()
    assert (folder / "tracts" / "tract-stop-au-controle" / "archive.pdf").is_file()
    notes = (folder / "articles" / "avec-notes" / "fr.md").read_text(encoding="utf-8")
    assert "Un score[^1] et un <u>mot</u> souligné." in notes
    assert "[^1]: La note, avec [un lien](https://example.org/)." in notes
    assert (folder / "articles" / "controle-algorithmique" / "ar.md").is_file()
    links = yaml.safe_load((folder / "articles" / "avec-notes" / "links.yaml").read_text(encoding="utf-8"))
    assert links["further_reading"] == [
        {"tract": "bilingue"},
        {"url": "https://example.org/rapport", "title": "Un rapport"},
        {"article": "controle-algorithmique"},
    ]
    assert sorted(links["related_tracts"]) == ["bilingue", "scan-sans-texte"]


def test_export_then_import_into_an_empty_database_gives_the_same_site(site, tmp_path):
    before = snapshot()
    call_command("export_site", str(tmp_path / "site"), stdout=io.StringIO())
    for model in (Tract, Article, Page, Theme, Author, Image, OldAddress):
        model.objects.all().delete()
    assert not Tract.objects.exists()

    out = io.StringIO()
    call_command("import_site", str(tmp_path / "site"), stdout=out)

    after = snapshot()
    for key in before:
        if key == "articles":
            for slug in before[key]:
                assert after[key][slug] == before[key][slug], slug
        assert after[key] == before[key], key
    assert out.getvalue().startswith("3 tracts, 6 articles, 1 pages, 0 events (12 language versions)")


def test_import_site_twice_updates_rather_than_duplicates(site, tmp_path):
    call_command("export_site", str(tmp_path / "site"), stdout=io.StringIO())
    before = snapshot()
    call_command("import_site", str(tmp_path / "site"), stdout=io.StringIO())
    pictures = Image.objects.count()
    call_command("import_site", str(tmp_path / "site"), stdout=io.StringIO())
    after = snapshot()
    assert after["articles"] == before["articles"] and after["tracts"] == before["tracts"]
    assert Article.objects.count() == len(before["articles"])
    assert Image.objects.count() == pictures  # the exported copies are recognised the second time


def test_import_site_refuses_a_missing_folder_or_a_bad_file(tmp_path):
    with pytest.raises(CommandError, match="no such folder"):
        call_command("import_site", str(tmp_path / "absent"))
    bad = tmp_path / "bad" / "tracts" / "x"
    bad.mkdir(parents=True)
    (bad / "fr.md").write_text("---\ntitle: [unclosed\n---\n\nTexte.\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"fr\.md"):
        call_command("import_site", str(Path(tmp_path / "bad")))
    assert not Tract.objects.exists()


def test_a_tract_picture_goes_out_beside_its_text_and_comes_back(tmp_path, make_tract):
    photo = Image(
        file=ContentFile(jpeg_with_gps(1400, 900), name="manif.jpg"),
        alt_text="Une banderole devant la caisse",
        caption="Devant la CAF",
    )
    photo.save()
    body = (
        f'<p>Avant.</p><figure><img src="{photo.file.url}" alt="{photo.alt_text}">'
        f"<figcaption>{photo.caption}</figcaption></figure><p>Après.</p>"
    )
    make_tract("avec-photo", {"fr": {"title": "Photo", "body": body}, "ar": {"title": "صورة", "body": body}})
    call_command("export_site", str(tmp_path / "site"), stdout=io.StringIO())

    folder = tmp_path / "site" / "tracts" / "avec-photo"
    name = Path(photo.file.name).name
    assert f'![Une banderole devant la caisse]({name} "Devant la CAF")' in (folder / "fr.md").read_text()
    assert (folder / name).is_file()

    Tract.objects.all().delete()
    Image.objects.all().delete()
    call_command("import_site", str(tmp_path / "site"), stdout=io.StringIO())

    picture = Image.objects.get()  # one picture for both versions
    assert (picture.alt_text, picture.caption, picture.width, picture.height) == (
        "Une banderole devant la caisse",
        "Devant la CAF",
        1400,
        900,
    )
    for version in Tract.objects.get().versions.all():
        assert (
            f'<p>Avant.</p><figure><img src="{picture.file.url}" alt="Une banderole devant la caisse">'
            "<figcaption>Devant la CAF</figcaption></figure><p>Après.</p>"
        ) == re.sub(r">\s+<", "><", version.body)


def crafted_folder(tmp_path, files: dict[str, str | bytes]) -> Path:
    """An export folder as anyone could write one."""
    folder = tmp_path / "crafted"
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def refused_import(folder: Path) -> str:
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("import_site", str(folder), stdout=io.StringIO())
    message = str(refused.value)
    assert len(message.splitlines()) == 1
    assert not Tract.objects.exists() and not Article.objects.exists() and not Page.objects.exists()
    assert not Image.objects.exists()
    return message


SCANNED = "---\ntitle: Scanné\nstatus: published\narchived_pdf: {path}\n---\n"
WITH_COVER = "---\ntitle: Article\nstatus: published\ncover: {path}\n---\n\nLe texte.\n"


@pytest.mark.parametrize("path", ["/etc/secret.pdf", "../../secret.pdf", "sous/../../secret.pdf", "lien.pdf"])
def test_import_site_reads_no_pdf_outside_its_folder(tmp_path, tract_pdf, path):  # noqa: F811
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(tract_pdf)
    folder = crafted_folder(tmp_path, {"tracts/scan/fr.md": SCANNED.format(path=path)})
    (folder / "tracts" / "scan" / "lien.pdf").symlink_to(secret)
    if path.startswith("/"):
        path = str(secret)
        (folder / "tracts" / "scan" / "fr.md").write_text(SCANNED.format(path=path), encoding="utf-8")

    message = refused_import(folder)

    # The message names at most 80 characters of the path (a tmp_path under pytest-xdist is longer).
    assert message.startswith(f"{folder / 'tracts' / 'scan' / 'fr.md'}: “{path[:80]}")
    assert "outside its folder" in message or "without “/” first or “..”" in message


@pytest.mark.parametrize("path", ["../photo.jpg", "/tmp/photo.jpg", "lien.jpg"])
def test_import_site_reads_no_cover_outside_its_folder(tmp_path, path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_with_gps(800, 600))
    folder = crafted_folder(tmp_path, {"articles/article/fr.md": WITH_COVER.format(path=path)})
    (folder / "articles" / "article" / "lien.jpg").symlink_to(photo)

    assert f"“{path}”" in refused_import(folder)


def test_a_markdown_file_that_is_a_link_elsewhere_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("---\ntitle: Ailleurs\n---\n\nTexte.\n", encoding="utf-8")
    folder = crafted_folder(tmp_path, {"pages/propos/en.md": "---\ntitle: About\n---\n\nText.\n"})
    (folder / "pages" / "propos" / "fr.md").symlink_to(elsewhere)

    assert "outside the folder" in refused_import(folder)


@pytest.mark.parametrize("kind", ["tracts", "articles", "pages"])
def test_an_unknown_language_is_refused_and_the_lists_keep_answering(tmp_path, client, kind):
    text = "---\ntitle: Intrus\nstatus: published\n---\n\nTexte.\n"
    folder = crafted_folder(tmp_path, {f"{kind}/intrus/zz.md": text})

    assert "Unknown language “zz”" in refused_import(folder)
    assert client.get("/fr/tracts/").status_code == 200


@pytest.mark.parametrize("kind", ["tracts", "articles", "pages"])
def test_a_status_the_site_does_not_know_is_refused(tmp_path, kind):
    folder = crafted_folder(tmp_path, {f"{kind}/pirate/fr.md": "---\ntitle: Pirate\nstatus: hacked\n---\n\nTexte.\n"})

    assert "'hacked' is not a valid choice" in refused_import(folder)


NESTED_LIST = "".join("  " * level + f"- point {level}\n" for level in range(200))


@pytest.mark.parametrize(
    "body, message",
    [
        (NESTED_LIST, "more than 30 levels deep"),
        ("> " * 40 + "x", "more than 30 levels deep"),
        ("<blockquote>" * 1000 + "x" + "</blockquote>" * 1000, "nests elements 1000 deep"),
        ("<table>" + ("<tr>" + "<td>x</td>" * 100 + "</tr>") * 100 + "</table>", "10000 cells"),
        ("mot " * 180_000, "the limit is 500000"),
    ],
)
def test_a_page_beyond_the_admins_bounds_is_refused_not_cut(tmp_path, body, message):
    folder = crafted_folder(tmp_path, {"pages/profonde/fr.md": f"---\ntitle: Profonde\n---\n\n{body}\n"})

    assert message in refused_import(folder)


def test_a_failing_file_leaves_nothing_of_the_import_behind(tmp_path, tract_pdf):  # noqa: F811
    folder = crafted_folder(
        tmp_path,
        {
            "tracts/bon/fr.md": SCANNED.format(path="archive.pdf"),
            "tracts/bon/archive.pdf": tract_pdf,
            "tracts/mauvais/fr.md": SCANNED.format(path="archive.pdf"),
            "tracts/mauvais/archive.pdf": b"%PDF-1.4 not really",
        },
    )

    assert "mauvais/fr.md: archive.pdf: damaged PDF" in refused_import(folder)
    assert not any((tmp_path / "media").rglob("*.pdf")) and not any((tmp_path / "private").rglob("*.pdf"))


def test_import_site_errors_are_one_line_in_french_with_exit_status_1(tmp_path):
    folder = crafted_folder(tmp_path, {"tracts/intrus/zz.md": "---\ntitle: Intrus\n---\n\nTexte.\n"})
    result = run_manage(tmp_path, "import_site", str(folder))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Langue inconnue «\u00a0zz\u00a0»" in result.stderr

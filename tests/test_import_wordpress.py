import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image as PillowImage
from pypdf import PdfReader

from articles.models import Article, ArticleVersion, Author
from moving.wxr import convert_content, wpautop
from publishing.models import Image, OldAddress, Theme
from publishing.pdf import render_pdf
from tests.conftest import jpeg_with_gps
from tests.helpers import personal_metadata, run_manage, with_personal_metadata
from tracts.models import Tract
from website.models import Page

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent / "data" / "wordpress" / "export.xml"
TRACT_PDF_HTML = "<html><head><title>Stop au contrôle</title></head><body><h1>Stop au contrôle</h1></body></html>"


@pytest.fixture(scope="module")
def tract_pdf() -> bytes:
    return with_personal_metadata(render_pdf(TRACT_PDF_HTML))


@pytest.fixture
def uploads(tmp_path, tract_pdf) -> Path:
    """A copy of wp-content/uploads with some of the export's files, not all."""
    folder = tmp_path / "uploads"
    (folder / "2023" / "05").mkdir(parents=True)
    (folder / "2023" / "04").mkdir(parents=True)
    (folder / "2023" / "05" / "manif.jpg").write_bytes(jpeg_with_gps(1600, 1067))
    (folder / "2023" / "05" / "manif-1024x683.jpg").write_bytes(jpeg_with_gps(1024, 683))
    (folder / "2023" / "05" / "galerie-1.jpg").write_bytes(jpeg_with_gps(900, 600))
    (folder / "2023" / "04" / "tract-stop.pdf").write_bytes(tract_pdf)
    return folder  # galerie-2.png and absente.jpg are missing


def run(*args: str, export: Path = EXPORT) -> list[str]:
    out = io.StringIO()
    call_command("import_wordpress", str(export), *args, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.fixture
def imported(tmp_path, uploads) -> list[str]:
    return run("--uploads", str(uploads), "--tracts-category", "tracts", "--report", str(tmp_path / "report.txt"))


def test_summary_counts_what_was_made_and_skipped(imported, tmp_path):
    assert "Created: 5 article, 1 page, 1 tract." in imported
    assert "Updated: nothing." in imported
    assert (
        "Skipped: 1 broken item, 1 custom_css, 1 nav_menu_item, 1 private, 1 revision, 1 trash, "
        "1 wp_global_styles, 1 wp_navigation."
    ) in imported
    assert "Pictures: 2 imported, 2 missing." in imported
    assert "Unknown shortcodes removed: 1 contact-form-7." in imported
    assert imported[-1] == f"Report: {tmp_path / 'report.txt'}"
    report = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert "missing  post 10: picture 2023/05/galerie-2.png" in report
    assert "missing  post 11: picture 2023/05/absente.jpg" in report
    assert "post 10: shortcode [contact-form-7] removed" in report
    assert "skipped  post 16 “Notes internes”: private" in report
    assert "“Un billet abîmé” (no valid wp:post_id" in report
    assert "created  post 10 “Contrôle algorithmique : ce que la caisse ne dit pas” -> article /fr/articles/" in report


def test_statuses_and_dates(imported):
    def article(wp_id: int) -> Article:
        return ArticleVersion.objects.get(wordpress_id=wp_id).article

    published = article(12)
    assert published.is_public
    assert published.published_at == datetime.datetime(2023, 5, 20, 7, 0, tzinfo=datetime.UTC)
    assert str(published.date) == "2023-05-20"
    assert article(13).status == Article.Status.DRAFT
    assert article(13).slug == "brouillon-sur-les-indus"  # no post_name: from the title
    assert article(14).status == Article.Status.DRAFT
    scheduled = article(15)
    assert scheduled.status == Article.Status.PUBLISHED and not scheduled.is_public
    assert scheduled.published_at.year == 2030
    assert not ArticleVersion.objects.filter(wordpress_id__in=[16, 17, 40, 41, 42, 43, 44]).exists()


def test_polylang_translations_become_one_article_with_two_versions(imported):
    article = Article.objects.get(slug="controle-algorithmique")
    assert sorted(v.language for v in article.versions.all()) == ["ar", "fr"]
    assert article.original_language == "fr"
    assert article.versions.get(language="ar").title == "الرقابة الخوارزمية"
    assert sorted(t.name for t in article.themes.all()) == ["Algorithmes", "CAF"]
    assert sorted(a.name for a in article.authors.all()) == ["Camille Arnaud", "Sam Diallo"]
    assert article.versions.get(language="fr").excerpt == "Ce que le score fait aux allocataires."


def test_no_login_or_email_is_kept_and_default_categories_are_not_themes(imported):
    assert sorted(Author.objects.values_list("name", flat=True)) == ["Camille Arnaud", "Sam Diallo"]
    assert sorted(Theme.objects.values_list("name", flat=True)) == ["Algorithmes", "CAF"]  # not Tracts, Uncategorized
    dump = " ".join(str(v) for v in ArticleVersion.objects.values_list("body", "title", "excerpt"))
    assert "camille@example.org" not in dump


def test_classic_content_becomes_paragraphs_figures_and_links(imported):
    body = ArticleVersion.objects.get(wordpress_id=10).body
    assert "<p>Premier paragraphe<br>\navec un saut de ligne.</p>" in body
    manif = Image.objects.get(alt_text="Une banderole devant la caisse")
    assert f'<figure><img src="{manif.file.url}" alt="Une banderole devant la caisse">' in body
    assert "<figcaption>La banderole du 12 mai</figcaption></figure>" in body
    # Embeds become plain links; no frame, no third-party request.
    assert '<a href="https://www.youtube.com/watch?v=abc123" rel="noopener noreferrer">' in body
    assert '<a href="https://www.youtube.com/embed/xyz789" rel="noopener noreferrer">' in body
    assert "iframe" not in body
    # Unknown shortcode removed; a bracketed word stays.
    assert "contact-form" not in body and "Un crochet [sic] reste dans le texte." in body
    # Gallery: the picture found, and the missing one's description.
    cortege = Image.objects.get(alt_text="Le cortège")
    assert f'<img src="{cortege.file.url}" alt="Le cortège">' in body
    assert "<figcaption>Le cortège place de la mairie</figcaption>" in body
    assert "<em>[Les pancartes]</em>" in body
    # Links to the old site lead to the new pages; others are left alone.
    assert 'href="/fr/articles/rouvrez-les-guichets/"' in body
    assert body.count('href="/fr/articles/rouvrez-les-guichets/"') == 2  # permalink and ?p=12
    assert 'href="https://ailleurs.example.net/rapport"' in body
    assert "ancien.example.org" not in body


def test_block_content_loses_its_comments_and_keeps_its_html(imported):
    body = ArticleVersion.objects.get(wordpress_id=12).body
    assert body == "<h2>Des humains, pas des scores</h2>\n<p>Nous demandons des guichets ouverts.</p>"
    arabic = ArticleVersion.objects.get(wordpress_id=11).body
    assert "wp:" not in arabic and "<!--" not in arabic
    assert '<a href="https://twitter.com/collectif/status/1" rel="noopener noreferrer">' in arabic
    assert "<em>[صورة مفقودة]</em>" in arabic  # the missing picture keeps its description


def test_pictures_are_checked_and_stripped_like_uploads(imported):
    manif = Image.objects.get(alt_text="Une banderole devant la caisse")
    with manif.file.open("rb") as handle:
        picture = PillowImage.open(handle)
        assert picture.width == 1600  # the original, not the resized copy the post showed
        assert not picture.getexif()
    assert Article.objects.get(slug="controle-algorithmique").cover_image == manif
    assert Image.objects.count() == 2


def test_tract_category_and_its_pdf_attachment(imported, tract_pdf, client, settings):
    tract = Tract.objects.get()
    assert tract.slug == "tract-stop-au-controle"
    assert [t.name for t in tract.themes.all()] == ["Algorithmes"]
    assert personal_metadata(tract_pdf)  # the author's name, her machine, the XMP history
    response = client.get("/fr/tracts/tract-stop-au-controle/archive.pdf")
    served = b"".join(response.streaming_content)
    assert personal_metadata(served) == []
    assert "Stop au contrôle" in PdfReader(io.BytesIO(served)).pages[0].extract_text()
    # The original is kept for staff, outside what the web server serves.
    assert tract.archived_pdf_original.read() == tract_pdf
    assert Path(tract.archived_pdf_original.path).is_relative_to(settings.PRIVATE_MEDIA_ROOT)


def test_pages_become_pages(imported):
    page = Page.objects.get(slug="a-propos")
    assert page.is_public
    assert page.versions.get().body == "<p>Nous sommes un collectif d'allocataires.</p>\n<p>Écrivez-nous.</p>"


def test_old_addresses_redirect_permanently_in_the_right_language(imported, client):
    expected = {
        "/2023/05/controle-algorithmique/": "/fr/articles/controle-algorithmique/",
        "/2023/05/controle-algorithmique": "/fr/articles/controle-algorithmique/",
        "/?p=10": "/fr/articles/controle-algorithmique/",
        "/?p=11": "/ar/articles/controle-algorithmique/",
        "/ar/2023/05/الرقابة/": "/ar/articles/controle-algorithmique/",
        "/a-propos/": "/fr/pages/a-propos/",
        "/?page_id=30": "/fr/pages/a-propos/",
        "/2023/04/tract-stop-au-controle/": "/fr/tracts/tract-stop-au-controle/",
        "/category/algorithmes/": "/fr/themes/algorithmes/",
        "/?cat=3": "/fr/themes/algorithmes/",
        "/tag/caf/": "/fr/themes/caf/",
        "/feed/": "/fr/articles/feed.rss",
    }
    for old, new in expected.items():
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new, old
    assert client.get("/2099/01/nothing/").status_code == 404
    assert "Page not found" in client.get("/en/2099/01/nothing/").content.decode()
    assert client.get("/?p=999").status_code in {301, 302}  # unknown id: the usual language redirect


def test_the_lookup_adds_no_query_to_pages_that_exist(imported, client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/fr/articles/controle-algorithmique/").status_code == 200
    assert not any("oldaddress" in query["sql"].lower() for query in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/2099/01/nothing/").status_code == 404
    assert any("oldaddress" in query["sql"].lower() for query in queries.captured_queries)


def test_running_again_updates_instead_of_duplicating(imported, tmp_path, uploads):
    ArticleVersion.objects.filter(wordpress_id=12).update(title="Changé ici")
    lines = run("--uploads", str(uploads), "--tracts-category", "tracts", "--report", str(tmp_path / "again.txt"))

    assert "Created: nothing." in lines
    assert "Updated: 5 article, 1 page, 1 tract." in lines
    assert "Pictures: 0 imported, 2 missing." in lines
    assert Article.objects.count() == 5 and ArticleVersion.objects.count() == 6
    assert Tract.objects.count() == 1 and Page.objects.count() == 1 and Image.objects.count() == 2
    assert ArticleVersion.objects.get(wordpress_id=12).title == "Rouvrez les guichets"


def test_dry_run_changes_nothing(uploads, settings):
    lines = run("--uploads", str(uploads), "--tracts-category", "tracts", "--dry-run")

    assert "Dry run: nothing was changed. This is what the import would do:" in lines
    assert "Created: 5 article, 1 page, 1 tract." in lines
    assert not Article.objects.exists() and not Tract.objects.exists() and not Page.objects.exists()
    assert not Image.objects.exists() and not Theme.objects.exists() and not OldAddress.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_without_polylang_the_language_option_applies(tmp_path):
    export = tmp_path / "en.xml"
    text = EXPORT.read_text(encoding="utf-8")
    text = text.replace('<category domain="language" nicename="fr"><![CDATA[Français]]></category>', "")
    export.write_text(text, encoding="utf-8")
    run("--language", "es", "--report", str(tmp_path / "r.txt"), export=export)
    assert ArticleVersion.objects.get(wordpress_id=12).language == "es"
    assert ArticleVersion.objects.get(wordpress_id=11).language == "ar"  # still marked Arabic


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><wp:wxr_version xmlns:wp="http://wordpress.org/export/1.2/">1.2</wp:wxr_version>
<item><title>&lol3;</title></item></channel></rss>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss><channel><title>&secret;</title></channel></rss>"""


@pytest.mark.parametrize(
    "content, message",
    [
        (BILLION_LAUGHS, "declares a DTD or XML entities"),
        (EXTERNAL_ENTITY, "declares a DTD or XML entities"),
        ("<rss><channel><item></channel></rss>", "malformed XML"),
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title></channel></rss>',
            "not a WordPress export",
        ),
        ("<html><body>Hello</body></html>", "not a WordPress export"),
        ("", "malformed XML"),
    ],
)
def test_bad_input_is_one_line_and_imports_nothing(tmp_path, content, message):
    export = tmp_path / "bad.xml"
    export.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(export=export)
    assert not Article.objects.exists() and not Theme.objects.exists()


def test_exit_code_is_1_and_the_error_one_line(tmp_path):
    export = tmp_path / "bad.xml"
    export.write_text(BILLION_LAUGHS, encoding="utf-8")
    result = run_manage(tmp_path, "import_wordpress", str(export))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_wpautop_and_shortcodes_unit():
    assert wpautop("Un\ndeux\n\n<ul>\n<li>a</li>\n</ul>\n\ntrois") == (
        "<p>Un<br>\ndeux</p>\n<ul>\n<li>a</li>\n</ul>\n<p>trois</p>"
    )
    converted = convert_content(
        '[su_button url="x"]Clique[/su_button] et [toc] puis [note]texte[/note]',
        gallery=lambda ids: [],
        picture=lambda src, alt: "",
    )
    assert converted.unknown_shortcodes == ["su_button", "note"]
    assert "Clique et [toc] puis texte" in converted.html


def test_a_failing_post_is_reported_and_the_rest_comes_in(tmp_path, monkeypatch):
    from moving import wordpress as wordpress_import

    original = wordpress_import.WordPressImport._fill_version

    def fail_on_post_12(self, kind, version, item):
        if item.wp_id == 12:
            raise RuntimeError("something unexpected in this post")
        return original(self, kind, version, item)

    monkeypatch.setattr(wordpress_import.WordPressImport, "_fill_version", fail_on_post_12)
    lines = run("--report", str(tmp_path / "r.txt"))

    assert "Created: 5 article, 1 page." in lines
    assert "post 12 “Rouvrez les guichets”: broken item (something unexpected in this post)" in (
        tmp_path / "r.txt"
    ).read_text(encoding="utf-8")
    assert not ArticleVersion.objects.filter(wordpress_id=12).exists()
    assert ArticleVersion.objects.filter(wordpress_id=10).exists()


def test_theme_names_that_make_the_same_slug_are_one_theme(tmp_path):
    export = tmp_path / "themes.xml"
    text = EXPORT.read_text(encoding="utf-8").replace(
        '<category domain="category" nicename="uncategorized"><![CDATA[Uncategorized]]></category>',
        '<category domain="post_tag" nicename="controle"><![CDATA[Controle]]></category>'
        '<category domain="category" nicename="controle-2"><![CDATA[Contrôle]]></category>',
    )
    export.write_text(text, encoding="utf-8")
    run("--report", str(tmp_path / "r.txt"), export=export)
    assert [t.name for t in ArticleVersion.objects.get(wordpress_id=12).article.themes.all()] == ["Contrôle"]


def test_older_namespaces_and_sloppy_files_are_read(tmp_path):
    """WXR 1.0 over https, a byte-order mark and blank lines before the declaration, a control character."""
    export = tmp_path / "old.xml"
    export.write_bytes(
        b"\xef\xbb\xbf\n\n"
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        b'xmlns:wp="https://wordpress.org/export/1.0/" xmlns:excerpt="https://wordpress.org/export/1.0/excerpt/">'
        b"<channel><title>Vieux blog</title><link>http://vieux.example.org</link>"
        b"<wp:wxr_version>1.0</wp:wxr_version>"
        b"<item><title>Un vieux billet</title><link>http://vieux.example.org/?p=3</link>"
        b"<content:encoded><![CDATA[Du texte\x0b avec un caract\xc3\xa8re de contr\xc3\xb4le.]]></content:encoded>"
        b"<excerpt:encoded><![CDATA[Le r\xc3\xa9sum\xc3\xa9.]]></excerpt:encoded>"
        b"<wp:post_id>3</wp:post_id><wp:post_date>2009-02-01 10:00:00</wp:post_date>"
        b"<wp:post_name>un-vieux-billet</wp:post_name><wp:status>publish</wp:status>"
        b"<wp:post_type>post</wp:post_type></item></channel></rss>"
    )
    lines = run("--language", "fr", "--report", str(tmp_path / "r.txt"), export=export)

    assert "Created: 1 article." in lines
    version = ArticleVersion.objects.get(wordpress_id=3)
    assert version.body == "<p>Du texte avec un caractère de contrôle.</p>"
    assert version.excerpt == "Le résumé."
    assert str(version.article.date) == "2009-02-01"


def test_wpml_translation_groups_become_one_article(tmp_path):
    text = EXPORT.read_text(encoding="utf-8")
    for wp_id, language in ((10, "fr"), (11, "ar")):
        native = "Français" if language == "fr" else "العربية"
        text = text.replace(f'<category domain="language" nicename="{language}"><![CDATA[{native}]]></category>', "", 1)
        text = text.replace(
            f"<wp:post_id>{wp_id}</wp:post_id>",
            f"<wp:post_id>{wp_id}</wp:post_id>"
            f"<wp:postmeta><wp:meta_key>_wpml_import_language_code</wp:meta_key>"
            f"<wp:meta_value>{language}</wp:meta_value></wp:postmeta>"
            "<wp:postmeta><wp:meta_key>_wpml_import_translation_group</wp:meta_key>"
            "<wp:meta_value>42</wp:meta_value></wp:postmeta>",
        )
    text = text.replace('<category domain="post_translations" nicename="pll_6471a2b3c4d5e">', '<category domain="x">')
    export = tmp_path / "wpml.xml"
    export.write_text(text, encoding="utf-8")
    run("--report", str(tmp_path / "r.txt"), export=export)

    article = ArticleVersion.objects.get(wordpress_id=11).article
    assert sorted(v.language for v in article.versions.all()) == ["ar", "fr"]
    assert article.versions.get(language="fr").wordpress_id == 10


def one_post_export(tmp_path, posts: dict[int, str]) -> Path:
    items = "".join(
        f"<item><title>Billet {wp_id}</title><content:encoded><![CDATA[{content}]]></content:encoded>"
        f"<wp:post_id>{wp_id}</wp:post_id><wp:post_date>2024-02-01 10:00:00</wp:post_date>"
        f"<wp:post_name>billet-{wp_id}</wp:post_name><wp:status>publish</wp:status>"
        "<wp:post_type>post</wp:post_type></item>"
        for wp_id, content in posts.items()
    )
    export = tmp_path / "posts.xml"
    export.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Blog</title>'
        f"<link>http://blog.example.org</link><wp:wxr_version>1.2</wp:wxr_version>{items}</channel></rss>",
        encoding="utf-8",
    )
    return export


@pytest.mark.parametrize(
    "content, message",
    [
        # Refusals in the organisers' language, the site's.
        ("<blockquote>" * 1000 + "profond" + "</blockquote>" * 1000, "imbrique des éléments sur 1000 niveaux"),
        ("<table>" + ("<tr>" + "<td>x</td>" * 100 + "</tr>") * 100 + "</table>", "Un tableau a 10000 cellules"),
        ("<p>" + "mot " * 180_000 + "</p>", "la limite est de 500000"),
    ],
)
def test_a_post_beyond_the_admins_bounds_is_refused_and_reported(tmp_path, content, message):
    export = one_post_export(tmp_path, {7: content, 8: "<p>Un billet ordinaire.</p>"})
    lines = run("--language", "fr", "--report", str(tmp_path / "r.txt"), export=export)

    report = (tmp_path / "r.txt").read_text(encoding="utf-8")
    refused = next(line for line in report.splitlines() if "post 7" in line)
    assert refused.startswith("skipped  post 7 “Billet 7”: refused (") and message in refused
    assert not ArticleVersion.objects.filter(wordpress_id=7).exists() and Article.objects.count() == 1
    assert "Created: 1 article." in lines

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PillowImage
from reversion.models import Version

from articles.models import Article
from publishing.models import Image
from tests.helpers import jpeg_with_gps

pytestmark = pytest.mark.django_db


def article_form(**overrides) -> dict:
    data = {
        "slug": "la-machine",
        "date": "2026-10-20",
        "updated_on": "",
        "original_language": "fr",
        "status": "published",
        "published_at_0": "2026-10-20",
        "published_at_1": "08:00:00",
        "versions-TOTAL_FORMS": "2",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "1",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-language": "fr",
        "versions-0-title": "La machine à soupçonner",
        "versions-0-standfirst": "Un chapeau.",
        "versions-0-body": "<p>Le corps[^1] <strong>de l'analyse</strong>.</p><script>alert(1)</script>",
        "versions-0-notes": "<ol><li><p>Une note.</p></li></ol>",
        "versions-0-excerpt": "",
        "versions-1-language": "en",
        "versions-1-title": "The suspicion machine",
        "versions-1-standfirst": "",
        "versions-1-body": "<p>The body.</p>",
        "versions-1-notes": "",
        "versions-1-excerpt": "",
        "further_reading-TOTAL_FORMS": "1",
        "further_reading-INITIAL_FORMS": "0",
        "further_reading-MIN_NUM_FORMS": "0",
        "further_reading-MAX_NUM_FORMS": "1000",
        "further_reading-0-position": "0",
        "further_reading-0-url": "https://example.org/rapport",
        "further_reading-0-title": "Un rapport",
    }
    data.update(overrides)
    return data


def test_add_page_has_the_editor(admin_client):
    html = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "django_prose_editor/editor.js" in html and 'name="versions-0-body"' in html


def test_the_form_leads_with_the_versions_and_ends_with_further_reading(admin_client):
    html = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    order = [
        html.index(f'name="{name}"')
        for name in ("versions-0-title", "versions-0-standfirst", "versions-0-body", "slug", "date", "authors")
    ]
    assert order == sorted(order)
    assert html.index('name="cover_image"') < html.index('name="further_reading-TOTAL_FORMS"')


def test_organiser_creates_an_article_with_a_translation(admin_client):
    response = admin_client.post(reverse("admin:articles_article_add"), article_form())
    assert response.status_code == 302, response.context and response.context.get("errors")
    article = Article.objects.get(slug="la-machine")
    assert [v.language for v in article.all_versions()] == ["fr", "en"]
    assert article.version("fr").body == "<p>Le corps[^1] <strong>de l'analyse</strong>.</p>"
    assert article.further_reading.get().title == "Un rapport"


def test_revisions_can_be_compared_and_restored(admin_client):
    admin_client.post(reverse("admin:articles_article_add"), article_form())
    article = Article.objects.get()
    version_fr = article.versions.get(language="fr")
    change = article_form(
        **{
            "versions-INITIAL_FORMS": "2",
            "versions-0-id": str(version_fr.pk),
            "versions-0-article": str(article.pk),
            "versions-0-title": "Un titre changé par erreur",
            "versions-1-id": str(article.versions.get(language="en").pk),
            "versions-1-article": str(article.pk),
            "further_reading-INITIAL_FORMS": "1",
            "further_reading-0-id": str(article.further_reading.get().pk),
            "further_reading-0-article": str(article.pk),
        }
    )
    assert admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), change).status_code == 302
    assert Article.objects.get().version("fr").title == "Un titre changé par erreur"

    versions = list(Version.objects.get_for_object(article))
    assert len(versions) == 2
    newest, oldest = versions
    history = admin_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert history.status_code == 200
    compare = admin_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"version_id1": oldest.pk, "version_id2": newest.pk},
    )
    assert compare.status_code == 200
    assert "Un titre changé par erreur" in compare.content.decode()

    revision_url = reverse("admin:articles_article_revision", args=[article.pk, oldest.pk])
    form = admin_client.get(revision_url)
    assert form.status_code == 200 and "La machine à soupçonner" in form.content.decode()
    restored = change | {"versions-0-title": "La machine à soupçonner"}
    assert admin_client.post(revision_url, restored).status_code == 302
    assert Article.objects.get().version("fr").title == "La machine à soupçonner"


def test_image_upload_in_the_admin_strips_gps(admin_client):
    upload = SimpleUploadedFile("IMG_1234.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = admin_client.post(
        reverse("admin:collectif_image_add"),
        {"file": upload, "alt_text": "Une banderole devant une agence", "caption": "", "credit": ""},
    )
    assert response.status_code == 302
    image = Image.objects.get()
    with default_storage.open(image.file.name, "rb") as handle:
        data = handle.read()
    picture = PillowImage.open(io.BytesIO(data))
    assert len(picture.getexif()) == 0 and b"SecretPhone" not in data and "IMG_1234" not in image.file.name


def test_image_upload_rejects_a_fake_image_with_a_clear_message(admin_client):
    upload = SimpleUploadedFile("photo.jpg", b"this is not a photo", content_type="image/jpeg")
    response = admin_client.post(
        reverse("admin:collectif_image_add"),
        {"file": upload, "alt_text": "Rien", "caption": "", "credit": ""},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "valid image" in response.content.decode() or "not an image" in response.content.decode()
    assert not Image.objects.exists()


@pytest.mark.database_engine
def test_list_filters_and_search(admin_client, make_article):
    make_article("a", {"fr": {"title": "Sur le score"}, "ar": {}}, authors=["Camille"], themes=["Algorithmes"])
    make_article("b", {"fr": {"title": "Sur les guichets"}}, status="draft", authors=["Autre"])
    url = reverse("admin:articles_article_changelist")

    def listed(**params) -> str:
        return admin_client.get(url, params).content.decode()

    assert "Sur le score" in listed(q="score") and "guichets" not in listed(q="score")
    assert "guichets" in listed(status__exact="draft") and "Sur le score" not in listed(status__exact="draft")
    assert "Sur le score" in listed(language="ar") and "guichets" not in listed(language="ar")
    author = Article.objects.get(slug="a").authors.get()
    assert "Sur le score" in listed(authors__id__exact=author.pk) and "guichets" not in listed(
        authors__id__exact=author.pk
    )
    assert "Sur le score" in listed(year="2026") and "Sur le score" not in listed(year="2019")


def test_preview_of_a_draft_and_its_pdf(admin_client, client, make_article):
    article = make_article("brouillon", {"fr": {"title": "Brouillon à relire"}}, status="draft")
    page = admin_client.get(reverse("admin:articles_article_preview", args=[article.pk, "fr"]))
    assert page.status_code == 200 and "Brouillon à relire" in page.content.decode()
    pdf = admin_client.get(reverse("admin:articles_article_preview_pdf", args=[article.pk, "fr"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("admin:articles_article_preview", args=[article.pk, "fr"])).status_code == 302

"""The organisers' admin: pictures from the editor, forms that read naturally,
the Organiser group, and the cost in queries of the tract pages."""

import html
import io
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image as PillowImage

from articles.models import ArticleVersion
from publishing.html import checked_article_text, own_media_path
from publishing.html_text import plain_text
from publishing.models import Image, SiteSettings
from tests.conftest import jpeg_with_gps
from tests.helpers import plain_french
from tests.test_article_admin import article_form
from tests.test_tract_admin import tract_form
from tracts.models import Tract

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(client):
    user = get_user_model().objects.create_user("militante", password="une-phrase-de-passe-longue", is_staff=True)
    user.groups.add(Group.objects.get(name="Organiser"))
    client.force_login(user)
    return user


@pytest.fixture
def picture(db):
    return Image.objects.create(
        file=SimpleUploadedFile("manif.jpg", jpeg_with_gps(), content_type="image/jpeg"),
        alt_text="Une banderole devant la CAF",
        caption="Le 20 novembre, devant la CAF.",
    )


# Pictures ------------------------------------------------------------------


def test_picker_lists_and_searches_our_pictures(admin_client, picture):
    Image.objects.create(
        file=SimpleUploadedFile("autre.jpg", jpeg_with_gps(300, 200), content_type="image/jpeg"),
        alt_text="Un tract plié",
    )
    url = reverse("collectif_editor:pictures")

    everything = admin_client.get(url).json()["results"]
    found = admin_client.get(url, {"q": "banderole caf"}).json()["results"]

    assert len(everything) == 2
    assert [p["alt"] for p in found] == ["Une banderole devant la CAF"]
    assert found[0]["caption"] == "Le 20 novembre, devant la CAF."
    assert found[0]["src"] == picture.file.url and found[0]["src"].startswith("/media/images/")
    assert found[0]["thumbnail"].endswith("-480.jpg")  # the smallest rendition, not the original


def test_upload_from_the_editor_strips_gps_and_makes_renditions(admin_client):
    upload = SimpleUploadedFile("IMG_2026.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = admin_client.post(
        reverse("collectif_editor:upload"), {"file": upload, "alt_text": "Des gens assis", "caption": "Assemblée"}
    )

    assert response.status_code == 201
    data = response.json()
    image = Image.objects.get(pk=data["id"])
    assert (data["alt"], data["caption"]) == ("Des gens assis", "Assemblée")
    assert "IMG_2026" not in image.file.name
    with image.file.open("rb") as stored:
        assert not PillowImage.open(io.BytesIO(stored.read())).getexif()
    assert image.renditions


def test_upload_refuses_a_fake_image_in_the_organisers_language(admin_client):
    upload = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = admin_client.post(
        reverse("collectif_editor:upload"),
        {"file": upload, "alt_text": "Rien"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert not Image.objects.exists()


def test_picture_views_are_for_staff_only(client, picture):
    for url in (reverse("collectif_editor:pictures"), reverse("collectif_editor:slug")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(reverse("collectif_editor:upload"), {})
    assert response.status_code == 302


def test_own_absolute_addresses_become_relative(settings):
    settings.ALLOWED_HOSTS = ["collectif.example", "localhost"]
    settings.SITE_URL = "https://collectif.example"
    assert own_media_path("https://collectif.example/media/images/a.jpg") == "/media/images/a.jpg"
    assert own_media_path("http://localhost:8013/media/images/a.jpg") == "/media/images/a.jpg"
    assert own_media_path("/media/images/a.jpg") == "/media/images/a.jpg"
    assert own_media_path("https://tracker.example/media/images/a.jpg") is None
    assert own_media_path("https://collectif.example/media/../settings.py") is None


def test_our_picture_pasted_by_its_full_address_is_kept(settings, picture):
    settings.SITE_URL = "http://127.0.0.1:8013"
    body = f'<figure><img src="http://127.0.0.1:8013{picture.file.url}" alt="Banderole"></figure>'
    assert f'<img src="{picture.file.url}" alt="Banderole">' in checked_article_text(body)


@pytest.mark.parametrize(
    "html",
    [
        '<p>Voir</p><img src="https://tracker.example/pixel.jpg" alt="x">',
        '<img src="/media/images/absent.jpg" alt="x">',
        '<p><a href="javascript:alert(1)">clic</a></p>',
    ],
)
def test_what_the_cleaner_would_strip_is_refused_with_a_message(html):
    with pytest.raises(ValidationError) as error:
        checked_article_text(html)
    assert error.value.messages


def test_a_picture_without_address_is_dropped_rather_than_shown_broken():
    assert (
        checked_article_text('<p>Texte</p><figure><img alt="sans adresse"></figure>') == "<p>Texte</p><figure></figure>"
    )


def test_admin_refuses_a_foreign_picture_before_saving(admin_client):
    body = '<p>Texte.</p><figure><img src="https://ailleurs.example/x.jpg" alt="x"></figure>'
    response = admin_client.post(
        reverse("admin:articles_article_add"),
        article_form(**{"versions-0-body": body}),
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 200  # the form again, nothing saved
    assert "n'est pas l'une des nôtres" in plain_french(html.unescape(response.content.decode()))
    assert not ArticleVersion.objects.exists()


def test_captions_and_paragraphs_stay_apart_in_plain_text(make_article):
    body = (
        '<figure><img src="/media/x.jpg" alt="x"><figcaption>Le 20 novembre.</figcaption></figure>'
        "<p>Nous reviendrons.</p><h2>Ensuite</h2><ul><li><p>Un</p></li><li><p>Deux</p></li></ul>"
    )
    assert plain_text(body) == "Le 20 novembre. Nous reviendrons. Ensuite Un Deux"
    version = make_article(versions={"fr": {"body": body.replace("/media/x.jpg", "")}}).version("fr")
    assert "novembre. Nous" in version.search_text
    assert version.word_count == 8


# The editor ----------------------------------------------------------------


def test_the_editor_is_configured_for_organisers(admin_client):
    html = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    config = json.loads(
        html.split('data-django-prose-editor-configurable="', 1)[1].split('"', 1)[0].replace("&quot;", '"')
    )
    assert "NoSpellCheck" not in config["extensions"]  # the browser's spell check stays on
    assert {"CollectifEditor", "CollectifFigure", "Footnotes"} <= set(config["extensions"])
    assert "/static/collectif/editor.js" in config["js_modules"]
    assert reverse("collectif_editor:setup") in html  # words and addresses before the editor runs


def test_the_editors_words_come_in_the_organisers_language(admin_client):
    arabic = admin_client.get(reverse("collectif_editor:setup"), headers={"Accept-Language": "ar"}).content.decode()
    french = admin_client.get(reverse("collectif_editor:setup"), headers={"Accept-Language": "fr"}).content.decode()
    assert "\\u0625\\u062f\\u0631\\u0627\\u062c \\u0635\\u0648\\u0631\\u0629" in arabic  # "Insert a picture"
    assert "Ins\\u00e9rer une image" in french
    assert "Mettre \\u00e0 jour" in french  # django-prose-editor's own words too
    assert '"pictures": "/admin/editor/pictures/"' in french


def test_tract_page_count_for_the_text_being_written(admin_client):
    url = reverse("admin:tracts_tract_pages")
    short = admin_client.post(url, {"language": "fr", "title": "Court", "body": "<p>Peu de mots.</p>"}).json()
    long = admin_client.post(
        url, {"language": "fr", "title": "Long", "body": "<p>Beaucoup de mots ici. </p>" * 400}
    ).json()
    assert [f["name"] for f in short["formats"]] == ["a5", "a4", "a6"]
    assert all(f["pages"] == 1 and not f["too_long"] for f in short["formats"])
    pages = {f["name"]: f["pages"] for f in long["formats"]}
    assert pages["a6"] > pages["a5"] > 2 and pages["a4"] >= 1
    assert any(f["too_long"] for f in long["formats"])


# Forms ---------------------------------------------------------------------


def test_slug_from_an_arabic_title_in_the_endpoint(admin_client):
    response = admin_client.get(reverse("collectif_editor:slug"), {"title": "أوقفوا التنقيط"})
    assert response.json()["slug"] == "wqfw-ltnqyt"


def test_a_blank_slug_is_made_from_the_original_title(admin_client, make_tract):
    make_tract("stop-au-score")
    response = admin_client.post(reverse("admin:tracts_tract_add"), tract_form(slug=""))
    assert response.status_code == 302
    assert Tract.objects.filter(slug="stop-au-score-2").exists()  # the first one was taken


def test_new_version_defaults_to_the_first_missing_language(admin_client, make_tract):
    tract = make_tract("deux-langues", {"fr": {}, "en": {}})
    response = admin_client.get(reverse("admin:tracts_tract_change", args=[tract.pk]))
    empty_form = response.context["inline_admin_formsets"][0].formset.empty_form
    assert empty_form.initial["language"] == "es"

    added = admin_client.get(reverse("admin:tracts_tract_add")).context["inline_admin_formsets"][0].formset
    assert added.forms[0].initial["language"] == "fr"


def test_versions_listed_in_the_sites_language_order(admin_client, make_tract):
    tract = make_tract("ordre", {"ar": {}, "fr": {}, "es": {}})
    formset = admin_client.get(reverse("admin:tracts_tract_change", args=[tract.pk])).context["inline_admin_formsets"][
        0
    ]
    assert [form.instance.language for form in formset.formset.initial_forms] == ["fr", "es", "ar"]


def test_view_on_site_only_for_what_visitors_can_see(admin_client, make_tract):
    draft = make_tract("brouillon", status=Tract.Status.DRAFT)
    public = make_tract("public")
    draft_page = admin_client.get(reverse("admin:tracts_tract_change", args=[draft.pk])).content.decode()
    public_page = admin_client.get(reverse("admin:tracts_tract_change", args=[public.pk])).content.decode()
    assert 'class="viewsitelink"' not in draft_page
    assert 'class="viewsitelink"' in public_page
    # Each version's own link too: a draft's version page is a 404.
    assert 'href="/fr/tracts/brouillon/"' not in draft_page
    assert 'href="/fr/tracts/public/"' in public_page
    assert admin_client.get("/fr/tracts/brouillon/").status_code == 404


@pytest.mark.parametrize("kind", ["articles", "website"])
def test_a_drafts_versions_have_no_view_on_site_link(admin_client, make_article, kind):
    from website.models import Page

    if kind == "articles":
        draft = make_article("brouillon", status="draft")
        change = reverse("admin:articles_article_change", args=[draft.pk])
    else:
        draft = Page.objects.create(slug="brouillon", status="draft")
        draft.versions.create(language="fr", title="Brouillon", body="<p>Pas encore.</p>")
        change = reverse("admin:website_page_change", args=[draft.pk])
    version_url = draft.version("fr").get_absolute_url()
    assert version_url not in admin_client.get(change).content.decode()
    draft.publish_now()
    draft.save()
    assert version_url in admin_client.get(change).content.decode()


def test_draft_preview_switches_among_its_own_versions(admin_client, make_tract):
    draft = make_tract("brouillon", {"fr": {"title": "Brouillon"}, "ar": {"title": "مسودة"}}, status="draft")
    html = admin_client.get(reverse("admin:tracts_tract_preview", args=[draft.pk, "fr"])).content.decode()
    arabic_preview = reverse("admin:tracts_tract_preview", args=[draft.pk, "ar"])
    assert f'href="{arabic_preview}"' in html
    assert "/en/" not in html.split("<main", 1)[0]  # no link to an English page the draft does not have
    assert admin_client.get(arabic_preview).status_code == 200


def test_article_preview_switches_language_too(admin_client, make_article):
    draft = make_article("brouillon", {"fr": {}, "en": {}}, status="draft")
    html = admin_client.get(reverse("admin:articles_article_preview", args=[draft.pk, "fr"])).content.decode()
    assert f'href="{reverse("admin:articles_article_preview", args=[draft.pk, "en"])}"' in html


def test_site_settings_open_as_one_form(admin_client):
    response = admin_client.get(reverse("admin:collectif_sitesettings_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:collectif_sitesettings_change", args=[SiteSettings.load().pk])


def test_history_names_changed_fields_in_french(admin_client, make_tract):
    tract = make_tract("historique", status="draft")
    data = tract_form(slug="historique", status="published")
    data.update({"versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1"})
    data["versions-0-id"] = tract.version("fr").pk
    data["versions-0-tract"] = tract.pk
    admin_client.post(reverse("admin:tracts_tract_change", args=[tract.pk]), data)
    from django.utils import translation

    with translation.override("fr"):
        message = LogEntry.objects.filter(object_id=str(tract.pk)).latest("action_time").get_change_message()
    assert "Statut" in message and "Status" not in message


# Organisers ----------------------------------------------------------------


def test_organiser_group_can_write_translate_publish_and_upload():
    group = Group.objects.get(name="Organiser")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_tract", "change_tract", "change_tractversion", "add_articleversion", "add_image"} <= codenames
    assert {"change_page", "add_theme", "add_author"} <= codenames
    technical = {"add_user", "change_user", "change_group", "view_accessattempt", "view_dbtaskresult"}
    assert not codenames & technical
    assert "change_sitesettings" not in codenames


def test_organiser_sidebar_shows_only_content(client, organiser):
    response = client.get(reverse("admin:index"))
    apps = {app["app_label"] for app in response.context["app_list"]}
    assert apps == {"tracts", "articles", "website", "newsletter", "collectif"}
    models = {model["object_name"] for app in response.context["app_list"] for model in app["models"]}
    assert "SiteSettings" not in models and "User" not in models
    html = response.content.decode()
    assert "axes" not in html.lower() and "Task" not in html


def test_the_admin_index_lists_what_is_used_most_first(admin_client):
    assert reverse("admin:index") == "/admin/"
    response = admin_client.get(reverse("admin:index"))
    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[:5] == ["tracts", "articles", "website", "newsletter", "collectif"]
    assert set(labels) > {"auth", "axes", "otp_totp"}
    sidebar = admin_client.get(reverse("admin:tracts_tract_changelist")).context["available_apps"]
    assert [app["app_label"] for app in sidebar] == labels


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_a_superuser_reads_every_admin_name_in_their_language(admin_client, language):
    from django.contrib import admin
    from django.utils import translation

    def names(accept_language: str) -> list[str]:
        response = admin_client.get(reverse("admin:index"), headers={"Accept-Language": accept_language})
        with translation.override(accept_language):  # the names are lazy: read them in that language
            return [
                str(name)
                for app in response.context["app_list"]
                for name in (app["name"], *(model["name"] for model in app["models"]))
            ]

    english = names("en")
    assert "Otp_Totp" not in english and "Tasks Database Backend" not in english
    same_in_both = {"Tracts", "Articles", "Images", "Pages", "Site", "Sessions", "Agenda"}
    untranslated = [
        name for name, word in zip(names(language), english, strict=True) if name == word and name not in same_in_both
    ]
    assert untranslated == []
    # The models' own names too (change lists, breadcrumbs), third-party ones included.
    with translation.override(language):
        for model in admin.site._registry:
            with translation.override("en"):
                in_english = str(model._meta.verbose_name_plural)
            assert str(model._meta.verbose_name_plural) != in_english or in_english.capitalize() in same_in_both


def test_permissions_are_named_in_the_readers_language(admin_client):
    html = admin_client.get(reverse("admin:auth_group_add")).content.decode()
    assert "Tracts | Tract | Peut ajouter" in html
    assert "Codes de secours | Jeu de codes de secours | Peut supprimer" in html
    assert "Can add" not in html and "Can change" not in html


def test_add_and_change_titles_read_as_french(admin_client, make_tract):
    import re

    from django.contrib import admin

    def heading(url: str) -> str:
        html = admin_client.get(url).content.decode()
        return re.search(r"<h1>(.*?)</h1>", html)[1]

    assert heading(reverse("admin:collectif_image_add")) == "Ajout d’une image"
    assert heading(reverse("admin:tracts_tract_change", args=[make_tract().pk])) == "Modification du tract"
    assert heading(reverse("admin:auth_user_add")) == "Ajout\u00a0: utilisateur"  # the title holds its colon
    spanish = admin_client.get(reverse("admin:collectif_image_add"), headers={"Accept-Language": "es"})
    assert "<h1>Añadir una imagen</h1>" in spanish.content.decode()
    # No form of any model says "de" before a vowel, nor lacks its article.
    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        if admin_client.get(url).status_code == 200:
            title = heading(url)
            assert not re.search(r"\bde [aeiouéèêh]", title, re.IGNORECASE), title
            assert not title.startswith("Ajout de "), title


def test_organiser_can_upload_from_the_editor(client, organiser):
    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(400, 300), content_type="image/jpeg")
    response = client.post(reverse("collectif_editor:upload"), {"file": upload, "alt_text": "Une affiche"})
    assert response.status_code == 201


def test_admin_is_branded_with_the_collectives_name(admin_client):
    SiteSettings.objects.update_or_create(pk=1, defaults={"site_name": "Collectif des Quartiers"})
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert '<div id="site-name"><a href="/admin/">Collectif des Quartiers</a></div>' in html
    assert "collectif/admin.css" in html


# Queries -------------------------------------------------------------------


def test_change_page_of_a_four_language_tract_stays_under_20_queries(admin_client, make_tract):
    tract = make_tract("quatre", {code: {} for code in ("fr", "en", "es", "ar")}, themes=["Algorithmes", "CAF"])
    url = reverse("admin:tracts_tract_change", args=[tract.pk])
    admin_client.get(url)  # sessions and caches warmed
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(queries) <= 20, "\n".join(q["sql"][:150] for q in queries)


def test_tract_list_is_constant_in_queries(admin_client, make_tract):
    url = reverse("admin:tracts_tract_changelist")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    make_tract("un", {"fr": {}, "ar": {}})
    admin_client.get(url)
    few = count()
    for n in range(8):
        make_tract(f"tract-{n}", {"fr": {}, "en": {}, "es": {}})
    assert count() == few

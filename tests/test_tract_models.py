import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from publishing.models import SiteSettings, Theme
from tracts.models import Tract, TractVersion

pytestmark = pytest.mark.django_db


def test_published_shows_only_published_tracts_whose_time_has_come(make_tract):
    now = timezone.now()
    visible = make_tract("visible", published_at=now - datetime.timedelta(minutes=1))
    make_tract("draft", status=Tract.Status.DRAFT)
    make_tract("scheduled", published_at=now + datetime.timedelta(days=1))

    assert list(Tract.objects.published()) == [visible]


def test_scheduled_tract_becomes_public_at_its_publication_time(make_tract):
    tract = make_tract("later", published_at=timezone.now() + datetime.timedelta(seconds=60))
    assert not tract.is_public
    Tract.objects.filter(pk=tract.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    tract.refresh_from_db()
    assert tract.is_public
    assert Tract.objects.published().filter(pk=tract.pk).exists()


def test_version_for_falls_back_to_the_original_language(make_tract):
    tract = make_tract(versions={"fr": {"title": "Original"}, "ar": {"title": "عنوان"}})
    tract = Tract.objects.with_versions().get(pk=tract.pk)

    assert tract.version_for("ar").title == "عنوان"
    assert tract.version_for("es").language == "fr"
    assert tract.version_for("es").title == "Original"


def test_version_for_uses_another_version_when_the_original_is_missing(make_tract):
    tract = make_tract(versions={"en": {"title": "Only English"}}, original_language="fr")
    assert tract.version_for("es").title == "Only English"


def test_versions_follow_the_order_of_settings_languages(make_tract):
    tract = make_tract(versions={"ar": {}, "fr": {}, "en": {}})
    assert [v.language for v in tract.all_versions()] == ["fr", "en", "ar"]


def test_one_version_per_language(make_tract):
    tract = make_tract(versions={"fr": {}})
    with pytest.raises(IntegrityError):
        TractVersion.objects.create(tract=tract, language="fr", title="Doublon")


def test_body_is_cleaned_on_save_whatever_the_path(make_tract):
    tract = make_tract()
    version = tract.versions.get()
    version.body = (
        '<p onclick="steal()">Texte <script>alert(1)</script><a href="javascript:alert(1)">lien</a>'
        '<a href="https://example.org/">ok</a></p><iframe src="https://evil.example/"></iframe>'
        '<img src="https://tracker.example/pixel.gif"><img src="/media/photos/manif.jpg" alt="Manif">'
        "<h1>Gros titre</h1><style>body{}</style>"
    )
    version.save()
    version.refresh_from_db()

    body = version.body
    assert "onclick" not in body
    assert "script" not in body and "alert" not in body
    assert "javascript:" not in body
    assert '<a href="https://example.org/" rel="noopener noreferrer">ok</a>' in body
    assert "iframe" not in body and "evil.example" not in body
    assert "tracker.example" not in body
    assert '<img src="/media/photos/manif.jpg" alt="Manif">' in body
    assert "<h1>" not in body and "Gros titre" in body
    assert "<style>" not in body


def test_legal_footer_defaults_to_site_settings_and_can_be_overridden(make_tract):
    site = SiteSettings.load()
    site.issuer = "Collectif Test, 1 rue du Test"
    site.save()
    tract = make_tract()
    assert tract.get_legal_footer() == "Collectif Test, 1 rue du Test · IPNS · Ne pas jeter sur la voie publique"

    tract.legal_footer = "Imprimé par l'imprimerie Exemple, Lyon"
    assert tract.get_legal_footer() == "Imprimé par l'imprimerie Exemple, Lyon"


def test_site_settings_is_a_single_row():
    first = SiteSettings.load()
    SiteSettings(site_name="Autre").save()
    assert SiteSettings.objects.count() == 1
    assert SiteSettings.load().pk == first.pk


@pytest.mark.database_engine
def test_theme_from_names_reuses_existing_themes_case_insensitively():
    existing = Theme.objects.create(name="Contrôle")
    themes = Theme.from_names(["contrôle", "Algorithmes"])
    assert themes[0] == existing
    assert themes[1].slug == "algorithmes"
    assert Theme.objects.count() == 2

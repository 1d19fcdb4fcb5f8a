import datetime

import pytest
from django.utils import timezone

from collectif.models import Theme
from tracts.models import Tract, TractVersion


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its files (PDFs, uploads) in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_tract(db):
    def make(
        slug: str = "stop-au-controle",
        versions: dict[str, dict] | None = None,
        *,
        status: str = Tract.Status.PUBLISHED,
        published_at: datetime.datetime | None = None,
        date: datetime.date | None = None,
        themes: list[str] = (),
        original_language: str = "fr",
        **fields,
    ) -> Tract:
        tract = Tract.objects.create(
            slug=slug,
            status=status,
            published_at=published_at or timezone.now() - datetime.timedelta(hours=1),
            date=date or datetime.date(2026, 10, 1),
            original_language=original_language,
            **fields,
        )
        tract.themes.set(Theme.from_names(list(themes)))
        for language, values in (versions or {"fr": {}}).items():
            TractVersion.objects.create(
                tract=tract,
                language=language,
                title=values.get("title", f"Titre {slug} {language}"),
                subtitle=values.get("subtitle", ""),
                body=values.get("body", "<p>Un texte court pour le tract.</p>"),
                contact=values.get("contact", ""),
            )
        return tract

    return make

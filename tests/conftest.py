import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from collectif.models import Theme
from tests.helpers import jpeg_with_gps  # noqa: F401 (imported from here by older test files)
from tracts.models import Tract, TractVersion


def pytest_configure() -> None:
    # The SQLite test database's folder (tests/settings.py names the file).
    (Path(django_settings.BASE_DIR) / "var").mkdir(exist_ok=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its files (PDFs, uploads) in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def task_queue(settings):
    """Queued tasks are kept, not run: `task_queue.results` lists them."""
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


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


@pytest.fixture
def make_article(db):
    from articles.models import Article, ArticleVersion, Author

    def make(
        slug: str = "une-analyse",
        versions: dict[str, dict] | None = None,
        *,
        status: str = Article.Status.PUBLISHED,
        published_at: datetime.datetime | None = None,
        date: datetime.date | None = None,
        themes: list[str] = (),
        authors: list[str] = (),
        original_language: str = "fr",
        **fields,
    ) -> Article:
        article = Article.objects.create(
            slug=slug,
            status=status,
            published_at=published_at or timezone.now() - datetime.timedelta(hours=1),
            date=date or datetime.date(2026, 10, 1),
            original_language=original_language,
            **fields,
        )
        article.themes.set(Theme.from_names(list(themes)))
        article.authors.set(Author.from_names(list(authors)))
        for language, values in (versions or {"fr": {}}).items():
            ArticleVersion.objects.create(
                article=article,
                language=language,
                title=values.get("title", f"Analyse {slug} {language}"),
                standfirst=values.get("standfirst", ""),
                body=values.get("body", "<p>Un texte d'analyse assez court.</p>"),
                notes=values.get("notes", ""),
                excerpt=values.get("excerpt", ""),
            )
        return article

    return make

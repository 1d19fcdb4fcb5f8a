import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from publishing.models import Theme
from tests.ci import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401 (hooks)
from tests.helpers import jpeg_with_gps  # noqa: F401 (imported from here by older test files)
from tests.pdf_renders import SharedRenders, session_folder
from tracts.models import Tract, TractVersion


def pytest_configure() -> None:
    # The SQLite test database's folder (tests/settings.py names the file;
    # pytest-django adds _gw0, _gw1… to it for pytest-xdist's workers).
    (Path(django_settings.BASE_DIR) / "var").mkdir(exist_ok=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:
    # The slow tests first, the longest single ones before the browser's many,
    # so that pytest-xdist's processes end together. Called before
    # pytest-django's own sort, which then puts the tests that empty the
    # database (transactional ones) after the others, as Django does: the
    # Organiser group made by a migration is gone after them.
    def rank(item) -> tuple[bool, bool]:
        return item.get_closest_marker("slow") is None, item.get_closest_marker("browser") is not None

    items.sort(key=rank)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its files (PDFs, uploads) in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def shared_renders(tmp_path_factory) -> SharedRenders:
    return SharedRenders(session_folder(tmp_path_factory.getbasetemp()))


@pytest.fixture(autouse=True)
def reuse_renders(request, shared_renders, monkeypatch):
    """A PDF rendered by an earlier test is read back rather than rendered
    again (tests/pdf_renders.py), except in tests marked `own_pdf_store`."""
    if request.node.get_closest_marker("own_pdf_store") is None:
        shared_renders.install(monkeypatch)


@pytest.fixture
def task_queue(settings):
    """Queued tasks are kept, not run: `task_queue.results` lists them."""
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


def create_publication(model, slug: str, *, published_at=None, date=None, themes=(), **fields):
    """A tract or an article, published an hour ago unless told otherwise."""
    publication = model.objects.create(
        slug=slug,
        published_at=published_at or timezone.now() - datetime.timedelta(hours=1),
        date=date or datetime.date(2026, 10, 1),
        **fields,
    )
    publication.themes.set(Theme.from_names(list(themes)))
    return publication


@pytest.fixture
def make_tract(db):
    def make(
        slug: str = "stop-au-controle",
        versions: dict[str, dict] | None = None,
        *,
        status: str = Tract.Status.PUBLISHED,
        original_language: str = "fr",
        **fields,
    ) -> Tract:
        tract = create_publication(Tract, slug, status=status, original_language=original_language, **fields)
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
        authors: list[str] = (),
        original_language: str = "fr",
        **fields,
    ) -> Article:
        article = create_publication(Article, slug, status=status, original_language=original_language, **fields)
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


@pytest.fixture(autouse=True)
def second_factor_for_forced_logins(monkeypatch):
    """Tests that log staff in with `force_login` (admin_client among them) skip the
    second step deliberately: the session is marked verified with a recovery-code
    device made for the purpose. tests/test_two_factor.py goes through both steps."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    force_login = Client.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        if user.is_staff:
            device, _created = StaticDevice.objects.get_or_create(user=user, name="tests")
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login_verified)

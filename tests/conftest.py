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


def jpeg_with_gps(width: int = 1200, height: int = 800, orientation: int | None = None) -> bytes:
    """A photo as a phone makes it: camera make and model, GPS position, orientation."""
    import io

    from PIL import Image as PillowImage

    picture = PillowImage.new("RGB", (width, height), (180, 40, 40))
    exif = PillowImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 12"  # Model
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}  # GPS: Paris
    output = io.BytesIO()
    picture.save(output, "JPEG", exif=exif, quality=85)
    return output.getvalue()


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

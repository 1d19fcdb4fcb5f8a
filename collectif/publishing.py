"""What tracts and articles share: publication rules and language versions.

A publication (a tract, an article) has one version per language, a status
and a publication time; visitors see it only once published and its time
has come, and read it in their language or else in the original.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectif.html import clean_rich_text_fields
from collectif.languages import language_choices, text_direction
from collectif.models import Theme
from collectif.search import update_search_vector

# The order of tracts and articles everywhere: lists, feeds, the admin.
NEWEST_FIRST = ["-date", "-published_at", "-pk"]


class PublicationQuerySet(models.QuerySet):
    """The rules of publication, and what each kind of page loads with its publications."""

    def published(self) -> "PublicationQuerySet":
        """What a visitor may see: published, and its publication time has come."""
        return self.filter(status=Publication.Status.PUBLISHED, published_at__lte=timezone.now())

    def with_versions(self) -> "PublicationQuerySet":
        return self.prefetch_related("versions")

    def for_page(self) -> "PublicationQuerySet":
        """What a tract's or an article's own page (and its print) shows: versions and themes."""
        return self.with_versions().prefetch_related("themes")

    def for_cards(self) -> "PublicationQuerySet":
        """What a list of cards shows (archive, home, theme, feeds), newest first."""
        return self.for_page().newest_first()

    def newest_first(self) -> "PublicationQuerySet":
        return self.order_by(*NEWEST_FIRST)


class Publication(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    themes = models.ManyToManyField(Theme, blank=True, related_name="%(class)ss", verbose_name=_("themes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publication date"),
        default=timezone.now,
        help_text=_("Once published, it stays hidden from the public until this moment."),
    )
    original_language = models.CharField(
        _("original language"),
        max_length=10,
        choices=language_choices(),
        default=settings.LANGUAGE_CODE,
        help_text=_("Shown to visitors whose language has no version."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = NEWEST_FIRST

    def __str__(self) -> str:
        original = self.original_version()
        return original.title if original else self.slug

    def publish_now(self) -> None:
        """Published from now on; one already published keeps its earlier time."""
        self.status = self.Status.PUBLISHED
        self.published_at = min(self.published_at, timezone.now()) if self.pk else timezone.now()

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    def all_versions(self) -> list:
        """Versions in the order of settings.LANGUAGES (uses the prefetch cache)."""
        order = {code: index for index, (code, _name) in enumerate(settings.LANGUAGES)}
        return sorted(self.versions.all(), key=lambda version: order.get(version.language, 99))

    def version(self, language: str):
        return next((v for v in self.all_versions() if v.language == language), None)

    def original_version(self):
        versions = self.all_versions()
        original = next((v for v in versions if v.language == self.original_language), None)
        return original or (versions[0] if versions else None)

    def version_for(self, language: str):
        """The version to show a visitor reading in `language`: theirs, else the original."""
        return self.version(language) or self.original_version()


class LanguageVersion(models.Model):
    """The publication written in one language; subclasses add their texts,
    say which of them are searched (`indexed_text`) and name the tract or
    article they belong to (`publication`)."""

    language = models.CharField(_("language"), max_length=10, choices=language_choices())
    title = models.CharField(_("title"), max_length=200)
    updated_at = models.DateTimeField(auto_now=True)
    # Plain text of the version (SQLite search, excerpts) and, on PostgreSQL,
    # its vector in the language's configuration (GIN-indexed by a migration).
    search_text = models.TextField(default="", editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # The post it came from, so that importing the same export again
    # updates it instead of making a copy.
    wordpress_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def save(self, *args, **kwargs) -> None:
        clean_rich_text_fields(self)  # the search text is made of the cleaned text
        self.search_text = self.indexed_text()
        super().save(*args, **kwargs)
        update_search_vector(type(self), self.pk, self.language, self.title, self.search_text)

    def indexed_text(self) -> str:
        raise NotImplementedError

    @property
    def direction(self) -> str:
        return text_direction(self.language)

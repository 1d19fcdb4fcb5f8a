"""Tracts: one leaflet, one version per language."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorField

from collectif.html import RICH_TEXT_EDITOR_EXTENSIONS, clean_rich_text
from collectif.languages import language_choices, text_direction
from collectif.models import SiteSettings, Theme


class TractQuerySet(models.QuerySet):
    def published(self) -> "TractQuerySet":
        """Tracts a visitor may see: published, and their publication time has come."""
        return self.filter(status=Tract.Status.PUBLISHED, published_at__lte=timezone.now())

    def with_versions(self) -> "TractQuerySet":
        return self.prefetch_related("versions", "themes")

    def newest_first(self) -> "TractQuerySet":
        return self.order_by("-date", "-published_at", "-pk")


class Tract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    themes = models.ManyToManyField(Theme, blank=True, related_name="tracts", verbose_name=_("themes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publication date"),
        default=timezone.now,
        help_text=_("A published tract stays hidden from the public until this moment."),
    )
    original_language = models.CharField(
        _("original language"),
        max_length=10,
        choices=language_choices(),
        default=settings.LANGUAGE_CODE,
        help_text=_("Shown to visitors whose language has no version."),
    )
    legal_footer = models.TextField(
        _("legal footer"),
        blank=True,
        help_text=_("Leave empty to print the site's default (issuer, IPNS, “Ne pas jeter sur la voie publique”)."),
    )
    show_qr_code = models.BooleanField(
        _("print a QR code"),
        default=False,
        help_text=_("A small QR code on the printed tract leads to its page on the site."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TractQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-published_at", "-pk"]
        verbose_name = _("tract")
        verbose_name_plural = _("tracts")
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        original = self.original_version()
        return original.title if original else self.slug

    def get_absolute_url(self) -> str:
        return reverse("tracts:detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    def all_versions(self) -> list["TractVersion"]:
        """Versions in the order of settings.LANGUAGES (uses the prefetch cache)."""
        order = {code: index for index, (code, _name) in enumerate(settings.LANGUAGES)}
        return sorted(self.versions.all(), key=lambda version: order.get(version.language, 99))

    def version(self, language: str) -> "TractVersion | None":
        return next((v for v in self.all_versions() if v.language == language), None)

    def original_version(self) -> "TractVersion | None":
        versions = self.all_versions()
        return self.version(self.original_language) or (versions[0] if versions else None)

    def version_for(self, language: str) -> "TractVersion | None":
        """The version to show a visitor reading in `language`: theirs, else the original."""
        return self.version(language) or self.original_version()

    def get_legal_footer(self) -> str:
        return self.legal_footer or SiteSettings.load().legal_footer


class TractVersion(models.Model):
    """The tract written in one language."""

    tract = models.ForeignKey(Tract, on_delete=models.CASCADE, related_name="versions", verbose_name=_("tract"))
    language = models.CharField(_("language"), max_length=10, choices=language_choices())
    title = models.CharField(_("title"), max_length=200)
    subtitle = models.CharField(_("slogan or subtitle"), max_length=250, blank=True)
    body = ProseEditorField(_("text"), extensions=RICH_TEXT_EDITOR_EXTENSIONS, sanitize=clean_rich_text, blank=True)
    contact = models.TextField(_("contact"), blank=True, help_text=_("Where to meet or write to the collective."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tract", "language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(fields=["tract", "language"], name="one_version_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def save(self, *args, **kwargs) -> None:
        # Whatever the path (admin, import, shell), only clean HTML is stored.
        self.body = clean_rich_text(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        with translation.override(self.language):
            return reverse("tracts:detail", kwargs={"slug": self.tract.slug})

    @property
    def direction(self) -> str:
        return text_direction(self.language)

    def get_pdf_url(self, print_format: str = "a5") -> str:
        with translation.override(self.language):
            return reverse("tracts:pdf", kwargs={"slug": self.tract.slug, "print_format": print_format})


class TractPDF(models.Model):
    """The last render of a language version in one print format (for the admin's status)."""

    version = models.ForeignKey(TractVersion, on_delete=models.CASCADE, related_name="pdfs")
    print_format = models.CharField(max_length=20)
    etag = models.CharField(max_length=40)
    page_count = models.PositiveSmallIntegerField()
    rendered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("rendered PDF")
        verbose_name_plural = _("rendered PDFs")
        constraints = [
            models.UniqueConstraint(fields=["version", "print_format"], name="one_record_per_version_and_format"),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.print_format}"

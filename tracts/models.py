"""Tracts: one leaflet, one version per language."""

import uuid
from typing import ClassVar, Self

from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from publishing.html import PICTURE_EDITOR_EXTENSIONS, RICH_TEXT_EDITOR_EXTENSIONS, RichTextField
from publishing.html_text import plain_text
from publishing.languages import reverse_here, reverse_in
from publishing.models import SiteSettings
from publishing.pdf import store
from publishing.private_files import private_storage
from publishing.publications import PrintedVersion, Publication, PublicationQuerySet, stale_pdf_token

# The tract's editor has the articles' picture button, and tells how many
# pages each print format will take.
TRACT_EDITOR_EXTENSIONS = (
    RICH_TEXT_EDITOR_EXTENSIONS
    | PICTURE_EDITOR_EXTENSIONS
    | {"CollectifEditor": {"pagesUrl": reverse_lazy("admin:tracts_tract_pages")}}
)

# The format whose first page is drawn as a small picture (home page, feeds).
FIRST_PAGE_PICTURE_FORMAT = "a5"

# The poster whose first page is drawn too (tract page, admin).
POSTER_PICTURE_FORMAT = "a3-poster"


class TractQuerySet(PublicationQuerySet["Tract"]):
    def with_a5_renders(self, *also: str) -> Self:
        """Cards (see `for_cards`) with each version's A5 render record
        (`version.a5_renders`): its first-page picture and its size; newest first."""
        a5 = TractPDF.objects.filter(print_format=FIRST_PAGE_PICTURE_FORMAT)
        versions = self.card_versions(*also).prefetch_related(
            models.Prefetch("pdfs", queryset=a5, to_attr="a5_renders")
        )
        return self.for_cards(versions=versions)


TractManager = models.Manager.from_queryset(TractQuerySet)


def archived_pdf_upload_to(instance: "Tract", filename: str) -> str:
    return f"archive/{instance.slug}-{uuid.uuid4().hex[:8]}.pdf"


def archived_original_upload_to(instance: "Tract", filename: str) -> str:
    return f"archive-originals/{instance.slug}-{uuid.uuid4().hex[:8]}.pdf"


def archived_preview_upload_to(instance: "Tract", filename: str) -> str:
    return f"archive/previews/{instance.slug}-{uuid.uuid4().hex[:8]}.webp"


class Tract(Publication):
    class Layout(models.TextChoices):
        TEXT = "text", _("Text")
        SLOGAN = "slogan", _("Slogan first")
        COLUMNS = "columns", _("Two columns (A4; text elsewhere)")

    layout = models.CharField(
        _("leaflet layout"),
        max_length=20,
        choices=Layout.choices,
        default=Layout.TEXT,
        help_text=_("How the leaflets are laid out. Every layout is fitted to its page in every format."),
    )

    class PosterText(models.TextChoices):
        SLOGAN = "slogan", _("The slogan (or subtitle)")
        SUMMARY = "summary", _("The poster summary of each language")
        FIRST_PARAGRAPH = "first_paragraph", _("The first paragraph of the text")

    poster_text = models.CharField(
        _("short text of the posters"),
        max_length=20,
        choices=PosterText.choices,
        default=PosterText.SLOGAN,
        help_text=_(
            "Printed under the title on the A3 and A2 posters (a version without it falls back to the slogan)."
        ),
    )
    legal_footer = models.TextField(
        _("legal footer"),
        blank=True,
        help_text=_("Leave empty to print the site's default (issuer, IPNS, “Ne pas jeter sur la voie publique”)."),
    )
    show_qr_code = models.BooleanField(
        _("print a QR code"),
        default=False,
        help_text=_(
            "A small QR code on the printed leaflets leads to the tract’s page on the site. "
            "Posters always carry one: on a wall, it is the way to the text."
        ),
    )

    # A tract printed before this site: its PDF is served as it is, never re-rendered.
    archived_pdf = models.FileField(
        _("archived PDF"),
        upload_to=archived_pdf_upload_to,
        max_length=200,
        blank=True,
        help_text=_("The tract as it was printed. Served as it is instead of the PDFs the site renders."),
    )
    # The checksum of the PDF as it was imported (duplicates are found by it);
    # that original, with its authors' metadata, is kept for staff only.
    archived_pdf_checksum = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    archived_pdf_original = models.FileField(
        storage=private_storage, upload_to=archived_original_upload_to, max_length=200, blank=True, editable=False
    )
    archived_pdf_preview = models.FileField(
        upload_to=archived_preview_upload_to, max_length=200, blank=True, editable=False
    )

    objects: ClassVar[TractManager] = TractManager()

    class Meta(Publication.Meta):
        verbose_name = _("tract")
        verbose_name_plural = _("tracts")
        indexes = [
            models.Index(fields=["status", "published_at"]),
            # Lists newest first (NEWEST_FIRST, read backwards) stop after a
            # page instead of sorting every row; status and time are in it so
            # that skipping to a far page reads the index alone.
            models.Index(fields=["date", "published_at", "id", "status"], name="tract_newest_first"),
        ]

    def get_absolute_url(self) -> str:
        return reverse_here("tracts:detail", slug=self.slug)

    def get_archived_pdf_url(self) -> str:
        return reverse("tracts:archived_pdf", kwargs={"slug": self.slug})

    def get_archived_preview_url(self) -> str:
        return reverse("tracts:archived_preview", kwargs={"slug": self.slug})

    def get_legal_footer(self, site_settings: SiteSettings | None = None) -> str:
        return self.legal_footer or (site_settings or SiteSettings.load()).legal_footer


class TractVersion(PrintedVersion):
    """The tract written in one language."""

    tract = models.ForeignKey(Tract, on_delete=models.CASCADE, related_name="versions", verbose_name=_("tract"))
    subtitle = models.CharField(_("slogan or subtitle"), max_length=250, blank=True)
    body = RichTextField(_("text"), extensions=TRACT_EDITOR_EXTENSIONS)
    contact = models.TextField(_("contact"), blank=True, help_text=_("Where to meet or write to the collective."))
    summary = models.TextField(
        _("poster summary"),
        max_length=300,
        blank=True,
        help_text=_("A few lines for the posters, if the tract chooses the summary as their short text."),
    )

    translated_fields = ("title", "subtitle", "body", "contact", "summary")
    not_on_cards = (*PrintedVersion.not_on_cards, "body", "contact")
    pdf_hook = "tracts.printing.TractPDFs"
    printed_fields = ("language", "title", "subtitle", "body", "contact", "summary")
    publication_printed_fields = ("slug", "date", "show_qr_code", "legal_footer", "layout", "poster_text")

    class Meta:
        ordering = ["tract", "language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(fields=["tract", "language"], name="one_version_per_language"),
        ]

    def indexed_text(self) -> str:
        return plain_text(self.subtitle, self.body, self.contact)

    @property
    def publication(self):
        return self.tract

    def get_absolute_url(self) -> str:
        return reverse_in(self.language, "tracts:detail", slug=self.tract.slug)

    def pdf_filename(self, print_format: str, verso: "TractVersion | None" = None) -> str:
        """The download name of its PDF in this format (with `verso` on the back)."""
        languages = f"{self.language}-{verso.language}" if verso else self.language
        return f"{self.tract.slug}-{languages}-{print_format}.pdf"

    def get_pdf_url(self, format_name: str = "a5") -> str:
        return reverse_in(self.language, "tracts:pdf", slug=self.tract.slug, print_format=format_name)


@receiver(post_save, sender=SiteSettings)
def site_settings_changed(**kwargs) -> None:
    """The site's name and legal footer are printed on every tract."""
    TractVersion.objects.update(pdf_environment=stale_pdf_token())


class TractPDFQuerySet(models.QuerySet):
    def of_versions(self, versions: list, format_names: list[str]) -> "TractPDFQuerySet":
        return self.filter(version__in=versions, print_format__in=format_names)


class TractPDF(models.Model):
    """The last render of a language version in one print format (for the admin's status)."""

    version = models.ForeignKey(TractVersion, on_delete=models.CASCADE, related_name="pdfs")
    print_format = models.CharField(max_length=20)
    fingerprint = models.CharField(max_length=40)
    page_count = models.PositiveSmallIntegerField()
    words_over = models.PositiveIntegerField(default=0)  # printed past the second page
    # How far down its text area the last page is filled (0 to 1; none for sheets of copies).
    fill = models.FloatField(null=True, blank=True)
    rendered_at = models.DateTimeField()

    objects = TractPDFQuerySet.as_manager()

    class Meta:
        verbose_name = _("rendered PDF")
        verbose_name_plural = _("rendered PDFs")
        constraints = [
            models.UniqueConstraint(fields=["version", "print_format"], name="one_record_per_version_and_format"),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.print_format}"

    def first_page_picture_url(self) -> str:
        """The address of the picture of the first page, stored with the A5
        record (see printing); served under the same rule as the PDF."""
        stem = self.version.pdf_filename(self.print_format).removesuffix(".pdf")
        return store.first_page_picture_url(self.fingerprint, stem)

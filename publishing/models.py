"""Models both apps share: site-wide settings, themes and images."""

import hashlib
import os
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from publishing import files, images
from publishing.languages import reverse_here, slug_from_title
from publishing.old_addresses import normalise_path
from publishing.pdf.sandbox import failure_message

if TYPE_CHECKING:  # publishing.publications files publications under themes
    from django.utils.functional import _StrPromise

    from publishing.publications import PublicationQuerySet


class SiteSettings(models.Model):
    """The one row of site-wide settings, edited in the admin."""

    site_name = models.CharField(_("name of the collective"), max_length=120, default="Collectif Sans Score")
    issuer = models.CharField(
        _("issuer"),
        max_length=250,
        default="Collectif Sans Score, Bourse du travail, 12 rue de l'Exemple, 75000 Paris",
        help_text=_("Who publishes the tracts, printed on each one (law of 29 July 1881)."),
    )
    printer_mention = models.CharField(
        _("printer mention"),
        max_length=120,
        default="IPNS",
        help_text=_(
            "“IPNS” (imprimé par nos soins) when the collective prints itself, else the printer's name and address."
        ),
    )
    disposal_notice = models.CharField(
        _("disposal notice"), max_length=120, default="Ne pas jeter sur la voie publique"
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "SiteSettings":
        settings = SiteSettings.objects.filter(pk=1).first()
        if settings is None:
            # Concurrent first requests may both get here: let one insert win.
            SiteSettings.objects.bulk_create([SiteSettings(pk=1)], ignore_conflicts=True)
            settings = SiteSettings.objects.get(pk=1)
        return settings

    @property
    def legal_footer(self) -> str:
        """The default legal mention printed at the foot of every tract."""
        return " · ".join(part for part in (self.issuer, self.printer_mention, self.disposal_notice) if part)


class ThemeQuerySet(models.QuerySet):
    def used_by(self, *publications: "PublicationQuerySet[Any]") -> list["Theme"]:
        """The themes one of these querysets of tracts or articles has.

        Each theme's check (`uses_theme()`, EXISTS … LIMIT 1) is in the
        SELECT list: in a WHERE clause PostgreSQL turned it into a hash join
        over every tract of the theme (2.5 ms at 10,000 tracts, not 0.2).
        """
        checks = {f"used_by_{index}": queryset.uses_theme() for index, queryset in enumerate(publications)}
        return [theme for theme in self.annotate(**checks) if any(getattr(theme, name) for name in checks)]


class Theme(models.Model):
    """A subject the collective writes about, shared by tracts and articles."""

    name = models.CharField(_("name"), max_length=80, unique=True, help_text=_("In French, the site's language."))
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    translated_names = models.JSONField(_("names in other languages"), default=dict, blank=True)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slug_from_title(self.name, 80) or "theme"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse_here("website:theme", slug=self.slug)

    @property
    def local_name(self) -> str:
        """The name in the language being shown, else the French one."""
        return self.translated_names.get(translation.get_language() or "", "") or self.name

    @classmethod
    def from_names(cls, names: list[str]) -> list["Theme"]:
        """The themes with these names, created when new (for imports)."""
        themes = []
        for name in names:
            theme = cls.objects.filter(name__iexact=name).first()
            if theme is None:
                theme = cls.objects.create(name=name)
            themes.append(theme)
        return themes


def image_upload_to(instance: "Image", filename: str) -> str:
    return images.random_name(filename.rsplit(".", 1)[-1].lower())


def _cleaned(file) -> images.CleanImage:
    """The upload cleaned once, however many times it is asked for (check, copy lookup, save)."""
    # Kept on the upload itself, which a model's FieldFile wraps: the form's
    # check, the editor's copy lookup and the save share one decoding.
    upload = getattr(file, "_file", None) or file
    cleaned = getattr(upload, "_collectif_cleaned", None)
    if cleaned is None:
        cleaned = images.clean_image(file)
        upload._collectif_cleaned = cleaned
    return cleaned


def _checksum(content: bytes) -> str:
    """Hash of the cleaned picture: it recognises a picture uploaded twice, and says
    nothing of the original (metadata included) that a seized copy could be matched with."""
    return hashlib.sha256(content).hexdigest()


class ImageNotStored(Exception):
    """Writing the picture failed (a full disk, say); nothing of it was kept."""

    def __init__(self, error: OSError) -> None:
        reason = os.strerror(error.errno) if error.errno else str(error)
        super().__init__(
            _("The picture could not be stored (%(reason)s); nothing of it was kept. Tell whoever runs the site.")
            % {"reason": reason}
            if not files.is_disk_full(error)
            else _(
                "The server's disk is full: the picture was not stored, and nothing of it was kept. "
                "Tell whoever runs the site."
            )
        )


def _store(name: str, content: ContentFile, written: list[str]) -> str:
    """Save `content` under `name`, noting the name first so that a save that fails
    half-way (a full disk) can be removed with the rest."""
    name = default_storage.get_available_name(name)
    written.append(name)
    stored = default_storage.save(name, content)
    if stored != name:
        written.append(stored)
    return stored


class Image(models.Model):
    """A picture for articles (and any page): metadata stripped, renditions stored."""

    file = models.ImageField(
        _("image file"),
        upload_to=image_upload_to,
        max_length=200,
        help_text=_("JPEG, PNG or WebP. Location, camera and date data are removed on upload."),
    )
    alt_text = models.CharField(
        _("description for people who cannot see it"),
        max_length=300,
        help_text=_("Required: what the image shows, in one sentence (the “alt text”)."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(_("credit"), max_length=150, blank=True)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    renditions = models.JSONField(default=dict, editable=False)
    checksum = models.CharField(max_length=64, blank=True, db_index=True, editable=False)  # of the cleaned file
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self) -> str:
        return self.alt_text[:80]

    # Set by save(): things the organiser should know (an animation kept as a still).
    notices: "tuple[str | _StrPromise, ...]" = ()

    def save(self, *args, **kwargs) -> None:
        if not (self.file and not getattr(self.file, "_committed", True)):
            super().save(*args, **kwargs)
            return
        # Whatever the path (admin, import, shell), only the cleaned image is
        # ever written to storage, and all of it or nothing.
        clean = _cleaned(self.file)
        written: list[str] = []
        try:
            name = _store(images.random_name(clean.extension), ContentFile(clean.content), written)
            stem = name.rsplit(".", 1)[0].replace("images/", "images/r/", 1)
            renditions = {
                str(width): _store(f"{stem}-{width}.{clean.extension}", ContentFile(copy), written)
                for width, copy in clean.renditions.items()
            }
            self.file.name = name
            self.file._committed = True  # FieldFile's own flag: the file is stored already
            self.checksum = _checksum(clean.content)
            self.width, self.height = clean.width, clean.height
            self.renditions = renditions
            super().save(*args, **kwargs)
        except BaseException as error:
            for stored_name in written:
                default_storage.delete(stored_name)
            if isinstance(error, OSError):
                raise ImageNotStored(error)
            raise
        if clean.first_frame_only:
            self.notices = (_("This animation was stored as a still picture: its first frame."),)

    def clean(self) -> None:
        if self.file and not getattr(self.file, "_committed", True):
            try:
                _cleaned(self.file)  # decoded once, in a limited child; the save reuses it
            except ValidationError as error:
                raise ValidationError({"file": error.messages})

    def delete(self, *args, **kwargs):
        names = [self.file.name, *self.renditions.values()] if self.file else []
        result = super().delete(*args, **kwargs)
        for name in names:
            default_storage.delete(name)
        return result

    @classmethod
    def existing_copy(cls, file) -> "Image | None":
        """An image already uploaded with the same picture (an import of a translation, say)."""
        return cls.objects.filter(checksum=_checksum(_cleaned(file).content)).first()

    @classmethod
    def from_file(cls, handle, name: str, alt_text: str, caption: str = "") -> tuple["Image", bool]:
        """A picture an import found on disk: the copy already stored, or a new one
        checked and stripped like any upload (ValidationError otherwise); True if new."""
        file = File(handle, name=name)
        existing = cls.existing_copy(file)
        if existing is not None:
            return existing, False
        picture = cls(file=file, alt_text=alt_text[:300], caption=caption[:300])
        picture.full_clean()
        picture.save()
        return picture, True

    def sources(self) -> list[images.Rendition]:
        """Every stored width of the image, smallest first, the original last."""
        copies = [images.Rendition(default_storage.url(name), int(width)) for width, name in self.renditions.items()]
        return [*sorted(copies, key=lambda r: r.width), images.Rendition(self.file.url, self.width)]

    def share_url(self) -> str:
        """The copy link previews on messaging apps show: 1200 pixels wide at most."""
        return default_storage.url(self.renditions.get("1200", self.file.name))

    def print_name(self) -> str:
        """The stored file to print: the largest rendition, enough for 300 dpi at column width."""
        if self.renditions:
            return self.renditions[max(self.renditions, key=int)]
        return self.file.name or ""


class StoredPDFQuerySet(models.QuerySet):
    def of_version(self, version: models.Model) -> "StoredPDFQuerySet":
        return self.filter(kind=version._meta.label, version_id=version.pk)


class StoredPDF(models.Model):
    """A PDF in the store, written by the store when it stores the file:
    what it is the PDF of, so that `/pdf/<fingerprint>/…` is one lookup.

    `kind` is the label of the language version's model ("tracts.TractVersion"),
    whose `stored_pdf_owners` hook says who may have the file and which file is
    current; `verso_id` is the version printed on the back, if any.
    """

    fingerprint = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=100)
    version_id = models.PositiveBigIntegerField()
    verso_id = models.PositiveBigIntegerField(null=True, blank=True)
    print_format = models.CharField(max_length=20)
    filename = models.CharField(max_length=250)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    # How full the pages are, from 0 to 1 (measured where the renderer knows it).
    fill = models.FloatField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoredPDFQuerySet.as_manager()

    class Meta:
        verbose_name = _("stored PDF")
        verbose_name_plural = _("stored PDFs")
        indexes = [models.Index(fields=["kind", "version_id"], name="stored_pdf_of_version")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.fingerprint})"


class PDFRenderFailure(models.Model):
    """A PDF that could not be rendered within the limits, by fingerprint: why and when.

    Requests for it get a clean page instead of starting the render again;
    a changed text has a new fingerprint, hence a new try.
    """

    fingerprint = models.CharField(max_length=40, unique=True)
    reason = models.CharField(max_length=20)
    detail = models.CharField(max_length=200, blank=True)
    failed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("failed PDF render")
        verbose_name_plural = _("failed PDF renders")

    def __str__(self) -> str:
        return f"{self.fingerprint}: {self.reason}"

    @property
    def message(self) -> str:
        return failure_message(self.reason, self.detail)


class OldAddress(models.Model):
    """A path of the former site that answers with a permanent redirect (see publishing.redirects).

    Imports point it at what they made (a language version, a theme), so the
    redirect follows a later change of slug; one added by hand gives a path.
    """

    path = models.CharField(
        _("old address"),
        max_length=500,
        unique=True,
        help_text=_("The path on the old site, e.g. /2023/05/12/stop-au-controle/ or /?p=123."),
    )
    new_path = models.CharField(
        _("new address"),
        max_length=500,
        blank=True,
        help_text=_("A path on this site, e.g. /fr/tracts/stop-au-controle/. Imported items follow their page."),
    )
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, editable=False)
    object_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    target = GenericForeignKey("content_type", "object_id")
    language = models.CharField(_("language"), max_length=10, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.path

    def save(self, *args, **kwargs) -> None:
        self.path = normalise_path(self.path)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.path = normalise_path(self.path)
        if self.new_path and (not self.new_path.startswith("/") or self.new_path.startswith("//")):
            # Only our own pages: an admin form must not make an open redirect.
            raise ValidationError({"new_path": _("Give a path on this site, starting with “/”.")})
        if not self.new_path and self.object_id is None:
            raise ValidationError({"new_path": _("Give the new address.")})
        if self.path == "/":
            raise ValidationError({"path": _("The home page cannot be redirected.")})

    def target_url(self) -> str:
        """Where the old address leads now ("" when what it pointed to is gone)."""
        target = self.target if self.object_id is not None else None
        if target is not None:
            with translation.override(self.language or None):
                return target.get_absolute_url()
        return self.new_path

    @classmethod
    def remember(cls, paths: list[str], target: models.Model, language: str = "") -> None:
        """Point these old paths at `target` (an import calls it; existing ones are moved)."""
        content_type = ContentType.objects.get_for_model(target)
        wanted = {normalise_path(path) for path in paths} - {"/"}
        existing = {address.path: address for address in cls.objects.filter(path__in=wanted)}
        OldAddress.objects.bulk_create(
            [
                OldAddress(path=path, content_type=content_type, object_id=target.pk, language=language)
                for path in wanted - existing.keys()
            ]
        )
        moved = []
        for address in existing.values():
            if (address.content_type_id, address.object_id, address.language, address.new_path) != (
                content_type.pk,
                target.pk,
                language,
                "",
            ):
                address.content_type, address.object_id, address.language, address.new_path = (
                    content_type,
                    target.pk,
                    language,
                    "",
                )
                moved.append(address)
        cls.objects.bulk_update(moved, ["content_type", "object_id", "language", "new_path"])

    @classmethod
    def paths_of(cls, target: models.Model) -> list[str]:
        content_type = ContentType.objects.get_for_model(target)
        return list(cls.objects.filter(content_type=content_type, object_id=target.pk).values_list("path", flat=True))

"""Models both apps share: site-wide settings and themes."""

from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


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
        settings = cls.objects.filter(pk=1).first()
        if settings is None:
            # Concurrent first requests may both get here: let one insert win.
            cls.objects.bulk_create([cls(pk=1)], ignore_conflicts=True)
            settings = cls.objects.get(pk=1)
        return settings

    @property
    def legal_footer(self) -> str:
        """The default legal mention printed at the foot of every tract."""
        return " · ".join(part for part in (self.issuer, self.printer_mention, self.disposal_notice) if part)


class Theme(models.Model):
    """A subject the collective writes about, shared by tracts and articles."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:80] or "theme"
        super().save(*args, **kwargs)

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

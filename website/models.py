"""Pages of the public site that organisers edit: about, contact, legal notice…"""

from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from collectif.html import RichTextField
from collectif.publishing import LanguageVersion, Publication
from collectif.search import plain_text

# Slugs the site links to by name.
ABOUT, CONTACT, LEGAL_NOTICE = "a-propos", "contact", "mentions-legales"


class Page(Publication):
    # A page is not dated nor filed under themes: it only has a place in the footer.
    date = None
    themes = None
    in_footer = models.BooleanField(_("link in the footer"), default=True)
    position = models.PositiveSmallIntegerField(_("position in the footer"), default=0)

    class Meta(Publication.Meta):
        ordering = ["position", "slug"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def get_absolute_url(self) -> str:
        return reverse("website:page", kwargs={"slug": self.slug})


class PageVersion(LanguageVersion):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="versions", verbose_name=_("page"))
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("A few sentences, shown on the home page for the “about” page.")
    )
    body = RichTextField(_("text"))

    class Meta:
        ordering = ["page", "language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [models.UniqueConstraint(fields=["page", "language"], name="one_page_version_per_language")]

    def indexed_text(self) -> str:
        return plain_text(self.summary, self.body)

    @property
    def publication(self) -> Page:
        return self.page

    def get_absolute_url(self) -> str:
        with translation.override(self.language):
            return reverse("website:page", kwargs={"slug": self.page.slug})

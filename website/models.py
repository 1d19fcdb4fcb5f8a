"""Pages of the public site that organisers edit: about, contact, legal notice…"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from publishing.html import RichTextField
from publishing.html_text import plain_text
from publishing.languages import reverse_in
from publishing.publications import LanguageVersion, Publication

# Slugs the site links to by name.
ABOUT, CONTACT, LEGAL_NOTICE = "a-propos", "contact", "mentions-legales"
# Their names in the interface's language, for links when a page has no
# version in the reader's language yet.
INTERFACE_LABELS = {ABOUT: _("Who we are"), CONTACT: _("Contact us"), LEGAL_NOTICE: _("Legal notice and privacy")}


class Page(Publication):
    # A page is not dated nor filed under themes: it only has a place in the
    # footer (None removes a field an abstract parent declares; the stubs
    # cannot know).
    date = None  # type: ignore[assignment]
    themes = None  # type: ignore[assignment]
    in_footer = models.BooleanField(_("link in the footer"), default=True)
    position = models.PositiveSmallIntegerField(_("position in the footer"), default=0)

    class Meta(Publication.Meta):
        ordering = ["position", "slug"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def get_absolute_url(self) -> str:
        return reverse("website:page", kwargs={"slug": self.slug})

    def label_for(self, language: str) -> tuple[str, str]:
        """The page's name for a reader of `language`, and the language that name is in.

        Its title in that language; else, for the pages every site has, the
        interface's own words; else its title in the version shown instead.
        """
        version = self.version_for(language)
        if version and version.language == language:
            return version.title, language
        if self.slug in INTERFACE_LABELS:
            return str(INTERFACE_LABELS[self.slug]), language
        return (version.title, version.language) if version else (self.slug, language)


class PageVersion(LanguageVersion):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="versions", verbose_name=_("page"))
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("A few sentences, shown on the home page for the “about” page.")
    )
    body = RichTextField(_("text"))

    translated_fields = ("title", "summary", "body")

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
        return reverse_in(self.language, "website:page", slug=self.page.slug)

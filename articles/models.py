"""Long-form articles: analyses with notes, quotations, pictures and further reading."""

import math
import re
from typing import ClassVar, Self

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Substr
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from publishing.files import media_base_url
from publishing.html import RichTextField, bounded_excerpt, clean_article_text, clean_rich_text_fields
from publishing.html_text import IMG_TAG, plain_text
from publishing.languages import reverse_here, reverse_in, slug_from_title
from publishing.models import Image, SiteSettings
from publishing.publications import LanguageVersion, PrintedVersion, Publication, PublicationQuerySet, stale_pdf_token

WORDS_PER_MINUTE = 220
EXCERPT_WORDS = 40
# How much of the body's HTML an excerpt is cut from.
OPENING_LENGTH = 2000


class Author(models.Model):
    """A person or an organisation that signs articles."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    is_organisation = models.BooleanField(_("organisation"), default=False)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slug_from_title(self.name, 150) or "author"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse_here("website:author", slug=self.slug)

    @classmethod
    def from_names(cls, names: list[str]) -> list["Author"]:
        """The authors with these names, created when new (for imports)."""
        return [cls.objects.filter(name__iexact=name).first() or cls.objects.create(name=name) for name in names]


class ArticleQuerySet(PublicationQuerySet["Article"]):
    def for_cards(self, *also: str, versions: "models.QuerySet[LanguageVersion] | None" = None) -> Self:
        return super().for_cards(*also, versions=versions).prefetch_related("authors")

    def for_page(self) -> Self:
        """An article with everything its page shows, in a fixed number of queries."""
        tracts = apps.get_model("tracts", "Tract").objects
        return (
            super()
            .for_page()
            .select_related("cover_image")
            .prefetch_related(
                "authors",
                models.Prefetch(
                    "further_reading",
                    queryset=FurtherReading.objects.public().prefetch_related(
                        "linked_article__versions", "linked_tract__versions"
                    ),
                ),
                models.Prefetch("related_tracts", queryset=tracts.published().for_page()),
            )
        )


ArticleManager = models.Manager.from_queryset(ArticleQuerySet)


class Article(Publication):
    updated_on = models.DateField(
        _("updated on"), null=True, blank=True, help_text=_("When an update was added to the article, if it was.")
    )
    authors = models.ManyToManyField(Author, blank=True, related_name="articles", verbose_name=_("authors"))
    cover_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("cover image")
    )
    related_tracts = models.ManyToManyField(
        "tracts.Tract", blank=True, related_name="related_articles", verbose_name=_("related tracts")
    )

    objects: ClassVar[ArticleManager] = ArticleManager()

    class Meta(Publication.Meta):
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "published_at"]),
            # Lists newest first (NEWEST_FIRST, read backwards) stop after a
            # page instead of sorting every row; status and time are in it so
            # that skipping to a far page reads the index alone.
            models.Index(fields=["date", "published_at", "id", "status"], name="article_newest_first"),
        ]

    def get_absolute_url(self) -> str:
        return reverse_here("articles:detail", slug=self.slug)


class ArticleVersion(PrintedVersion):
    """The article written in one language."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions", verbose_name=_("article"))
    standfirst = models.TextField(_("standfirst"), blank=True, help_text=_("The few lines that open the article."))
    body = RichTextField(
        _("text"),
        article=True,
        help_text=_(
            "Write [^1], [^2]… where a note is called. A quotation's last paragraph starting with “—” "
            "names its source. Pictures need a description."
        ),
    )
    notes = RichTextField(
        _("notes"),
        help_text=_("One note per list item (or paragraph), in the order of their numbers."),
    )
    excerpt = models.TextField(
        _("excerpt"), blank=True, help_text=_("For the list of articles; left empty, the start of the text is used.")
    )
    word_count = models.PositiveIntegerField(default=0, editable=False)

    translated_fields = ("title", "standfirst", "body", "notes", "excerpt")
    # A card's excerpt is made of the start of the body when none is
    # written: cards load that start (`body_start`), not the whole body.
    not_on_cards = (*PrintedVersion.not_on_cards, "notes", "body")
    pdf_hook = "articles.printing.ArticlePDFs"
    printed_fields = ("language", "title", "standfirst", "body", "notes")
    publication_printed_fields = ("slug", "date", "updated_on")

    class Meta:
        ordering = ["article", "language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="one_article_version_per_language"),
        ]

    def clean(self) -> None:
        if pictures_without_description(clean_article_text(self.body)):
            raise ValidationError(
                {"body": _("Every picture needs a description (alt text) for people who cannot see it.")}
            )

    def save(self, *args, **kwargs) -> None:
        clean_rich_text_fields(self)  # words are counted in the cleaned text
        self.word_count = len(plain_text(self.body).split())
        super().save(*args, **kwargs)

    def indexed_text(self) -> str:
        return plain_text(self.standfirst, self.body, self.notes)

    @property
    def publication(self):
        return self.article

    def get_absolute_url(self) -> str:
        return reverse_in(self.language, "articles:detail", slug=self.article.slug)

    def get_pdf_url(self) -> str:
        return reverse_in(self.language, "articles:pdf", slug=self.article.slug)

    @classmethod
    def card_annotations(cls) -> dict:
        # A long article's body is tens of kilobytes, and a card shows 40
        # words; one character more tells whether the body goes on.
        return {"body_start": Substr("body", 1, OPENING_LENGTH + 1)}

    def opening_text(self) -> str:
        """The plain text of the body's start, enough for an excerpt: stripping
        every body of a page of 30 cards took longer than the rest of it."""
        # Cards load only the start of the body (`card_annotations`).
        body = self.body_start if hasattr(self, "body_start") else self.body
        text = plain_text(body[: body.rfind(">", 0, OPENING_LENGTH) + 1])  # whole tags only
        if len(text.split()) > 2 * EXCERPT_WORDS:
            return text
        if len(body) <= OPENING_LENGTH:  # the whole body
            return plain_text(body)
        # Too few words in a long body's start (pictures, long links): all
        # of it (on a card, a query for this version).
        return plain_text(self.body)

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    def get_excerpt(self) -> str:
        """The written excerpt, or the start of the text, ending in “…”."""
        text = self.excerpt or self.opening_text()
        text = re.sub(r"\[\^\d+\]", "", text)  # note calls mean nothing out of context
        return bounded_excerpt(text, EXCERPT_WORDS)


@receiver(post_save, sender=SiteSettings)
def site_settings_changed(**kwargs) -> None:
    """The site's name is printed on every article."""
    ArticleVersion.objects.update(pdf_environment=stale_pdf_token())


def pictures_without_description(html: str) -> list[str]:
    """Addresses of pictures with no alt text of their own nor an uploaded image's."""
    undescribed = [match["src"] for match in IMG_TAG.finditer(html) if not re.search(r'alt="[^"]+', match["rest"])]
    if not undescribed:
        return []
    names = [src.removeprefix(media_base_url()) for src in undescribed]
    described = set(Image.objects.filter(file__in=names).exclude(alt_text="").values_list("file", flat=True))
    return [src for src, name in zip(undescribed, names, strict=True) if name not in described]


class FurtherReadingQuerySet(models.QuerySet):
    def public(self) -> "FurtherReadingQuerySet":
        """Links a visitor may see: elsewhere, or to one of our articles or tracts once published."""
        tracts = apps.get_model("tracts", "Tract").objects.published()
        return self.filter(
            models.Q(linked_article__isnull=True) | models.Q(linked_article__in=Article.objects.published()),
            models.Q(linked_tract__isnull=True) | models.Q(linked_tract__in=tracts),
        )


class FurtherReading(models.Model):
    """A link at the end of an article: one of ours, or another site's."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="further_reading")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    linked_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("our article")
    )
    linked_tract = models.ForeignKey(
        "tracts.Tract", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("our tract")
    )
    url = models.URLField(_("address elsewhere"), blank=True, max_length=500)
    title = models.CharField(_("title"), max_length=250, blank=True, help_text=_("Required for an address elsewhere."))

    objects = FurtherReadingQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("further reading")
        verbose_name_plural = _("further reading")

    def __str__(self) -> str:
        return self.title or str(self.linked_article or self.linked_tract or self.url)

    def link(self, language: str) -> dict:
        """Title and address to show a reader in `language` (uses the prefetched versions)."""
        target = self.linked_article or self.linked_tract
        if target is not None:
            version = target.version_for(language)
            title = self.title or (version.title if version else target.slug)
            return {"title": title, "url": version.get_absolute_url() if version else "", "external": False}
        return {"title": self.title, "url": self.url, "external": True}

    def clean(self) -> None:
        targets = [bool(self.linked_article_id), bool(self.linked_tract_id), bool(self.url)]
        if sum(targets) != 1:
            raise ValidationError(_("Choose one of our articles, one of our tracts, or give one address elsewhere."))
        if self.url and not self.title:
            raise ValidationError({"title": _("Give the title of the page this address leads to.")})
        if self.linked_article_id and self.linked_article_id == self.article_id:
            raise ValidationError({"linked_article": _("An article cannot recommend itself.")})

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from publishing.pdf.store import PDFSource
from publishing.views import (
    filter_by_theme,
    page_of_cards,
    publication_page_context,
    redirect_to_current_pdf,
    redirect_to_original_pdf,
)

from .models import Article, ArticleVersion
from .printing import ARTICLE_FORMAT, article_pdf_filename, current_fingerprint
from .text import anchor_sections, render_body

ARTICLES_PER_PAGE = 10


def index(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.published().for_cards()
    articles, theme = filter_by_theme(request, articles)
    page, on_page = page_of_cards(request, articles, ARTICLES_PER_PAGE)
    language = request.LANGUAGE_CODE
    return render(
        request,
        "articles/index.html",
        {
            "page": page,
            "entries": [(article, article.version_for(language)) for article in on_page],
            "current_theme": theme,
        },
    )


def share_image(request: HttpRequest, image) -> dict:
    """The cover as link previews want it: a whole address, its size, its description."""
    width = 1200 if "1200" in image.renditions else image.width
    height = round(image.height * width / image.width) if image.width else 0
    url = request.build_absolute_uri(image.share_url())
    return {"url": url, "width": width, "height": height, "alt": image.alt_text}


def render_article_page(
    request: HttpRequest,
    article: Article,
    *,
    preview: bool = False,
    pdf_url: Callable[[ArticleVersion], str] = ArticleVersion.get_pdf_url,
    page_url: Callable[[ArticleVersion], str] | None = None,
) -> HttpResponse:
    """The article's page; the admin's preview uses it with its own page and PDF links."""
    context = publication_page_context(
        request, article, missing=_("This article has no text yet."), preview=preview, page_url=page_url
    )
    version = context["version"]
    language = request.LANGUAGE_CODE
    body, notes = render_body(version.body, version.notes)
    body, sections = anchor_sections(body)
    return render(
        request,
        "articles/detail.html",
        context
        | {
            "article": article,
            "body": body,
            "notes": notes,
            "sections": sections,
            "further_reading": [item.link(language) for item in article.further_reading.all()],
            "related_tracts": [(tract, tract.version_for(language)) for tract in article.related_tracts.all()],
            "related_events": [
                (event, event.version_for(language))
                for event in article.events.published().with_versions().order_by("-starts_at")
            ],
            "pdf_url": pdf_url(version),
            "share_image": share_image(request, article.cover_image) if article.cover_image else None,
        },
    )


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.published().for_page(), slug=slug)
    return render_article_page(request, article)


def pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The stable address of the article's PDF: one lookup, one redirect."""
    version = (
        ArticleVersion.objects.filter(
            article__in=Article.objects.published().filter(slug=slug), language=request.LANGUAGE_CODE
        )
        .select_related("article")
        .first()
    )
    if version is None:
        article = get_object_or_404(Article.objects.published().with_versions(), slug=slug)
        return redirect_to_original_pdf(
            request, article, lambda original: original.get_pdf_url(), missing=_("This article has no text yet.")
        )
    return redirect_to_current_pdf(
        request,
        current_fingerprint(version),
        article_pdf_filename(version),
        PDFSource.of(version, ARTICLE_FORMAT),
    )

from collections.abc import Callable

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from collectif.views import NotFoundForVisitor, preview_language_links, redirect_to_stored_pdf, version_links

from .models import Article, ArticleVersion
from .printing import ensure_article_pdf
from .text import render_body

ARTICLES_PER_PAGE = 10


def index(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.published().for_cards()
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    language = request.LANGUAGE_CODE
    return render(
        request,
        "articles/index.html",
        {"page": page, "entries": [(article, article.version_for(language)) for article in page]},
    )


def render_article_page(
    request: HttpRequest,
    article: Article,
    *,
    preview: bool = False,
    pdf_url: str | None = None,
    page_url: Callable[[ArticleVersion], str] | None = None,
) -> HttpResponse:
    """The article's page; the admin's preview uses it with its own page and PDF links."""
    language = request.LANGUAGE_CODE
    version = article.version_for(language)
    if version is None:
        raise NotFoundForVisitor(_("This article has no text yet."))
    body, notes = render_body(version.body, version.notes)
    versions = article.all_versions()
    extra = {"language_links": preview_language_links(versions, version.language, page_url)} if page_url else {}
    return render(
        request,
        "articles/detail.html",
        extra
        | {
            "article": article,
            "version": version,
            "body": body,
            "notes": notes,
            "is_fallback": version.language != language,
            "versions": versions,
            "version_links": version_links(versions, page_url),
            "further_reading": [item.link(language) for item in article.further_reading.all()],
            "related_tracts": [(tract, tract.version_for(language)) for tract in article.related_tracts.all()],
            "pdf_url": pdf_url or version.get_pdf_url(),
            "og_image_url": request.build_absolute_uri(article.cover_image.share_url()) if article.cover_image else "",
            "preview": preview,
        },
    )


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.published().for_page(), slug=slug)
    return render_article_page(request, article)


def pdf(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.published().for_page(), slug=slug)
    version: ArticleVersion | None = article.version(request.LANGUAGE_CODE)
    if version is None:
        fallback = article.original_version()
        if fallback is None:
            raise NotFoundForVisitor(_("This article has no text yet."))
        return redirect(fallback.get_pdf_url())
    plan = ensure_article_pdf(version)
    return redirect_to_stored_pdf(plan.etag, plan.filename)

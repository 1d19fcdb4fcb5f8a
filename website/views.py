import re

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from articles.models import Article, Author
from events.models import Event, EventOccurrence, EventVersion
from publishing.languages import text_direction
from publishing.models import Theme
from publishing.search import (
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    Found,
    clean_query,
    query_words,
    search_publications,
    search_results,
)
from publishing.views import NotFoundForVisitor, page_of_cards, publication_page_context
from tracts.models import Tract, TractVersion

from .models import ABOUT, CONTACT, Page

HOME_TRACTS = 6
HOME_ARTICLES = 4
HOME_EVENTS = 4
# The newest of each kind; the archive and the articles' list give the rest.
THEME_ITEMS = 12
SEARCH_RESULTS = 20
AUTHOR_ARTICLES = 20


def themes_in_use() -> list[Theme]:
    """Themes of at least one published tract, article or event."""
    return Theme.objects.used_by(Tract.objects.published(), Article.objects.published(), Event.objects.published())


def home(request: HttpRequest) -> HttpResponse:
    language = request.LANGUAGE_CODE
    tracts = Tract.objects.published().with_a5_renders()[:HOME_TRACTS]
    articles = Article.objects.published().for_cards()[:HOME_ARTICLES]
    pages = {page.slug: page for page in Page.objects.published().filter(slug__in=[ABOUT, CONTACT]).with_versions()}
    about = pages.get(ABOUT)
    upcoming = EventOccurrence.objects.public().next_per_event(HOME_EVENTS)
    return render(
        request,
        "website/home.html",
        {
            "tracts": [(tract, tract.version_for(language)) for tract in tracts],
            "articles": [(article, article.version_for(language)) for article in articles],
            "events": [(occurrence, occurrence.event.version_for(language)) for occurrence in upcoming],
            "themes": themes_in_use(),
            "about": about.version_for(language) if about else None,
            "contact_page": pages.get(CONTACT),
        },
    )


def theme(request: HttpRequest, slug: str) -> HttpResponse:
    language = request.LANGUAGE_CODE
    chosen = get_object_or_404(Theme, slug=slug)
    tracts = Tract.objects.published().with_a5_renders().filter(themes=chosen)[:THEME_ITEMS]
    articles = Article.objects.published().for_cards().filter(themes=chosen)[:THEME_ITEMS]
    upcoming = EventOccurrence.objects.public().on_theme(chosen).next_per_event(HOME_EVENTS)
    return render(
        request,
        "website/theme.html",
        {
            "theme": chosen,
            "tracts": [(tract, tract.version_for(language)) for tract in tracts],
            "articles": [(article, article.version_for(language)) for article in articles],
            "events": [(occurrence, occurrence.event.version_for(language)) for occurrence in upcoming],
        },
    )


def author(request: HttpRequest, slug: str) -> HttpResponse:
    language = request.LANGUAGE_CODE
    # Someone who signed only drafts is not yet public.
    signed = Article.objects.published().filter(authors=OuterRef("pk"))
    person = get_object_or_404(Author.objects.filter(Exists(signed)), slug=slug)
    articles = Article.objects.published().for_cards().filter(authors=person)
    page, on_page = page_of_cards(request, articles, AUTHOR_ARTICLES)
    return render(
        request,
        "website/author.html",
        {"author": person, "page": page, "articles": [(article, article.version_for(language)) for article in on_page]},
    )


def page(request: HttpRequest, slug: str) -> HttpResponse:
    chosen = get_object_or_404(Page.objects.published().with_versions(), slug=slug)
    context = publication_page_context(request, chosen, missing=_("This page has no text yet."))
    return render(request, "website/page.html", context | {"page": chosen})


def search(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    query = clean_query(raw)
    found = Found([])
    if query:
        sources = [
            Tract.objects.published().versions(),
            Article.objects.published().versions(),
            Event.objects.published().versions(),
        ]
        found = search_publications(sources, query, request.LANGUAGE_CODE)
    page = Paginator(found.matches, SEARCH_RESULTS).get_page(request.GET.get("page"))
    shown = search_results(page.object_list, query, request.LANGUAGE_CODE)
    kinds = {TractVersion: _("Tract"), EventVersion: _("Event")}
    for result in shown:
        result.kind = kinds.get(type(result.version), _("Article"))
    return render(
        request,
        "website/search.html",
        {
            "query": query,
            "words": query_words(query),
            "results": shown,
            "page": page,
            "total": len(found.matches),
            "complete": found.complete,
            # A query was typed but holds no word (punctuation, symbols only).
            "no_words": bool(raw.strip()) and not query,
            "truncated": len(raw) > MAX_QUERY_LENGTH,
            "too_many_words": len(query_words(query, limit=None)) > MAX_QUERY_WORDS,
            "themes": Theme.objects.all() if query and not shown else [],
        },
    )


def robots_txt(request: HttpRequest) -> HttpResponse:
    # The admin's path is not named here: robots.txt is public, and the
    # admin sends a noindex of its own.
    lines = ["User-agent: *", "Allow: /", f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# Error pages (handler404, handler500, CSRF_FAILURE_VIEW): the site's design,
# in the visitor's language.
# Addresses under a tract's or an article's own: /fr/tracts/<slug>/a3.pdf…
PUBLICATION_PATH = re.compile(r"^/[\w-]+/(?P<section>tracts|articles)/(?P<slug>[-\w]{1,100})/")
PUBLICATION_MODELS = {"tracts": Tract, "articles": Article}


def publication_named_in(path: str, language: str) -> dict | None:
    """The published tract or article whose address starts `path` (its link and title), if any."""
    match = PUBLICATION_PATH.match(path)
    if not match:
        return None
    model = PUBLICATION_MODELS[match["section"]]
    try:
        publication = model.objects.published().with_versions().filter(slug=match["slug"]).first()
    except DatabaseError:
        return None
    version = publication.version_for(language) if publication else None
    if version is None:
        return None
    return {"url": publication.get_absolute_url(), "title": version.title, "language": version.language}


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponseNotFound:
    # Django's own 404 messages ("No Tract matches the given query") are for
    # developers; only ours are shown.
    message = str(exception) if isinstance(exception, NotFoundForVisitor) else ""
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    context = {"message": message, "publication": publication_named_in(request.path_info, language)}
    return HttpResponseNotFound(loader.get_template("404.html").render(context, request))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseForbidden:
    """A form sent without its token: the site's page, in the visitor's language."""
    return HttpResponseForbidden(loader.get_template("403_csrf.html").render({}, request))


def server_error(request: HttpRequest) -> HttpResponseServerError:
    """The 500 page in the visitor's language, without touching the database
    (which may be what failed)."""
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        html = loader.get_template("500.html").render({"language": language, "direction": text_direction(language)})
    return HttpResponseServerError(html)

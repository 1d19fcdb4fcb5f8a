"""A search's results: matching on the database's engine, one result per publication, excerpts."""

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from publishing.languages import in_language_order
from publishing.search.postgres import _postgres_matches
from publishing.search.ranking import Match
from publishing.search.sqlite import _sqlite_matches
from publishing.search.words import INDEXED_MODELS, WORD, fold, query_words, stems, uses_postgres

if TYPE_CHECKING:  # publishing.publications indexes versions through this package
    from publishing.publications import LanguageVersion, Publication


@dataclass
class Found:
    """The publications a search found, best first, each with the queryset of
    versions (the source) it comes from; `complete` is False when more
    versions matched than were ranked (see the module's docstring)."""

    matches: list[tuple[Match, models.QuerySet]]
    complete: bool = True


def search_publications(sources: list[models.QuerySet], query: str, language: str) -> Found:
    """The publications of each source (a queryset of the versions visitors
    may see) that match `query`, best first across sources, one each, those
    found in `language` (the visitor's) before the others;
    `search_results()` makes a page of them ready to show.

    Ranking is done by the database, over the newest CANDIDATES matches of
    each group (see the module's docstring).
    """
    words = query_words(query)
    if not words or not sources:
        return Found([])
    if uses_postgres():
        found, complete = [], True
        for versions in sources:
            matches, ranked_all = _postgres_matches(versions, words, language)
            found += [(match, versions) for match in matches]
            complete = complete and ranked_all
    else:
        found, complete = _sqlite_matches(sources, words, language)
    found.sort(key=lambda pair: pair[0].order, reverse=True)
    return Found(found, complete)


@dataclass
class Result:
    """One publication found: the version to show, its other versions, marked title and excerpt."""

    version: "LanguageVersion"
    others: "list[LanguageVersion]"
    score: float
    title: SafeString
    excerpt: SafeString
    kind: str = ""

    @property
    def publication(self) -> "Publication":
        return self.version.publication


def search_results(matches: list[tuple[Match, models.QuerySet]], query: str, language: str) -> list[Result]:
    """These matches (a page of `Found.matches`) as shown: each result is the
    publication's version in `language` when it matched, else its best
    match, and names the other versions. A query or two per kind of
    publication, whatever the number of matches."""
    chosen: dict[tuple, list] = {}
    for versions in {id(source): source for _match, source in matches}.values():
        publication_field = INDEXED_MODELS[versions.model._meta.label_lower][1]
        ids = [match.publication_id for match, source in matches if source is versions]
        relation = publication_field.removesuffix("_id")
        # A result links its versions by title and language, and shows an
        # excerpt of one of them (its plain text is loaded below, for that
        # one only).
        shown = versions.filter(**{f"{publication_field}__in": ids}).select_related(relation)
        for version in shown.only("language", "title", relation, f"{relation}__slug"):
            chosen.setdefault((versions.model, getattr(version, publication_field)), []).append(version)
    shown_versions = []
    for match, versions in matches:
        all_versions = in_language_order(chosen.get((versions.model, match.publication_id), []))
        if not all_versions:  # unpublished since the search
            continue
        shown_language = language if language in match.languages else match.languages[0]
        version = next((v for v in all_versions if v.language == shown_language), all_versions[0])
        shown_versions.append((match, version, [other for other in all_versions if other is not version]))
    texts = _plain_texts([version for _match, version, _others in shown_versions])
    return [
        Result(
            version=version,
            others=others,
            score=match.score,
            title=mark_words(version.title, query, version.language),
            excerpt=excerpt(texts[(type(version), version.pk)], query, version.language),
        )
        for match, version, others in shown_versions
    ]


def _plain_texts(versions: "list[LanguageVersion]") -> dict[tuple, str]:
    """The plain text of each of these versions, by (model, pk): a query per kind."""
    texts = {}
    for model in {type(version) for version in versions}:
        pks = [version.pk for version in versions if type(version) is model]
        for pk, text in model._default_manager.filter(pk__in=pks).values_list("pk", "search_text"):
            texts[(model, pk)] = text
    return texts


# Excerpts -----------------------------------------------------------------


def mark_words(text: str, query: str, language: str) -> SafeString:
    """`text` escaped, with the words that match the query (same stem, any accent or case) in <mark>."""
    return _marked(text, _matcher(query, language))


def excerpt(text: str, query: str, language: str, length: int = 240) -> SafeString:
    """About `length` characters of `text` around its first matched word, matched words in <mark>."""
    is_match = _matcher(query, language)
    first = next((word for word in WORD.finditer(text) if is_match(word.group())), None)
    start = 0
    if first and first.start() > length // 3:
        start = text.rfind(" ", 0, first.start() - length // 3) + 1
    end = len(text) if len(text) <= start + length else text.rfind(" ", start, start + length)
    end = start + length if end <= start else end
    marked = _marked(text[start:end], is_match)
    return mark_safe(("…" if start else "") + marked + ("…" if end < len(text) else ""))  # noqa: S308 (escaped)


def _matcher(query: str, language: str):
    wanted = {fold(stem) for stem in stems(query_words(query), language)}

    def is_match(word: str) -> bool:
        return _folded_stem(word, language) in wanted

    return is_match


@functools.lru_cache(maxsize=50_000)
def _folded_stem(word: str, language: str) -> str:
    # Excerpts look at the same words again and again: stem each once.
    return fold(stems([word], language)[0])


def _marked(text: str, is_match) -> SafeString:
    pieces, last = [], 0
    for word in WORD.finditer(text):
        if is_match(word.group()):
            pieces += [escape(text[last : word.start()]), "<mark>", escape(word.group()), "</mark>"]
            last = word.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece of text escaped)


# Migrations ---------------------------------------------------------------

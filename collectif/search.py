"""Full-text search over language versions, whatever the app.

On PostgreSQL each version keeps a search vector built with its own
language's configuration (stemming; accents ignored for French, English and
Spanish), kept up to date on save and indexed with GIN. On SQLite the same
calls fall back to plain word matching on the stored text.
"""

import html
import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection, models
from django.db.models import Case, F, Q, Value, When
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

# The text search configuration of each language (see the migration that
# creates the *_unaccent ones).
SEARCH_CONFIGS = {"fr": "french_unaccent", "en": "english_unaccent", "es": "spanish_unaccent", "ar": "arabic"}
MAX_QUERY_LENGTH = 200
# Markers ts_headline puts around matches; escaped text cannot contain them.
START, STOP = "\x02", "\x03"


def config_for(language: str) -> str:
    return SEARCH_CONFIGS.get(language, "simple")


# Where a block ends, the words of two blocks must not run together
# (a caption and the next paragraph: "20 novembre. Nous", not "novembre.Nous").
BLOCK_END = re.compile(
    r"(</(?:p|h[1-6]|li|figcaption|figure|blockquote|td|th|tr|caption)>|<br\s*/?>|<img\b[^>]*>)", re.I
)


def plain_text(*parts: str) -> str:
    """Text of HTML fragments, for the search index and excerpts."""
    text = " ".join(strip_tags(BLOCK_END.sub(r"\1 ", part)) for part in parts if part)
    return " ".join(html.unescape(text).split())


def clean_query(raw: str | None) -> str:
    """The words of a visitor's query, bounded in length; "" when nothing is searchable."""
    query = " ".join((raw or "")[:MAX_QUERY_LENGTH].split())
    return query if re.search(r"\w", query) else ""


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def update_search_vector(model: type[models.Model], pk: int, language: str, title: str, text: str) -> None:
    """Store the version's vector: its title weighs more than its text (PostgreSQL only)."""
    if not uses_postgres():
        return
    config = config_for(language)
    model.objects.filter(pk=pk).update(
        search_vector=SearchVector(Value(title), config=config, weight="A")
        + SearchVector(Value(text), config=config, weight="B")
    )


def _query(text: str, language: str) -> SearchQuery:
    return SearchQuery(text, config=config_for(language), search_type="websearch")


def search_versions(queryset: models.QuerySet, text: str) -> models.QuerySet:
    """Versions matching `text`, best first (with a `rank`)."""
    languages = list(SEARCH_CONFIGS)
    if uses_postgres():
        matches = Q()
        for language in languages:
            matches |= Q(language=language, search_vector=_query(text, language))
        rank = Case(
            *(When(language=lang, then=SearchRank(F("search_vector"), _query(text, lang))) for lang in languages),
            default=Value(0.0),
            output_field=models.FloatField(),
        )
        return queryset.filter(matches).annotate(rank=rank).order_by("-rank", "-pk")
    words = [word for word in re.findall(r"\w+", text) if len(word) > 1][:8]
    if not words:
        return queryset.none()
    for word in words:
        queryset = queryset.filter(Q(title__icontains=word) | Q(search_text__icontains=word))
    return queryset.annotate(rank=Value(0.0)).order_by("-pk")


def add_headlines(versions: list[models.Model], text: str) -> None:
    """Give the versions found an excerpt with the matched words marked.

    A second query for the results only: ts_headline is costly, and the
    first query may match thousands of rows to keep the best few.
    """
    if not versions or not uses_postgres():
        return
    languages = list(SEARCH_CONFIGS)
    headline = Case(
        *(
            When(
                language=lang,
                then=SearchHeadline(
                    "search_text",
                    _query(text, lang),
                    config=config_for(lang),
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=30,
                    min_words=12,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            for lang in languages
        ),
        default=Value(""),
        output_field=models.TextField(),
    )
    model = type(versions[0])
    headlines = dict(
        model.objects.filter(pk__in=[v.pk for v in versions]).annotate(headline=headline).values_list("pk", "headline")
    )
    for version in versions:
        version.headline = headlines.get(version.pk, "")


def highlighted_excerpt(version: models.Model, text: str) -> SafeString:
    """The excerpt to show under a result, matched words in <mark>."""
    if getattr(version, "headline", ""):
        marked = escape(version.headline).replace(START, "<mark>").replace(STOP, "</mark>")
        return mark_safe(marked)  # noqa: S308 (escaped above)
    # SQLite: the first match and some words around it.
    source = version.search_text
    words = [re.escape(word) for word in re.findall(r"\w+", text) if len(word) > 1][:8]
    match = re.search("|".join(words), source, re.IGNORECASE) if words else None
    start = max(0, match.start() - 80) if match else 0
    excerpt = ("…" if start else "") + source[start : start + 240] + ("…" if len(source) > start + 240 else "")
    if words:
        excerpt = re.sub(f"({'|'.join(words)})", f"{START}\\1{STOP}", excerpt, flags=re.IGNORECASE)
    marked = escape(excerpt).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(marked)  # noqa: S308 (escaped above)


def search_index_operation(app_label: str, model_name: str, text_fields: tuple[str, ...]):
    """A migration operation that fills the search columns of existing versions
    and, on PostgreSQL, adds the GIN index on their vectors."""
    from django.db import migrations

    table = f"{app_label}_{model_name.lower()}"
    index = f"{table}_search"

    def forward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (search_vector)")
        model = apps.get_model(app_label, model_name)
        for version in model.objects.all():
            version.search_text = plain_text(*(getattr(version, field) for field in text_fields))
            version.save(update_fields=["search_text"])
            update_search_vector(model, version.pk, version.language, version.title, version.search_text)

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")

    return migrations.RunPython(forward, backward)

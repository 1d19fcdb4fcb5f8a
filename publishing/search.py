"""Full-text search over the language versions of tracts and articles.

Both databases give the same answers: accents and case do not matter, and
each version is matched with its own language's stemming ("controle
algorithme" finds "Contrôle des algorithmes").

- PostgreSQL: each version stores its text search configuration
  (`search_config`, set from its language: `french_unaccent`…) and two
  vectors built with it, GIN-indexed: `search_vector` (title and text) and
  `search_title_vector` (title alone, to find title matches at once).
- SQLite: one FTS5 table (`collectif_search`, tokenizer unicode61 with
  remove_diacritics 2) holds the Snowball stems of each version's title and
  text, made in Python with PyStemmer; queries are stemmed the same way.

Either way a search returns one result per publication, ranked:
publications found in the visitor's language first (matched with that
language's stems; one found only in another language comes after them
however well it matches), then title matches, then by score; only the page
of results shown is fetched and excerpted.

Ranking is bounded, and never leaves out the newest: in each group
(visitor's language, other languages) the newest CANDIDATES versions whose
title matches and the newest CANDIDATES versions matching anywhere are
ranked, per kind of publication, not every match (ranking 15,000 versions
of a word found everywhere cost over 100 ms per kind on either database;
reading the newest from the index stops after CANDIDATES). Below CANDIDATES
matches per group the ranking is that of every match; above it the search
says it is not complete, and what it leaves out is older than the
CANDIDATES newest matches of its group, which are shown. "Newest" is the
order versions were written in (their ids). On SQLite, versions in other
languages than the visitor's are matched with any of those languages'
stems (one branch per language cost four times as much on a common word).
Versions are kept in step on save and delete; `manage.py
rebuild_search_index` rebuilds everything.
"""

import functools
import html
import re
import threading
import unicodedata
from dataclasses import dataclass, field

import Stemmer
from django.contrib.postgres.search import SearchVector
from django.db import connection, models, transaction
from django.db.models import F
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from publishing.languages import in_language_order, language_codes

# The text search configuration of each language on PostgreSQL (see the
# migration that creates the *_unaccent ones).
SEARCH_CONFIGS = {"fr": "french_unaccent", "en": "english_unaccent", "es": "spanish_unaccent", "ar": "arabic"}
# The Snowball stemmer of each language, for the SQLite index.
STEMMERS = {"fr": "french", "en": "english", "es": "spanish", "ar": "arabic"}
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
# ts_rank weights for D, C, B (text), A (title).
POSTGRES_WEIGHTS = [0.01, 0.01, 0.1, 1.0]
# How many of the newest matches of each group and kind a search ranks at
# most (see the module's docstring): ranking 200 cost 15 ms on PostgreSQL
# at 10,000 documents, 100 cost 10.
CANDIDATES = 100

# The versions the search covers, with a code that keeps their rows apart
# in the SQLite index and the name of their publication's foreign key.
# Codes must never change (they are part of the index's row ids).
INDEXED_MODELS = {
    "tracts.tractversion": (1, "tract_id"),
    "articles.articleversion": (2, "article_id"),
    "events.eventversion": (3, "event_id"),
}
FTS_TABLE = "collectif_search"
# Words as FTS5's unicode61 tokenizer cuts them: letters and digits.
WORD = re.compile(r"[^\W_]+")


def config_for(language: str) -> str:
    return SEARCH_CONFIGS.get(language, "simple")


# Where a block ends, the words of two blocks must not run together
# (a caption and the next paragraph: "20 novembre. Nous", not "novembre.Nous").
BLOCK_END = re.compile(
    r"(</(?:p|h[1-6]|li|figcaption|figure|blockquote|td|th|tr|caption)>|<br\s*/?>|<img\b[^>]*>)", re.I
)


# Where a text ends a sentence (Latin, Arabic and Urdu stops, closing quotes).
SENTENCE_END = re.compile(r"[.!?…:;»”\"')\]؟۔]$")
# Between two fields (a slogan and the text) that does not end a sentence.
FIELD_SEPARATOR = " — "


def plain_text(*parts: str) -> str:
    """Text of HTML fragments (fields of a version), for the search index and
    excerpts. A field that does not end a sentence (a slogan, a heading-like
    standfirst) is kept apart from the next by a dash, so that an excerpt
    does not read "belongs to you You may…"."""
    texts = [" ".join(html.unescape(strip_tags(BLOCK_END.sub(r"\1 ", part))).split()) for part in parts if part]
    joined = ""
    for text in filter(None, texts):
        if joined:
            joined += " " if SENTENCE_END.search(joined) else FIELD_SEPARATOR
        joined += text
    return joined


def clean_query(raw: str | None) -> str:
    """The words of a visitor's query, bounded in length; "" when nothing is searchable."""
    query = " ".join((raw or "")[:MAX_QUERY_LENGTH].split())
    return query if WORD.search(query) else ""


def query_words(query: str, limit: int | None = MAX_QUERY_WORDS) -> list[str]:
    """The words a search looks for (at most `limit`, in order, without repeats)."""
    return list(dict.fromkeys(word.lower() for word in WORD.findall(query)))[:limit]


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


# Stemming -----------------------------------------------------------------

_stemmers = threading.local()  # PyStemmer's stemmers are not thread-safe


def _stemmer(language: str) -> Stemmer.Stemmer | None:
    if language not in STEMMERS:
        return None
    cache = _stemmers.__dict__
    if language not in cache:
        cache[language] = Stemmer.Stemmer(STEMMERS[language])
    return cache[language]


def fold(word: str) -> str:
    """Without accents and case, as FTS5's tokenizer compares words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def stems(words: list[str], language: str) -> list[str]:
    """The Snowball stems of lower-cased words in `language` (the words themselves for other languages)."""
    lowered = [word.lower() for word in words]
    stemmer = _stemmer(language)
    return stemmer.stemWords(lowered) if stemmer else lowered


def stemmed_text(text: str, language: str) -> str:
    """`text` as the SQLite index stores it: one stem per word, in order."""
    return " ".join(stems(WORD.findall(text), language))


# Keeping the index in step ------------------------------------------------


def _index_entry(label: str, version) -> tuple | None:
    if label not in INDEXED_MODELS:
        return None
    code, publication_field = INDEXED_MODELS[label]
    return (
        version.pk * 4 + code,
        stemmed_text(version.title, version.language),
        stemmed_text(version.search_text, version.language),
        version.language,
        label,
        getattr(version, publication_field),
        version.pk,
    )


def index_version(version: models.Model) -> None:
    """Bring the search index up to date with a saved version."""
    label = version._meta.label_lower
    if uses_postgres():
        type(version).objects.filter(pk=version.pk).update(search_vector=_vector(), search_title_vector=_title_vector())
        return
    entry = _index_entry(label, version)
    if entry:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT OR REPLACE INTO {FTS_TABLE} "  # noqa: S608 (constant table name)
                "(rowid, title, body, language, kind, publication_id, version_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                entry,
            )


def unindex_version(version: models.Model) -> None:
    """Forget a deleted version (SQLite; on PostgreSQL its row is gone with it)."""
    label = version._meta.label_lower
    if uses_postgres() or label not in INDEXED_MODELS:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [version.pk * 4 + INDEXED_MODELS[label][0]])  # noqa: S608


def _vector() -> SearchVector:
    return _title_vector() + SearchVector("search_text", config=F("search_config"), weight="B")


def _title_vector() -> SearchVector:
    return SearchVector("title", config=F("search_config"), weight="A")


def rebuild_index(version_models: list[type[models.Model]], using: str = "default") -> int:
    """Rebuild the search data of every version of these models; returns how many.

    Works with migrations' historical models too: it only reads fields.
    """
    from django.db import connections

    db = connections[using]
    total = 0
    for model in version_models:
        label = model._meta.label_lower
        for language in {*STEMMERS, *model.objects.using(using).values_list("language", flat=True)}:
            model.objects.using(using).filter(language=language).exclude(search_config=config_for(language)).update(
                search_config=config_for(language)
            )
        if db.vendor == "postgresql":
            vectors = {"search_vector": _vector(), "search_title_vector": _title_vector()}
            if not any(f.name == "search_title_vector" for f in model._meta.get_fields()):
                del vectors["search_title_vector"]  # an older migration's model
            total += model.objects.using(using).update(**vectors)
            continue
        if db.vendor != "sqlite":
            continue
        with transaction.atomic(using=using), db.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE kind = %s", [label])  # noqa: S608
            batch = []
            for version in model.objects.using(using).order_by("pk").iterator(chunk_size=2000):
                batch.append(_index_entry(label, version))
                if len(batch) == 2000:
                    _insert(cursor, batch)
                    batch = []
            _insert(cursor, batch)
            total += model.objects.using(using).count()
    return total


def _insert(cursor, entries: list[tuple]) -> None:
    if entries:
        cursor.executemany(
            f"INSERT OR REPLACE INTO {FTS_TABLE} "  # noqa: S608
            "(rowid, title, body, language, kind, publication_id, version_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            entries,
        )


# Searching ----------------------------------------------------------------


@dataclass
class Match:
    """A publication found: whether one of its versions in the visitor's
    language matched, whether the title of its best version matched, that
    version's score (higher is better) and the languages of its versions
    that matched, best match first."""

    publication_id: int
    score: float
    languages: list[str] = field(default_factory=list)
    in_title: bool = False
    in_language: bool = False

    @property
    def order(self) -> tuple[bool, bool, float]:
        """Publications found in the visitor's language first, then title matches, then by score."""
        return (self.in_language, self.in_title, self.score)


def _group(rows, language: str) -> list[Match]:
    """Publications of rows (publication id, language, in title, score), best
    first, each represented by its best version, one in `language` if any."""
    found: dict[int, Match] = {}
    for publication_id, row_language, in_title, score in sorted(
        rows, key=lambda row: (row[1] == language, row[2], row[3]), reverse=True
    ):
        match = found.setdefault(
            publication_id, Match(publication_id, score, in_title=in_title, in_language=row_language == language)
        )
        match.languages.append(row_language)
    return list(found.values())


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


def _postgres_matches(versions: models.QuerySet, words: list[str], language: str) -> tuple[list[Match], bool]:
    # Written as SQL: the same query built from the ORM's expressions (four
    # configurations, three times over) took 10 ms of Python per kind.
    model = versions.model
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    publication_column = quote(INDEXED_MODELS[model._meta.label_lower][1])
    text = " ".join(words)

    def in_others(column: str) -> tuple[str, list]:
        """Versions in other languages, each matched with its own configuration (GIN-indexed)."""
        one = f"(search_config = %s AND {column} @@ websearch_to_tsquery(%s::regconfig, %s))"
        configs = sorted(set(SEARCH_CONFIGS.values()) - {config_for(language)}) or ["simple"]
        sql = "(language <> %s AND (" + " OR ".join(one for _ in configs) + "))"
        return sql, [language, *(value for config in configs for value in (config, config, text))]

    public_sql, public_params = _public_condition(versions)
    # The candidates, found by the GIN indexes without ranking, newest
    # first (a LIMIT stops the scan): in each group the newest CANDIDATES
    # versions whose title matches and the newest CANDIDATES matching
    # anywhere; then only those are ranked, each with its own configuration.
    # The versions in the visitor's language all have its configuration:
    # saying so again would make PostgreSQL expect three times fewer of
    # them than there are, and sort thousands instead of reading 100.
    passes, params = [], []
    for column in ("search_title_vector", "search_vector"):
        in_language = f"language = %s AND {column} @@ websearch_to_tsquery(%s::regconfig, %s)"
        for condition, condition_params in ((in_language, [language, config_for(language), text]), in_others(column)):
            passes.append(
                f"(SELECT id FROM {table} WHERE {public_sql} AND {condition} ORDER BY id DESC LIMIT %s)"  # noqa: S608
            )
            params += [*public_params, *condition_params, CANDIDATES]
    own_query = "websearch_to_tsquery(search_config::regconfig, %s)"
    sql = (
        f"SELECT {publication_column}, language, search_title_vector @@ {own_query}, "  # noqa: S608 (names from the models)
        f"ts_rank(%s::float4[], search_vector, {own_query}) FROM {table} WHERE id IN ({' UNION ALL '.join(passes)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [text, POSTGRES_WEIGHTS, text, *params])
        rows = cursor.fetchall()
    # A group holds fewer rows than the bound: no pass of it stopped at its LIMIT.
    in_visitors_language = sum(row[1] == language for row in rows)
    return _group(rows, language), max(in_visitors_language, len(rows) - in_visitors_language) < CANDIDATES


def _public_condition(versions: models.QuerySet) -> tuple[str, list]:
    """What visitors may see, as the caller's queryset of versions says it:
    a condition on the versions' table."""
    public = versions.order_by().values("pk").query
    return public.get_compiler(connection=connection).compile(public.where)


def _fts_expression(words: list[str], languages: list[str], columns: str, site_language: str) -> str:
    """An FTS5 query: in these columns, every word as one of its stems in
    `languages`, in versions in the site's language if it is the only one
    of `languages`, else in the others' (any of their stems: an OR of one
    branch per language took four times as long on a word in every version).
    """
    clauses = []
    for index in range(len(words)):
        variants = dict.fromkeys(stems(words, language)[index] for language in languages)
        clauses.append("(" + " OR ".join(f'"{stem}"' for stem in variants) + ")")
    which = "AND" if languages == [site_language] else "NOT"
    return f'{{{columns}}} : ({" AND ".join(clauses)}) {which} language : "{site_language}"'


def _sqlite_matches(sources: list[models.QuerySet], words: list[str], language: str) -> tuple[list[tuple], bool]:
    # One index for every kind of publication, in one statement: for each
    # kind, the newest CANDIDATES versions visitors may see of each group
    # (title matches in the visitor's language, with its stems, matches
    # anywhere in it, the same in the other languages, see
    # _fts_expression()), which FTS5 reads newest first from its index,
    # stopping at the bound; it computes `rank` (bm25 with a title match worth ten in the
    # text, see the migration) only for the rows it returns.
    others = [code for code in language_codes() if code != language]
    passes, params, title_passes = [], [], set()
    for versions in sources:
        table = connection.ops.quote_name(versions.model._meta.db_table)
        public_sql, public_params = _public_condition(versions)
        for columns in ("title", "title body"):
            for group in ([language], others):
                if not group:
                    continue
                passes.append(
                    f"SELECT * FROM (SELECT %s, rowid, kind, publication_id, language, rank FROM {FTS_TABLE} "  # noqa: S608
                    f"WHERE {FTS_TABLE} MATCH %s AND kind = %s AND EXISTS (SELECT 1 FROM {table} "
                    f"WHERE {table}.id = {FTS_TABLE}.version_id AND {public_sql}) ORDER BY rowid DESC LIMIT %s)"
                )
                if columns == "title":
                    title_passes.add(len(passes))
                expression = _fts_expression(words, group, columns, language)
                params += [len(passes), expression, versions.model._meta.label_lower, *public_params, CANDIDATES]
    sources_by_kind = {versions.model._meta.label_lower: versions for versions in sources}
    rows: dict[str, dict[int, tuple]] = {kind: {} for kind in sources_by_kind}
    fetched_by_pass: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(passes), params)
        for number, rowid, kind, publication_id, row_language, rank in cursor.fetchall():
            fetched_by_pass[number] = fetched_by_pass.get(number, 0) + 1
            # A version whose title matches is among the newest title
            # matches of its group if it is among the newest matches: it
            # is ranked as the other title matches are, on titles.
            if number in title_passes:
                rows[kind][rowid] = (publication_id, row_language, True, -rank)
            else:
                rows[kind].setdefault(rowid, (publication_id, row_language, False, -rank))
    complete = all(count < CANDIDATES for count in fetched_by_pass.values())
    found = [
        (match, sources_by_kind[kind])
        for kind, kind_rows in rows.items()
        for match in _group(kind_rows.values(), language)
    ]
    return found, complete


@dataclass
class Result:
    """One publication found: the version to show, its other versions, marked title and excerpt."""

    version: models.Model
    others: list[models.Model]
    score: float
    title: SafeString
    excerpt: SafeString
    kind: str = ""

    @property
    def publication(self) -> models.Model:
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


def _plain_texts(versions: list[models.Model]) -> dict[tuple, str]:
    """The plain text of each of these versions, by (model, pk): a query per kind."""
    texts = {}
    for model in {type(version) for version in versions}:
        pks = [version.pk for version in versions if type(version) is model]
        for pk, text in model.objects.filter(pk__in=pks).values_list("pk", "search_text"):
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


def search_index_operation(app_label: str, model_name: str, text_fields: tuple[str, ...]):
    """A migration operation that fills the plain text of existing versions and,
    on PostgreSQL, adds the GIN index on their vectors (kept for the first
    search migrations; a later one fills the index itself)."""
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

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")

    return migrations.RunPython(forward, backward)


def rebuild_index_operation(*labels: str):
    """A migration operation that rebuilds the search data of these models ("app.Model")."""
    from django.db import migrations

    def forward(apps, schema_editor) -> None:
        rebuild_index([apps.get_model(label) for label in labels], using=schema_editor.connection.alias)

    return migrations.RunPython(forward, migrations.RunPython.noop)


def title_vector_operation(*labels: str):
    """A migration operation that, on PostgreSQL, GIN-indexes the title vectors
    of these models ("app.Model") and fills them with the rest of their search data."""
    from django.db import migrations

    def forward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for label in labels:
            table = apps.get_model(label)._meta.db_table
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_search_title ON {table} USING gin (search_title_vector)"
            )
        rebuild_index([apps.get_model(label) for label in labels], using=schema_editor.connection.alias)

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for label in labels:
                schema_editor.execute(f"DROP INDEX IF EXISTS {apps.get_model(label)._meta.db_table}_search_title")

    return migrations.RunPython(forward, backward)


def plain_text_operation(label: str, *text_fields: str):
    """A migration operation that makes the plain text of existing versions of
    a model ("app.Model") again from these fields, when `plain_text()` makes
    it differently (the search index holds the same words: no rebuild)."""
    from django.db import migrations

    def forward(apps, schema_editor) -> None:
        objects = apps.get_model(label).objects.using(schema_editor.connection.alias)
        changed = []
        for version in objects.only("search_text", *text_fields).order_by("pk").iterator(chunk_size=1000):
            text = plain_text(*(getattr(version, name) for name in text_fields))
            if text != version.search_text:
                version.search_text = text
                changed.append(version)
            if len(changed) == 1000:  # long texts: a batch at a time in memory
                objects.bulk_update(changed, ["search_text"])
                changed = []
        objects.bulk_update(changed, ["search_text"])

    return migrations.RunPython(forward, migrations.RunPython.noop)

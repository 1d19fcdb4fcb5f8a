"""Full-text search over the language versions of tracts and articles.

Both databases give the same answers: accents and case do not matter, and
each version is matched with its own language's stemming ("controle
algorithme" finds "Contrôle des algorithmes").

- PostgreSQL: each searched version (a `SearchedVersion`; pages are not)
  stores its text search configuration (`search_config`, set from its
  language: `french_unaccent`…) and two vectors built with it, GIN-indexed:
  `search_vector` (title and text) and `search_title_vector` (title alone,
  to find title matches at once).
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

The rooms: `words` (languages, stemmers, queries), `index` (kept in step on
save, rebuilt, and the migrations' operations), `postgres` and `sqlite` (the
two engines' matching), `ranking` (what a match is), `results` (one result
per publication, excerpts). The names below are what the rest of the site
and the migrations use.
"""

from publishing.html_text import plain_text
from publishing.search.index import (
    INDEXED_MODELS,
    index_version,
    plain_text_operation,
    rebuild_index,
    rebuild_index_operation,
    search_index_operation,
    title_vector_operation,
    unindex_version,
)
from publishing.search.results import Found, Result, excerpt, mark_words, search_publications, search_results
from publishing.search.words import (
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    clean_query,
    config_for,
    query_words,
    stemmed_text,
    uses_postgres,
)

__all__ = [
    "INDEXED_MODELS",
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_WORDS",
    "Found",
    "Result",
    "clean_query",
    "config_for",
    "excerpt",
    "index_version",
    "mark_words",
    "plain_text",
    "plain_text_operation",
    "query_words",
    "rebuild_index",
    "rebuild_index_operation",
    "search_index_operation",
    "search_publications",
    "search_results",
    "stemmed_text",
    "title_vector_operation",
    "unindex_version",
    "uses_postgres",
]

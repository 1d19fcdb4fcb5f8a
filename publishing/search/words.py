"""Words as the search reads them: languages' configurations and stemmers, queries cut into words."""

import re
import threading
import unicodedata

import Stemmer
from django.db import connection

# The text search configuration of each language on PostgreSQL (see the
# migration that creates the *_unaccent ones).
SEARCH_CONFIGS = {"fr": "french_unaccent", "en": "english_unaccent", "es": "spanish_unaccent", "ar": "arabic"}
# The Snowball stemmer of each language, for the SQLite index.
STEMMERS = {"fr": "french", "en": "english", "es": "spanish", "ar": "arabic"}
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
# ts_rank weights for D, C, B (text), A (title).
POSTGRES_WEIGHTS = [0.01, 0.01, 0.1, 1.0]

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

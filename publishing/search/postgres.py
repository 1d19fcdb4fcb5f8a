"""Matching on PostgreSQL: the stored vectors, ranked with ts_rank."""

from django.db import connection, models

from publishing.search import ranking
from publishing.search.ranking import Match, _group
from publishing.search.sqlite import _public_condition
from publishing.search.words import INDEXED_MODELS, POSTGRES_WEIGHTS, SEARCH_CONFIGS, config_for


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
            params += [*public_params, *condition_params, ranking.CANDIDATES]
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
    return _group(rows, language), max(in_visitors_language, len(rows) - in_visitors_language) < ranking.CANDIDATES

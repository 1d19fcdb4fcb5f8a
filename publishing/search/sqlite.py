"""Matching on SQLite: the FTS5 table of Snowball stems."""

from django.db import connection, models

from publishing.languages import language_codes
from publishing.search import ranking
from publishing.search.ranking import _group
from publishing.search.words import FTS_TABLE, stems


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
                params += [
                    len(passes),
                    expression,
                    versions.model._meta.label_lower,
                    *public_params,
                    ranking.CANDIDATES,
                ]
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
    complete = all(count < ranking.CANDIDATES for count in fetched_by_pass.values())
    found = [
        (match, sources_by_kind[kind])
        for kind, kind_rows in rows.items()
        for match in _group(kind_rows.values(), language)
    ]
    return found, complete

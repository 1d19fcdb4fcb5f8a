"""The SQLite search index: one FTS5 table for every searched version.

It holds the Snowball stems of each version's title and text (made in
Python, see publishing/search.py); unicode61 with remove_diacritics 2 folds
accents and case. Nothing happens on PostgreSQL, which searches the
versions' own vectors.
"""

from django.db import migrations

CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS collectif_search USING fts5("
    "title, body, language, kind UNINDEXED, publication_id UNINDEXED, version_id UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)


# Its `rank` column: bm25 with a title match worth ten in the text (the
# language column does not count).
RANK = "INSERT INTO collectif_search(collectif_search, rank) VALUES ('rank', 'bm25(10.0, 1.0, 0.0)')"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE)
        schema_editor.execute(RANK)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS collectif_search")


class Migration(migrations.Migration):
    dependencies = [("collectif", "0005_organiser_group")]

    operations = [migrations.RunPython(create, drop)]

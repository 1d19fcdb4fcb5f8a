"""Text search configurations that ignore accents, for PostgreSQL.

A French search for "controle" finds "contrôle": each *_unaccent
configuration is its language's one with the unaccent dictionary before the
stemmer. Nothing happens on SQLite, whose search does not use them.
"""

from django.db import migrations

LANGUAGES = ("french", "english", "spanish")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for language in LANGUAGES:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {language}_unaccent")
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {language}_unaccent (COPY = {language})")
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {language}_unaccent "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {language}_stem"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for language in LANGUAGES:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {language}_unaccent")


class Migration(migrations.Migration):
    dependencies = [("collectif", "0002_image")]

    operations = [migrations.RunPython(create, drop)]

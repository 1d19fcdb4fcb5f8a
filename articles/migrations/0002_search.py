import django.contrib.postgres.search
from django.db import migrations, models

from collectif.search import plain_text, update_search_vector


def index_existing_versions(apps, schema_editor):
    """Fill the new columns of existing versions; on PostgreSQL, add the GIN index."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS articles_articleversion_search ON articles_articleversion USING gin (search_vector)"
        )
    model = apps.get_model("articles", "ArticleVersion")
    for version in model.objects.all():
        version.search_text = plain_text(version.standfirst, version.body, version.notes)
        version.save(update_fields=["search_text"])
        update_search_vector(model, version.pk, version.language, version.title, version.search_text)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS articles_articleversion_search")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("collectif", "0003_text_search_configurations"),
    ]

    operations = [
        migrations.AddField(
            model_name="articleversion",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="articleversion",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(index_existing_versions, drop_index),
    ]

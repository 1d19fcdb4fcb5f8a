import django.contrib.postgres.search
from django.db import migrations, models

from publishing.search import search_index_operation


class Migration(migrations.Migration):
    dependencies = [
        ("tracts", "0003_shared_publication_fields"),
        ("collectif", "0003_text_search_configurations"),
    ]

    operations = [
        migrations.AddField(
            model_name="tractversion",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="tractversion",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        search_index_operation("tracts", "TractVersion", ("subtitle", "body", "contact")),
    ]

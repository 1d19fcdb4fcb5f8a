import django.contrib.postgres.search
from django.db import migrations, models

from publishing.search import search_index_operation


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
        search_index_operation("articles", "ArticleVersion", ("standfirst", "body", "notes")),
    ]

from django.db import migrations

from publishing.search import search_index_operation, title_vector_operation


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        # PostgreSQL: the GIN indexes of the versions' vectors (SQLite: its FTS5 table is shared).
        search_index_operation("events", "EventVersion", ("summary", "body", "accessibility_notes")),
        title_vector_operation("events.EventVersion"),
    ]

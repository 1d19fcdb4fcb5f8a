from django.db import migrations

from publishing.search import plain_text_operation


class Migration(migrations.Migration):
    dependencies = [("website", "0006_search_title_vector")]

    # The plain text of existing versions (excerpts) keeps their fields
    # apart: "slogan — text".
    operations = [plain_text_operation("website.PageVersion", 'summary', 'body')]

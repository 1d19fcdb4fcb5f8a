from django.db import migrations

from publishing.search import plain_text_operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_search_title_vector")]

    # The plain text of existing versions (excerpts) keeps their fields
    # apart: "slogan — text".
    operations = [plain_text_operation("articles.ArticleVersion", 'standfirst', 'body', 'notes')]

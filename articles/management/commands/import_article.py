from pathlib import Path

from articles.importing import import_article
from articles.models import ArticleVersion
from publishing.management.markdown_import import MarkdownImportCommand


class Command(MarkdownImportCommand):
    help = "Import one language version of an article from a Markdown file (pictures next to it)."

    def import_text(
        self, text: str, language: str, slug: str | None, publish: bool, folder: Path, pictures_folder: Path | None
    ) -> ArticleVersion:
        return import_article(
            text, language, slug=slug, publish=publish, folder=folder, pictures_folder=pictures_folder
        )

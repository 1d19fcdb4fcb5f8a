from moving.kinds.articles import ARTICLES
from moving.management.markdown_command import MarkdownImportCommand


class Command(MarkdownImportCommand):
    help = "Import one language version of an article from a Markdown file (pictures next to it)."
    adapter = ARTICLES

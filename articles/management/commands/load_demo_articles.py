from pathlib import Path

from django.core.management.base import BaseCommand

from articles.models import Article
from moving.kinds.articles import import_article
from publishing.demo import load_demo_files, name_demo_themes

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the sample articles (articles/demo/<slug>.<language>.md) once; existing ones are left alone."

    def handle(self, *args, **options) -> None:
        loaded, existing = load_demo_files(DEMO_DIR, Article, import_article)
        name_demo_themes()
        self.stdout.write(f"Demo articles: {loaded} loaded, {existing} already there.")

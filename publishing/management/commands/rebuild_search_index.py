from django.apps import apps
from django.core.management.base import BaseCommand

from publishing.search import INDEXED_MODELS, rebuild_index


class Command(BaseCommand):
    help = "Rebuild the search index of every tract and article version (after a bulk change or a restore)."

    def handle(self, *args, **options) -> None:
        total = rebuild_index([apps.get_model(label) for label in INDEXED_MODELS])
        self.stdout.write(f"{total} versions indexed.")

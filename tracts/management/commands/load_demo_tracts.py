from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from tracts.importing import import_tract
from tracts.models import Tract

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the sample tracts (tracts/demo/<slug>.<language>.md) once; existing ones are left alone."

    def handle(self, *args, **options) -> None:
        files_by_slug: dict[str, list[tuple[str, Path]]] = {}
        for path in sorted(DEMO_DIR.glob("*.md")):
            slug, language = path.stem.rsplit(".", 1)
            files_by_slug.setdefault(slug, []).append((language, path))
        loaded = 0
        for slug, files in files_by_slug.items():
            if Tract.objects.filter(slug=slug).exists():
                continue
            # French first: it is the original the other versions translate.
            files.sort(key=lambda item: (item[0] != "fr", item[0]))
            with transaction.atomic():
                for language, path in files:
                    import_tract(path.read_text(encoding="utf-8"), language, slug=slug, publish=True)
            loaded += 1
        self.stdout.write(f"Demo tracts: {loaded} loaded, {len(files_by_slug) - loaded} already there.")

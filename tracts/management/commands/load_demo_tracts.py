from pathlib import Path

from django.core.management.base import BaseCommand

from moving.kinds.tracts import import_tract
from publishing.demo import load_demo_files, name_demo_themes
from tracts.models import Tract

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the sample tracts (tracts/demo/<slug>.<language>.md) once; existing ones are left alone."

    def handle(self, *args, **options) -> None:
        loaded, existing = load_demo_files(
            DEMO_DIR, Tract, lambda text, language, folder, **kwargs: import_tract(text, language, **kwargs)
        )
        name_demo_themes()
        self.stdout.write(f"Demo tracts: {loaded} loaded, {existing} already there.")

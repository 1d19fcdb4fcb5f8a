"""Loading the sample content shipped in `<app>/demo/<slug>.<language>.md`."""

from collections.abc import Callable
from pathlib import Path

from django.db import models, transaction

from publishing.models import Theme


def load_demo_files(folder: Path, model: type[models.Model], import_file: Callable[..., object]) -> tuple[int, int]:
    """Import each publication of `folder` once, French first; returns (loaded, already there)."""
    files_by_slug: dict[str, list[tuple[str, Path]]] = {}
    for path in sorted(folder.glob("*.md")):
        slug, language = path.stem.rsplit(".", 1)
        files_by_slug.setdefault(slug, []).append((language, path))
    loaded = 0
    for slug, files in files_by_slug.items():
        if model._default_manager.filter(slug=slug).exists():
            continue
        # French first: it is the original the other versions translate.
        files.sort(key=lambda item: (item[0] != "fr", item[0]))
        with transaction.atomic():
            for language, path in files:
                import_file(path.read_text(encoding="utf-8"), language, slug=slug, publish=True, folder=path.parent)
        loaded += 1
    return loaded, len(files_by_slug) - loaded


# The demo themes in the other languages of the site.
THEME_NAMES = {
    "Algorithmes": {"en": "Algorithms", "es": "Algoritmos", "ar": "الخوارزميات"},
    "Contrôle": {"en": "Checks", "es": "Controles", "ar": "المراقبة"},
    "Dématérialisation": {"en": "Online-only services", "es": "Trámites solo en línea", "ar": "رقمنة الخدمات"},
    "Données personnelles": {"en": "Personal data", "es": "Datos personales", "ar": "البيانات الشخصية"},
    "Droits": {"en": "Rights", "es": "Derechos", "ar": "الحقوق"},
}


def name_demo_themes() -> None:
    """Give the demo themes their translated names, where none was written."""
    for theme in Theme.objects.filter(name__in=THEME_NAMES, translated_names={}):
        theme.translated_names = THEME_NAMES[theme.name]
        theme.save(update_fields=["translated_names"])

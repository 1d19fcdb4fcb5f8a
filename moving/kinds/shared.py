"""What the kinds of publication share, moving in and out: themes, and old
addresses that lead to a theme or to another address."""

from moving.adapter import Adapter
from moving.folders import ExportFolder, ImportFolder
from publishing.models import OldAddress, Theme


class ThemeAdapter(Adapter):
    """themes.yaml: name, slug, names in the other languages."""

    folder = "themes"

    def export(self, site: ExportFolder) -> None:
        themes = [{"name": t.name, "slug": t.slug, "names": t.translated_names or None} for t in Theme.objects.all()]
        site.write_yaml("themes.yaml", [{k: v for k, v in t.items() if v} for t in themes])

    def read(self, site: ImportFolder) -> None:
        for entry in site.read_yaml("themes.yaml"):
            theme = Theme.objects.filter(slug=entry["slug"]).first() or Theme(slug=entry["slug"])
            theme.name, theme.translated_names = entry["name"], entry.get("names") or {}
            site.validated(theme, site.root / "themes.yaml").save()


class OldAddressAdapter(Adapter):
    """old-addresses.yaml: the old addresses that lead to a theme or another address
    (a publication's own are in its front matter)."""

    folder = "old-addresses"

    def export(self, site: ExportFolder) -> None:
        others = [
            {"path": address.path, "new_path": address.new_path}
            for address in OldAddress.objects.filter(object_id__isnull=True)
        ]
        for address in OldAddress.objects.filter(content_type__model="theme"):
            if address.target is not None:
                others.append({"path": address.path, "theme": address.target.slug, "language": address.language})
        site.write_yaml("old-addresses.yaml", others)

    def link(self, site: ImportFolder) -> None:
        for entry in site.read_yaml("old-addresses.yaml"):
            if entry.get("theme"):
                theme = Theme.objects.filter(slug=entry["theme"]).first()
                if theme:
                    OldAddress.remember([entry["path"]], theme, entry.get("language", ""))
            elif entry.get("new_path"):
                OldAddress.objects.update_or_create(path=entry["path"], defaults={"new_path": entry["new_path"]})


THEMES = ThemeAdapter()
OLD_ADDRESSES = OldAddressAdapter()

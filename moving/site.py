"""The whole site as readable files, and back.

`export_site` writes every tract, article and page as Markdown with YAML
front matter (one file per language version), their pictures and archived
PDFs beside them, in the form the Markdown imports read; `import_site`
reads such a folder back. A collective can leave, or keep a backup it can
read, without us. Each kind's adapter (`moving.kinds.ADAPTERS`) writes and
reads its part:

    DIR/themes.yaml, authors.yaml, old-addresses.yaml
    DIR/tracts/<slug>/<language>.md (+ its pictures, archive.pdf)
    DIR/articles/<slug>/<language>.md (+ its pictures, and links.yaml:
        its further reading and related tracts)
    DIR/pages/<slug>/<language>.md
"""

from collections import Counter
from pathlib import Path

from django.db import transaction

from moving.folders import ExportFolder, ImportFolder, SiteImportError
from moving.kinds import ADAPTERS


def export_site(folder: Path, *, with_personal_data: bool = False) -> ExportFolder:
    """Write the site into `folder`; its `counts` say what was written.
    Personal data (subscribers) is left out unless asked for."""
    site = ExportFolder(folder, with_personal_data=with_personal_data)
    folder.mkdir(parents=True, exist_ok=True)
    for adapter in ADAPTERS:
        adapter.export(site)
    return site


def import_site(folder: Path) -> Counter:
    """Read a folder `export_site` wrote; publications already here (same slug) are updated.

    The folder is trusted no more than a form: every file it names is looked
    for inside it (never by "/", ".." or a link to elsewhere), every
    publication and version goes through the admin's validation (languages,
    statuses, bounds of the text), every PDF is read before it is kept. The
    first file that fails stops the import, which then leaves nothing behind.
    """
    if not folder.is_dir():
        raise SiteImportError(f"{folder}: no such folder.")
    site = ImportFolder(folder)
    try:
        with transaction.atomic():
            for adapter in ADAPTERS:
                adapter.read(site)
            for adapter in ADAPTERS:  # links between publications, once all of them are here
                adapter.link(site)
    except BaseException:
        site.remove_stored()
        raise
    return site.counts

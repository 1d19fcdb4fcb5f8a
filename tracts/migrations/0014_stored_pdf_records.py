"""Records for the tract PDFs stored before the store wrote records.

`/pdf/<fingerprint>/…` now reads what a file is from its record. The files
a version's kept fingerprints name are recorded here; any other stored file
(a bilingual sheet, an outdated file) is made again when asked for, and the
cleanup removes the unrecorded ones.
"""

from django.core.files.storage import default_storage
from django.db import migrations


def record_stored_files(apps, schema_editor):
    TractVersion = apps.get_model("tracts", "TractVersion")
    StoredPDF = apps.get_model("collectif", "StoredPDF")
    records = []
    for version in TractVersion.objects.select_related("tract").iterator(chunk_size=200):
        for print_format, fingerprint in (version.pdf_fingerprints or {}).items():
            name = f"pdfs/{fingerprint[:2]}/{fingerprint}.pdf"
            if print_format.startswith("leaflet-") or not default_storage.exists(name):
                continue
            records.append(
                StoredPDF(
                    fingerprint=fingerprint,
                    kind="tracts.TractVersion",
                    version_id=version.pk,
                    print_format=print_format,
                    filename=f"{version.tract.slug}-{version.language}-{print_format}.pdf",
                    size=default_storage.size(name),
                )
            )
    StoredPDF.objects.bulk_create(records, ignore_conflicts=True, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("tracts", "0013_archived_pdf_original"),
        ("collectif", "0010_stored_pdf"),
    ]

    operations = [migrations.RunPython(record_stored_files, migrations.RunPython.noop)]

"""Records for the article PDFs stored before the store wrote records
(see the tracts' migration of the same name)."""

from django.core.files.storage import default_storage
from django.db import migrations


def record_stored_files(apps, schema_editor):
    ArticleVersion = apps.get_model("articles", "ArticleVersion")
    StoredPDF = apps.get_model("collectif", "StoredPDF")
    records = []
    for version in ArticleVersion.objects.select_related("article").iterator(chunk_size=200):
        fingerprint = (version.pdf_fingerprints or {}).get("a4")
        name = f"pdfs/{fingerprint[:2]}/{fingerprint}.pdf" if fingerprint else ""
        if not fingerprint or not default_storage.exists(name):
            continue
        records.append(
            StoredPDF(
                fingerprint=fingerprint,
                kind="articles.ArticleVersion",
                version_id=version.pk,
                print_format="a4",
                filename=f"{version.article.slug}-{version.language}.pdf",
                size=default_storage.size(name),
            )
        )
    StoredPDF.objects.bulk_create(records, ignore_conflicts=True, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_fields_apart_in_plain_text"),
        ("collectif", "0010_stored_pdf"),
    ]

    operations = [migrations.RunPython(record_stored_files, migrations.RunPython.noop)]

"""`manage.py clean_archived_pdfs`: remove the personal metadata of archived
PDFs stored before imports removed it (run once after upgrading)."""

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand

from tracts.archive import without_personal_metadata
from tracts.models import Tract


class Command(BaseCommand):
    help = "Serve archived PDFs imported earlier without their authors' metadata; the originals are kept for staff."

    def handle(self, *args, **options) -> None:
        cleaned = 0
        for tract in Tract.objects.exclude(archived_pdf="").filter(archived_pdf_original="").iterator():
            with tract.archived_pdf.open("rb") as stored:
                data = stored.read()
            public = tract.archived_pdf.name
            tract.archived_pdf_original.save("original.pdf", ContentFile(data), save=False)
            tract.archived_pdf.save("archive.pdf", ContentFile(without_personal_metadata(data)), save=False)
            tract.save(update_fields=["archived_pdf", "archived_pdf_original"])
            if public:  # (the query leaves out tracts without one)
                tract.archived_pdf.storage.delete(public)
            cleaned += 1
        self.stdout.write(f"{cleaned} archived PDF(s) cleaned.")

"""Background renders of tract PDFs (`manage.py db_worker` runs them)."""

from django.db import transaction
from django_tasks import task

from .models import Tract
from .printing import PRINT_FORMATS, ensure_tract_pdf


def render_all_formats(tract: Tract) -> int:
    """Store every format of every version of `tract`; returns how many PDFs that is."""
    count = 0
    for version in tract.all_versions():
        for print_format in PRINT_FORMATS.values():
            ensure_tract_pdf(version, print_format)
            count += 1
    return count


@task()
def render_tract_pdfs(tract_id: int) -> int:
    tract = Tract.objects.for_page().filter(pk=tract_id).first()
    return render_all_formats(tract) if tract else 0


def schedule_pdf_renders(tract: Tract) -> None:
    """Queue the renders once the transaction that changed the tract is committed."""
    transaction.on_commit(lambda: render_tract_pdfs.enqueue(tract.pk))

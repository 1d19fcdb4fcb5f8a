import io

import pytest
from django.core.management import call_command

from publishing.tasks import render_pdfs, schedule_pdf_renders
from tracts.models import TractPDF
from tracts.printing import PRINT_FORMATS, tract_pdf_plan

pytestmark = pytest.mark.django_db


def test_the_task_renders_every_format_of_every_version(make_tract):
    tract = make_tract("deux-langues", {"fr": {}, "en": {}})

    count = render_pdfs.call("tracts.Tract", tract.pk)

    assert count == 2 * len(PRINT_FORMATS)
    records = TractPDF.objects.filter(version__tract=tract)
    assert records.count() == 2 * len(PRINT_FORMATS)
    for record in records:
        assert record.fingerprint == tract_pdf_plan(record.version, PRINT_FORMATS[record.print_format]).fingerprint
        assert record.page_count == 1


def test_a_deleted_tract_is_nothing_to_render():
    assert render_pdfs.call("tracts.Tract", 999_999) == 0


def test_renders_are_queued_after_the_commit(make_tract, task_queue, django_capture_on_commit_callbacks):
    tract = make_tract()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        schedule_pdf_renders(tract)
    assert task_queue.results == []  # nothing before the commit

    for callback in callbacks:
        callback()
    assert len(task_queue.results) == 1
    assert task_queue.results[0].args == ["tracts.Tract", tract.pk]
    assert task_queue.results[0].task.func.__name__ == "render_pdfs"


def test_render_pdfs_command_renders_published_tracts_or_all(make_tract):
    make_tract("publie", {"fr": {}})
    make_tract("brouillon", {"fr": {}}, status="draft")

    out = io.StringIO()
    call_command("render_pdfs", stdout=out)
    assert f"{len(PRINT_FORMATS)} PDFs ready." in out.getvalue()
    assert f"{len(PRINT_FORMATS)}/{len(PRINT_FORMATS)} publie" in out.getvalue()
    assert not TractPDF.objects.filter(version__tract__slug="brouillon").exists()

    out = io.StringIO()
    call_command("render_pdfs", "--all", stdout=out)
    assert f"{2 * len(PRINT_FORMATS)} PDFs ready." in out.getvalue()
    assert TractPDF.objects.filter(version__tract__slug="brouillon").count() == len(PRINT_FORMATS)

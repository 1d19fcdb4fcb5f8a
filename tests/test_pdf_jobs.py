import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from publishing.pdf import store
from publishing.tasks import FIRST_RENDERS_PRIORITY, render_first_pdfs, render_pdfs, schedule_pdf_renders
from tracts.models import TractPDF
from tracts.printing import PRINT_FORMATS, tract_pdf_plan

from .helpers import run_once

pytestmark = pytest.mark.django_db


def test_the_task_renders_every_format_of_every_version(make_tract):
    tract = make_tract("deux-langues", {"fr": {}, "en": {}})

    count = render_pdfs.call("tracts.Tract", tract.pk)

    assert count == 2 * len(PRINT_FORMATS)
    records = TractPDF.objects.filter(version__tract=tract)
    assert records.count() == 2 * len(PRINT_FORMATS)
    for record in records:
        assert record.fingerprint == tract_pdf_plan(record.version, PRINT_FORMATS[record.print_format]).fingerprint
        tiles = PRINT_FORMATS[record.print_format].tiles
        assert record.page_count == (tiles.columns * tiles.rows if tiles else 1)  # a poster's pieces: 2 or 4 sheets


def test_a_deleted_tract_is_nothing_to_render():
    assert render_pdfs.call("tracts.Tract", 999_999) == 0


def test_renders_are_queued_after_the_commit(make_tract, task_queue, django_capture_on_commit_callbacks):
    tract = make_tract()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        schedule_pdf_renders(tract)
    assert task_queue.results == []  # nothing before the commit

    for callback in callbacks:
        callback()
    first, every = task_queue.results
    assert first.args == every.args == ["tracts.Tract", tract.pk]
    assert (first.task.func, every.task.func) == (render_first_pdfs.func, render_pdfs.func)
    assert first.task.priority == FIRST_RENDERS_PRIORITY > every.task.priority
    assert first.task.run_after is None and every.task.run_after is None  # published already: nothing ahead


def test_a_scheduled_publication_is_rendered_again_five_minutes_before_its_time(
    make_tract, task_queue, django_capture_on_commit_callbacks
):
    at = timezone.now() + datetime.timedelta(days=2)
    tract = make_tract("programme", published_at=at)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_pdf_renders(tract)

    now_first, now_every, ahead_first, ahead_every = task_queue.results
    assert now_first.task.run_after is None and now_every.task.run_after is None
    assert ahead_first.task.func is render_first_pdfs.func and ahead_every.task.func is render_pdfs.func
    assert ahead_first.task.run_after == ahead_every.task.run_after == at - datetime.timedelta(minutes=5)
    assert ahead_first.task.priority == FIRST_RENDERS_PRIORITY


def test_a_publication_due_within_five_minutes_or_a_draft_is_rendered_once(
    make_tract, task_queue, django_capture_on_commit_callbacks
):
    soon = make_tract("bientot", published_at=timezone.now() + datetime.timedelta(minutes=3))
    draft = make_tract("brouillon", status="draft", published_at=timezone.now() + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        schedule_pdf_renders(soon)
        schedule_pdf_renders(draft)
    assert [result.task.run_after for result in task_queue.results] == [None] * 4


def test_the_worker_takes_the_a5_and_its_picture_first(make_tract, settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    at = timezone.now() + datetime.timedelta(hours=1)
    tract = make_tract("a-la-une", {"fr": {}, "en": {}}, published_at=at)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_pdf_renders(tract)

    # What db_worker picks next, in its order: the A5 task, then the rest; the
    # renders ahead of the publication wait for their time.
    due = list(DBTaskResult.objects.ready())
    assert [row.task_path.rsplit(".", 1)[1] for row in due] == ["render_first_pdfs", "render_pdfs"]
    ahead = DBTaskResult.objects.exclude(pk__in=[row.pk for row in due])
    assert {row.run_after for row in ahead} == {at - datetime.timedelta(minutes=5)}

    assert render_first_pdfs.call("tracts.Tract", tract.pk) == 2
    assert set(TractPDF.objects.filter(version__tract=tract).values_list("print_format", flat=True)) == {"a5"}
    for version in tract.all_versions():
        fingerprint = tract_pdf_plan(version, PRINT_FORMATS["a5"]).fingerprint
        assert store.is_intact(store.first_page_picture_name(fingerprint))


def test_a_render_task_stops_when_a_later_save_queued_it_again(make_tract, settings):
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    tract = make_tract("resauve", {"fr": {}})
    other = make_tract("autre", {"fr": {}})
    first = render_pdfs.enqueue("tracts.Tract", tract.pk)
    render_pdfs.enqueue("tracts.Tract", other.pk)  # another tract's task supersedes nothing here
    assert run_once(first.id).return_value == len(PRINT_FORMATS)

    # The organiser saves again while the worker runs the first save's task.
    TractPDF.objects.all().delete()
    second = render_pdfs.enqueue("tracts.Tract", tract.pk)
    third = render_pdfs.enqueue("tracts.Tract", tract.pk)
    assert run_once(second.id).return_value == 0
    assert not TractPDF.objects.exists()
    assert run_once(third.id).return_value == len(PRINT_FORMATS)

    # A direct call (manage.py render_pdfs, when the worker is down) renders
    # whatever waits in the queue, even beside a task a dead worker left running.
    TractPDF.objects.all().delete()
    render_pdfs.enqueue("tracts.Tract", tract.pk)
    DBTaskResult.objects.filter(pk=first.id).update(status=TaskResultStatus.RUNNING)
    assert render_pdfs.call("tracts.Tract", tract.pk) == len(PRINT_FORMATS)


def test_the_immediate_queue_of_tests_renders_a_scheduled_publication_without_deferring(
    make_tract, django_capture_on_commit_callbacks
):
    tract = make_tract("immediat", published_at=timezone.now() + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        schedule_pdf_renders(tract)
    assert TractPDF.objects.filter(version__tract=tract).count() == len(PRINT_FORMATS)


def test_every_render_starts_with_the_a5_leaflets(make_tract):
    tract = make_tract("ordre", {"fr": {}, "en": {}, "ar": {}})
    formats = [render.args[1].name for render in tract.pdf_renders()]
    assert formats[:3] == ["a5"] * 3 and "a5" not in formats[3:]


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


def test_a_tract_published_now_becomes_public_once_the_worker_made_its_first_pdfs(
    admin_client, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from publishing.tasks import PUBLISH_AFTER_FIRST_RENDERS
    from tests.test_tract_admin import tract_form
    from tracts.models import Tract

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    now = timezone.localtime()
    form = tract_form(published_at_0=now.strftime("%Y-%m-%d"), published_at_1=now.strftime("%H:%M:%S"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post("/admin/tracts/tract/add/", form, headers={"Accept-Language": "en"})
    assert response.status_code == 302
    tract = Tract.objects.get(slug="stop-au-score")
    # Not public yet: its A5 and share picture come first, then it is.
    assert not tract.is_public
    assert tract.published_at - timezone.now() <= PUBLISH_AFTER_FIRST_RENDERS
    assert tract.published_at > timezone.now()
    for callback in callbacks:
        callback()
    first = DBTaskResult.objects.order_by("-priority", "enqueued_at").first()
    assert first.task_path == render_first_pdfs.module_path
    assert DBTaskResult.objects.filter(task_path=render_pdfs.module_path).exists()
    assert not Tract.objects.published().filter(pk=tract.pk).exists()
    # Once the worker has made them, the time comes and the tract is public.
    render_first_pdfs.call("tracts.Tract", tract.pk)
    Tract.objects.filter(pk=tract.pk).update(published_at=timezone.now())
    assert Tract.objects.published().filter(pk=tract.pk).exists()


def test_an_old_date_or_a_republished_tract_is_not_held(admin_client, settings, make_tract):
    from publishing.tasks import hold_until_first_renders
    from tracts.models import Tract

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    backdated = make_tract("ancien")  # published an hour ago: a date given on purpose
    assert hold_until_first_renders(backdated, was_public=False) is False
    fresh = Tract(slug="frais", status="published", published_at=timezone.now())
    assert hold_until_first_renders(fresh, was_public=True) is False
    assert hold_until_first_renders(fresh, was_public=False) is True

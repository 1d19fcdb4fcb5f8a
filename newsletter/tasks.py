"""The newsletter's background work (`manage.py db_worker` runs it)."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from publishing.tasks import time_limit

from . import sending
from .models import Letter


@task()
def send_letter(letter_id: int) -> dict:
    """Send the letter for one run (newsletter/sending.py), then queue the next
    run if some deliveries still wait; returns this run's counts."""
    with time_limit():
        result = sending.send_batch(letter_id)
    later = result.next_run is not None and result.next_run > timezone.now()
    # A queue that cannot wait (the tests' immediate one) leaves a later run to its caller.
    if result.next_run is not None and (not later or send_letter.get_backend().supports_defer):
        (send_letter.using(run_after=result.next_run) if later else send_letter).enqueue(letter_id)
    return {"sent": result.sent, "failed": result.failed, "deferred": result.deferred, "finished": result.finished}


def start_sending(letter: Letter) -> int:
    """Record the deliveries of `letter` and queue its sending once committed; returns how many."""
    with transaction.atomic():
        count = letter.start_sending()
        if count or letter.status == Letter.Status.SENDING:
            transaction.on_commit(lambda: send_letter.enqueue(letter.pk))
    return count

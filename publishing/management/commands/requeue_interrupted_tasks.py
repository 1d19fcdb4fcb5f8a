from django.core.management.base import BaseCommand

from publishing.tasks import requeue_interrupted_tasks


class Command(BaseCommand):
    help = (
        "Queue again the background tasks left running by a worker that was killed (run it before starting db_worker)."
    )

    def handle(self, *args, **options) -> None:
        count = requeue_interrupted_tasks()
        self.stdout.write(f"{count} interrupted task(s) queued again.")

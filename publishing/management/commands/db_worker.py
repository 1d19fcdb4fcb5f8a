"""`manage.py db_worker`: django-tasks-db's worker, with our own loop (publishing.worker)."""

from django_tasks_db.management.commands import db_worker

from publishing.worker import Worker, machine_worker_id


class Command(db_worker.Command):
    help = "Run the background worker (PDF renders, purges); exits non-zero on an unexpected error."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # The reloader runs the worker in a thread that can die unseen, and
        # where the tasks' time limit (a signal) cannot work: off by default.
        # A worker id that names the machine, so that dead workers' tasks are found.
        parser.set_defaults(reload=False, worker_id=machine_worker_id())

    def handle(self, *args, **options) -> None:
        # The command builds its worker from its module's `Worker`: ours.
        db_worker.Worker = Worker  # type: ignore[misc]  # replaced on purpose: the command reads this name
        super().handle(*args, **options)

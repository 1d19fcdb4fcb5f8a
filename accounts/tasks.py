"""The hourly purge of expired failed-login records (`manage.py db_worker` runs it)."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task

from accounts.security import purge_expired_login_records
from publishing.tasks import time_limit

LOGIN_PURGE_INTERVAL = timedelta(hours=1)


@task()
def purge_login_records() -> int:
    """Delete expired failed-login records, then queue the next purge an hour later."""
    with time_limit():
        count = purge_expired_login_records()
    schedule_login_purge()
    return count


def schedule_login_purge() -> bool:
    """Queue the next hourly purge unless one is waiting (with the database queue only)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(purge_login_records.get_backend(), DatabaseBackend):
        return False
    waiting = DBTaskResult.objects.filter(task_path=purge_login_records.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        return False
    purge_login_records.using(run_after=timezone.now() + LOGIN_PURGE_INTERVAL).enqueue()
    return True

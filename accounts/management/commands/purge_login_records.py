from django.core.management.base import BaseCommand

from accounts.security import purge_expired_login_records
from accounts.tasks import schedule_login_purge


class Command(BaseCommand):
    help = (
        "Delete the records of failed logins whose cool-off is over, and make sure the worker "
        "does it again every hour (run at each deployment, or from cron)."
    )

    def handle(self, *args, **options) -> None:
        count = purge_expired_login_records()
        self.stdout.write(f"{count} expired login record(s) deleted.")
        if schedule_login_purge():
            self.stdout.write("The hourly purge is queued for the worker.")

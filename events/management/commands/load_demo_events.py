from django.core.management.base import BaseCommand

from events.demo import load_demo_events


class Command(BaseCommand):
    help = "Load the sample events (a weekly desk, a monthly meeting, a past rally, a full day) once."

    def handle(self, *args, **options) -> None:
        loaded, existing = load_demo_events()
        self.stdout.write(f"Demo events: {loaded} loaded, {existing} already there.")

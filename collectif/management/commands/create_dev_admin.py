import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

LOGIN_FILE = Path(settings.BASE_DIR) / "var" / "dev-admin-login.txt"
USERNAME = "admin"


class Command(BaseCommand):
    help = "On a laptop: create the 'admin' account once with a random password, and print its login."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("create_dev_admin is for development (DEBUG=1); use createsuperuser in production.")
        User = get_user_model()
        user = User.objects.filter(username=USERNAME).first()
        if user is None or not LOGIN_FILE.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                User.objects.create_superuser(USERNAME, password=password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            LOGIN_FILE.parent.mkdir(parents=True, exist_ok=True)
            LOGIN_FILE.write_text(password + "\n")
            LOGIN_FILE.chmod(0o600)
        password = LOGIN_FILE.read_text().strip()
        admin_url = f"http://127.0.0.1:{options.get('port') or 8000}/{settings.ADMIN_URL}"
        self.stdout.write(f"Admin: {admin_url}  login: {USERNAME}  password: {password}")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)

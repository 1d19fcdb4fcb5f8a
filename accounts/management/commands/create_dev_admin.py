import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import RECOVERY_DEVICE_NAME, totp_secret

LOGIN_FILE = Path(settings.BASE_DIR) / "var" / "dev-admin-login.txt"
USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "On a laptop: create the 'admin' account once with a random password, and print its login "
        "with a recovery code for the second step (and the key of its authenticator app)."
    )

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
        user = User.objects.get(username=USERNAME)
        admin_url = f"http://127.0.0.1:{options.get('port') or 8000}/{settings.ADMIN_URL}"
        self.stdout.write(f"Admin: {admin_url}  login: {USERNAME}  password: {password}")
        self.stdout.write(
            f"  second step: recovery code {self.recovery_code(user)} (works once; this command prints another "
            f"once it is used), or a code from an authenticator app with the key {self.app_key(user)}"
        )

    def recovery_code(self, user) -> str:
        """An unused recovery code of the dev admin: the second step without a phone."""
        device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
        token = device.token_set.first() or StaticToken.objects.create(device=device, token=StaticToken.random_token())
        return token.token

    def app_key(self, user) -> str:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="development laptop", confirmed=True)
        return totp_secret(device)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.invitations import invitation_url
from accounts.models import Invitation


class Command(BaseCommand):
    help = (
        "Remove every second factor of an account (lost phone, lost passkey and recovery codes), "
        "and print an invitation link with which its owner sets a password and enrols a new one."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        removed = sum(
            model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
            for model in (TOTPDevice, StaticDevice, WebAuthnCredential)
        )
        # Sessions already verified with the removed factors lose that status
        # at their next request (django-otp no longer finds the device).
        self.stdout.write(f"{removed} second factor(s) of {username!r} removed.")
        token = Invitation.make(user)
        self.stdout.write(
            f"Send this invitation link to its owner, by a channel you trust (it works once, for "
            f"{settings.INVITATION_LIFETIME_HOURS} hours; only its hash is kept):\n{invitation_url(token)}"
        )

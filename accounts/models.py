import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_hash(token: str) -> str:
    """What the database keeps of an invitation token: its SHA-256 (the token is random
    and long, so a fast hash is enough; a leaked table opens no account)."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def usable(self) -> "InvitationQuerySet":
        return self.filter(expires_at__gt=timezone.now(), user__is_active=True)

    def expired(self) -> "InvitationQuerySet":
        return self.filter(expires_at__lte=timezone.now())

    def for_token(self, token: str) -> "InvitationQuerySet":
        return self.usable().filter(token_hash=token_hash(token))


class Invitation(models.Model):
    """A single-use link with which a person sets their password and enrols a second factor.

    Only a hash of the token is stored; the link is shown once to the
    administrator who made it, expires after INVITATION_LIFETIME_HOURS and is
    deleted when used. A new invitation replaces the account's earlier ones.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def make(cls, user) -> str:
        """A new invitation for the account; returns its token (kept nowhere)."""
        token = secrets.token_urlsafe(32)
        cls.objects.filter(user=user).delete()
        cls.objects.create(
            user=user,
            token_hash=token_hash(token),
            expires_at=timezone.now() + timedelta(hours=settings.INVITATION_LIFETIME_HOURS),
        )
        return token

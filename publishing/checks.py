"""Deployment checks (`manage.py check --deploy`): what a volunteer setting up
a server could get wrong without noticing."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from publishing.models import SiteSettings


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs) -> list:
    """Printed QR codes and PDF links use SITE_URL: a laptop's address there
    would send every reader of a paper tract nowhere."""
    if settings.DEBUG:
        return []
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme not in {"http", "https"} or not parts.hostname or _is_loopback(parts.hostname):
        return [
            Error(
                f"SITE_URL is {settings.SITE_URL!r}: printed tracts and their QR codes would point there.",
                hint="Set SITE_URL to the public address of the site, e.g. https://collectif.example.org",
                id="collectif.E001",
            )
        ]
    if parts.scheme != "https":
        return [Warning("SITE_URL is not an https address.", hint="Use https://…", id="collectif.W002")]
    return []


@register(Tags.security, deploy=True)
def check_legal_footer(app_configs, **kwargs) -> list:
    """The law of 29 July 1881 wants the real issuer on every tract, not our sample's."""
    try:
        issuer = SiteSettings.objects.filter(pk=1).values_list("issuer", flat=True).first()
    except DatabaseError:
        return []  # not migrated yet: nothing printed yet either
    demo_issuer = SiteSettings._meta.get_field("issuer").default
    if issuer is None or issuer == demo_issuer:
        return [
            Warning(
                "The legal footer printed on tracts still names the sample issuer.",
                hint="Set the collective's name and address under “Site settings” in the admin.",
                id="collectif.W001",
            )
        ]
    return []


# Words of a key someone wrote rather than drew: deploy/collectif.env's
# placeholder ("CHANGE-this-to-a-long-random-string…"), the laptop's key,
# Django's `startproject` keys. A drawn key of 50+ characters (the
# documented `secrets.token_urlsafe(50)`) holds none of them.
PLACEHOLDER_KEY_WORDS = ("change", "random-string", "insecure", "example")
MIN_SECRET_KEY_LENGTH = 50


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list:
    """Django's own check (security.W009) accepts any long key, the
    placeholder of deploy/collectif.env and the laptop's key included: with
    a published key, anyone can sign a session cookie and be logged in."""
    if settings.DEBUG:
        return []
    key = settings.SECRET_KEY
    if key == settings.DEVELOPMENT_SECRET_KEY or any(word in key.lower() for word in PLACEHOLDER_KEY_WORDS):
        problem = "SECRET_KEY is a published example (the placeholder of deploy/collectif.env or the laptop's key)."
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        problem = f"SECRET_KEY is too short or too simple: {len(key)} characters, {MIN_SECRET_KEY_LENGTH} wanted."
    else:
        return []
    return [
        Error(
            problem,
            hint='Set SECRET_KEY to the output of: python3 -c "import secrets; print(secrets.token_urlsafe(50))"',
            id="collectif.E002",
        )
    ]

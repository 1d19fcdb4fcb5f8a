"""Deployment checks (`manage.py check --deploy`): what a volunteer setting up
a server could get wrong without noticing."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError


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
    from publishing.models import SiteSettings

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

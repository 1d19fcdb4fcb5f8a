"""Files kept for staff only, never served by the web server.

MEDIA_ROOT is served as it is by nginx (`location /media/`); what must not
be public (an archived PDF as it was imported, with its authors' names and
machine in its metadata) is kept under PRIVATE_MEDIA_ROOT instead, and
reaches staff only through a view that checks who asks.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """FileSystemStorage under PRIVATE_MEDIA_ROOT (read on each use, as tests change it); no URL."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public address.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()

"""Every file the site writes: whole or not at all, and checked before reuse.

A file is written under a temporary name beside its target, flushed to disk
(fsync) and only then renamed into place, so that no reader, and no later
`exists()`, ever meets a file cut short by a full disk or a crash. The
default storage (`AtomicFileSystemStorage`, named in STORAGES) does this for
Django's own saves (image fields, archived PDFs); `save_atomically()` does it
for the files we name ourselves (PDFs, renditions, CMYK copies, previews),
replacing what was there.

Files made from others (renditions, CMYK copies, first-page pictures) are
kept once made; `is_whole()` checks one before it is used again, and a file
that fails is made anew.
"""

import errno
import os
import struct
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import DatabaseError
from django.utils.translation import gettext as _

# Files being written carry this suffix until renamed into place; the
# cleanup deletes those a crash left behind.
PARTIAL_SUFFIX = ".part"

# A stored PDF is whole only if it is at least this long and its last bytes
# hold the "%%EOF" trailer (writers may add a newline or a few bytes after it).
MIN_PDF_SIZE = 64
PDF_TRAILER_WINDOW = 1024

# What a full disk or an exhausted quota raises.
DISK_FULL_ERRORS = {errno.ENOSPC, errno.EDQUOT}


class DiskFull(OSError):
    """A write the disk could not hold. Its own name, so that a render's child
    can report it and the render is not recorded as a failure of the text."""


def is_disk_full(error: BaseException) -> bool:
    """A full disk or quota, for a file write or a database that could not grow."""
    if isinstance(error, OSError):
        return error.errno in DISK_FULL_ERRORS
    if isinstance(error, DatabaseError):
        cause = error.__cause__
        # SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100).
        return "database or disk is full" in str(error) or getattr(cause, "sqlstate", None) == "53100"
    return False


def media_base_url() -> str:
    """The address prefix of the stored files (pictures, uploads) in a page's HTML."""
    # STORAGES makes the default storage a FileSystemStorage, which the stubs cannot know.
    return default_storage.base_url  # type: ignore[attr-defined]


def disk_full_message() -> str:
    """What an organiser reads when a save could not be written (in the active language)."""
    return _(
        "The server's disk is full: nothing was saved, and nothing half-written was kept. "
        "Your changes are still in the form below: try again later, and tell whoever runs the site."
    )


def _fsync_directory(path: Path) -> None:
    """Make a rename in `path` durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_temporary(target: Path, content: File | bytes, mode: int) -> Path:
    """Write `content` beside `target` under a temporary name, on disk (fsynced); the caller renames it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=PARTIAL_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as temporary_file:
            if isinstance(content, bytes):
                temporary_file.write(content)
            else:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    temporary_file.write(chunk)
            # On disk before the rename, so that a power cut cannot leave a
            # renamed but empty file behind.
            temporary_file.flush()
            os.fsync(temporary_file.fileno())
        os.chmod(temporary, mode)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        # (A file write fails with an OSError: the database's "full" is not met here.)
        if isinstance(error, OSError) and is_disk_full(error) and not isinstance(error, DiskFull):
            raise DiskFull(error.errno, error.strerror) from error
        raise
    return Path(temporary)


class AtomicFileSystemStorage(FileSystemStorage):
    """The local disk, where every save is written whole and renamed into place, or leaves nothing."""

    def _save(self, name: str, content: File) -> str:
        mode = self.file_permissions_mode if self.file_permissions_mode is not None else 0o644
        temporary = _write_temporary(Path(self.path(name)), content, mode)
        try:
            while True:
                target = Path(self.path(name))
                try:
                    # A hard link never replaces an existing file (a concurrent
                    # upload that chose the same name): take the next name then.
                    os.link(temporary, target)
                    break
                except FileExistsError:
                    if getattr(self, "_allow_overwrite", False):
                        os.replace(temporary, target)
                        break
                    name = self.get_available_name(name)
            _fsync_directory(target.parent)
        finally:
            temporary.unlink(missing_ok=True)
        return str(name).replace("\\", "/")


def save_atomically(name: str, data: bytes, storage: Storage | None = None) -> None:
    """Store `data` under exactly `name`, replacing any file there, whole or not at all."""
    storage = storage or default_storage
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        temporary = _write_temporary(target, data, 0o644)
        try:
            os.replace(temporary, target)
            _fsync_directory(target.parent)
        finally:
            temporary.unlink(missing_ok=True)
    else:
        # Object stores (S3 and the like) make an upload visible only once whole.
        if storage.exists(name):
            storage.delete(name)
        storage.save(name, ContentFile(data))


def _webp_is_whole(head: bytes, size: int) -> bool:
    # RIFF header: "RIFF", the size of what follows, "WEBP".
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP" and struct.unpack("<I", head[4:8])[0] + 8 <= size


def is_whole(name: str, storage: Storage | None = None) -> bool:
    """Whether the stored file `name` is complete, judged by its kind's end marker.

    A JPEG ends with FFD9, a PNG with its IEND chunk, a WebP is as long as its
    header says, a PDF ends with "%%EOF". A file cut short (a full disk, a
    crash before our fsync existed, a hand edit) fails, and so does a missing
    or empty one.
    """
    storage = storage or default_storage
    extension = name.rsplit(".", 1)[-1].lower()
    try:
        with storage.open(name, "rb") as stored:
            size = stored.size
            head = stored.read(16)
            stored.seek(max(0, size - PDF_TRAILER_WINDOW))
            tail = stored.read()
    except (FileNotFoundError, OSError):
        return False
    if extension == "pdf":
        return size >= MIN_PDF_SIZE and b"%%EOF" in tail
    if extension in ("jpg", "jpeg"):
        return head[:2] == b"\xff\xd8" and tail.endswith(b"\xff\xd9")
    if extension == "png":
        return head[:8] == b"\x89PNG\r\n\x1a\n" and tail.endswith(b"IEND\xaeB`\x82")
    if extension == "webp":
        return _webp_is_whole(head, size)
    return size > 0

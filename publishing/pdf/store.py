"""Where rendered PDFs are kept: one file per fingerprint, rendered once.

The small API the apps, views and feeds use: a `PDFPlan` says what a PDF is
(its fingerprint, its download name, how to render it, its `PDFSource`);
`ensure_stored()` renders it once, under a lock, whatever the number of
concurrent requests, and writes its `StoredPDF` record; `storage_name()`
says where it is; `delete_stored()` and `delete_unreferenced()` remove what
is no longer used. The first page of a tract's A5 is kept beside it as a
small picture, in the same folder: both are served only through the site's
views, which ask the record's kind who may have them (`pdf_owner()`), never
straight from the media folder.
"""

import errno
import fcntl
import hashlib
import io
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import pypdfium2 as pdfium
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from publishing import files
from publishing.files import PARTIAL_SUFFIX
from publishing.models import PDFRenderFailure, StoredPDF
from publishing.pdf import sandbox
from publishing.pdf.sandbox import RenderFailed, in_render_child, retrying_time_outs_active

logger = logging.getLogger(__name__)

# Where render locks live when the database cannot hold them (SQLite).
LOCK_DIR = Path(tempfile.gettempdir()) / "collectif-render-locks"

# Storage folder of rendered PDFs and of pictures of their first page
# (nginx refuses /media/pdfs/: only the site's answers send these files).
PDF_FOLDER = "pdfs"
# Where pictures of first pages used to be, public under /media/: the cleanup empties it.
LEGACY_PREVIEW_FOLDER = "previews"


def storage_name(fingerprint: str) -> str:
    """Where the PDF with this fingerprint is stored."""
    return f"{PDF_FOLDER}/{fingerprint[:2]}/{fingerprint}.pdf"


def is_stored(fingerprint: str) -> bool:
    return default_storage.exists(storage_name(fingerprint))


def stored_size(fingerprint: str) -> int | None:
    """The size in bytes of the stored PDF with this fingerprint, if it is stored."""
    name = storage_name(fingerprint)
    return default_storage.size(name) if default_storage.exists(name) else None


def first_page_picture_url(fingerprint: str, stem: str) -> str:
    """The address of the picture of the first page of the PDF `/pdf/<fingerprint>/<stem>.pdf`."""
    return reverse("first_page_picture", kwargs={"fingerprint": fingerprint, "stem": stem})


def first_page_picture_name(fingerprint: str) -> str:
    """Where the picture of the first page of the PDF with this fingerprint is stored."""
    return f"{PDF_FOLDER}/{fingerprint[:2]}/{fingerprint}.webp"


def is_intact(name: str) -> bool:
    """Whether the stored PDF `name` is whole: not empty, and ends with the PDF trailer.

    A file cut short (a full disk, a crash before our fsync existed, a hand
    edit) is never served: it is rendered again.
    """
    return files.is_whole(name)


def store_first_page_picture(fingerprint: str, width: int = 320) -> str:
    """Draw the first page of the stored PDF with this fingerprint as a small
    picture, once; returns its storage name."""
    name = first_page_picture_name(fingerprint)
    if files.is_whole(name):
        return name
    with render_lock(name):  # concurrent first downloads draw it once
        if not files.is_whole(name):
            with default_storage.open(storage_name(fingerprint), "rb") as stored:
                data = stored.read()
            # Drawn in a limited child, like the render itself.
            files.save_atomically(name, sandbox.render_in_child(lambda: first_page_picture(data, width)))
    return name


def first_page_picture(data: bytes, width: int = 320) -> bytes:
    """The first page of a PDF drawn as a WebP picture `width` pixels wide."""
    document = pdfium.PdfDocument(data)
    page = document[0]
    picture = page.render(scale=width / page.get_width()).to_pil()
    output = io.BytesIO()
    picture.convert("RGB").save(output, "WEBP", quality=80)
    return output.getvalue()


def recent_failure(fingerprint: str):
    """The record of this PDF's failed render, unless it is old enough to try
    again. A time-out is tried again only by the worker (with its back-off),
    never by a web process, however old."""
    since = timezone.now() - timedelta(seconds=settings.PDF_RENDER_RETRY_AFTER)
    failures = PDFRenderFailure.objects.filter(fingerprint=fingerprint)
    if retrying_time_outs_active():
        failures = failures.filter(failed_at__gte=since).exclude(reason=RenderFailed.TIME)
    else:
        failures = failures.filter(Q(failed_at__gte=since) | Q(reason=RenderFailed.TIME))
    return failures.first()


def record_failure(fingerprint: str, error: RenderFailed) -> None:
    logger.warning("PDF %s failed to render: %s", fingerprint, error)
    PDFRenderFailure.objects.update_or_create(
        fingerprint=fingerprint,
        defaults={"reason": error.reason, "detail": error.detail[:200], "failed_at": timezone.now()},
    )


@contextmanager
def render_lock(name: str) -> Iterator[None]:
    """Hold an exclusive lock on `name` across threads, processes and machines.

    PostgreSQL's advisory locks serve every web process and worker that share
    the database; on SQLite (one machine) a file lock does the same.
    """
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    if connection.vendor == "postgresql":
        # A session lock, released as soon as the render is stored: a
        # transaction lock taken inside an outer atomic() block (an admin
        # save) would be held until that whole block commits.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                # An aborted transaction cannot unlock: end the session (and its
                # locks) at the end of the request or task instead.
                connection.close_at = 0
        return
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOCK_DIR / f"{key & 0xFFFFFFFFFFFF:x}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@dataclass(frozen=True)
class PDFSource:
    """What a stored PDF is the PDF of: a language version (by its model's
    label and id), in one print format, with another version on the back."""

    kind: str
    version_id: int
    print_format: str
    verso_id: int | None = None

    @classmethod
    def of(cls, version: models.Model, print_format: str, verso: models.Model | None = None) -> "PDFSource":
        return cls(version._meta.label, version.pk, print_format, verso.pk if verso else None)

    @classmethod
    def of_record(cls, record: StoredPDF) -> "PDFSource":
        return cls(record.kind, record.version_id, record.print_format, record.verso_id)


@dataclass(frozen=True)
class PDFPlan:
    """A PDF as it will be stored: its fingerprint, its download name, how to
    make it, and what it is the PDF of (recorded with the file)."""

    fingerprint: str
    filename: str
    render: Callable[[], bytes]
    source: PDFSource | None = None
    # PDFs this one is made of (a sheet's single copy): stored first, each
    # under its own lock, so that whatever asks for a leaflet renders it once.
    requires: tuple["PDFPlan", ...] = ()

    @property
    def storage_name(self) -> str:
        return storage_name(self.fingerprint)


def ensure_stored(plan: PDFPlan) -> bool:
    """Store the planned PDF unless it is already, whole; True when this call rendered it.

    A damaged file (cut short, emptied) is deleted under the render lock and
    rendered again.
    """
    name = plan.storage_name
    if not in_render_child():
        for required in plan.requires:
            ensure_stored(required)
    if default_storage.exists(name) and not is_intact(name):
        with render_lock(name):
            if default_storage.exists(name) and not is_intact(name):
                logger.warning("Stored PDF %s is damaged: rendering it again", name)
                default_storage.delete(name)
    started = time.monotonic()
    rendered = store_once(name, plan.render)
    if rendered:
        logger.info("Rendered %s (%s) in %.0f ms", name, plan.filename, (time.monotonic() - started) * 1000)
    if plan.source is not None and not in_render_child():
        record_stored(plan, fresh=rendered)
    return rendered


def record_stored(plan: PDFPlan, *, fresh: bool) -> StoredPDF:
    """The store's record of a stored file: written with the file, or for a
    file stored before records existed."""
    source = plan.source
    if source is None:
        raise ValueError(f"{plan.filename}: a plan without a source is not recorded")
    record = StoredPDF.objects.filter(fingerprint=plan.fingerprint).first()
    if record is not None and record.size and not fresh:
        return record
    with default_storage.open(plan.storage_name, "rb") as stored:
        data = stored.read()
    # An upsert: concurrent stores of one file write the same record.
    StoredPDF.objects.bulk_create(
        [
            StoredPDF(
                fingerprint=plan.fingerprint,
                kind=source.kind,
                version_id=source.version_id,
                verso_id=source.verso_id,
                print_format=source.print_format,
                filename=plan.filename,
                page_count=len(pdfium.PdfDocument(data)),
                size=len(data),
            )
        ],
        update_conflicts=True,
        unique_fields=["fingerprint"],
        update_fields=["kind", "version_id", "verso_id", "print_format", "filename", "page_count", "size"],
    )
    return StoredPDF.objects.get(fingerprint=plan.fingerprint)


def read_stored(plan: PDFPlan) -> bytes:
    ensure_stored(plan)
    with default_storage.open(plan.storage_name, "rb") as stored:
        return stored.read()


def store_once(name: str, render: Callable[[], bytes]) -> bool:
    """Make sure the PDF `name` is stored, rendering it once if it is not.

    Concurrent requests for the same missing file wait for the first one's
    render instead of rendering it again. `render` runs in a child process
    under the render limits; a failure is recorded and raised as RenderFailed
    (the same record answers later requests without rendering again).
    Returns True when this call rendered.
    """
    if default_storage.exists(name):
        return False
    if in_render_child():
        # A PDF made of others (a sheet of leaflets) renders them inside its
        # own child process, already limited and holding the outer lock.
        files.save_atomically(name, render())
        return True
    with render_lock(name):
        if default_storage.exists(name):
            return False
        fingerprint = Path(name).stem
        failure = recent_failure(fingerprint)
        if failure is not None:
            raise RenderFailed(failure.reason, failure.detail)
        try:
            content = sandbox.render_in_child(render)
        except RenderFailed as error:
            if error.detail.startswith(f"{files.DiskFull.__name__}:"):
                # Not the text's fault: nothing recorded, the next request tries again.
                raise files.DiskFull(errno.ENOSPC, error.detail) from error
            record_failure(fingerprint, error)
            raise
        files.save_atomically(name, content)
        return True


@dataclass
class CleanupReport:
    kept: int = 0
    deleted: int = 0
    deleted_bytes: int = 0


def _stored_files(folder: str) -> Iterator[str]:
    """Every file name under `folder` of the default storage (two levels: `ab/abcd….pdf`)."""
    if not default_storage.exists(folder):
        return
    subfolders, files = default_storage.listdir(folder)
    yield from (f"{folder}/{name}" for name in files)
    for subfolder in subfolders:
        yield from (f"{folder}/{subfolder}/{name}" for name in default_storage.listdir(f"{folder}/{subfolder}")[1])


# Other folders the site writes to, where a crash may leave a half-written file.
PARTIAL_FOLDERS = ("images", "print")


def _partial_files(folders: tuple[str, ...]) -> Iterator[str]:
    """Files still carrying the temporary suffix under these folders, at any depth."""
    for folder in folders:
        if not default_storage.exists(folder):
            continue
        subfolders, names = default_storage.listdir(folder)
        yield from (f"{folder}/{name}" for name in names if name.endswith(PARTIAL_SUFFIX))
        yield from _partial_files(tuple(f"{folder}/{subfolder}" for subfolder in subfolders))


def delete_unreferenced(grace_seconds: int, *, dry_run: bool = False) -> CleanupReport:
    """Delete stored PDFs and previews that no current version uses, and files
    a crash left half-written; files younger than `grace_seconds` are kept (a
    render may be storing them for an edit being saved). The pictures of the
    old public folder all go: nothing writes there any more."""
    referenced = current_fingerprints()
    cutoff = time.time() - grace_seconds
    report = CleanupReport()
    for name in _partial_files(PARTIAL_FOLDERS):
        # What a killed process was writing (pictures, CMYK copies).
        if default_storage.get_modified_time(name).timestamp() <= cutoff:
            if not dry_run:
                default_storage.delete(name)
            report.deleted += 1
    for folder in (PDF_FOLDER, LEGACY_PREVIEW_FOLDER):
        legacy = folder == LEGACY_PREVIEW_FOLDER
        for name in _stored_files(folder):
            stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
            if stem in referenced and not legacy and not name.endswith(PARTIAL_SUFFIX):
                report.kept += 1
                continue
            try:
                if not legacy and default_storage.get_modified_time(name).timestamp() > cutoff:
                    report.kept += 1
                    continue
                size = default_storage.size(name)
            except (FileNotFoundError, OSError):
                continue
            if not dry_run:
                default_storage.delete(name)
                StoredPDF.objects.filter(fingerprint=stem).delete()
            report.deleted += 1
            report.deleted_bytes += size
    return report


def current_fingerprints() -> set[str]:
    """The fingerprints of the stored files that are still what their record
    names: the current PDF of a version (drafts included: staff preview them).
    Asked of each kind's hook in batches."""
    current: set[str] = set()
    fields = ("fingerprint", "kind", "version_id", "print_format", "verso_id")
    records = StoredPDF.objects.order_by("pk").values_list(*fields)
    batch: list[tuple[str, PDFSource]] = []
    for fingerprint, *source in records.iterator(chunk_size=500):
        batch.append((fingerprint, PDFSource(*source)))
        if len(batch) == 500:
            current |= _still_current(batch)
            batch = []
    return current | _still_current(batch)


def _still_current(batch: list[tuple[str, PDFSource]]) -> set[str]:
    owners = pdf_owners([source for _fingerprint, source in batch])
    return {
        fingerprint
        for fingerprint, source in batch
        if (owner := owners.get(source)) is not None
        and owner.keep_stored
        and owner.current_fingerprint() == fingerprint
    }


def delete_stored(fingerprints: set[str]) -> None:
    """Delete these PDFs and their previews now (a withdrawn or deleted publication's)."""
    for fingerprint in fingerprints:
        for name in (storage_name(fingerprint), first_page_picture_name(fingerprint)):
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete %s", name)
    StoredPDF.objects.filter(fingerprint__in=fingerprints).delete()


@dataclass(frozen=True)
class PDFOwner:
    """What a stored PDF is the PDF of, as it is now: who may have it, its
    download name, its current fingerprint (a text edited since has a new
    one) and how to store that one."""

    source: PDFSource
    is_public: bool
    filename: str
    current_fingerprint: Callable[[], str]
    ensure_stored: Callable[[], PDFPlan]
    # Whether a picture of its first page is kept beside it (a tract's A5).
    has_first_page_picture: bool = False
    # Whether the cleanup keeps the file while it is current (the poster of an
    # event long over goes: asked for again, it is made again).
    keep_stored: bool = True


# The kind of publication a hook speaks of (a Tract, an Article).
P = TypeVar("P", bound=models.Model)


class PublicationPDFs(Generic[P]):
    """What one kind of printed publication says about its PDFs: the one hook
    of each kind, a subclass in its app's printing code, named by the
    `pdf_hook` attribute of its version model ("tracts.printing.TractPDFs")."""

    def owners(self, sources: list[PDFSource]) -> dict[PDFSource, PDFOwner]:
        """What each stored file is now (a source whose version is gone, or
        whose back side is no longer offered, is left out)."""
        raise NotImplementedError

    def renders(self, publication: P) -> list[Callable[[], object]]:
        """Each PDF the publication offers, as a call that stores it (`render_pdfs`)."""
        return []

    def first_renders(self, publication: P) -> list[Callable[[], object]]:
        """Those of `renders()` a shared link asks for first (`render_first_pdfs`)."""
        return self.renders(publication)

    def kept_fingerprints(self, publication: P, versions: list) -> set[str]:
        """Every stored file the fingerprints these versions keep may name, current or not."""
        return {fingerprint for version in versions for fingerprint in version.pdf_fingerprints.values()}

    def fingerprints_in_use(self, publication: P) -> set[str]:
        """Every file its versions may be served from now."""
        return set()


@cache
def pdfs_of_kind(kind: str) -> PublicationPDFs[Any]:
    """The hook of a kind of version ("tracts.TractVersion"); a kind that is
    not printed has none, and the base class says it has no PDFs."""
    path = getattr(apps.get_model(kind), "pdf_hook", "")
    return import_string(path)() if path else PublicationPDFs()


def pdf_owners(sources: list[PDFSource]) -> dict[PDFSource, PDFOwner]:
    """What each of these sources is now, asked of its kind's hook (one call per kind)."""
    owners: dict[PDFSource, PDFOwner] = {}
    for kind in {source.kind for source in sources}:
        try:
            pdfs = pdfs_of_kind(kind)
        except LookupError:
            continue  # an app since removed: its files are no one's
        owners |= pdfs.owners([source for source in sources if source.kind == kind])
    return owners


def expect(fingerprint: str, owner: PDFOwner) -> None:
    """Record the file `owner` is current as before it is stored (its size
    0), so that its address, given out now, names it; the store completes
    the record when it stores the file."""
    source = owner.source
    StoredPDF.objects.get_or_create(
        fingerprint=fingerprint,
        defaults={
            "kind": source.kind,
            "version_id": source.version_id,
            "verso_id": source.verso_id,
            "print_format": source.print_format,
            "filename": owner.filename,
        },
    )


def pdf_owner(fingerprint: str, stem: str) -> PDFOwner | None:
    """What the stored PDF with this fingerprint, stored as `<stem>.pdf`, is
    the PDF of, from its record (a name that is not the record's names nothing)."""
    record = StoredPDF.objects.filter(fingerprint=fingerprint).first()
    if record is None or record.filename.removesuffix(".pdf") != stem:
        return None
    source = PDFSource.of_record(record)
    return pdf_owners([source]).get(source)

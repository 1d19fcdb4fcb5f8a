"""Helpers the test files share (fixtures live in conftest.py)."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from publishing.worker import Worker, machine_worker_id

MM = 72 / 25.4  # PDF points in a millimetre


def plain_french(text: str) -> str:
    """French text with its typography undone (no-break spaces, ’), for a
    test that reads its words; the catalogue check holds the typography."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")


def count_queries(client, url: str) -> int:
    """How many database queries a GET of `url` makes (it must succeed)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def read_pdf(name) -> PdfReader:
    """The stored PDF `name` (a storage name, or a plan that has one)."""
    name = getattr(name, "storage_name", name)
    with default_storage.open(name, "rb") as stored:
        return PdfReader(io.BytesIO(stored.read()))


def jpeg_with_gps(width: int = 1200, height: int = 800, orientation: int | None = None) -> bytes:
    """A photo as a phone makes it: camera make and model, GPS position, orientation."""
    from PIL import Image as PillowImage

    picture = PillowImage.new("RGB", (width, height), (180, 40, 40))
    exif = PillowImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 12"  # Model
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}  # GPS: Paris
    output = io.BytesIO()
    picture.save(output, "JPEG", exif=exif, quality=85)
    return output.getvalue()


def run_manage(tmp_path: Path, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
    """`manage.py` as a person runs it, in its own process, on a new SQLite
    database in `tmp_path` (its exit code and its output are what is tested)."""
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **environment},
        check=False,
    )


def database_url() -> str:
    """The address of the test database, for a worker started as another process."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    host = config["HOST"] or "127.0.0.1"
    return f"postgres://{config['USER']}@{host}:{config['PORT'] or 5432}/{config['NAME']}"


def worker_environment(media: Path) -> dict:
    return os.environ | {
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "collectif.settings",
        "MEDIA_ROOT": str(media),
        "PDF_RENDER_TIMEOUT": "120",
        "PYTHONUNBUFFERED": "1",
    }


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


NEW_PASSWORD = "a-new-organiser-passphrase"


def follow_invitation(client, user, password: str = NEW_PASSWORD):
    """What an invited organiser does: open the link, choose a password (the answer to that)."""
    from django.urls import reverse

    from accounts.models import Invitation

    token = Invitation.make(user)
    assert client.get(reverse("invitation_accept", args=[token])).status_code == 302
    return client.post(reverse("invitation"), {"new_password1": password, "new_password2": password})


XMP_HISTORY = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#">
<dc:creator><rdf:Seq><rdf:li>Jeanne Militante</rdf:li></rdf:Seq></dc:creator>
<xmpMM:History><rdf:Seq><rdf:li rdf:parseType="Resource"><stEvt:action>saved</stEvt:action>
<stEvt:softwareAgent>Word 16 on LAPTOP-JEANNE</stEvt:softwareAgent></rdf:li></rdf:Seq></xmpMM:History>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


def with_personal_metadata(data: bytes) -> bytes:
    """The PDF as an organiser's word processor leaves it: her name, her
    machine, and an XMP packet with the document's editing history."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as document:
        document.docinfo["/Author"] = "Jeanne Militante"
        document.docinfo["/Creator"] = "Word 16 on LAPTOP-JEANNE"
        document.docinfo["/Producer"] = "Microsoft Word pour Microsoft 365"
        document.Root.Metadata = document.make_stream(XMP_HISTORY.encode())
        output = io.BytesIO()
        document.save(output)
    return output.getvalue()


def personal_metadata(data: bytes) -> list[str]:
    """What a PDF says of who made it, where (document information, XMP): [] when nothing."""
    reader = PdfReader(io.BytesIO(data))
    found = [f"{key}: {value}" for key, value in (reader.metadata or {}).items()]
    if reader.xmp_metadata is not None:
        found.append("XMP packet")
    return found + [word for word in ("Jeanne", "LAPTOP") if word.encode() in data]


def assert_every_file_whole(root: Path) -> int:
    """Every file under `root` decodes completely (pictures with Pillow, strictly; PDFs with pypdf and
    each embedded picture), and none is left half-written; returns how many were checked."""
    from PIL import Image as PillowImage
    from PIL import ImageFile

    from publishing.files import PARTIAL_SUFFIX
    from publishing.pdf.preflight import check_images

    checked = 0
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint sets it for the whole process
    try:
        for path in Path(root).rglob("*"):
            if not path.is_file() or path.name.endswith(".lock"):
                continue
            assert not path.name.endswith(PARTIAL_SUFFIX), f"half-written file left: {path}"
            data = path.read_bytes()
            assert data, f"empty file: {path}"
            if path.suffix in (".jpg", ".png", ".webp"):
                with PillowImage.open(io.BytesIO(data)) as picture:
                    picture.load()
            elif path.suffix == ".pdf":
                reader = PdfReader(io.BytesIO(data), strict=True)
                for page in reader.pages:
                    page.extract_text()
                import pikepdf

                with pikepdf.Pdf.open(io.BytesIO(data)) as document:
                    assert check_images(document) == [], path
            checked += 1
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    return checked


def a_worker(worker_id: str = "") -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or machine_worker_id(),
        excluded_queue_names=[],
    )


def run_once(result_id) -> DBTaskResult:
    """Run one queued task as `manage.py db_worker` does: claimed, then run with its signals."""
    worker = a_worker()
    claimed = DBTaskResult.objects.get(pk=result_id)
    claimed.claim(worker.worker_id)
    worker.run_task(claimed)
    return DBTaskResult.objects.get(pk=result_id)

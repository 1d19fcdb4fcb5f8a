"""A full disk: no write half-happens, nothing half-written lives on, and the
organiser gets a message in their language with their form kept.

Each test runs twice: on a real 20 MB tmpfs filled up to a few kilobytes
(skipped where mounting is not permitted), and on a simulated disk whose
writes fail with ENOSPC part way through, which runs everywhere. After each,
every file left on the disk decodes completely.
"""

import errno
import io
import os
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse
from PIL import Image as PillowImage

from publishing import files, images
from publishing.models import Image, PDFRenderFailure
from publishing.pdf.preflight import preflight
from tests.helpers import assert_every_file_whole
from tests.test_tract_admin import tract_form
from tracts.models import Tract, TractVersion
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf, print_shop_picture

pytestmark = [pytest.mark.django_db, pytest.mark.own_pdf_store]


def noisy_jpeg(width: int = 1800, height: int = 1200) -> bytes:
    """A photo that compresses badly: its cleaned copy and renditions weigh about a megabyte."""
    output = io.BytesIO()
    PillowImage.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(output, "JPEG", quality=90)
    return output.getvalue()


class _FillingFile:
    """A file being written on a disk with `disk.room` bytes left: writes what fits, then fails."""

    def __init__(self, file, disk: "SimulatedDisk") -> None:
        self.file, self.disk = file, disk

    def write(self, data: bytes) -> int:
        if self.disk.room is not None:
            fits = min(len(data), self.disk.room)
            self.file.write(data[:fits])
            self.disk.room -= fits
            if fits < len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return fits
        return self.file.write(data)

    def __getattr__(self, name: str):
        return getattr(self.file, name)

    def __enter__(self) -> "_FillingFile":
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()


class SimulatedDisk:
    """`publishing.files` sees an `os` whose files fill up after `room` bytes."""

    kind = "simulated"

    def __init__(self, monkeypatch, media_root) -> None:
        self.room: int | None = None
        self.root = media_root
        real_os = os

        class FillingOs:
            def __getattr__(_self, name: str):
                return getattr(real_os, name)

            def fdopen(_self, descriptor: int, mode: str = "r", *args, **kwargs):
                return _FillingFile(real_os.fdopen(descriptor, mode, *args, **kwargs), self)

        monkeypatch.setattr(files, "os", FillingOs())

    def fill(self, room: int) -> None:
        self.room = room

    def free(self) -> None:
        self.room = None


class TmpfsDisk:
    """A real 20 MB tmpfs as MEDIA_ROOT, filled with a ballast file."""

    kind = "tmpfs"

    def __init__(self, root) -> None:
        self.root = root
        self.ballast = root / "ballast.bin"

    def fill(self, room: int) -> None:
        self.free()
        stats = os.statvfs(self.root)
        with open(self.ballast, "wb") as ballast:
            ballast.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - room))

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)


@pytest.fixture(params=["simulated", "tmpfs"])
def disk(request, monkeypatch, settings, media_root, tmp_path):
    if request.param == "simulated":
        media_root.mkdir(parents=True, exist_ok=True)
        yield SimulatedDisk(monkeypatch, media_root)
        return
    mount_point = tmp_path / "tmpfs-media"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'not permitted'}): simulated disk only")
    settings.MEDIA_ROOT = mount_point
    try:
        yield TmpfsDisk(mount_point)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def every_file_whole(disk) -> None:
    disk.free()
    assert_every_file_whole(disk.root)


def upload_picture(content: bytes) -> Image:
    picture = Image(file=ContentFile(content, name="photo.jpg"), alt_text="Une banderole")
    picture.full_clean()
    picture.save()
    return picture


def test_storage_saves_all_or_nothing(disk):
    disk.fill(10_000)
    with pytest.raises(OSError) as error:
        default_storage.save("exports/big.bin", ContentFile(b"x" * 200_000))
    assert files.is_disk_full(error.value)
    assert not default_storage.exists("exports/big.bin")
    with pytest.raises(files.DiskFull):
        files.save_atomically("print/cmyk/v1/x.jpg", noisy_jpeg(400, 300))
    assert not default_storage.exists("print/cmyk/v1/x.jpg")
    every_file_whole(disk)
    # With room again, a second file under a taken name gets its own.
    first = default_storage.save("exports/a.txt", ContentFile(b"one"))
    second = default_storage.save("exports/a.txt", ContentFile(b"two"))
    assert first != second and default_storage.open(first).read() == b"one"


@pytest.mark.parametrize("room", ["none", "original only"])
def test_an_upload_on_a_full_disk_keeps_the_admin_form(disk, admin_client, room):
    photo = noisy_jpeg()
    cleaned = images.clean_image(ContentFile(photo, name="photo.jpg"))
    disk.fill(8_000 if room == "none" else len(cleaned.content) + 20_000)
    response = admin_client.post(
        reverse("admin:collectif_image_add"),
        {"file": SimpleUploadedFile("photo.jpg", photo), "alt_text": "Une banderole", "credit": "Nadia"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "disk is full" in response.content.decode()
    form = response.context["adminform"].form
    assert form["alt_text"].value() == "Une banderole" and form["credit"].value() == "Nadia"
    assert not Image.objects.exists()
    assert not [name for _folder, _subfolders, names in os.walk(disk.root / "images") for name in names]
    every_file_whole(disk)

    response = admin_client.post(
        reverse("admin:collectif_image_add"),
        {"file": SimpleUploadedFile("photo.jpg", photo), "alt_text": "Une banderole"},
    )
    assert response.status_code == 302 and Image.objects.get().renditions
    assert assert_every_file_whole(disk.root) == 5  # the original and its four renditions


def test_the_editors_upload_answers_json_on_a_full_disk(disk, admin_client):
    disk.fill(8_000)
    response = admin_client.post(
        reverse("collectif_editor:upload"),
        {"file": SimpleUploadedFile("photo.jpg", noisy_jpeg()), "alt_text": "Une banderole"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 507
    assert "Le disque du serveur est plein" in response.json()["errors"]["file"][0]
    assert not Image.objects.exists()
    every_file_whole(disk)


def tract_with(picture: Image, make_tract) -> Tract:
    body = f'<p>Texte.</p><figure><img src="{picture.file.url}" alt="Manif"></figure>'
    return make_tract("photo", {"fr": {"title": "Photo", "body": body}})


def test_a_print_shop_pdf_on_a_full_disk_stores_nothing_and_is_made_once_there_is_room(disk, make_tract):
    tract = tract_with(upload_picture(noisy_jpeg(1100, 700)), make_tract)
    version = tract.version("fr")
    cmyk = print_shop_picture(Image.objects.get().file.name)
    disk.fill(30_000)  # less than the CMYK copy
    with pytest.raises(OSError) as error:
        ensure_tract_pdf(version, PRINT_FORMATS["a6-pro"])
    assert files.is_disk_full(error.value)
    assert not default_storage.exists(cmyk)
    assert not PDFRenderFailure.objects.exists()  # not the text's fault: the next try renders
    every_file_whole(disk)

    plan = ensure_tract_pdf(version, PRINT_FORMATS["a6-pro"])
    assert files.is_whole(cmyk)
    with default_storage.open(plan.storage_name, "rb") as stored:
        assert preflight(stored.read()) == []
    every_file_whole(disk)


def test_a_cmyk_copy_cut_short_is_made_again_not_embedded(disk, make_tract):
    tract = tract_with(upload_picture(noisy_jpeg(1100, 700)), make_tract)
    cmyk = print_shop_picture(Image.objects.get().file.name)
    # What the plain save of the old code left on a full disk: the first
    # part of the JPEG, no end marker, found by exists() ever after.
    path = default_storage.path(cmyk)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as cut:
        cut.write(b"\xff\xd8\xff\xe0" + b"\0" * 5000)
    assert default_storage.exists(cmyk) and not files.is_whole(cmyk)

    plan = ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a6-pro"])

    assert files.is_whole(cmyk)
    with default_storage.open(plan.storage_name, "rb") as stored:
        assert preflight(stored.read()) == []
    every_file_whole(disk)


def test_an_admin_save_the_disk_cannot_hold_keeps_the_form(admin_client, monkeypatch):
    real_save = TractVersion.save

    def disk_full(self, *args, **kwargs):
        if self.language == "ar":  # the French version is written; then the database cannot grow
            raise OperationalError("database or disk is full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(TractVersion, "save", disk_full)
    response = admin_client.post(
        reverse("admin:tracts_tract_add"),
        tract_form(**{"versions-0-title": "Un titre tapé avec soin"}),
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le disque du serveur est plein" in page
    assert "Un titre tapé avec soin" in page and "أوقفوا التنقيط" in page  # what was typed is still there
    assert not Tract.objects.exists() and not TractVersion.objects.exists()


def test_the_cleanup_deletes_what_a_killed_process_left_half_written(media_root):
    import time

    from publishing.pdf.store import delete_unreferenced

    old, young = media_root / "images" / "r" / "tmpkilled.part", media_root / "print" / "cmyk" / "v1" / "tmpnow.part"
    for path in (old, young):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8 half a picture")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    report = delete_unreferenced(grace_seconds=600)

    assert not old.exists() and young.exists() and report.deleted == 1

import errno
import hashlib
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from PIL import Image as PillowImage

from publishing.images import MAX_PIXELS, check_image
from publishing.models import Image, ImageNotStored
from publishing.pdf import sandbox
from tests.helpers import assert_every_file_whole, jpeg_with_gps, plain_french

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def stored(image: Image, name: str | None = None) -> PillowImage.Image:
    with default_storage.open(name or image.file.name, "rb") as handle:
        picture = PillowImage.open(io.BytesIO(handle.read()))
        picture.load()
        return picture


def upload(content: bytes, name: str = "IMG_20261005_143210.jpg", alt: str = "Une banderole") -> Image:
    image = Image(file=ContentFile(content, name=name), alt_text=alt)
    image.full_clean()
    image.save()
    return image


def test_gps_camera_and_all_metadata_are_stripped(media_root):
    original = jpeg_with_gps()
    assert b"SecretPhone" in original and PillowImage.open(io.BytesIO(original)).getexif().get_ifd(0x8825)

    image = upload(original)

    picture = stored(image)
    assert len(picture.getexif()) == 0
    assert "exif" not in picture.info and "icc_profile" not in picture.info
    with default_storage.open(image.file.name, "rb") as handle:
        data = handle.read()
    assert b"SecretPhone" not in data and b"PhoneMaker" not in data
    for name in image.renditions.values():
        assert len(stored(image, name).getexif()) == 0


def test_orientation_is_applied_before_the_metadata_goes():
    image = upload(jpeg_with_gps(1200, 800, orientation=6))  # "rotate 90°": a portrait photo
    assert (image.width, image.height) == (800, 1200)
    assert stored(image).size == (800, 1200)


def test_stored_under_a_random_name_with_renditions():
    image = upload(jpeg_with_gps(2000, 1000))
    assert "IMG_2026" not in image.file.name
    assert image.file.name.startswith("images/") and image.file.name.endswith(".jpg")
    assert sorted(map(int, image.renditions)) == [480, 800, 1200, 1600]
    assert stored(image, image.renditions["800"]).size == (800, 400)
    assert [source.width for source in image.sources()] == [480, 800, 1200, 1600, 2000]


def test_small_images_get_only_smaller_renditions():
    image = upload(jpeg_with_gps(600, 400))
    assert list(image.renditions) == ["480"]


def png(width: int, height: int) -> bytes:
    output = io.BytesIO()
    PillowImage.new("RGBA", (width, height), (0, 0, 0, 0)).save(output, "PNG")
    return output.getvalue()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"%PDF-1.7 not an image", "tract.jpg", "not an image"),
        (b"GIF89a" + b"\x00" * 20, "x.gif", "not an image"),
        (jpeg_with_gps()[:2000], "cut.jpg", "damaged"),
    ],
)
def test_bad_uploads_get_a_clear_message(content, name, message):
    with pytest.raises(ValidationError) as error:
        upload(content, name=name)
    assert message in " ".join(error.value.messages)
    assert not Image.objects.exists()


def test_decompression_bombs_are_refused_before_decoding():
    side = int(MAX_PIXELS**0.5) + 100
    bomb = io.BytesIO()
    PillowImage.new("1", (side, side)).save(bomb, "PNG")  # tiny file, huge picture
    assert len(bomb.getvalue()) < 2_000_000
    with pytest.raises(ValidationError, match="megapixels"):
        check_image(ContentFile(bomb.getvalue(), name="bomb.png"))


def test_oversized_files_are_refused(settings, monkeypatch):
    monkeypatch.setattr("publishing.images.MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(ValidationError, match="limit is 0 MB"):
        check_image(ContentFile(jpeg_with_gps(), name="big.jpg"))


def test_transparent_png_stays_png():
    image = upload(png(900, 300), name="logo.png")
    assert image.file.name.endswith(".png") and stored(image).mode == "RGBA"


def test_picture_tag_writes_srcset_sizes_and_lazy_loading():
    image = upload(jpeg_with_gps(1300, 650), alt='Un "dossier" surligné')
    html = Template("{% load pictures %}{% picture image '50vw' %}").render(Context({"image": image}))
    assert 'srcset="/media/images/r/' in html and " 480w, " in html and " 1300w" in html
    assert 'sizes="50vw"' in html and 'loading="lazy"' in html
    assert 'width="1300" height="650"' in html
    assert 'alt="Un &quot;dossier&quot; surligné"' in html


def test_deleting_an_image_deletes_its_files():
    image = upload(jpeg_with_gps(1000, 500))
    names = [image.file.name, *image.renditions.values()]
    image.delete()
    assert not any(default_storage.exists(name) for name in names)


def test_organisers_read_the_error_in_their_language():
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_image(ContentFile(b"pas une image", name="photo.jpg"))
    assert "n'est pas une image" in plain_french(error.value.messages[0])
    with translation.override("ar"), pytest.raises(ValidationError) as error:
        check_image(ContentFile(b"pas une image", name="photo.jpg"))
    assert "JPEG" in error.value.messages[0] and "not an image" not in error.value.messages[0]


def jpeg_with_bad_profile() -> bytes:
    output = io.BytesIO()
    PillowImage.new("RGB", (400, 300), (200, 10, 10)).save(output, "JPEG", icc_profile=b"not a colour profile" * 8)
    return output.getvalue()


def two_pictures(kind: str) -> bytes:
    """A phone's multi-picture JPEG (MPO) or an animation: a red picture, then a blue one."""
    red, blue = PillowImage.new("RGB", (300, 200), (220, 0, 0)), PillowImage.new("RGB", (300, 200), (0, 0, 220))
    output = io.BytesIO()
    options = {"duration": 100, "loop": 0} if kind != "MPO" else {}
    red.save(output, kind, save_all=True, append_images=[blue], **options)
    return output.getvalue()


def files_under(folder: str) -> list[str]:
    root = default_storage.path(folder)
    return [os.path.join(path, name) for path, _dirs, names in os.walk(root) for name in names]


def test_an_unreadable_colour_profile_gets_a_clear_message():
    with pytest.raises(ValidationError, match="colour profile is damaged"):
        upload(jpeg_with_bad_profile())
    assert not Image.objects.exists()


def test_a_phone_mpo_keeps_its_primary_picture():
    content = two_pictures("MPO")
    assert PillowImage.open(io.BytesIO(content)).format == "MPO"
    image = upload(content, name="PXL_20261005.jpg")
    picture = stored(image)
    assert picture.format == "JPEG" and image.file.name.endswith(".jpg")
    red, _green, blue = picture.getpixel((150, 100))
    assert red > 180 and blue < 60
    assert image.notices == ()


@pytest.mark.parametrize("kind, extension", [("GIF", "png"), ("WEBP", "webp"), ("PNG", "png")])
def test_animations_keep_their_first_frame_and_say_so(kind, extension):
    image = upload(two_pictures(kind), name=f"anim.{kind.lower()}")
    picture = stored(image)
    assert not getattr(picture, "is_animated", False)
    assert image.file.name.endswith(f".{extension}")
    red, _green, blue = picture.convert("RGB").getpixel((150, 100))
    assert red > 180 and blue < 60
    assert image.notices == ("This animation was stored as a still picture: its first frame.",)


def test_a_decompression_bomb_has_its_own_message():
    bomb = io.BytesIO()
    PillowImage.new("1", (14_000, 14_000)).save(bomb, "PNG")  # 196 megapixels in a small file
    with pytest.raises(ValidationError, match="decompression bomb"):
        check_image(ContentFile(bomb.getvalue(), name="bomb.png"))


class DiskFullStorage(FileSystemStorage):
    """Writes half of the third file it is given, then fails as a full disk does."""

    saves = 0

    def _save(self, name, content):
        type(self).saves += 1
        if type(self).saves < 3:
            return super()._save(name, content)
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as half:
            half.write(content.read()[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def full_disk(settings):
    DiskFullStorage.saves = 0
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.test_images.DiskFullStorage"}}


def test_a_full_disk_leaves_nothing_half_written(full_disk):
    with pytest.raises(ImageNotStored, match="disk is full"):
        upload(jpeg_with_gps(2000, 1000))
    assert DiskFullStorage.saves == 3
    assert files_under("images") == []
    assert not Image.objects.exists()


def test_a_full_disk_is_a_message_in_the_admin(full_disk, admin_client):
    assert_refused_in_the_admin(admin_client, "photo.jpg", jpeg_with_gps(2000, 1000), "disk is full")
    assert files_under("images") == [] and not Image.objects.exists()


def assert_refused_in_the_admin(admin_client, name: str, content: bytes, message: str) -> None:
    """The admin shows the form again, with what was typed, and the reason."""
    response = admin_client.post(
        reverse("admin:collectif_image_add"),
        {"file": SimpleUploadedFile(name, content), "alt_text": "Une banderole"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["adminform"].form["alt_text"].value() == "Une banderole"


def test_the_admin_says_an_animation_became_a_still_picture(admin_client):
    response = admin_client.post(
        reverse("admin:collectif_image_add"),
        {"file": SimpleUploadedFile("anim.gif", two_pictures("GIF")), "alt_text": "Un panneau"},
        follow=True,
        headers={"Accept-Language": "en"},
    )
    assert "its first frame" in " ".join(str(m) for m in response.context["messages"])


def test_the_admin_refuses_a_bad_profile_with_a_message(admin_client):
    response = admin_client.post(
        reverse("admin:collectif_image_add"),
        {"file": SimpleUploadedFile("photo.jpg", jpeg_with_bad_profile()), "alt_text": "Une banderole"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "colour profile is damaged" in response.content.decode()


def test_only_the_hash_of_the_cleaned_file_is_kept():
    original = jpeg_with_gps()
    image = upload(original)
    with default_storage.open(image.file.name, "rb") as handle:
        cleaned = handle.read()
    assert image.checksum == hashlib.sha256(cleaned).hexdigest()
    assert image.checksum != hashlib.sha256(original).hexdigest()
    # The same photo uploaded again is still recognised.
    assert Image.existing_copy(ContentFile(original, name="again.jpg")) == image


def test_pillow_refuses_bombs_at_our_limit_whoever_opens_a_picture():
    assert PillowImage.MAX_IMAGE_PIXELS == MAX_PIXELS


@pytest.mark.parametrize("size", [(20000, 1), (1, 20000), (4200, 200)])
def test_a_picture_too_thin_for_its_renditions_is_refused(size):
    with pytest.raises(ValidationError, match="too thin to show"):
        upload(png(*size), name="strip.png")
    assert not Image.objects.exists() and files_under("images") == []


def test_a_long_panorama_is_still_accepted():
    image = upload(png(4000, 200), name="panorama.png")
    assert image.renditions and stored(image, image.renditions["480"]).size == (480, 24)


def test_a_thin_picture_is_a_form_error_in_the_admin_and_a_json_error_in_the_editor(admin_client):
    assert_refused_in_the_admin(admin_client, "strip.png", png(20000, 1), "too thin to show")

    response = admin_client.post(
        reverse("collectif_editor:upload"),
        {"file": SimpleUploadedFile("strip.png", png(20000, 1)), "alt_text": "Une bande"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 400
    assert "trop fin pour être montré" in " ".join(response.json()["errors"]["file"])
    assert not Image.objects.exists()


def big_png(width: int = 7000, height: int = 6000) -> bytes:
    """A small file (a few hundred kB) that decodes to `width` × `height` × 3 bytes."""
    output = io.BytesIO()
    PillowImage.new("RGB", (width, height), (120, 30, 30)).save(output, "PNG")
    return output.getvalue()


def test_pictures_are_decoded_in_a_child_under_the_memory_limit(settings):
    # 42 megapixels, inside the pixel limit: 126 MB decoded, over this limit.
    settings.PDF_RENDER_MEMORY_MB = 40
    content = big_png()
    assert len(content) < 1_000_000
    with pytest.raises(ValidationError, match="cannot be read within the server's limits"):
        upload(content, name="huge.png")
    # The test process (a web worker) decoded nothing and is still here.
    assert not Image.objects.exists() and files_under("images") == []


def test_decoding_happens_in_the_child_and_never_in_the_web_process(monkeypatch):

    children = []
    real = sandbox.render_in_child
    monkeypatch.setattr(sandbox, "render_in_child", lambda work: children.append(work) or real(work))
    image = upload(jpeg_with_gps(1200, 800))
    assert len(children) == 1  # one decoding for the form's check, the copy lookup and the save
    assert image.renditions


def test_a_rendition_cut_short_is_made_again_before_a_pdf_embeds_it(make_article):
    from articles.printing import ensure_article_pdf
    from publishing.files import is_whole

    image = upload(jpeg_with_gps(1800, 1000))
    largest = image.print_name()
    path = default_storage.path(largest)
    with open(path, "rb") as whole:
        content = whole.read()
    with open(path, "wb") as cut:
        cut.write(content[: len(content) // 2])  # as a full disk left it before writes were atomic
    assert not is_whole(largest)

    article = make_article("photo", {"fr": {"body": f'<figure><img src="{image.file.url}" alt="x"></figure>'}})
    ensure_article_pdf(article.versions.get())

    assert is_whole(largest)
    assert assert_every_file_whole(default_storage.path("")) >= 6  # the rendition decodes completely

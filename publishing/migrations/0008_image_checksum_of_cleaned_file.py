import hashlib

from django.core.files.storage import default_storage
from django.db import migrations


def hash_cleaned_files(apps, schema_editor):
    """Replace the hash of each original upload by the hash of the stored (cleaned) file."""
    Image = apps.get_model("collectif", "Image")
    for image in Image.objects.exclude(file="").iterator():
        try:
            with default_storage.open(image.file.name, "rb") as stored:
                checksum = hashlib.sha256(stored.read()).hexdigest()
        except OSError:
            checksum = ""  # the file is gone: no hash of anything
        Image.objects.filter(pk=image.pk).update(checksum=checksum)


class Migration(migrations.Migration):
    dependencies = [("collectif", "0007_pdf_render_failure")]

    operations = [migrations.RunPython(hash_cleaned_files, migrations.RunPython.noop)]

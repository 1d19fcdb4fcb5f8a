"""Organisers write and send letters, and see, export and delete subscribers
(an address deleted on request); they do not add or edit subscribers by hand."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ORGANISER_GROUP = "Organiser"
EVERYTHING = ("add", "change", "delete", "view")
PERMISSIONS = {
    "letter": EVERYTHING,
    "letterversion": EVERYTHING,
    "subscriber": ("view", "delete"),
    "delivery": ("view",),
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("newsletter")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    group = apps.get_model("auth", "Group").objects.filter(name=ORGANISER_GROUP).first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="newsletter", codename__in=codenames))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=ORGANISER_GROUP).first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(content_type__app_label="newsletter"))


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("collectif", "0005_organiser_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

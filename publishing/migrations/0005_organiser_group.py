"""The "Organiser" group: what it takes to write, translate, publish and upload.

Nothing technical: no users or groups, no login records (axes), no task
results, no site settings. Superusers keep everything.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ORGANISER_GROUP = "Organiser"
EVERYTHING = ("add", "change", "delete", "view")
ORGANISER_PERMISSIONS = {
    "tracts": {"tract": EVERYTHING, "tractversion": EVERYTHING, "tractpdf": ("view",)},
    "articles": {
        "article": EVERYTHING,
        "articleversion": EVERYTHING,
        "author": EVERYTHING,
        "furtherreading": EVERYTHING,
    },
    "website": {"page": EVERYTHING, "pageversion": EVERYTHING},
    "collectif": {"image": EVERYTHING, "theme": EVERYTHING},
}


def create_organiser_group(apps, schema_editor):
    # Permissions are made after migrations run; make them now so that the
    # group gets them on a fresh database too.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=ORGANISER_GROUP)
    codenames = [
        (app_label, f"{action}_{model}")
        for app_label, models in ORGANISER_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename) for app_label, codename in codenames
    ]
    group.permissions.set(permissions)


def remove_organiser_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ORGANISER_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("collectif", "0004_theme_translated_names"),
        ("tracts", "0004_search"),
        ("articles", "0002_search"),
        ("website", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_organiser_group, remove_organiser_group)]

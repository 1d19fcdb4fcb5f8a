"""Users and groups as Django's admin has them, with their permissions
named in the reader's language: Django stores a permission's name in
English ("Can add tract"), once, when the table is made."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTIONS = {"add": _("Can add"), "change": _("Can change"), "delete": _("Can delete"), "view": _("Can view")}


def permission_label(permission: Permission) -> str:
    """As Django shows a permission (app | model | action), in words our catalogues translate."""
    model = permission.content_type.model_class()
    if model is None:  # an app since removed: its stored words
        return str(permission)
    action = permission.codename.split("_", 1)[0]
    if action in ACTIONS and permission.codename == f"{action}_{model._meta.model_name}":
        what = str(ACTIONS[action])
    else:
        what = gettext(permission.name)  # a permission of its own: its words, translated when a catalogue has them
    return f"{model._meta.app_config.verbose_name} | {capfirst(model._meta.verbose_name)} | {what}"


class TranslatedPermissions:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class CollectifUserAdmin(TranslatedPermissions, UserAdmin):
    pass


@admin.register(Group)
class CollectifGroupAdmin(TranslatedPermissions, GroupAdmin):
    pass

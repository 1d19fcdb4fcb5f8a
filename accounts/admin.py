"""Users and groups as Django's admin has them, with their permissions
named in the reader's language (Django stores a permission's name in
English, "Can add tract", once, when the table is made), and a button that
makes an invitation link for an account."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.invitations import invitation_url
from accounts.models import Invitation
from accounts.two_factor import StaffLoginForm

# The admin's login refuses staff accounts without a second factor.
admin.site.login_form = StaffLoginForm

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
    change_form_template = "admin/auth/user/invitation_change_form.html"

    def get_urls(self):
        invite = self.admin_site.admin_view(require_POST(self.invitation_view))
        return [path("<int:user_id>/invitation/", invite, name="auth_user_invitation"), *super().get_urls()]

    def invitation_view(self, request: HttpRequest, user_id: int) -> HttpResponse:
        """Make a new invitation for the account and show its link, once (only its hash is kept)."""
        user = get_object_or_404(User, pk=user_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        token = Invitation.make(user)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invitation link"),
            "opts": self.opts,
            "original": user,
            "link": invitation_url(token, request),
            "expires_at": Invitation.objects.get(user=user).expires_at,
        }
        return TemplateResponse(request, "admin/auth/user/invitation.html", context)


@admin.register(Group)
class CollectifGroupAdmin(TranslatedPermissions, GroupAdmin):
    pass

"""The admin site as the collective uses it: what it opens most comes first,
every name a superuser meets is in their language, and form titles read as
sentences in French ("Ajout d’un tract", not Django's "Ajout de tract").

Installed in place of django.contrib.admin (INSTALLED_APPS:
"publishing.admin_site.CollectifAdminConfig"): `admin.site` is this site,
under the same addresses.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

# The apps in the order of use: the archive first, then the site around it;
# the rest (accounts, login records, second factors, tasks) after them.
APP_ORDER = ["tracts", "articles", "website", "newsletter", "collectif"]

# Apps and models of other packages, in words our catalogues translate:
# some have no gettext, or no name at all ("Otp_Totp"); the others' own
# words are named again here so that `makemessages` keeps their translations.
# A model's name is changed on its _meta only: migrations read the names
# declared in Meta.
APP_NAMES = {
    "axes": _("Login records"),
    "otp_totp": _("Authenticator apps"),
    "otp_static": _("Recovery codes"),
    "django_tasks_database": _("Background tasks"),
    "django_otp_webauthn": _("Passkeys"),
    "reversion": _("Reversion"),
}
MODEL_NAMES = {
    "otp_totp.totpdevice": (_("authenticator app"), _("authenticator apps")),
    "otp_static.staticdevice": (_("set of recovery codes"), _("sets of recovery codes")),
    "otp_static.statictoken": (_("recovery code"), _("recovery codes")),
    "django_otp_webauthn.webauthncredential": (_("WebAuthn credential"), _("WebAuthn credentials")),
    "django_otp_webauthn.webauthnattestation": (_("WebAuthn attestation"), _("WebAuthn attestations")),
    "django_otp_webauthn.webauthnuserhandle": (_("passkey user handle"), _("passkey user handles")),
    "django_tasks_database.dbtaskresult": (_("Task Result"), _("Task Results")),
    "axes.accessattemptexpiration": (_("access attempt expiration"), _("access attempt expirations")),
    "reversion.revision": (_("revision"), _("revisions")),
}

# Django titles a form "Add %s" / "Change %s" with the model's name, which
# French cannot say of every noun ("Ajout de image"): our models' own titles;
# other models get titles of the same shape worded so that French can ("Ajout : %s").
FORM_TITLES = {
    "tracts.tract": (_("Add a tract"), _("Change the tract")),
    "articles.article": (_("Add an article"), _("Change the article")),
    "articles.author": (_("Add an author"), _("Change the author")),
    "website.page": (_("Add a page"), _("Change the page")),
    "collectif.image": (_("Add an image"), _("Change the image")),
    "collectif.theme": (_("Add a theme"), _("Change the theme")),
    "collectif.oldaddress": (_("Add an old address"), _("Change the old address")),
    "collectif.sitesettings": (_("Add the site settings"), _("Change the site settings")),
}


def form_title(opts, add: bool, change_permission: bool, title: str) -> str:
    """The title of a model's add or change form (`title`, Django's, for a view-only form)."""
    if opts is None or not (add or change_permission):
        return title
    if titles := FORM_TITLES.get(opts.label_lower):
        return str(titles[0] if add else titles[1])
    pattern = pgettext("admin form title", "Add %s") if add else pgettext("admin form title", "Change %s")
    return pattern % opts.verbose_name


class CollectifAdminSite(admin.AdminSite):
    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        """The index and the sidebar: the apps of APP_ORDER first, in its
        order; the rest keep Django's alphabetical order (a stable sort)."""

        def rank(app: dict) -> int:
            label = app["app_label"]
            return APP_ORDER.index(label) if label in APP_ORDER else len(APP_ORDER)

        return sorted(super().get_app_list(request, app_label), key=rank)


class CollectifAdminConfig(AdminConfig):
    default_site = "publishing.admin_site.CollectifAdminSite"

    def ready(self) -> None:
        super().ready()
        for label, name in APP_NAMES.items():
            if label in apps.app_configs:
                apps.app_configs[label].verbose_name = name
        for label, (singular, plural) in MODEL_NAMES.items():
            model = apps.get_model(label)
            model._meta.verbose_name = singular
            model._meta.verbose_name_plural = plural

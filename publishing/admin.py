from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .admin_tools import WriteFailureKeepsTheForm
from .models import Image, ImageNotStored, OldAddress, PDFRenderFailure, SiteSettings, Theme

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fieldsets = [(None, {"fields": ["site_name", "issuer", "printer_mention", "disposal_notice"]})]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """There is one row of settings: open it as a form rather than a list of one."""
        settings_row = SiteSettings.load()
        return redirect("admin:collectif_sitesettings_change", settings_row.pk)

    def response_change(self, request: HttpRequest, obj: SiteSettings) -> HttpResponse:
        # "Save" would go back to the list, which is this same form.
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            self.message_user(request, _("The site settings were saved."))
            return redirect("admin:index")
        return super().response_change(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ThemeForm(forms.ModelForm):
    """The French name, and one field per other language for its translation."""

    class Meta:
        model = Theme
        fields = ["name", "slug"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, _language in settings.LANGUAGES[1:]:
            self.initial.setdefault(f"name_{code}", self.instance.translated_names.get(code, ""))

    def save(self, commit: bool = True) -> Theme:
        self.instance.translated_names = {
            code: self.cleaned_data[f"name_{code}"].strip()
            for code, _language in settings.LANGUAGES[1:]
            if self.cleaned_data.get(f"name_{code}", "").strip()
        }
        return super().save(commit)


# One field per language other than French, declared so the admin accepts them.
for _code, _language in settings.LANGUAGES[1:]:
    ThemeForm.base_fields[f"name_{_code}"] = ThemeForm.declared_fields[f"name_{_code}"] = forms.CharField(
        label=format_lazy(_("Name in {language}"), language=_language), max_length=80, required=False
    )


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    form = ThemeForm
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_fields(self, request: HttpRequest, obj=None) -> "_FieldGroups":
        return ["name", "slug", *(f"name_{code}" for code, _language in settings.LANGUAGES[1:])]


@admin.register(Image)
class ImageAdmin(WriteFailureKeepsTheForm, admin.ModelAdmin):
    list_display = ["thumbnail", "alt_text", "caption", "size", "uploaded_at"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "address", "size"]
    fields = ["file", "alt_text", "caption", "credit", "thumbnail", "address", "size"]

    def write_failure_message(self, error: Exception) -> str | None:
        # Nothing of the picture was kept (Image.save removes what it wrote).
        return str(error) if isinstance(error, ImageNotStored) else super().write_failure_message(error)

    def save_model(self, request: HttpRequest, obj: Image, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for notice in obj.notices:
            self.message_user(request, notice, messages.WARNING)

    @admin.display(description=_("thumbnail"))
    def thumbnail(self, image: Image) -> str:
        if not image.pk:
            return "—"
        return format_html('<img src="{}" alt="" style="max-width:160px;height:auto">', image.sources()[0].url)

    @admin.display(description=_("address to use in a text"))
    def address(self, image: Image) -> str:
        return image.file.url if image.pk else "—"

    @admin.display(description=_("size"))
    def size(self, image: Image) -> str:
        return f"{image.width} × {image.height}" if image.pk else "—"


@admin.register(PDFRenderFailure)
class PDFRenderFailureAdmin(admin.ModelAdmin):
    """PDFs that failed to render, and why; deleting a record lets the next request try again."""

    list_display = ["fingerprint", "message", "failed_at"]
    readonly_fields = ["fingerprint", "reason", "detail", "failed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("why"))
    def message(self, failure: PDFRenderFailure) -> str:
        return failure.message


@admin.register(OldAddress)
class OldAddressAdmin(admin.ModelAdmin):
    """Old addresses that redirect: those imports remembered, and any added by hand."""

    list_display = ["path", "leads_to", "created_at"]
    search_fields = ["path", "new_path"]
    fields = ["path", "new_path", "leads_to"]
    readonly_fields = ["leads_to"]

    @admin.display(description=_("leads to"))
    def leads_to(self, address: OldAddress) -> str:
        return (address.target_url() or "—") if address.pk else "—"

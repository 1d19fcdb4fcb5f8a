from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Image, SiteSettings, Theme


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fieldsets = [(None, {"fields": ["site_name", "issuer", "printer_mention", "disposal_notice"]})]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "alt_text", "caption", "size", "uploaded_at"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "address", "size"]
    fields = ["file", "alt_text", "caption", "credit", "thumbnail", "address", "size"]

    @admin.display(description=_("preview"))
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

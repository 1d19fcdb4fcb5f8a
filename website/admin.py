from django.contrib import admin

from publishing.admin_tools import LanguageVersionInline, PublicationAdmin

from .models import Page, PageVersion


class PageVersionInline(LanguageVersionInline):
    model = PageVersion
    fields = ["language", "title", "summary", "body"]


@admin.register(Page)
class PageAdmin(PublicationAdmin):
    inlines = [PageVersionInline]
    list_display = ["__str__", "slug", "status", "languages", "in_footer", "position"]
    list_editable = ["in_footer", "position"]
    fields = ["slug", "status", "published_at", "original_language", "in_footer", "position"]
    search_fields = ["slug", "versions__title"]

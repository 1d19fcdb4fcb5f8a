from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from reversion_compare.admin import CompareVersionAdmin

from publishing.admin_tools import LanguageFilter, LanguageVersionInline, PreviewAdmin, YearFilter
from publishing.tasks import schedule_pdf_renders
from publishing.translation_admin import TranslationInlineMixin, TranslationStatusAdminMixin

from .models import Article, ArticleVersion, Author, FurtherReading
from .printing import current_fingerprint, ensure_article_pdf
from .views import render_article_page


class ArticleVersionInline(TranslationInlineMixin, LanguageVersionInline):
    model = ArticleVersion
    fields = ["language", "title", "standfirst", "body", "notes", "excerpt"]


class FurtherReadingInline(admin.TabularInline):
    model = FurtherReading
    fk_name = "article"
    fields = ["position", "linked_article", "linked_tract", "url", "title"]
    autocomplete_fields = ["linked_article", "linked_tract"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "is_organisation"]
    list_filter = ["is_organisation"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Article)
class ArticleAdmin(TranslationStatusAdminMixin, CompareVersionAdmin, PreviewAdmin):
    """Every save keeps a revision; “History” compares two of them and restores one."""

    inlines = [ArticleVersionInline, FurtherReadingInline]
    list_display = ["__str__", "date", "status", "published_at", "languages", "preview_links"]
    list_filter = ["status", LanguageFilter, "themes", "authors", YearFilter]
    search_fields = ["slug", "versions__title", "versions__standfirst"]
    date_hierarchy = "date"
    filter_horizontal = ["themes", "authors"]
    autocomplete_fields = ["cover_image", "related_tracts"]
    readonly_fields = ["preview_links", "pdf_failures"]
    fieldsets = [
        (None, {"fields": ["slug", "date", "updated_on", "original_language", "authors", "themes"]}),
        (_("Publication"), {"fields": ["status", "published_at", "preview_links", "pdf_failures"]}),
        (_("Around the text"), {"fields": ["cover_image", "related_tracts"]}),
    ]

    unsaved_message = _("Save the article to preview it.")
    preview_pdf_route = "<int:pk>/preview/<str:language>/article.pdf"

    def preview_pdf_fingerprint(self, article: Article, version: ArticleVersion) -> str:
        return current_fingerprint(version)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        schedule_pdf_renders(form.instance)

    def render_preview(self, request: HttpRequest, article: Article) -> HttpResponse:
        return render_article_page(
            request,
            article,
            preview=True,
            pdf_url=lambda version: self.preview_pdf_url(article, version),
            page_url=lambda version: reverse("admin:articles_article_preview", args=[article.pk, version.language]),
        )

    def preview_pdf_plan(self, request: HttpRequest, article: Article, version: ArticleVersion):
        return ensure_article_pdf(version)

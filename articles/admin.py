from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from reversion_compare.admin import CompareVersionAdmin

from collectif.admin_tools import LanguageFilter, LanguageVersionInline, PublicationAdmin, YearFilter
from collectif.languages import is_supported
from collectif.translation_admin import TranslationInlineMixin, TranslationStatusAdminMixin
from collectif.views import stored_pdf_response

from .models import Article, ArticleVersion, Author, FurtherReading
from .printing import ensure_article_pdf
from .tasks import schedule_pdf_renders
from .views import article_queryset, render_article_page


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
class ArticleAdmin(TranslationStatusAdminMixin, CompareVersionAdmin, PublicationAdmin):
    """Every save keeps a revision; “History” compares two of them and restores one."""

    inlines = [ArticleVersionInline, FurtherReadingInline]
    list_display = ["__str__", "date", "status", "published_at", "languages", "preview_links"]
    list_filter = ["status", LanguageFilter, "themes", "authors", YearFilter]
    search_fields = ["slug", "versions__title", "versions__standfirst"]
    date_hierarchy = "date"
    filter_horizontal = ["themes", "authors"]
    autocomplete_fields = ["cover_image", "related_tracts"]
    readonly_fields = ["preview_links"]
    fieldsets = [
        (None, {"fields": ["slug", "date", "updated_on", "original_language", "authors", "themes"]}),
        (_("Publication"), {"fields": ["status", "published_at", "preview_links"]}),
        (_("Around the text"), {"fields": ["cover_image", "related_tracts"]}),
    ]

    @admin.display(description=_("preview"))
    def preview_links(self, article: Article) -> str:
        if not article.pk:
            return _("Save the article to preview it.")
        return format_html_join(
            " · ",
            '<a href="{}" target="_blank">{}</a> (<a href="{}" target="_blank">PDF</a>)',
            (
                (
                    reverse("admin:articles_article_preview", args=[article.pk, version.language]),
                    version.language,
                    reverse("admin:articles_article_preview_pdf", args=[article.pk, version.language]),
                )
                for version in article.all_versions()
            ),
        ) or format_html("{}", "—")

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        schedule_pdf_renders(form.instance)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview)
        preview_pdf = self.admin_site.admin_view(self.preview_pdf)
        return [
            path("<int:pk>/preview/<str:language>/", preview, name="articles_article_preview"),
            path("<int:pk>/preview/<str:language>/article.pdf", preview_pdf, name="articles_article_preview_pdf"),
            *super().get_urls(),
        ]

    def _article_for_preview(self, request: HttpRequest, pk: int) -> Article:
        article = get_object_or_404(article_queryset(), pk=pk)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def preview(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        """The public page of an article, drafts included, as the visitor will see it."""
        article = self._article_for_preview(request, pk)
        language = language if is_supported(language) else article.original_language
        with translation.override(language):
            request.LANGUAGE_CODE = language
            pdf_url = reverse("admin:articles_article_preview_pdf", args=[article.pk, language])
            return render_article_page(request, article, preview=True, pdf_url=pdf_url)

    def preview_pdf(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        article = self._article_for_preview(request, pk)
        version = article.version(language)
        if version is None:
            raise Http404
        plan = ensure_article_pdf(version)
        return stored_pdf_response(request, plan.etag, plan.filename, public=False)

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, When
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from collectif.languages import is_supported, language_codes

from .models import Tract, TractVersion
from .views import render_tract_page, serve_tract_pdf


class TractVersionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        languages = [
            form.cleaned_data["language"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and "language" in form.cleaned_data
        ]
        if len(languages) != len(set(languages)):
            raise ValidationError(_("Each language can have only one version."))
        original = self.instance.original_language
        if languages and original not in languages:
            raise ValidationError(
                _("Write the version in the original language (%(language)s), or change the original language.")
                % {"language": self.instance.get_original_language_display()}
            )


class TractVersionInline(admin.StackedInline):
    model = TractVersion
    formset = TractVersionFormSet
    fields = ["language", "title", "subtitle", "body", "contact"]
    extra = 0
    min_num = 1
    validate_min = True

    def get_queryset(self, request: HttpRequest):
        # The languages in the order of settings.LANGUAGES, French first.
        order = Case(*(When(language=code, then=index) for index, code in enumerate(language_codes())))
        return super().get_queryset(request).order_by(order)


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(d.year), str(d.year)) for d in Tract.objects.dates("date", "year", order="DESC")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(date__year=int(value)) if value and value.isdigit() else queryset


class LanguageFilter(admin.SimpleListFilter):
    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return TractVersion._meta.get_field("language").choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(versions__language=value).distinct() if value else queryset


@admin.register(Tract)
class TractAdmin(admin.ModelAdmin):
    inlines = [TractVersionInline]
    list_display = ["__str__", "date", "status", "published_at", "languages", "preview_links"]
    list_filter = ["status", LanguageFilter, "themes", YearFilter]
    search_fields = ["slug", "versions__title", "versions__subtitle"]
    date_hierarchy = "date"
    filter_horizontal = ["themes"]
    readonly_fields = ["preview_links"]
    fieldsets = [
        (None, {"fields": ["slug", "date", "original_language", "themes"]}),
        (_("Publication"), {"fields": ["status", "published_at", "preview_links"]}),
        (_("Print"), {"fields": ["legal_footer"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("versions")

    @admin.display(description=_("languages"))
    def languages(self, tract: Tract) -> str:
        return ", ".join(version.language for version in tract.all_versions())

    @admin.display(description=_("preview"))
    def preview_links(self, tract: Tract) -> str:
        if not tract.pk:
            return _("Save the tract to preview it.")
        return format_html_join(
            " · ",
            '<a href="{}" target="_blank">{}</a> (<a href="{}" target="_blank">PDF</a>)',
            (
                (
                    reverse("admin:tracts_tract_preview", args=[tract.pk, version.language]),
                    version.language,
                    reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, version.language, "a5"]),
                )
                for version in tract.all_versions()
            ),
        ) or format_html("{}", "—")

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview)
        preview_pdf = self.admin_site.admin_view(self.preview_pdf)
        return [
            path("<int:pk>/preview/<str:language>/", preview, name="tracts_tract_preview"),
            path(
                "<int:pk>/preview/<str:language>/<slug:print_format>.pdf",
                preview_pdf,
                name="tracts_tract_preview_pdf",
            ),
            *super().get_urls(),
        ]

    def _tract_for_preview(self, request: HttpRequest, pk: int) -> Tract:
        tract = get_object_or_404(Tract.objects.with_versions(), pk=pk)
        if not self.has_view_permission(request, tract):
            raise PermissionDenied
        return tract

    def preview(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        """The public page of a tract, drafts included, as the visitor will see it."""
        tract = self._tract_for_preview(request, pk)
        language = language if is_supported(language) else tract.original_language
        with translation.override(language):
            request.LANGUAGE_CODE = language
            return render_tract_page(
                request,
                tract,
                preview=True,
                pdf_url=lambda version, print_format: reverse(
                    "admin:tracts_tract_preview_pdf", args=[tract.pk, version.language, print_format]
                ),
            )

    def preview_pdf(self, request: HttpRequest, pk: int, language: str, print_format: str) -> HttpResponse:
        tract = self._tract_for_preview(request, pk)
        version = get_object_or_404(TractVersion, tract=tract, language=language)
        return serve_tract_pdf(request, version, print_format, public=False)

"""Translations kept in step, in the admin of tracts and articles.

- the list: a column of each publication's translations, outdated ones
  flagged, and a filter "outdated translations";
- the change page: an outdated translation is shown side by side with the
  original as it is now, what changed since the translation marked;
  "Still up to date" records that the translation follows the original again;
- a new translation starts as a copy of the original, to overwrite, and
  cannot be saved while its text is still the original's.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from publishing.html_text import text_blocks
from publishing.translation_sync import changes_since

if TYPE_CHECKING:
    # The mixins' bases for the type checker: they go before these classes.
    from django.forms.models import BaseInlineFormSet
    from django.utils.functional import _StrPromise

    _ModelAdmin = admin.ModelAdmin[Any]
    _InlineFormSet = BaseInlineFormSet[Any, Any, Any]
    _InlineModelAdmin = admin.options.InlineModelAdmin[Any, Any]
else:
    _ModelAdmin = _InlineFormSet = _InlineModelAdmin = object


class OutdatedTranslationFilter(admin.SimpleListFilter):
    title = _("translations")
    parameter_name = "translations"

    def lookups(self, request, model_admin):
        return [("outdated", _("outdated translations"))]

    def queryset(self, request, queryset):
        return queryset.with_outdated_translations() if self.value() == "outdated" else queryset


class TranslationStatusAdminMixin(_ModelAdmin):
    """For the admin of a publication: the translations column and filter."""

    class Media:
        css = {"all": ["collectif/admin/translations.css"]}

    def get_list_display(self, request: HttpRequest):
        return [*super().get_list_display(request), "translation_status"]

    def get_list_filter(self, request: HttpRequest):
        return [*super().get_list_filter(request), OutdatedTranslationFilter]

    @admin.display(description=_("translations"))
    def translation_status(self, publication) -> str:
        """Each translation's language, flagged when its original changed since (prefetched versions)."""
        original = publication.version(publication.original_language)
        translations = [version for version in publication.all_versions() if version is not original]
        if not translations:
            return "—"
        return format_html_join(
            " ",
            '<span class="translation-{}">{} {}</span>',
            (
                ("outdated", version.language, format_html("⚠ {}", _("outdated")))
                if version.outdated_against(original)
                else (
                    "current",
                    version.language,
                    format_html('✓<span class="visually-hidden"> {}</span>', _("up to date")),
                )
                for version in translations
            ),
        )


class TranslationFormMixin(forms.ModelForm):
    up_to_date = forms.BooleanField(
        label=_("Still up to date"),
        required=False,
        help_text=_("Check it once this translation carries the original's latest changes."),
    )

    def clean(self):
        cleaned_data = super().clean()
        original = getattr(self, "original_version", None)
        body = cleaned_data.get("body")
        is_translation = original is not None and cleaned_data.get("language") not in (None, original.language)
        still_a_copy = body and text_blocks(body) == text_blocks(original.body) if is_translation else False
        if still_a_copy and not cleaned_data.get("DELETE"):
            raise ValidationError(
                _("This text is still a copy of the original: translate it before saving, or remove this version.")
            )
        return cleaned_data


class TranslationFormSetMixin(_InlineFormSet):
    """Gives each form the original; marks the checked translations up to date after saving."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        publication = self.instance
        original = None
        if publication.pk:
            # The versions are the formset's own queryset: no query per form.
            original = next((v for v in self.get_queryset() if v.language == publication.original_language), None)
        self.original_version = original
        for form in self.forms:
            self._show_translation_fields(form, original)

    @staticmethod
    def _show_translation_fields(form, original) -> None:
        """The box “Still up to date” only on a saved translation: the original, and a
        version being written, never follow another text."""
        form.original_version = original
        form.instance.original_for_admin = original
        is_translation = original is not None and form.instance.pk not in (None, original.pk)
        if not is_translation:
            form.fields["up_to_date"].widget = forms.HiddenInput()

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None and self.original_version is not None:
            # A new translation starts as a copy of the original, to overwrite.
            kwargs["initial"] = {**self.original_version.translated_texts(), **kwargs.get("initial", {})}
        return kwargs

    @property
    def empty_form(self):
        form = super().empty_form
        self._show_translation_fields(form, self.original_version)
        return form

    def save(self, commit: bool = True):
        saved = super().save(commit)
        checked = [
            form.instance
            for form in self.forms
            if form.instance.pk and form.cleaned_data.get("up_to_date") and not form.cleaned_data.get("DELETE")
        ]
        if commit and checked:
            publication, versions = self.instance, type(checked[0])._default_manager
            original = versions.filter(**{self.fk.name: publication, "language": publication.original_language}).first()
            for version in checked:
                if original is not None and version.pk != original.pk:
                    version.follow(original)
                    versions.filter(pk=version.pk).update(
                        source_revision=version.source_revision, source_texts=version.source_texts
                    )
        return saved


class TranslationInlineMixin(_InlineModelAdmin):
    """For the inline of language versions: status, side by side view, "still up to date"."""

    class Media:
        css = {"all": ["collectif/admin/translations.css"]}

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        kwargs["form"] = type("TranslationForm", (TranslationFormMixin, kwargs.get("form", self.form)), {})
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (TranslationFormSetMixin, formset), {})

    def get_fields(self, request: HttpRequest, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name not in ("translation", "up_to_date")]
        return ["translation", *fields, "up_to_date"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*super().get_readonly_fields(request, obj), "translation"]

    @admin.display(description=_("translation"))
    def translation(self, version) -> "str | _StrPromise":
        # Empty (its row hidden by translations.css) where there is no
        # original to follow yet: a new publication's versions.
        original = getattr(version, "original_for_admin", None)
        if original is None:
            return ""
        if not version.pk:
            return _("A new translation starts as a copy of the original: write over it.")
        if original.pk == version.pk:
            return _("The original: translations follow this text.")
        if not version.outdated_against(original):
            return format_html('<span class="translation-current">{}</span>', _("Up to date with the original."))
        return render_to_string(
            "admin/collectif/outdated_translation.html",
            {"version": version, "original": original, "changes": changes_since(version, original)},
        )

"""Admin pieces that tracts and articles share: language versions, filters."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, When
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from collectif.languages import language_choices, language_codes


class LanguageVersionFormSet(BaseInlineFormSet):
    """One version per language, and one in the publication's original language."""

    def clean(self) -> None:
        # Before super().clean(): its unique check would otherwise answer
        # first, with a message naming the field rather than the rule.
        languages = [
            form.cleaned_data["language"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and "language" in form.cleaned_data
        ]
        if len(languages) != len(set(languages)):
            raise ValidationError(_("Each language can have only one version."))
        super().clean()
        original = self.instance.original_language
        if languages and original not in languages:
            raise ValidationError(
                _("Write the version in the original language (%(language)s), or change the original language.")
                % {"language": self.instance.get_original_language_display()}
            )


class LanguageVersionInline(admin.StackedInline):
    formset = LanguageVersionFormSet
    extra = 0
    min_num = 1
    validate_min = True

    def get_queryset(self, request: HttpRequest):
        # The languages in the order of settings.LANGUAGES, French first.
        order = Case(*(When(language=code, then=index) for index, code in enumerate(language_codes())))
        return super().get_queryset(request).order_by(order)


class PublicationAdmin(admin.ModelAdmin):
    """What the admins of tracts and articles share: their versions, listed by language."""

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("versions")

    @admin.display(description=_("languages"))
    def languages(self, publication) -> str:
        return ", ".join(version.language for version in publication.all_versions())


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        dates = model_admin.model.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in dates]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(date__year=int(value)) if value and value.isdigit() else queryset


class LanguageFilter(admin.SimpleListFilter):
    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return language_choices()

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(versions__language=value).distinct() if value else queryset

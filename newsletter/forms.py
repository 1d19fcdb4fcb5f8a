from django import forms
from django.utils.translation import gettext_lazy as _

from publishing.languages import language_choices
from publishing.models import Theme


class ThemeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Theme) -> str:
        return obj.local_name


class PreferencesForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages you read"),
        choices=language_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("You receive each letter in the first of these it is written in."),
        error_messages={"required": _("Choose at least one language.")},
    )
    themes = ThemeChoiceField(
        label=_("Themes (optional)"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every letter."),
    )


class SubscribeForm(PreferencesForm):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        error_messages={"invalid": _("This is not an email address: check it, for example name@example.org.")},
    )
    field_order = ["email", "languages", "themes"]

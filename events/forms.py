"""The event's admin form: times in the event's zone, and a recurrence picker.

The picker writes the RFC 5545 rule the model stores (`Event.recurrence`)
from a few questions (how often, on which days, until when), so organisers
never type one; a rule it cannot say stays a "custom" rule, written out.
It works without JavaScript: every question is on the page and the server
reads only those the chosen repetition asks (`ASKS`); static/collectif/admin.js
hides the others.
"""

import datetime
import json
from typing import cast

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.dates import WEEKDAYS
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from publishing.admin_tools import PublicationForm

from . import recurrence as rules
from .models import in_zone

REPEAT_CHOICES = [
    (rules.NEVER, _("Does not repeat")),
    (rules.DAILY, _("Every day")),
    (rules.WEEKLY, _("Every week")),
    (rules.FORTNIGHTLY, _("Every two weeks")),
    (rules.MONTHLY_WEEKDAY, _("Every month on a weekday (e.g. the first Thursday)")),
    (rules.MONTHLY_DATE, _("Every month on the same date")),
    (rules.CUSTOM, _("A custom rule")),
]
UNTIL, COUNT = "until", "count"
END_CHOICES = [(UNTIL, _("On a date")), (COUNT, _("After a number of occurrences"))]
WEEK_CHOICES = [
    ("", _("same as the start date")),
    ("1", _("first")),
    ("2", _("second")),
    ("3", _("third")),
    ("4", _("fourth")),
    ("-1", _("last")),
]
# The questions each answer asks (those "when it ends" asks are asked in
# turn): the server reads only these, the script shows only these.
ASKS: dict[str, dict[str, tuple[str, ...]]] = {
    "repeats": {
        rules.DAILY: ("repeat_end",),
        rules.WEEKLY: ("repeat_weekdays", "repeat_end"),
        rules.FORTNIGHTLY: ("repeat_weekdays", "repeat_end"),
        rules.MONTHLY_WEEKDAY: ("repeat_week", "repeat_weekday", "repeat_end"),
        rules.MONTHLY_DATE: ("repeat_end",),
        rules.CUSTOM: ("recurrence",),
    },
    "repeat_end": {UNTIL: ("repeat_until",), COUNT: ("repeat_count",)},
}
# The answers that make a rule from the picker's questions.
PICKED = (rules.DAILY, rules.WEEKLY, rules.FORTNIGHTLY, rules.MONTHLY_WEEKDAY, rules.MONTHLY_DATE)
QUESTIONS = {name for asks in ASKS.values() for names in asks.values() for name in names}


class GroupBoundField(BoundField):
    """A group of radio buttons or checkboxes is named by the <legend> of its
    own <fieldset> (GroupWidget's template), which screen readers announce with
    each choice: no <label> before it, which would name nothing."""

    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None) -> SafeString:
        return SafeString()


class GroupWidget(forms.widgets.ChoiceWidget):
    """Radio buttons or checkboxes in a <fieldset> named by its <legend>."""

    template_name = "events/admin/choice_group.html"

    def __init__(self, attrs=None, choices=(), inline: bool = False) -> None:
        super().__init__(attrs, choices)
        self.inline = inline  # side by side rather than one under the other
        # Set by the form: the field's label and help, and the questions each answer asks.
        self.legend = self.help = self.asks = ""

    def get_context(self, name, value, attrs) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"].update(legend=self.legend, help=self.help, asks=self.asks, inline=self.inline)
        return context


class ChoiceGroup(GroupWidget, forms.RadioSelect):
    pass


class CheckboxGroup(GroupWidget, forms.CheckboxSelectMultiple):
    pass


class EventForm(PublicationForm):
    """Times are typed as they read in the event's own time zone; the
    recurrence is chosen with the picker (or written out)."""

    repeats = forms.ChoiceField(
        label=_("Repeats"), choices=REPEAT_CHOICES, initial=rules.NEVER, required=False, widget=ChoiceGroup
    )
    repeat_weekdays = forms.MultipleChoiceField(
        label=_("Days of the week"), required=False, widget=CheckboxGroup(inline=True)
    )
    repeat_week = forms.ChoiceField(label=_("Position in the month"), choices=WEEK_CHOICES, required=False)
    repeat_weekday = forms.ChoiceField(label=_("Day of the week"), required=False)
    repeat_end = forms.ChoiceField(
        label=_("Ends"),
        choices=END_CHOICES,
        initial=UNTIL,
        required=False,
        widget=ChoiceGroup(inline=True),
        help_text=_("A repeating event always ends: a weekly desk for two years is 104 occurrences."),
    )
    repeat_until = forms.DateField(
        label=_("Last date"), required=False, widget=AdminDateWidget, help_text=_("Included, in the event's time zone.")
    )
    repeat_count = forms.IntegerField(
        label=_("Number of occurrences"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "vIntegerField"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The days of the week in the order of the admin's language (Monday
        # first in French, Sunday in English…); Django counts from Sunday.
        first = (get_format("FIRST_DAY_OF_WEEK") - 1) % 7
        order = [(first + index) % 7 for index in range(7)]
        days = [(rules.WEEKDAY_CODES[day], WEEKDAYS[day]) for day in order]
        cast(forms.ChoiceField, self.fields["repeat_weekdays"]).choices = days
        cast(forms.ChoiceField, self.fields["repeat_weekday"]).choices = [("", _("same as the start date")), *days]
        for name in ("repeats", "repeat_weekdays", "repeat_end"):
            field = self.fields[name]
            field.bound_field_class = GroupBoundField
            field.widget.legend = f"{field.label}{self.label_suffix}"
            field.widget.asks = json.dumps(ASKS[name]) if name in ASKS else ""
            # Inside the fieldset, which names it (aria-describedby), rather than after it.
            field.widget.help, field.help_text = field.help_text, ""
        if "recurrence" in self.fields:
            self.fields["recurrence"].label = _("Custom rule (RFC 5545)")
        if self.instance.pk:
            zone = self.instance.zone
            for name in ("starts_at", "ends_at"):
                if name in self.fields:
                    # Naive: shown as they are, the wall-clock time in the event's zone.
                    self.initial[name] = getattr(self.instance, name).astimezone(zone).replace(tzinfo=None)
            self.initial.update(self.picker_initial())

    def picker_initial(self) -> dict:
        """The picker's answers for the stored rule; the others default to the start's day."""
        start = self.instance.local_start()
        repetition = rules.decompose(self.instance.recurrence, start)
        weekday = rules.WEEKDAY_CODES[start.weekday()]
        return {
            "repeats": repetition.repeats,
            "repeat_weekdays": list(repetition.weekdays) or [weekday],
            "repeat_week": str(repetition.week or rules.week_of_month(start.date())),
            "repeat_weekday": repetition.weekday or weekday,
            "repeat_end": COUNT if repetition.count is not None else UNTIL,
            "repeat_until": repetition.until,
            "repeat_count": repetition.count,
        }

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        zone_name = data.get("time_zone")
        if zone_name:
            try:
                for name in ("starts_at", "ends_at"):
                    if data.get(name):
                        data[name] = in_zone(data[name], zone_name)
            except forms.ValidationError as error:
                self.add_error("time_zone", error)
        if "recurrence" in self.fields:
            data["recurrence"] = self.picked_rule(data)
        return data

    def picked_rule(self, data: dict) -> str:
        """The rule the picker's answers make, checked; its errors go to the
        question they answer (then "": the model has nothing more to say)."""
        # A page without the picker (opened before it came, or a script)
        # posts the rule alone: it is taken as written.
        repeats = data.get("repeats") or rules.CUSTOM
        end = data.get("repeat_end") or ""
        asks = set(ASKS["repeats"].get(repeats, ()))
        if "repeat_end" in asks:
            asks.update(ASKS["repeat_end"].get(end, ()))
        for name in QUESTIONS - asks:
            # An unreadable answer to a question not asked (a date typed,
            # then "after 10 occurrences" chosen) is left aside, not refused.
            self.errors.pop(name, None)
        if repeats == rules.CUSTOM:
            return data.get("recurrence", "")  # the model checks it, its messages on the field
        if repeats == rules.NEVER:
            return ""
        # First what is missing, whatever the start; an answer that could
        # not be read (a date, a number) has its own message already.
        errors: dict[str, ValidationError] = {}
        if "repeat_weekdays" in asks and not data.get("repeat_weekdays"):
            errors["repeat_weekdays"] = ValidationError(_("Choose at least one day of the week."), code="no_weekday")
        if end not in (UNTIL, COUNT):
            errors["repeat_end"] = ValidationError(
                _("Say when it ends: on a date, or after a number of occurrences."), code="no_end"
            )
        elif end == UNTIL and data.get("repeat_until") is None and not self.has_error("repeat_until"):
            errors["repeat_until"] = ValidationError(_("Give the last date."), code="no_until")
        elif end == COUNT and data.get("repeat_count") is None and not self.has_error("repeat_count"):
            errors["repeat_count"] = ValidationError(_("Give the number of occurrences."), code="no_count")
        start = data.get("starts_at")
        if start is None or any(self.has_error(name) for name in ("time_zone", "starts_at", *asks)):
            pass  # their own messages say what to fix first
        elif end == UNTIL and data.get("repeat_until") and data["repeat_until"] < start.date():
            errors["repeat_until"] = ValidationError(_("The end date comes before the start date."), code="until")
        elif not errors:
            rule = rules.compose(self.repetition(data, repeats, asks, start))
            try:
                rules.parse_rule(rule, start)
            except ValidationError as error:
                # More occurrences than an event may have: the end comes too late.
                errors["repeat_until" if end == UNTIL else "repeat_count"] = error
            else:
                return rule
        for name, problem in errors.items():
            self.add_error(name, problem)
        return ""

    @staticmethod
    def repetition(data: dict, repeats: str, asks: set[str], start: datetime.datetime) -> rules.Repetition:
        """The answers to the questions asked; those left at "same as the
        start date" take the start's weekday and its place in the month."""
        end = data.get("repeat_end")
        return rules.Repetition(
            repeats,
            weekdays=tuple(data["repeat_weekdays"]) if "repeat_weekdays" in asks else (),
            week=int(data.get("repeat_week") or rules.week_of_month(start.date())) if "repeat_week" in asks else None,
            weekday=(data.get("repeat_weekday") or rules.WEEKDAY_CODES[start.weekday()])
            if "repeat_weekday" in asks
            else "",
            until=data.get("repeat_until") if end == UNTIL else None,
            count=data.get("repeat_count") if end == COUNT else None,
        )

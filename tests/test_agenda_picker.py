"""The recurrence picker of the event admin: choices in, the stored RFC 5545 rule out, and back."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.utils import translation

from events import recurrence as rules
from events.models import Event
from events.recurrence import Repetition
from tests.test_agenda import PARIS, YEAR, event_form, make_event, paris, weekly_desk

pytestmark = pytest.mark.django_db

ADD = "/admin/events/event/add/"

START = paris(3, 2)  # a Tuesday, the first in March: 14:00 in Paris, winter time

PICKER_CHOICES = [
    Repetition(rules.DAILY, count=10),
    Repetition(rules.DAILY, until=datetime.date(YEAR, 3, 31)),
    Repetition(rules.WEEKLY, weekdays=("TU",), until=datetime.date(YEAR, 4, 27)),
    Repetition(rules.WEEKLY, weekdays=("MO", "TU", "FR"), count=12),
    Repetition(rules.FORTNIGHTLY, weekdays=("TU",), until=datetime.date(YEAR, 12, 31)),
    Repetition(rules.FORTNIGHTLY, weekdays=("WE", "SU"), count=6),
    *(
        Repetition(rules.MONTHLY_WEEKDAY, week=week, weekday=day, count=12)
        for week in rules.WEEKS_OF_MONTH
        for day in rules.WEEKDAY_CODES
    ),
    Repetition(rules.MONTHLY_WEEKDAY, week=1, weekday="TH", until=datetime.date(YEAR + 1, 6, 30)),
    Repetition(rules.MONTHLY_DATE, count=5),
    Repetition(rules.MONTHLY_DATE, until=datetime.date(YEAR, 9, 2)),
    Repetition(),
]


# The picker's rules ---------------------------------------------------------


@pytest.mark.parametrize("choice", PICKER_CHOICES, ids=lambda choice: rules.compose(choice) or "never")
def test_every_picker_choice_reads_back_from_its_rule_as_typed_and_as_stored(choice):
    rule = rules.compose(choice)
    assert rules.decompose(rule, START) == choice
    # Stored: its UNTIL in UTC, or a date for a whole-day event.
    for all_day in (False, True):
        assert rules.decompose(rules.normalised_rule(rule, START, all_day), START) == choice


def test_the_rules_the_picker_writes():
    until = datetime.date(YEAR, 4, 27)
    assert (
        rules.compose(Repetition(rules.WEEKLY, weekdays=("TU",), until=until)) == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20380427"
    )
    # Days in the week's order, whatever order they were ticked in.
    assert (
        rules.compose(Repetition(rules.FORTNIGHTLY, weekdays=("TH", "TU"), count=4))
        == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=4"
    )
    assert rules.compose(Repetition(rules.MONTHLY_WEEKDAY, week=1, weekday="TH", count=12)) == (
        "FREQ=MONTHLY;BYDAY=1TH;COUNT=12"
    )
    assert rules.compose(Repetition(rules.MONTHLY_WEEKDAY, week=-1, weekday="FR", count=3)) == (
        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"
    )
    assert rules.compose(Repetition(rules.MONTHLY_DATE, count=5)) == "FREQ=MONTHLY;COUNT=5"
    assert rules.compose(Repetition(rules.CUSTOM, rule="FREQ=YEARLY;COUNT=3")) == "FREQ=YEARLY;COUNT=3"
    assert rules.compose(Repetition()) == ""


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;COUNT=3",
        "FREQ=WEEKLY;WKST=SU;BYDAY=TU;COUNT=5",  # a calendar's own way of saying it
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO;COUNT=4",
        "FREQ=WEEKLY;BYDAY=TU,MO;COUNT=3",  # the picker would write MO,TU
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;COUNT=3",
        "FREQ=WEEKLY;COUNT=3",  # no day: the picker would name the start's
        "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3",
        "FREQ=MONTHLY;BYDAY=5TH;COUNT=3",
        "FREQ=DAILY;UNTIL=20380427T120000Z",  # not the end of a day in Paris
        "FREQ=DAILY;COUNT=3;UNTIL=20380427",
        "FREQ=WEEKLY;BYDAY=TU",  # never ends: refused, and the picker does not offer it
        "FREQ=WEEKLY;BYDAY=XX;COUNT=3",
    ],
)
def test_a_rule_the_picker_cannot_say_is_custom_and_kept_as_written(rule):
    assert rules.decompose(rule, START) == Repetition(rules.CUSTOM, rule=rule)


def test_a_start_in_the_last_days_of_its_month_is_on_the_last_weekday():
    assert [rules.week_of_month(datetime.date(YEAR, 1, day)) for day in (1, 7, 8, 22, 28, 29, 31)] == [
        1,
        1,
        2,
        4,
        4,
        -1,
        -1,
    ]


def test_every_month_on_the_same_date_in_words():
    start = datetime.datetime(YEAR, 1, 15, 18, tzinfo=PARIS)
    with translation.override("en"):
        assert rules.describe("FREQ=MONTHLY;COUNT=5", start) == "every month on day 15"


# The admin form ---------------------------------------------------------------


class PostedFields(HTMLParser):
    """What a browser posts from a page: its fields' values, the boxes
    ticked, the options selected (the inlines' blank templates left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.select = self.textarea = ""

    def add(self, name: str, value: str) -> None:
        if "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        name = attributes.get("name") or ""
        if tag == "input" and name and attributes.get("type") not in ("submit", "button", "file"):
            if attributes.get("type") not in ("checkbox", "radio") or "checked" in attributes:
                self.add(name, attributes.get("value") or ("on" if attributes.get("type") == "checkbox" else ""))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attributes:
            self.add(self.select, attributes.get("value") or "")
        elif tag == "textarea":
            self.textarea = name
            self.add(name, "")

    def handle_data(self, data: str) -> None:
        if self.textarea and "__prefix__" not in self.textarea:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self.select = ""
        elif tag == "textarea":
            self.textarea = ""


def posted_by(html: str) -> dict[str, list[str]]:
    parser = PostedFields()
    parser.feed(html)
    return parser.data


def picker(repeats: str, **answers) -> dict:
    """The add form of tests/test_agenda.py with the picker's answers; the
    custom rule box holds a rule the picker must ignore."""
    return event_form(**{"repeats": repeats, "recurrence": "FREQ=DAILY;COUNT=2", **answers})


def form_of(response):
    return response.context["adminform"].form


def test_a_weekly_desk_picked_stays_at_14_local_time_across_daylight_saving(admin_client):
    response = admin_client.post(
        ADD, picker("weekly", repeat_weekdays=["TU"], repeat_end="until", repeat_until="27/04/2038")
    )
    assert response.status_code == 302, response.context and form_of(response).errors

    event = Event.objects.get()
    assert event.recurrence == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20380427T215959Z"  # as stored before the picker
    starts = [occurrence.original_start.astimezone(PARIS) for occurrence in event.occurrences.order_by("starts_at")]
    assert len(starts) == 9  # 2 March to 27 April
    assert {(start.hour, start.minute, start.weekday()) for start in starts} == {(14, 0, 1)}
    assert starts[3].utcoffset() == datetime.timedelta(hours=1)  # 23 March, winter time
    assert starts[4].utcoffset() == datetime.timedelta(hours=2)  # 30 March, summer time
    # The cancelled and the moved dates of the same form hold.
    assert event.occurrences.filter(status="cancelled").count() == 1
    assert event.occurrences.filter(moved=True).count() == 1


@pytest.mark.parametrize(
    ("start", "answers", "rule", "days"),
    [
        # The first Thursday, the start's: the questions left at "same as the start date".
        ("07/01/2038", {"repeat_week": "", "repeat_weekday": ""}, "FREQ=MONTHLY;BYDAY=1TH;COUNT=4", [7, 35, 63, 91]),
        ("07/01/2038", {"repeat_week": "1", "repeat_weekday": "TH"}, "FREQ=MONTHLY;BYDAY=1TH;COUNT=4", [7, 35, 63, 91]),
        # 29 January 2038 is the fifth Friday: the last one of its month.
        ("29/01/2038", {"repeat_week": "", "repeat_weekday": ""}, "FREQ=MONTHLY;BYDAY=-1FR;COUNT=4", [29, 57, 85, 120]),
        (
            "29/01/2038",
            {"repeat_week": "-1", "repeat_weekday": "FR"},
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=4",
            [29, 57, 85, 120],
        ),
    ],
)
def test_a_monthly_meeting_on_the_first_thursday_or_the_last_friday(admin_client, start, answers, rule, days):
    form = picker("monthly_weekday", repeat_end="count", repeat_count="4", **answers)
    form.update({"starts_at_0": start, "starts_at_1": "19:00", "ends_at_0": start, "ends_at_1": "21:00"})
    form["changes-TOTAL_FORMS"] = "0"

    response = admin_client.post(ADD, form)
    assert response.status_code == 302, response.context and form_of(response).errors

    event = Event.objects.get()
    assert event.recurrence == rule
    local = [occurrence.starts_at.astimezone(PARIS) for occurrence in event.occurrences.order_by("starts_at")]
    assert [start.timetuple().tm_yday for start in local] == days  # days of the year 2038
    assert {start.hour for start in local} == {19}


def test_every_month_on_the_same_date(admin_client):
    form = picker("monthly_date", repeat_end="count", repeat_count="3", **{"changes-TOTAL_FORMS": "0"})
    assert admin_client.post(ADD, form).status_code == 302
    event = Event.objects.get()
    assert event.recurrence == "FREQ=MONTHLY;COUNT=3"
    assert [o.starts_at.astimezone(PARIS).date() for o in event.occurrences.order_by("starts_at")] == [
        datetime.date(YEAR, 3, 2),
        datetime.date(YEAR, 4, 2),
        datetime.date(YEAR, 5, 2),
    ]


def test_does_not_repeat_makes_a_one_off_event(admin_client):
    assert admin_client.post(ADD, picker("never", **{"changes-TOTAL_FORMS": "0"})).status_code == 302
    event = Event.objects.get()
    assert event.recurrence == "" and event.occurrences.count() == 1


def test_a_page_without_the_picker_posts_its_rule_alone(admin_client):
    """A page opened before the picker came (or a script) posts the rule as written."""
    assert admin_client.post(ADD, event_form()).status_code == 302
    assert Event.objects.get().recurrence == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20380427T215959Z"


def test_editing_an_event_shows_its_rule_in_the_picker(admin_client):
    desk = weekly_desk()
    monthly = make_event("reunion", starts_at=paris(1, 29, 19), recurrence="FREQ=MONTHLY;BYDAY=-1FR;COUNT=3")
    once = make_event("fete", starts_at=paris(1, 7, 19))  # a Thursday, the first of its month

    response = admin_client.get(f"/admin/events/event/{desk.pk}/change/")
    form = form_of(response)
    assert form["repeats"].value() == "weekly"
    assert form["repeat_weekdays"].value() == ["TU"]
    assert (form["repeat_end"].value(), form["repeat_until"].value()) == ("until", datetime.date(YEAR, 4, 27))
    html = response.content.decode()
    assert 'value="27/04/2038"' in html
    assert re.search(r'<input type="checkbox" name="repeat_weekdays" value="TU"[^>]* checked>', html)
    # Below the picker: the rule in words and its next dates.
    assert "Chaque mardi" in html and "mardi 27 avril 2038" in html

    form = form_of(admin_client.get(f"/admin/events/event/{monthly.pk}/change/"))
    assert [form[name].value() for name in ("repeats", "repeat_week", "repeat_weekday", "repeat_end")] == [
        "monthly_weekday",
        "-1",
        "FR",
        "count",
    ]
    assert form["repeat_count"].value() == 3

    # Nothing to show: the other questions default to the start's day.
    form = form_of(admin_client.get(f"/admin/events/event/{once.pk}/change/"))
    assert form["repeats"].value() == "never"
    assert (form["repeat_weekdays"].value(), form["repeat_week"].value(), form["repeat_weekday"].value()) == (
        ["TH"],
        "1",
        "TH",
    )


@pytest.mark.parametrize(
    ("rule", "shown_as"),
    [
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20380427T215959Z", "weekly"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=6", "fortnightly"),
        ("FREQ=MONTHLY;BYDAY=1TU;COUNT=4", "monthly_weekday"),
        ("FREQ=DAILY;COUNT=5", "daily"),
        # Imported rules the picker has no words for.
        ("FREQ=WEEKLY;WKST=SU;BYDAY=TU,TH;COUNT=6", "custom"),
        ("FREQ=DAILY;INTERVAL=3;UNTIL=20380427T120000Z", "custom"),
        ("FREQ=MONTHLY;BYMONTHDAY=2,16;COUNT=6", "custom"),
    ],
)
def test_an_edit_keeps_the_rule_exactly_as_it_was(admin_client, rule, shown_as):
    event = make_event(starts_at=paris(3, 2), recurrence=rule)
    assert event.recurrence == rule
    url = f"/admin/events/event/{event.pk}/change/"
    page = admin_client.get(url)
    form = form_of(page)
    assert form["repeats"].value() == shown_as
    if shown_as == "custom":
        assert form["recurrence"].value() == rule

    data = posted_by(page.content.decode())
    data["place_name"] = ["Bourse du travail, salle 2"]
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and form_of(response).errors
    event.refresh_from_db()
    assert (event.place_name, event.recurrence) == ("Bourse du travail, salle 2", rule)


WEEKLY = {"repeat_weekdays": ["TU"]}


@pytest.mark.parametrize(
    ("repeats", "answers", "field", "says"),
    [
        ("weekly", {"repeat_end": "until", "repeat_until": "27/04/2038"}, "repeat_weekdays", "no_weekday"),
        ("fortnightly", {"repeat_end": "count", "repeat_count": "4"}, "repeat_weekdays", "no_weekday"),
        ("weekly", {**WEEKLY, "repeat_until": "27/04/2038"}, "repeat_end", "no_end"),
        ("weekly", {**WEEKLY, "repeat_end": "until", "repeat_until": ""}, "repeat_until", "no_until"),
        (
            "weekly",
            {**WEEKLY, "repeat_end": "until", "repeat_until": "31/02/2038"},
            "repeat_until",
            "Saisissez une date",
        ),
        (
            "weekly",
            {**WEEKLY, "repeat_end": "until", "repeat_until": "01/03/2038"},
            "repeat_until",
            "La date de fin précède la date de début.",
        ),
        ("daily", {"repeat_end": "until", "repeat_until": "01/01/2300"}, "repeat_until", "plus de 1000 dates"),
        ("weekly", {**WEEKLY, "repeat_end": "count", "repeat_count": ""}, "repeat_count", "no_count"),
        ("weekly", {**WEEKLY, "repeat_end": "count", "repeat_count": "0"}, "repeat_count", "supérieure ou égale à 1"),
        ("daily", {"repeat_end": "count", "repeat_count": "1001"}, "repeat_count", "plus de 1000 dates"),
        ("custom", {"recurrence": "FREQ=WEEKLY;BYDAY=XX;COUNT=3"}, "recurrence", "règle de récurrence est illisible"),
        ("custom", {"recurrence": "FREQ=WEEKLY;BYDAY=TU"}, "recurrence", "Cette récurrence ne finit jamais"),
    ],
)
def test_a_wrong_answer_is_told_on_its_question_and_nothing_typed_is_lost(admin_client, repeats, answers, field, says):
    response = admin_client.post(ADD, picker(repeats, **answers))

    assert response.status_code == 200
    assert not Event.objects.exists()
    form = form_of(response)
    # Only this question is refused: not the custom rule box, not the changed dates.
    assert list(form.errors) == [field]
    assert all(not inline.errors for inline in response.context["inline_admin_formsets"][1].formset)
    (error,) = form.errors.as_data()[field]
    with translation.override("fr"):
        assert error.code == says or says in " ".join(error.messages)
    # Shown on its own row of the form.
    html = response.content.decode()
    row = html.split(f'<div class="form-row errors field-{field}">', 1)[1].split('<div class="form-row', 1)[0]
    assert 'class="errorlist' in row
    # What was typed is still there.
    assert form["repeats"].value() == repeats
    for name, value in answers.items():
        assert form[name].value() == value
    assert "Permanence du mardi" in html


def test_every_wrong_answer_is_told_at_once(admin_client):
    form = picker("weekly", repeat_end="until", repeat_until="31/02/2038", starts_at_0="")
    form_errors = form_of(admin_client.post(ADD, form)).errors.as_data()
    assert {name: [error.code for error in errors] for name, errors in form_errors.items()} == {
        "starts_at": ["required"],
        "repeat_weekdays": ["no_weekday"],
        "repeat_until": ["invalid"],
    }


def test_an_answer_to_a_question_no_longer_asked_is_left_aside(admin_client):
    """A date typed, then "after 5 occurrences" chosen: the date is not read."""
    form = picker("weekly", **WEEKLY, repeat_end="count", repeat_count="5", repeat_until="31/02/2038")
    form["changes-TOTAL_FORMS"] = "0"
    response = admin_client.post(ADD, form)
    assert response.status_code == 302, response.context and form_of(response).errors
    assert Event.objects.get().recurrence == "FREQ=WEEKLY;BYDAY=TU;COUNT=5"


@pytest.mark.parametrize(("language", "first_day"), [("fr", "MO"), ("en", "SU"), ("ar", "SU")])
def test_the_picker_is_grouped_for_screen_readers_and_starts_the_week_as_the_language_does(
    admin_client, language, first_day
):
    html = admin_client.get(ADD, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    if language == "ar":
        assert 'dir="rtl"' in html
    days = re.search(r'<fieldset class="choice-group inline" id="id_repeat_weekdays">\s*<legend>[^<]+</legend>', html)
    assert days, "the days of the week in a fieldset named by its legend"
    assert re.findall(r'name="repeat_weekdays" value="(\w\w)"', html)[0] == first_day
    # Each choice has its own label.
    for name in ("repeats", "repeat_weekdays", "repeat_end"):
        for index in re.findall(rf'id="id_{name}_(\d)"', html):
            assert f'<label for="id_{name}_{index}">' in html
    assert re.search(r'<label for="id_repeat_until">', html) and re.search(r'<label for="id_repeat_count">', html)

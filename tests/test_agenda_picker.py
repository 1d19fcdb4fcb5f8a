"""The recurrence picker of the event admin: choices in, the stored RFC 5545 rule out, and back."""

import datetime

import pytest
from django.utils import translation

from events import recurrence as rules
from events.recurrence import Repetition
from tests.test_agenda import PARIS, YEAR, paris

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

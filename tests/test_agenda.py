"""The agenda: events, recurrence, statuses, public pages, feeds and calendar files."""

import datetime
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from icalendar import Calendar

from events.models import Event, EventVersion, OccurrenceChange
from publishing.models import Theme
from tests.helpers import MM, count_queries, plain_french, read_pdf

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Daylight-saving time starts in Paris on the last Sunday of March: 28 March 2038.
YEAR = 2038


def paris(month: int, day: int, hour: int = 14, minute: int = 0, year: int = YEAR) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def make_event(
    slug: str = "permanence",
    versions: dict[str, dict] | None = None,
    *,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    status: str = Event.Status.PUBLISHED,
    themes: tuple[str, ...] = (),
    **fields,
) -> Event:
    starts_at = starts_at or paris(3, 2)
    event = Event(
        slug=slug,
        starts_at=starts_at,
        ends_at=ends_at or starts_at + datetime.timedelta(hours=3),
        status=status,
        published_at=timezone.now() - datetime.timedelta(hours=1),
        **fields,
    )
    event.full_clean()
    event.save()
    event.themes.set(Theme.from_names(list(themes)))
    for language, values in (versions or {"fr": {}}).items():
        EventVersion.objects.create(
            event=event,
            language=language,
            title=values.get("title", f"Événement {slug} {language}"),
            summary=values.get("summary", ""),
            body=values.get("body", ""),
            accessibility_notes=values.get("accessibility_notes", ""),
        )
    return event


def weekly_desk(**fields) -> Event:
    """The Tuesday drop-in desk, 14:00–17:00, across the change to summer time."""
    return make_event(
        "permanence-du-mardi",
        {"fr": {"title": "Permanence du mardi", "summary": "Aide aux dossiers"}, "ar": {"title": "مكتب الثلاثاء"}},
        starts_at=paris(3, 2),
        ends_at=paris(3, 2, 17),
        recurrence="FREQ=WEEKLY;BYDAY=TU;UNTIL=20380427",
        place_name="Bourse du travail",
        address="3 rue du Château-d'Eau, 75010 Paris",
        **fields,
    )


def change(event: Event, original: datetime.datetime, **fields) -> OccurrenceChange:
    occurrence_change = OccurrenceChange(event=event, original_start=original, **fields)
    occurrence_change.full_clean(exclude=["event"])
    occurrence_change.check_occurrence(event)
    occurrence_change.save()
    return occurrence_change


# Recurrence ---------------------------------------------------------------


def test_a_weekly_desk_stays_at_14_local_time_across_daylight_saving():
    event = weekly_desk()

    starts = [occurrence.starts_at.astimezone(PARIS) for occurrence in event.occurrences.order_by("starts_at")]

    assert len(starts) == 9  # 2 March to 27 April
    assert {(start.hour, start.minute, start.weekday()) for start in starts} == {(14, 0, 1)}
    assert starts[3].utcoffset() == datetime.timedelta(hours=1)  # 23 March, winter time
    assert starts[4].utcoffset() == datetime.timedelta(hours=2)  # 30 March, summer time
    assert event.last_ends_at == paris(4, 27, 17)


def test_one_occurrence_cancelled_one_moved_one_left_out_the_rest_untouched():
    event = weekly_desk()
    change(event, paris(3, 16), status="cancelled")
    change(event, paris(3, 23), status="scheduled", starts_at=paris(3, 25, 10), ends_at=paris(3, 25, 12))
    change(event, paris(4, 6), removed=True)

    occurrences = list(event.occurrences.order_by("starts_at"))

    assert len(occurrences) == 8
    cancelled = next(o for o in occurrences if o.starts_at == paris(3, 16))
    assert cancelled.status == "cancelled"
    moved = next(o for o in occurrences if o.original_start == paris(3, 23))
    assert (moved.starts_at, moved.ends_at, moved.moved) == (paris(3, 25, 10), paris(3, 25, 12), True)
    assert paris(4, 6) not in {o.starts_at for o in occurrences}
    assert all(o.status == "scheduled" and not o.moved for o in occurrences if o not in (cancelled, moved))
    # Each change raised the sequence calendars compare.
    event.refresh_from_db()
    assert event.sequence == 3


def test_a_monthly_meeting_on_the_first_thursday():
    event = make_event("reunion", starts_at=paris(1, 7, 19), recurrence="FREQ=MONTHLY;BYDAY=1TH;COUNT=4")
    days = [o.starts_at.astimezone(PARIS).date() for o in event.occurrences.order_by("starts_at")]
    assert days == [
        datetime.date(YEAR, 1, 7),
        datetime.date(YEAR, 2, 4),
        datetime.date(YEAR, 3, 4),
        datetime.date(YEAR, 4, 1),
    ]
    assert {o.starts_at.astimezone(PARIS).hour for o in event.occurrences.all()} == {19}
    with translation.override("en"):
        assert event.rule_in_words() == "every first Thursday of the month"


def test_whole_day_events_cover_their_days_in_the_event_zone():
    event = make_event("fete", starts_at=paris(6, 20, 0), ends_at=paris(6, 21, 0), all_day=True)
    (occurrence,) = event.occurrences.all()
    assert occurrence.starts_at == paris(6, 20, 0) and occurrence.ends_at == paris(6, 22, 0)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"ends_at": paris(3, 2, 13)}, "ends_at", "La fin précède le début"),
        ({"recurrence": "FREQ=WEEKLY;BYDAY=TU"}, "recurrence", "Cette récurrence ne finit jamais"),
        ({"recurrence": "FREQ=DAILY;COUNT=100000"}, "recurrence", "plus de 1000 dates"),
        ({"recurrence": "FREQ=DAILY;UNTIL=23000101"}, "recurrence", "plus de 1000 dates"),
        ({"recurrence": "FREQ=MINUTELY;COUNT=5"}, "recurrence", "FREQ=DAILY, WEEKLY, MONTHLY ou YEARLY"),
        ({"recurrence": "FREQ=WEEKLY;BYDAY=XX;COUNT=3"}, "recurrence", "règle de récurrence est illisible"),
        ({"time_zone": "Europe/Pariss"}, "time_zone", "n'est pas un fuseau horaire connu"),
        ({"ends_at": paris(4, 10)}, "ends_at", "30 jours au plus"),
    ],
)
def test_bad_input_gets_a_clear_message(fields, field, message):
    event = Event(slug="x", **{"starts_at": paris(3, 2), "ends_at": paris(3, 2, 17), **fields})
    with translation.override("fr"), pytest.raises(ValidationError) as raised:
        event.full_clean()
    with translation.override("fr"):
        assert message in plain_french(" ".join(raised.value.message_dict[field]))


def test_a_change_must_name_an_occurrence_of_the_rule():
    event = weekly_desk()
    with translation.override("fr"), pytest.raises(ValidationError) as raised:
        change(event, paris(3, 17))  # a Wednesday
    with translation.override("fr"):
        assert "pas de date qui commence à ce jour" in str(raised.value)


# Public pages -------------------------------------------------------------


def test_the_agenda_lists_upcoming_occurrences_with_their_banners(client):
    event = weekly_desk(themes=("Permanences",))
    change(event, paris(3, 16), status="cancelled")
    change(event, paris(3, 23), status="scheduled", starts_at=paris(3, 25, 10), ends_at=paris(3, 25, 12))
    make_event("brouillon", {"fr": {"title": "Un brouillon"}}, status=Event.Status.DRAFT)
    make_event("passe", {"fr": {"title": "Rassemblement passé"}}, starts_at=paris(3, 2, year=2024))

    html = client.get("/fr/agenda/").content.decode()

    assert html.count("Permanence du mardi") == 9
    assert "Un brouillon" not in html and "Rassemblement passé" not in html
    assert html.count('<p class="event-status status-cancelled"><strong>Annulé</strong></p>') == 1
    assert "mardi 16 mars 2038" in html
    # The moved occurrence: at its new time, saying when it was planned.
    assert re.search(r"jeudi 25 mars 2038.*?10:00.*?12:00", html, re.S)
    assert "Au lieu de" in html
    assert 'href="webcal://testserver/fr/agenda.ics"' in html


def test_the_agenda_per_theme_and_its_pages(client):
    make_event("a", {"fr": {"title": "Sur le logement"}}, themes=("Logement",))
    make_event("b", {"fr": {"title": "Sur la CAF"}}, themes=("CAF",))
    html = client.get("/fr/agenda/?theme=logement").content.decode()
    assert "Sur le logement" in html and "Sur la CAF" not in html
    assert "webcal://testserver/fr/agenda.ics?theme=logement" in html


@pytest.mark.parametrize("page", ["²", "9" * 5000])
def test_a_page_number_int_cannot_read_shows_the_first_page(client, page):
    # Digits to str.isdigit(), not to int(): a superscript, or more than it reads.
    make_event("a", {"fr": {"title": "Sur le logement"}})
    response = client.get("/fr/agenda/", {"page": page})
    assert response.status_code == 200
    assert "Sur le logement" in response.content.decode()


def test_the_agenda_makes_a_constant_number_of_queries(client):
    make_event("a", {"fr": {}, "ar": {}}, themes=("CAF",))
    client.get("/fr/agenda/")  # the site's settings are made on the first request
    one = count_queries(client, "/fr/agenda/")
    weekly_desk(themes=("Logement", "CAF"))
    for index in range(15):  # two pages
        make_event(f"e{index}", {"fr": {}, "en": {}}, starts_at=paris(4, 1 + index), themes=("CAF",))
    assert count_queries(client, "/fr/agenda/") == one
    assert count_queries(client, "/fr/agenda/?page=2") == one


def test_the_home_page_shows_the_next_events_once_each(client):
    weekly_desk()
    make_event("rassemblement", {"fr": {"title": "Rassemblement devant la CAF"}}, starts_at=paris(3, 5, 11))
    html = client.get("/fr/").content.decode()
    section = html.split('id="upcoming-events"')[1].split("</section>")[0]
    assert section.count("Permanence du mardi") == 1
    assert "Rassemblement devant la CAF" in section
    assert section.index("Permanence du mardi") < section.index("Rassemblement devant la CAF")


def test_past_events_by_year(client):
    make_event("rassemblement-2024", {"fr": {"title": "Rassemblement 2024"}}, starts_at=paris(5, 2, year=2024))
    make_event("rassemblement-2025", {"fr": {"title": "Rassemblement 2025"}}, starts_at=paris(5, 2, year=2025))
    make_event("futur", {"fr": {"title": "À venir"}})

    assert client.get("/fr/agenda/past/")["Location"] == f"/fr/agenda/past/{timezone.localdate().year}/"
    html = client.get("/fr/agenda/past/2024/").content.decode()
    assert "Rassemblement 2024" in html and "Rassemblement 2025" not in html and "À venir" not in html
    assert client.get("/fr/agenda/past/1990/").status_code == 404


def test_the_event_page_in_french_and_arabic(client, make_tract):
    tract = make_tract("appel", {"fr": {"title": "Appel à la permanence"}})
    event = weekly_desk(step_free=True, childcare=True, latitude="48.870000", longitude="2.360000")
    event.related_tracts.add(tract)
    EventVersion.objects.filter(event=event, language="fr").update(accessibility_notes="Ascenseur au fond de la cour")

    html = client.get("/fr/agenda/permanence-du-mardi/").content.decode()
    assert "<h1>Permanence du mardi</h1>" in html
    assert re.search(r"mardi 2 mars 2038</bdi></time>, de <time[^>]*><bdi>14:00</bdi></time> à", html)
    assert "Récurrent : chaque mardi." in plain_french(html)
    assert "Accès sans marche" in html and "Garde d’enfants" in html and "Ascenseur au fond" in html
    assert 'href="https://www.openstreetmap.org/?mlat=48.87000&amp;mlon=2.36000#map=17/48.87000/2.36000"' in html
    assert "<iframe" not in html and "tile" not in html
    assert 'href="/fr/agenda/permanence-du-mardi/event.ics"' in html
    assert "Appel à la permanence" in html
    # Both ways: the tract names the event.
    assert "Permanence du mardi" in client.get("/fr/tracts/appel/").content.decode()

    arabic = client.get("/ar/agenda/permanence-du-mardi/").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "مكتب الثلاثاء" in arabic
    # Dates and times in words, each kept whole in its own isolate.
    assert re.search(r"<bdi>الثلاثاء 2 مارس 2038</bdi>", arabic)
    assert "<bdi>14:00</bdi>" in arabic


def test_structured_data_says_the_status_of_the_occurrence_shown(client):
    event = weekly_desk()
    change(event, paris(3, 2), status="cancelled")
    html = client.get("/fr/agenda/permanence-du-mardi/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
    assert data["@type"] == "Event"
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["startDate"] == "2038-03-02T14:00:00+01:00"
    assert data["location"]["name"] == "Bourse du travail"
    assert data["inLanguage"] == "fr"


def test_a_draft_event_is_a_404(client):
    make_event("cache", status=Event.Status.DRAFT)
    assert client.get("/fr/agenda/cache/").status_code == 404
    assert client.get("/fr/agenda/cache/event.ics").status_code == 404


def test_atom_feed_and_sitemap(client):
    event = weekly_desk()
    change(event, paris(3, 9), status="cancelled")
    atom = client.get("/fr/agenda/feed.atom").content.decode()
    assert "<title>Annulé : Permanence du mardi</title>" in plain_french(atom)
    assert atom.count("<entry>") == 9
    assert client.get("/fr/agenda/feed.rss").status_code == 200
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-events.xml" in index
    sitemap = client.get("/sitemap-events.xml").content.decode()
    assert "/fr/agenda/permanence-du-mardi/" in sitemap and "/ar/agenda/permanence-du-mardi/" in sitemap


# Calendar files -----------------------------------------------------------


def desk_with_changes() -> Event:
    event = weekly_desk(themes=("Permanences",))
    change(event, paris(3, 16), status="cancelled")
    change(event, paris(3, 23), status="scheduled", starts_at=paris(3, 25, 10), ends_at=paris(3, 25, 12))
    change(event, paris(4, 6), removed=True)
    return event


def test_the_agenda_calendar_file(client):
    event = desk_with_changes()
    make_event(
        "fete", {"fr": {"title": "Fête du quartier"}}, starts_at=paris(6, 20, 0), ends_at=paris(6, 21, 0), all_day=True
    )

    response = client.get("/fr/agenda.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    entries = [entry for entry in calendar.walk("VEVENT") if entry["UID"] == event.uid]
    main = next(entry for entry in entries if "RECURRENCE-ID" not in entry)
    assert main["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20380427T215959Z;BYDAY=TU"
    assert main["DTSTART"].params["TZID"] == "Europe/Paris" and main["DTSTART"].dt == paris(3, 2)
    assert [value.dt for value in main["EXDATE"].dts] == [paris(4, 6)]
    assert main["STATUS"] == "CONFIRMED" and main["SEQUENCE"] == 3 and "DTSTAMP" in main
    assert main["URL"] == "http://testserver/fr/agenda/permanence-du-mardi/"
    overrides = {entry["RECURRENCE-ID"].dt: entry for entry in entries if "RECURRENCE-ID" in entry}
    assert overrides[paris(3, 16)]["STATUS"] == "CANCELLED"
    assert plain_french(overrides[paris(3, 16)]["SUMMARY"]) == "Annulé : Permanence du mardi"
    assert overrides[paris(3, 23)]["DTSTART"].dt == paris(3, 25, 10)
    whole_day = next(entry for entry in calendar.walk("VEVENT") if entry["SUMMARY"] == "Fête du quartier")
    assert whole_day["DTSTART"].dt == datetime.date(YEAR, 6, 20) and whole_day["DTEND"].dt == datetime.date(YEAR, 6, 22)
    # In Arabic, the same events under the same UIDs, with their Arabic titles.
    arabic = Calendar.from_ical(client.get("/ar/agenda.ics").content)
    assert "مكتب الثلاثاء" in {str(entry["SUMMARY"]) for entry in arabic.walk("VEVENT")}
    assert {entry["UID"] for entry in arabic.walk("VEVENT")} == {entry["UID"] for entry in calendar.walk("VEVENT")}


def test_uid_stays_and_sequence_rises_on_each_edit(client):
    event = weekly_desk()
    first = Calendar.from_ical(client.get("/fr/agenda/permanence-du-mardi/event.ics").content)
    feed_before = client.get("/fr/agenda.ics").content
    event.place_name = "Local syndical"
    event.save()
    second = Calendar.from_ical(client.get("/fr/agenda/permanence-du-mardi/event.ics").content)
    # The subscribed feed, kept in the cache, is made again after the edit.
    assert b"Local syndical" not in feed_before and b"Local syndical" in client.get("/fr/agenda.ics").content
    (before,), (after,) = first.walk("VEVENT"), second.walk("VEVENT")
    assert before["UID"] == after["UID"] == event.uid
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert "Local syndical" in after["LOCATION"]


def test_the_calendar_per_theme(client):
    make_event("a", {"fr": {"title": "Sur le logement"}}, themes=("Logement",))
    make_event("b", {"fr": {"title": "Sur la CAF"}}, themes=("CAF",))
    calendar = Calendar.from_ical(client.get("/fr/agenda.ics?theme=logement").content)
    assert [str(entry["SUMMARY"]) for entry in calendar.walk("VEVENT")] == ["Sur le logement"]
    assert "Logement" in calendar["X-WR-CALNAME"]


needs_khal = pytest.mark.skipif(
    shutil.which("khal") is None, reason="Debian's khal is not installed (apt-get install khal)"
)


def khal_list(
    folder, calendar: bytes, first_day: str, last_day: str, line_format: str = "{start} {end} {status} {title}"
) -> list[str]:
    """What Debian's khal, a real calendar client, lists of `calendar` once imported."""
    feed = folder / "agenda.ics"
    feed.write_bytes(calendar)
    (folder / "calendar").mkdir()
    config = folder / "khal.conf"
    config.write_text(
        f"[calendars]\n[[agenda]]\npath = {folder / 'calendar'}\ntype = calendar\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "local_timezone = Europe/Paris\ndefault_timezone = Europe/Paris\n"
    )
    environment = {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder / "data"), "TZ": "UTC"}

    def khal(*arguments: str) -> str:
        done = subprocess.run(
            ["khal", "-c", str(config), *arguments], capture_output=True, text=True, env=environment, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    khal("import", "--batch", "-a", "agenda", str(feed))
    listed = khal("list", "--format", line_format, "--day-format", "", first_day, last_day)
    return [line for line in listed.splitlines() if line.strip()]


@needs_khal
def test_khal_imports_the_agenda_and_lists_the_expected_occurrences(client, tmp_path):
    """A real calendar client reads the feed: the 14:00 desk on both sides of
    the change to summer time (28 March), one occurrence cancelled, one
    moved, one left out."""
    desk_with_changes()

    listed = khal_list(tmp_path, client.get("/fr/agenda.ics").content, "2038-03-01", "2038-05-01")
    listed = [plain_french(line) for line in listed]

    assert listed == [
        "2038-03-02 14:00 2038-03-02 17:00 CONFIRMED  Permanence du mardi",
        "2038-03-09 14:00 2038-03-09 17:00 CONFIRMED  Permanence du mardi",
        "2038-03-16 14:00 2038-03-16 17:00 CANCELLED  Annulé : Permanence du mardi",
        "2038-03-25 10:00 2038-03-25 12:00 CONFIRMED  Déplacé : Permanence du mardi",
        "2038-03-30 14:00 2038-03-30 17:00 CONFIRMED  Permanence du mardi",
        "2038-04-13 14:00 2038-04-13 17:00 CONFIRMED  Permanence du mardi",
        "2038-04-20 14:00 2038-04-20 17:00 CONFIRMED  Permanence du mardi",
        "2038-04-27 14:00 2038-04-27 17:00 CONFIRMED  Permanence du mardi",
    ]


# The admin ----------------------------------------------------------------


def event_form(**overrides) -> dict:
    data = {
        "slug": "",
        "original_language": "fr",
        "starts_at_0": "2038-03-02",
        "starts_at_1": "14:00:00",
        "ends_at_0": "2038-03-02",
        "ends_at_1": "17:00:00",
        "time_zone": "Europe/Paris",
        "recurrence": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20380427",
        "event_status": "scheduled",
        "place_name": "Bourse du travail",
        "address": "3 rue du Château-d'Eau, 75010 Paris",
        "latitude": "",
        "longitude": "",
        "online_url": "",
        "step_free": "on",
        "status": "published",
        "published_at_0": "2026-10-20",
        "published_at_1": "08:00:00",
        "versions-TOTAL_FORMS": "2",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "1",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-language": "fr",
        "versions-0-title": "Permanence du mardi",
        "versions-0-summary": "De l'aide pour vos dossiers CAF et France Travail.",
        "versions-0-body": "<p>Venez avec vos courriers.</p>",
        "versions-0-accessibility_notes": "Rez-de-chaussée.",
        "versions-1-language": "ar",
        "versions-1-title": "مكتب الثلاثاء",
        "versions-1-summary": "مساعدة في ملفاتكم",
        "versions-1-body": "<p>أحضروا رسائلكم.</p>",
        "versions-1-accessibility_notes": "",
        "changes-TOTAL_FORMS": "2",
        "changes-INITIAL_FORMS": "0",
        "changes-MIN_NUM_FORMS": "0",
        "changes-MAX_NUM_FORMS": "1000",
        "changes-0-original_start_0": "2038-03-16",
        "changes-0-original_start_1": "14:00:00",
        "changes-0-status": "cancelled",
        "changes-1-original_start_0": "2038-03-30",
        "changes-1-original_start_1": "14:00:00",
        "changes-1-status": "scheduled",
        "changes-1-starts_at_0": "2038-04-01",
        "changes-1-starts_at_1": "10:00:00",
        "changes-1-ends_at_0": "2038-04-01",
        "changes-1-ends_at_1": "12:00:00",
    }
    data.update(overrides)
    return data


def test_an_organiser_creates_a_weekly_desk_cancels_one_date_and_moves_another(admin_client, client):
    response = admin_client.post("/admin/events/event/add/", event_form())
    assert response.status_code == 302, response.context and response.context["errors"]
    event = Event.objects.get()
    assert event.slug == "permanence-du-mardi"
    assert [version.language for version in event.all_versions()] == ["fr", "ar"]
    assert event.occurrences.count() == 9
    # The public page, the home page, the Atom feed and the calendar all show the changes.
    page = client.get("/fr/agenda/").content.decode()
    assert "Annulé" in page and "jeudi 1 avril 2038" in page
    atom = client.get("/fr/agenda/feed.atom").content.decode()
    assert "Annulé : Permanence du mardi" in plain_french(atom) and "Déplacé : Permanence du mardi" in plain_french(
        atom
    )
    assert "Permanence du mardi" in client.get("/fr/").content.decode()
    calendar = Calendar.from_ical(client.get("/fr/agenda.ics").content)
    statuses = {
        entry.get("RECURRENCE-ID").dt if "RECURRENCE-ID" in entry else None: entry for entry in calendar.walk("VEVENT")
    }
    assert statuses[paris(3, 16)]["STATUS"] == "CANCELLED"
    assert statuses[paris(3, 30)]["DTSTART"].dt == paris(4, 1, 10)
    # The change page lists the next occurrences, their banners included.
    change_page = admin_client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert "mardi 16 mars 2038" in change_page and "Annulé" in change_page


def test_the_admin_reads_times_in_the_event_zone(admin_client):
    response = admin_client.post(
        "/admin/events/event/add/",
        event_form(**{"time_zone": "America/Cayenne", "recurrence": "", "changes-TOTAL_FORMS": "0"}),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.starts_at == datetime.datetime(2038, 3, 2, 17, 0, tzinfo=datetime.UTC)  # 14:00 in Cayenne (UTC-3)
    html = admin_client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert 'name="starts_at_1" value="14:00:00"' in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at_1": "13:00:00"}, "La fin précède le début"),
        ({"time_zone": "Mars/Olympus"}, "n'est pas un fuseau horaire connu"),
        ({"recurrence": "FREQ=WEEKLY;BYDAY=TU"}, "Cette récurrence ne finit jamais"),
        ({"recurrence": "FREQ=DAILY;COUNT=100000"}, "plus de 1000 dates"),
        ({"changes-0-original_start_0": "2038-03-17"}, "pas de date qui commence à ce jour"),
    ],
)
def test_bad_input_in_the_admin_keeps_the_form_and_says_why(admin_client, overrides, message):
    response = admin_client.post("/admin/events/event/add/", event_form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in plain_french(html)
    assert "Permanence du mardi" in html  # what was typed is still there
    assert not Event.objects.exists()


def test_the_admin_list_makes_a_constant_number_of_queries(admin_client):
    weekly_desk()
    admin_client.get("/admin/events/event/")
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get("/admin/events/event/").status_code == 200
    for index in range(5):
        make_event(f"e{index}", {"fr": {}, "ar": {}}, themes=("CAF",))
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get("/admin/events/event/").status_code == 200
    assert len(many) == len(one)


# Demo content -------------------------------------------------------------


def test_demo_events_load_once_with_a_cancelled_and_a_moved_date(client, make_tract):
    from events.demo import load_demo_events

    make_tract("non-au-score", {"fr": {"title": "Non au score"}})
    assert load_demo_events() == (4, 0)
    assert load_demo_events() == (0, 4)

    desk = Event.objects.get(slug="permanence-du-mardi")
    assert desk.occurrences.filter(status="cancelled").count() == 1
    assert desk.occurrences.filter(moved=True).count() == 1
    assert [version.language for version in desk.all_versions()] == ["fr", "ar"]
    rally = Event.objects.get(slug="rassemblement-devant-la-caf")
    assert rally.last_ends_at < timezone.now() and list(rally.related_tracts.values_list("slug", flat=True)) == [
        "non-au-score"
    ]
    home = client.get("/fr/").content.decode()
    assert "Permanence du mardi" in home and "Réunion publique du premier jeudi" in home
    tract_page = plain_french(client.get("/fr/tracts/non-au-score/").content.decode())
    assert "Rassemblement : rendez-nous nos scores" in tract_page


# Posters and flyers ---------------------------------------------------------


def test_the_a4_poster_in_french_and_the_a6_flyer_in_arabic():
    from events.printing import POSTER_FORMATS, ensure_poster

    event = weekly_desk(step_free=True)
    change(event, paris(3, 2), status="cancelled")
    french, arabic = event.version("fr"), event.version("ar")

    poster = read_pdf(ensure_poster(french, POSTER_FORMATS["poster-a4"]))
    (page,) = poster.pages
    assert (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM)) == (210, 297)
    text = " ".join(page.extract_text().split())  # the lines as they wrap at the poster's size
    assert "Permanence du mardi" in text and "Chaque mardi" in text
    assert "mardi 2 mars 2038" in text and "Annulé" in text
    assert "Bourse du travail" in text and "Accès sans marche" in text
    assert "Ne pas jeter sur la voie publique" in text and "/fr/agenda/permanence-du-mardi/" in text

    flyer = read_pdf(ensure_poster(arabic, POSTER_FORMATS["flyer-a6"]))
    (page,) = flyer.pages
    assert (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM)) == (105, 148)
    assert flyer.trailer["/Root"]["/Lang"] == "ar"
    sheet = read_pdf(ensure_poster(arabic, POSTER_FORMATS["flyer-a6-4up"]))
    (page,) = sheet.pages
    assert (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM)) == (210, 297)


def test_the_print_shop_poster_passes_the_preflight(tmp_path):
    from events.printing import POSTER_FORMATS, ensure_poster

    event = weekly_desk()
    plan = ensure_poster(event.version("ar"), POSTER_FORMATS["poster-a3-pro"])
    data = read_pdf(plan)
    page = data.pages[0]
    trim = page.trimbox
    assert (round(float(trim.width) / MM), round(float(trim.height) / MM)) == (297, 420)
    assert round(float(page.bleedbox.width) / MM) == 303
    path = tmp_path / "affiche.pdf"
    with default_storage.open(plan.storage_name, "rb") as stored:
        path.write_bytes(stored.read())
    done = subprocess.run(
        [sys.executable, "manage.py", "preflight", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith(": OK")


def test_the_event_page_links_its_posters_and_their_stable_addresses_redirect(client):
    weekly_desk()
    html = client.get("/fr/agenda/permanence-du-mardi/").content.decode()
    assert 'href="/fr/agenda/permanence-du-mardi/poster-a3.pdf"' in html
    assert 'href="/fr/agenda/permanence-du-mardi/flyer-a6-4up.pdf"' in html
    response = client.get("/fr/agenda/permanence-du-mardi/poster-a4.pdf")
    assert response.status_code == 302
    assert re.fullmatch(r"/pdf/[0-9a-f]{20}/permanence-du-mardi-fr-poster-a4\.pdf", response["Location"])
    stored = client.get(response["Location"])
    assert stored.status_code == 200 and stored["Content-Type"] == "application/pdf"
    # English has no version: the original's poster.
    assert client.get("/en/agenda/permanence-du-mardi/poster-a4.pdf")["Location"].startswith(
        "/fr/agenda/permanence-du-mardi/poster-a4.pdf"
    )
    assert client.get("/fr/agenda/permanence-du-mardi/poster-a2.pdf").status_code == 404


# Moving in: import_ics ------------------------------------------------------

EXPORT = Path(__file__).parent / "data" / "agenda-export.ics"


def occurrence_lines(events) -> set[str]:
    """Occurrences as khal lists them: start|end (the last day of a whole-day one)|status|title."""
    lines = set()
    for event in events:
        title = event.version(event.original_language).title
        for occurrence in event.occurrences.all():
            start, end = occurrence.local_start(), occurrence.local_end()
            if event.all_day:
                times = f"{start:%Y-%m-%d}|{end - datetime.timedelta(days=1):%Y-%m-%d}"
            else:
                times = f"{start:%Y-%m-%d %H:%M}|{end:%Y-%m-%d %H:%M}"
            status = "CANCELLED" if occurrence.status == "cancelled" else "CONFIRMED"
            lines.add(f"{times}|{status}|{title}")
    return lines


def test_import_ics_keeps_recurrence_exceptions_and_moves_and_runs_again_without_duplicates():
    report = plain_french(run_command("import_ics", str(EXPORT)))

    assert "5 événements créés en brouillon ; 0 déjà présents (même UID)." in report
    assert "VTODO" in report  # what was left out is said
    assert "Mars/Olympus" in report
    assert "Réunion mensuelle : sa récurrence ne finit jamais" in report
    desk = Event.objects.get(uid="desk-2037@example.org")
    assert desk.status == Event.Status.DRAFT and desk.recurrence.startswith("FREQ=WEEKLY")
    assert desk.version("fr").body == "<p>Chaque mardi après-midi.</p><p>Venez avec vos courriers.</p>"
    assert sorted(theme.name for theme in desk.themes.all()) == ["Droits", "Permanences"]
    starts = {o.local_start(): o for o in desk.occurrences.all()}
    assert len(starts) == 7  # 8 Tuesdays, one left out
    assert starts[paris(3, 17, year=2037)].status == "cancelled"
    assert paris(4, 2, 10, year=2037) in starts and starts[paris(4, 2, 10, year=2037)].moved
    assert paris(4, 7, year=2037) not in starts
    rally = Event.objects.get(uid="rally-2037@example.org")
    assert (rally.time_zone, rally.local_start()) == ("Europe/Paris", paris(3, 12, 11, year=2037))  # 10:00 UTC
    fair = Event.objects.get(uid="fair-2037@example.org")
    assert fair.all_day and fair.occurrences.get().local_end() == paris(3, 23, 0, year=2037)

    again = plain_french(run_command("import_ics", str(EXPORT)))
    assert "0 événements créés en brouillon ; 5 déjà présents (même UID)." in again
    assert Event.objects.count() == 5


@needs_khal
def test_import_ics_makes_the_occurrences_khal_lists_for_the_source_file(tmp_path):
    run_command("import_ics", str(EXPORT))
    compared = ["Permanence juridique", "Rassemblement devant la préfecture", "Fête de quartier", "Réunion mensuelle"]
    events = Event.objects.exclude(uid="odd-zone@example.org").prefetch_related("versions", "occurrences")
    ours = {line for line in occurrence_lines(events) if "2037-03-01" <= line[:10] < "2037-06-01"}

    listed = khal_list(tmp_path, EXPORT.read_bytes(), "2037-03-01", "2037-05-31", "{start}|{end}|{status}|{title}")
    theirs = set()
    for line in listed:
        start, end, status, title = line.split("|")
        if title in compared:
            theirs.add(f"{start}|{end}|{status.strip() or 'CONFIRMED'}|{title}")

    assert len(ours) == 12  # 7 desk dates (one cancelled, one moved), a rally, a fair, 3 meetings
    assert ours == theirs


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a calendar", "n'est pas un agenda lisible"),
        (b"BEGIN:VCARD\nVERSION:3.0\nFN:Someone\nEND:VCARD\n", "ne commence pas par BEGIN:VCALENDAR"),
    ],
)
def test_import_ics_refuses_a_malformed_file_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "broken.ics"
    path.write_bytes(content)
    with pytest.raises(CommandError) as raised:
        run_command("import_ics", str(path))
    assert message in plain_french(str(raised.value))
    assert not Event.objects.exists()


def test_import_ics_reports_an_event_it_cannot_take_and_keeps_the_others(tmp_path):
    path = tmp_path / "mixed.ics"
    path.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        b"BEGIN:VEVENT\r\nUID:a@x\r\nSUMMARY:Sans debut\r\nDTSTAMP:20380101T000000Z\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:b@x\r\nSUMMARY:Trop souvent\r\nDTSTAMP:20380101T000000Z\r\n"
        b"DTSTART:20380101T100000Z\r\nRRULE:FREQ=DAILY;COUNT=5000\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )
    report = run_command("import_ics", str(path))
    assert "Sans debut" in report and "pas de début (DTSTART)" in report
    assert "Trop souvent : sa récurrence n'a pas pu être gardée" in plain_french(report)
    assert "1 événements créés en brouillon" in report
    assert Event.objects.get().recurrence == ""


def run_command(*arguments: str) -> str:
    """A command's output, run as in a French-speaking site (LANGUAGE_CODE)."""
    output = io.StringIO()
    with translation.override("fr"):
        call_command(*arguments, stdout=output)
    return output.getvalue()


# Moving out and back: export_site / import_site -------------------------------


def test_events_go_out_with_export_site_and_come_back_with_import_site(tmp_path, make_tract, make_article):
    from moving.site import export_site, import_site

    tract = make_tract("appel", {"fr": {"title": "Appel"}})
    article = make_article("analyse", {"fr": {"title": "Analyse"}})
    event = desk_with_changes()
    event.related_tracts.add(tract)
    event.related_articles.add(article)
    EventVersion.objects.filter(event=event, language="fr").update(accessibility_notes="Rez-de-chaussée")
    make_event("fete", {"fr": {"title": "Fête"}}, starts_at=paris(6, 20, 0), ends_at=paris(6, 20, 0), all_day=True)
    before = {
        e.slug: (e.uid, sorted((o.starts_at, o.ends_at, o.status, o.moved) for o in e.occurrences.all()))
        for e in Event.objects.all()
    }

    summary = export_site(tmp_path / "site")
    assert summary.counts["events"] == 2
    text = (tmp_path / "site" / "events" / "permanence-du-mardi" / "fr.md").read_text()
    assert "title: Permanence du mardi" in text and "accessibility_notes: Rez-de-chaussée" in text
    data = (tmp_path / "site" / "events" / "permanence-du-mardi" / "event.yaml").read_text()
    assert "recurrence: FREQ=WEEKLY;BYDAY=TU;UNTIL=20380427T215959Z" in data
    assert "starts_at: '2038-03-02T14:00:00+01:00'" in data

    Event.objects.all().delete()
    counts = import_site(tmp_path / "site")
    assert counts["events"] == 2
    after = {
        e.slug: (e.uid, sorted((o.starts_at, o.ends_at, o.status, o.moved) for o in e.occurrences.all()))
        for e in Event.objects.all()
    }
    assert after == before
    desk = Event.objects.get(slug="permanence-du-mardi")
    assert [v.language for v in desk.all_versions()] == ["fr", "ar"]
    assert list(desk.related_tracts.values_list("slug", flat=True)) == ["appel"]
    assert list(desk.related_articles.values_list("slug", flat=True)) == ["analyse"]
    assert desk.version("fr").accessibility_notes == "Rez-de-chaussée"
    assert desk.status == Event.Status.PUBLISHED
    # Twice: updated, not duplicated.
    import_site(tmp_path / "site")
    assert Event.objects.count() == 2 and OccurrenceChange.objects.count() == 3


def test_events_are_found_by_the_site_search(client):
    weekly_desk()
    make_event("cache", {"fr": {"title": "Permanence secrète"}}, status=Event.Status.DRAFT)
    html = client.get("/fr/search/?q=permanence").content.decode()
    assert 'href="/fr/agenda/permanence-du-mardi/"><mark>Permanence</mark> du mardi</a>' in html
    assert '<span class="kind">Événement</span>' in html
    assert "Permanence secrète" not in html


def test_a_tract_prints_the_date_and_place_of_the_event_it_calls_for(make_tract):
    from tracts.printing import PRINT_FORMATS, current_fingerprint, ensure_tract_pdf

    tract = make_tract(
        "appel", {"fr": {"title": "Appel", "contact": "collectif@example.org"}}, date=datetime.date(2038, 2, 1)
    )
    version = tract.version("fr")
    before = current_fingerprint(version, PRINT_FORMATS["a5"])
    event = make_event(
        "rassemblement",
        {"fr": {"title": "Rassemblement devant la CAF"}},
        starts_at=paris(3, 4, 11),
        place_name="Place de la République",
    )
    event.related_tracts.add(tract)
    version.refresh_from_db()
    assert current_fingerprint(version, PRINT_FORMATS["a5"]) != before  # the tract's PDFs are made again

    text = read_pdf(ensure_tract_pdf(version, PRINT_FORMATS["a5"])).pages[0].extract_text()
    assert "Rassemblement devant la CAF" in text and "jeudi 4 mars 2038" in text
    assert "Place de la République" in text and "collectif@example.org" in text


def test_staff_preview_a_draft_event_and_its_poster(admin_client, client):
    event = weekly_desk(status=Event.Status.DRAFT)
    assert client.get("/fr/agenda/permanence-du-mardi/").status_code == 404
    change_page = admin_client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert f"/admin/events/event/{event.pk}/preview/ar/" in change_page
    page = admin_client.get(f"/admin/events/event/{event.pk}/preview/fr/")
    assert page.status_code == 200 and "Aperçu" in page.content.decode()
    poster = admin_client.get(f"/admin/events/event/{event.pk}/preview/fr/poster.pdf")
    assert poster["Content-Type"] == "application/pdf"
    assert poster["Cache-Control"].startswith("private, no-store")


def test_the_admin_change_page_makes_a_constant_number_of_queries(admin_client):
    event = weekly_desk(themes=("CAF",))
    change(event, paris(3, 16), status="cancelled")
    url = f"/admin/events/event/{event.pk}/change/"
    admin_client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(url).status_code == 200
    change(event, paris(3, 23), status="full")
    change(event, paris(4, 6), removed=True)
    EventVersion.objects.create(event=event, language="en", title="Tuesday desk")
    with CaptureQueriesContext(connection) as more:
        assert admin_client.get(url).status_code == 200
    assert len(more) == len(one)


def test_the_theme_page_shows_what_comes_next_on_it(client):
    weekly_desk(themes=("Logement",))
    make_event("caf", {"fr": {"title": "Sur la CAF"}}, themes=("CAF",))
    html = client.get("/fr/themes/logement/").content.decode()
    section = html.split('id="theme-events"')[1].split("</section>")[0]
    assert "Permanence du mardi" in section and "Sur la CAF" not in section
    assert 'href="/fr/agenda/?theme=logement"' in section
    assert 'href="/fr/agenda/feed.rss"' in client.get("/fr/").content.decode()


def test_the_cleanup_keeps_the_posters_of_events_to_come_not_of_long_past_ones():
    from events.printing import POSTER_FORMATS, EventPDFs, poster_plan
    from publishing.pdf.store import PDFSource

    coming = weekly_desk()
    past = make_event("passe", starts_at=paris(3, 2, year=2024))
    sources = {
        (event.slug, name): PDFSource.of(event.version("fr"), name)
        for event in (coming, past)
        for name in ("flyer-a6-4up", "flyer-a6", "poster-a3")
    }
    owners = EventPDFs().owners(list(sources.values()))
    assert owners[sources["permanence-du-mardi", "flyer-a6-4up"]].keep_stored
    assert owners[sources["permanence-du-mardi", "flyer-a6"]].keep_stored
    old_poster = owners[sources["passe", "poster-a3"]]
    assert not old_poster.keep_stored
    # Still what its address names: asked for again, it is made again.
    assert old_poster.current_fingerprint() == poster_plan(past.version("fr"), POSTER_FORMATS["poster-a3"]).fingerprint


def test_agenda_ics_without_a_language_goes_to_the_visitors_and_pages_set_no_cookie(client):
    weekly_desk()
    response = client.get("/agenda.ics", headers={"Accept-Language": "ar"})
    assert response.status_code == 302 and response["Location"] == "/ar/agenda.ics"
    for url in ("/fr/agenda/", "/ar/agenda/permanence-du-mardi/", "/fr/agenda.ics", "/fr/agenda/feed.atom"):
        assert not client.get(url).cookies, url

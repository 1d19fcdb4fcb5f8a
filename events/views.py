import datetime
import hashlib
import json
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from publishing.models import SiteSettings, Theme
from publishing.numbers import whole_number
from publishing.pdf.store import PDFSource
from publishing.views import (
    NotFoundForVisitor,
    filter_by_theme,
    publication_page_context,
    redirect_to_current_pdf,
    redirect_to_original_pdf,
)

from .calendar import agenda_calendar, calendar_events, since
from .models import SCHEMA_STATUS, Event, EventOccurrence, EventVersion
from .printing import POSTER_FORMATS, current_fingerprint, poster_filename

OCCURRENCES_PER_PAGE = 20
# Occurrences the page of a recurring event lists.
NEXT_OCCURRENCES = 12
# A subscribed calendar keeps the events of the last months too, and at most
# this many (those ending soonest).
CALENDAR_PAST_DAYS = 180
CALENDAR_MAX_EVENTS = 1000
CALENDAR_CACHE_SECONDS = 24 * 3600


def page_of_occurrences(request: HttpRequest, occurrences, per_page: int = OCCURRENCES_PER_PAGE) -> dict:
    """The page `?page=` asks for, without counting every occurrence: one
    more row than a page says whether another follows."""
    number = whole_number(request.GET.get("page")) or 1
    if not 0 < number <= 10_000:
        number = 1
    rows = list(occurrences.for_cards()[(number - 1) * per_page : number * per_page + 1])
    return {
        "occurrences": rows[:per_page],
        "number": number,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if len(rows) > per_page else None,
    }


def cards(occurrences: list, language: str) -> list[tuple]:
    """Each occurrence with its event's version in `language` (or the original);
    an event with no text yet is left out."""
    return [(occurrence, version) for occurrence in occurrences if (version := occurrence.event.version_for(language))]


def chosen_theme(request: HttpRequest) -> Theme | None:
    """The theme `?theme=` names (an unsaved one when unknown: nothing is on it), or None."""
    slug = request.GET.get("theme")
    if not slug:
        return None
    return Theme.objects.filter(slug=slug[:80]).first() or Theme(slug=slug[:80])


def themes_with_events() -> list[Theme]:
    return Theme.objects.used_by(Event.objects.published())


def index(request: HttpRequest) -> HttpResponse:
    """What comes next, soonest first (per theme with `?theme=`)."""
    occurrences = EventOccurrence.objects.public().upcoming()
    theme = chosen_theme(request)
    if theme is not None:
        occurrences = occurrences.on_theme(theme) if theme.pk else occurrences.none()
    page = page_of_occurrences(request, occurrences)
    return render(
        request,
        "events/index.html",
        {
            "page": page,
            "entries": cards(page["occurrences"], request.LANGUAGE_CODE),
            "current_theme": theme if theme and theme.pk else None,
            "themes": themes_with_events(),
            "calendar_url": calendar_url(request, theme if theme and theme.pk else None),
        },
    )


def past_years() -> list[int]:
    """The years from the first past occurrence to this one, the latest first."""
    # The first occurrence visitors see, read from the start of the index.
    first = EventOccurrence.objects.public().order_by("starts_at").values_list("starts_at", "ends_at").first()
    if first is None or first[1] >= timezone.now():
        return []
    first = first[0]
    this_year = timezone.localdate().year
    return list(range(this_year, timezone.localtime(first).year - 1, -1))


def past(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """The archive: what happened in a year, the latest first."""
    years = past_years()
    if year is None:
        if not years:
            return render(request, "events/past.html", {"years": [], "year": None, "entries": []})
        return redirect("events:past_year", year=years[0])
    if year not in years:
        raise Http404
    occurrences = EventOccurrence.objects.public().past().in_year(year)
    page = page_of_occurrences(request, occurrences)
    return render(
        request,
        "events/past.html",
        {"years": years, "year": year, "page": page, "entries": cards(page["occurrences"], request.LANGUAGE_CODE)},
    )


def json_ld(data: dict) -> str:
    """JSON for a `<script type="application/ld+json">`, unable to close it early."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def structured_data(request: HttpRequest, event: Event, version: EventVersion, shown) -> str:
    """schema.org's Event for search engines, for the occurrence shown."""
    absolute = request.build_absolute_uri
    location: dict[str, object]
    if event.online_url and not event.place_name and not event.address:
        mode, location = "OnlineEventAttendanceMode", {"@type": "VirtualLocation", "url": event.online_url}
    else:
        mode = "MixedEventAttendanceMode" if event.online_url else "OfflineEventAttendanceMode"
        location = {"@type": "Place", "name": event.place_name or event.address, "address": event.address}
        if event.latitude is not None and event.longitude is not None:
            location["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(event.latitude),
                "longitude": float(event.longitude),
            }
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": version.title,
        "url": absolute(version.get_absolute_url()),
        "inLanguage": version.language,
        "eventStatus": shown.schema_status if shown else SCHEMA_STATUS[event.event_status],
        "eventAttendanceMode": f"https://schema.org/{mode}",
        "location": location,
        "organizer": {"@type": "Organization", "name": SiteSettings.load().site_name, "url": absolute("/")},
    }
    start, end = (shown.local_start(), shown.local_end()) if shown else (event.local_start(), event.local_end())
    if event.all_day:
        data["startDate"], data["endDate"] = (
            start.date().isoformat(),
            (end - datetime.timedelta(days=1)).date().isoformat(),
        )
    else:
        data["startDate"], data["endDate"] = start.isoformat(), end.isoformat()
    if shown and shown.moved and shown.original_start:
        data["previousStartDate"] = shown.local_original_start().isoformat()
    if version.summary:
        data["description"] = version.summary
    if event.online_url and location.get("@type") == "Place":
        data["location"] = [location, {"@type": "VirtualLocation", "url": event.online_url}]
    return json_ld(data)


def render_event_page(
    request: HttpRequest, event: Event, *, preview: bool = False, page_url: Callable | None = None
) -> HttpResponse:
    """The event's page; the admin's preview uses it with its own links."""
    context = publication_page_context(
        request, event, missing=_("This event has no text yet."), preview=preview, page_url=page_url
    )
    version = context["version"]
    language = request.LANGUAGE_CODE
    now = timezone.now()
    occurrences = list(event.occurrences.all())
    coming = [occurrence for occurrence in occurrences if occurrence.ends_at >= now]
    for occurrence in occurrences:
        occurrence.event = event  # one event, already loaded
    shown = coming[0] if coming else (occurrences[-1] if occurrences else None)
    return render(
        request,
        "events/detail.html",
        context
        | {
            "event": event,
            "shown": shown,
            "is_past": not coming,
            "next_occurrences": coming[:NEXT_OCCURRENCES] if event.recurrence else [],
            "more_occurrences": max(0, len(coming) - NEXT_OCCURRENCES) if event.recurrence else 0,
            "related_tracts": [(tract, tract.version_for(language)) for tract in event.related_tracts.all()],
            "related_articles": [(article, article.version_for(language)) for article in event.related_articles.all()],
            "structured_data": structured_data(request, event, version, shown),
            "ics_url": version.get_ics_url(),
            "posters": [
                {"format": poster_format, "url": version.get_poster_url(poster_format.name)}
                for poster_format in POSTER_FORMATS.values()
            ],
        },
    )


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event.objects.published().for_page(), slug=slug)
    return render_event_page(request, event)


def calendar_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=600"
    return response


def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """One event's calendar file, to add it to one's calendar."""
    event = get_object_or_404(calendar_events(Event.objects.published()), slug=slug)
    version = event.version_for(request.LANGUAGE_CODE)
    name = version.title if version else event.slug
    content = agenda_calendar([event], request.LANGUAGE_CODE, name, request.build_absolute_uri)
    return calendar_response(content, f"{event.slug}.ics")


def calendar_url(request: HttpRequest, theme: Theme | None) -> str:
    """The subscription address of the agenda (of a theme), as a webcal:// link."""
    path = request.build_absolute_uri(_agenda_ics_path(theme))
    return "webcal://" + path.split("://", 1)[1]


def _agenda_ics_path(theme: Theme | None) -> str:
    from django.urls import reverse

    path = reverse("agenda_ics")
    return f"{path}?theme={theme.slug}" if theme else path


def agenda_ics(request: HttpRequest) -> HttpResponse:
    """The agenda as a calendar to subscribe to, in the address's language, per theme with `?theme=`.

    Made once per change and kept in the cache: icalendar takes about a
    millisecond per event, and calendar clients come back every few hours.
    """
    events, theme = filter_by_theme(request, Event.objects.published())
    events = events.filter(last_ends_at__gte=since(CALENDAR_PAST_DAYS))
    site = SiteSettings.load().site_name
    state = events.aggregate(latest=Max("updated_at"), count=Count("pk"))
    key = (
        "agenda-ics:"
        + hashlib.sha256(
            repr(
                (request.LANGUAGE_CODE, theme and theme.pk, state, site, request.get_host(), timezone.localdate())
            ).encode()
        ).hexdigest()
    )
    content = cache.get(key)
    if content is None:
        name = f"{site}: {theme.local_name}" if theme else _("%(site)s: agenda") % {"site": site}
        chosen = calendar_events(events).order_by("last_ends_at", "pk")[:CALENDAR_MAX_EVENTS]
        content = agenda_calendar(
            sorted(chosen, key=lambda event: (event.starts_at, event.pk)),
            request.LANGUAGE_CODE,
            name,
            request.build_absolute_uri,
            _("What the collective organises and joins."),
        )
        cache.set(key, content, CALENDAR_CACHE_SECONDS)
    return calendar_response(content, "agenda.ics")


def poster(request: HttpRequest, slug: str, format_name: str) -> HttpResponse:
    """The stable address of a poster or flyer: a redirect to its stored file."""
    poster_format = POSTER_FORMATS.get(format_name)
    if poster_format is None:
        raise NotFoundForVisitor(_("There is no “%(format)s” print format.") % {"format": format_name[:20]})
    event = get_object_or_404(Event.objects.published().prefetch_related("versions", "occurrences"), slug=slug)
    version = event.version(request.LANGUAGE_CODE)
    if version is None:
        return redirect_to_original_pdf(
            request,
            event,
            lambda original: original.get_poster_url(format_name),
            missing=_("This event has no text yet."),
        )
    return redirect_to_current_pdf(
        request,
        current_fingerprint(version, poster_format),
        poster_filename(version, poster_format),
        PDFSource.of(version, poster_format.name),
    )

"""Sample events for `make run` (original writing), dated from today so that
the agenda always has something to come: a weekly drop-in desk with one date
cancelled and one moved, a monthly public meeting, a past rally with its
tract, and a day of workshops."""

import datetime

from django.db import transaction
from django.utils import timezone

from publishing.demo import name_demo_themes
from publishing.models import Theme
from tracts.models import Tract

from .models import Event, EventVersion, OccurrenceChange


def _next_weekday(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), timezone.get_default_timezone())


def demo_events(today: datetime.date) -> list[dict]:
    tuesday = _next_weekday(today, 1)
    first_thursday = _next_weekday(today.replace(day=1), 3)
    if first_thursday < today:
        next_month = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        first_thursday = _next_weekday(next_month, 3)
    rally_day = today - datetime.timedelta(days=40)
    workshop_day = _next_weekday(today + datetime.timedelta(days=24), 5)
    return [
        {
            "slug": "permanence-du-mardi",
            "starts_at": _at(tuesday, 14),
            "ends_at": _at(tuesday, 17),
            "recurrence": f"FREQ=WEEKLY;BYDAY=TU;UNTIL={tuesday + datetime.timedelta(weeks=52):%Y%m%d}",
            "place_name": "Bourse du travail, salle 4",
            "address": "3 rue du Château-d'Eau, 75010 Paris",
            "latitude": "48.870300",
            "longitude": "2.359900",
            "step_free": True,
            "interpretation": True,
            "themes": ["Droits"],
            "versions": {
                "fr": {
                    "title": "Permanence du mardi : vos dossiers CAF et France Travail",
                    "summary": "Un contrôle, un trop-perçu, un rendez-vous manqué ? Venez avec vos courriers, on "
                    "regarde ensemble.",
                    "body": "<p>Chaque mardi, deux ou trois membres du collectif tiennent la permanence. On lit les "
                    "courriers, on prépare les recours, on accompagne aux rendez-vous quand il le faut.</p>"
                    "<p>Pas besoin de prévenir. Apportez ce que vous avez reçu, même si cela vous semble sans "
                    "importance.</p>",
                    "accessibility_notes": "Salle au rez-de-chaussée, entrée par la cour. Interprétariat en arabe "
                    "et en tamoul certains mardis : demandez à l'accueil.",
                },
                "ar": {
                    "title": "مكتب الثلاثاء: ملفاتكم لدى صندوق الإعانات العائلية ووكالة التشغيل",
                    "summary": "مراقبة، مبالغ يطالبونكم بإرجاعها، موعد فاتكم؟ تعالوا برسائلكم وننظر فيها معًا.",
                    "body": "<p>كل يوم ثلاثاء، يستقبلكم أعضاء من التجمع. نقرأ الرسائل ونحضّر الطعون ونرافقكم إلى "
                    "المواعيد عند الحاجة.</p>",
                    "accessibility_notes": "القاعة في الطابق الأرضي، الدخول من الساحة.",
                },
            },
            # The third Tuesday falls on a strike day: cancelled; the fifth moves to the Thursday morning.
            "changes": [
                {"weeks": 2, "status": "cancelled"},
                {"weeks": 4, "status": "scheduled", "move_days": 2, "move_hour": 10},
            ],
        },
        {
            "slug": "reunion-publique-mensuelle",
            "starts_at": _at(first_thursday, 19),
            "ends_at": _at(first_thursday, 21),
            "recurrence": "FREQ=MONTHLY;BYDAY=1TH;COUNT=12",
            "place_name": "Maison des associations",
            "address": "18 rue des Envierges, 75020 Paris",
            "online_url": "https://visio.example.org/collectif-reunion",
            "step_free": True,
            "childcare": True,
            "themes": ["Contrôle"],
            "versions": {
                "fr": {
                    "title": "Réunion publique du premier jeudi",
                    "summary": "Ce que nous avons appris ce mois-ci des contrôles, et ce que nous faisons ensuite.",
                    "body": "<p>Ouverte à toutes et tous, allocataires, agents, curieux. On fait le point sur les "
                    "situations suivies et on décide des prochaines actions.</p>",
                    "accessibility_notes": "Accès de plain-pied. Un coin enfants est tenu pendant la réunion.",
                },
                "ar": {
                    "title": "الاجتماع العام لأول خميس من الشهر",
                    "summary": "ما تعلّمناه هذا الشهر عن المراقبة، وما سنفعله بعد ذلك.",
                    "body": "<p>مفتوح للجميع. نراجع الحالات التي نتابعها ونقرر الخطوات القادمة.</p>",
                    "accessibility_notes": "",
                },
            },
        },
        {
            "slug": "rassemblement-devant-la-caf",
            "starts_at": _at(rally_day, 11),
            "ends_at": _at(rally_day, 13),
            "place_name": "Devant la CAF de Paris",
            "address": "50 rue du Docteur-Finlay, 75015 Paris",
            "themes": ["Algorithmes"],
            "related_tract": True,
            "versions": {
                "fr": {
                    "title": "Rassemblement : rendez-nous nos scores",
                    "summary": "Nous demandons que chaque allocataire puisse lire le score qu'on lui attribue.",
                    "body": "<p>Prises de parole, lecture de témoignages et dépôt d'une lettre collective à la "
                    "direction.</p>",
                    "accessibility_notes": "",
                },
            },
        },
        {
            "slug": "journee-ateliers-recours",
            "starts_at": _at(workshop_day, 0),
            "ends_at": _at(workshop_day, 0),
            "all_day": True,
            "event_status": "full",
            "place_name": "Centre social Belleville",
            "address": "5 rue de Tourtille, 75020 Paris",
            "sign_language": True,
            "themes": ["Droits"],
            "versions": {
                "fr": {
                    "title": "Journée d'ateliers : écrire un recours",
                    "summary": "Toute la journée, par petits groupes, on apprend à contester une décision.",
                    "body": "<p>Inscriptions closes : la journée est complète. Une autre est prévue au printemps.</p>",
                    "accessibility_notes": "Interprétation en langue des signes française le matin.",
                },
            },
        },
    ]


def load_demo_events(today: datetime.date | None = None) -> tuple[int, int]:
    """Create the demo events once (an existing slug is left alone); returns (loaded, already there)."""
    specs = demo_events(today or timezone.localdate())
    loaded = 0
    for spec in specs:
        if Event.objects.filter(slug=spec["slug"]).exists():
            continue
        spec = dict(spec)
        versions, changes = spec.pop("versions"), spec.pop("changes", [])
        themes, related_tract = spec.pop("themes"), spec.pop("related_tract", False)
        with transaction.atomic():
            event = Event(**spec, status=Event.Status.PUBLISHED, published_at=timezone.now())
            event.full_clean()
            event.save()
            event.themes.set(Theme.from_names(themes))
            for language, texts in versions.items():
                EventVersion.objects.create(event=event, language=language, **texts)
            for change in changes:
                original = event.starts_at.astimezone(event.zone) + datetime.timedelta(weeks=change["weeks"])
                moved = {}
                if "move_days" in change:
                    new_start = (original + datetime.timedelta(days=change["move_days"])).replace(
                        hour=change["move_hour"]
                    )
                    moved = {"starts_at": new_start, "ends_at": new_start + datetime.timedelta(hours=3)}
                OccurrenceChange.objects.create(event=event, original_start=original, status=change["status"], **moved)
            tract = Tract.objects.published().filter(slug="non-au-score").first()
            if related_tract and tract:
                event.related_tracts.add(tract)
        loaded += 1
    name_demo_themes()
    return loaded, len(specs) - loaded

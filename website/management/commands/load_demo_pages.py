from django.core.management.base import BaseCommand
from django.db import transaction

from website.demo import PAGES
from website.models import Page, PageVersion


class Command(BaseCommand):
    help = "Create the sample pages (about, contact, legal notice) once; existing ones are left alone."

    def handle(self, *args, **options) -> None:
        loaded = 0
        for slug, content in PAGES.items():
            if Page.objects.filter(slug=slug).exists():
                continue
            with transaction.atomic():
                page = Page.objects.create(slug=slug, status=Page.Status.PUBLISHED, position=content["position"])
                for language, (title, summary, body) in content["versions"].items():
                    PageVersion.objects.create(page=page, language=language, title=title, summary=summary, body=body)
            loaded += 1
        self.stdout.write(f"Demo pages: {loaded} loaded, {len(PAGES) - loaded} already there.")

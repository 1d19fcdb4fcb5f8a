from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Agenda")

    def ready(self) -> None:
        from publishing import pdf_store

        from .printing import referenced_pdf_fingerprints, stored_pdf_owner

        pdf_store.register_pdf_owner_resolver(stored_pdf_owner)
        pdf_store.register_pdf_references(referenced_pdf_fingerprints)

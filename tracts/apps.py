from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TractsConfig(AppConfig):
    name = "tracts"
    verbose_name = _("Tracts")

    def ready(self) -> None:
        from publishing.pdf import store
        from publishing.pdf.store import register_pdf_owner_resolver

        from .printing import referenced_pdf_fingerprints
        from .views import stored_pdf_owner

        register_pdf_owner_resolver(stored_pdf_owner)
        store.register_pdf_references(referenced_pdf_fingerprints)

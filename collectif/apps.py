from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectifConfig(AppConfig):
    name = "collectif"
    verbose_name = _("Site")

    def ready(self) -> None:
        from collectif import checks  # noqa: F401 (registers the deployment checks)

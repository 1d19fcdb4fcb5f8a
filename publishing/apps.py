from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    """What tracts, articles and pages share: publication rules, language
    versions, cleaning, images, search, PDF rendering and storage.

    Its label stays "collectif", the name of the package these modules first
    lived in, so that its tables, migrations and permissions keep their names.
    """

    name = "publishing"
    label = "collectif"
    verbose_name = _("Site")

    def ready(self) -> None:
        from publishing import checks  # noqa: F401 (registers the deployment checks)

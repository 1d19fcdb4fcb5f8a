from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TractsConfig(AppConfig):
    name = "tracts"
    verbose_name = _("Tracts")

    def ready(self) -> None:
        from publishing import pdf
        from tracts import prepress

        # Subsetting the label font of tiled posters took 100 ms in every render child.
        pdf.also_warm(prepress.label_font_program)

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from publishing.images import img_attributes
from publishing.models import Image

register = template.Library()


@register.simple_tag
def picture(image: Image | None, sizes: str = "100vw", css_class: str = "") -> SafeString:
    """An <img> with the image's stored renditions in `srcset`, loaded lazily."""
    if image is None:
        return SafeString("")
    sources = image.sources()
    attributes = img_attributes(sources, width=image.width, height=image.height, sizes=sizes)
    return format_html(
        '<img src="{}" alt="{}" class="{}" {}>',
        sources[min(1, len(sources) - 1)].url,
        image.alt_text,
        css_class,
        mark_safe(attributes),  # noqa: S308 (escaped by img_attributes)
    )

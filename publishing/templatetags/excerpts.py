"""`{{ text|excerpt:30 }}`: the start of a text, bounded in words and in characters."""

from django import template
from django.utils.html import strip_tags

from publishing.html import bounded_excerpt

register = template.Library()


@register.filter
def excerpt(value: str, words: int) -> str:
    return bounded_excerpt(strip_tags(str(value or "")), int(words))

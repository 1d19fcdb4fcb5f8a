from django import template

from publishing import admin_site

register = template.Library()


@register.simple_tag(takes_context=True)
def form_title(context) -> str:
    """The add or change form's title (see publishing.admin_site.FORM_TITLES)."""
    return admin_site.form_title(
        context.get("opts"), context.get("add", False), context.get("has_change_permission", False), context["title"]
    )

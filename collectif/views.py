from django.http import Http404, HttpRequest, HttpResponseNotFound
from django.template import loader


class NotFoundForVisitor(Http404):
    """A 404 whose message is written for the visitor and shown on the page."""


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponseNotFound:
    # Django's own 404 messages ("No Tract matches the given query") are for
    # developers; only ours are shown.
    message = str(exception) if isinstance(exception, NotFoundForVisitor) else ""
    template = loader.get_template("404.html")
    return HttpResponseNotFound(template.render({"message": message}, request))

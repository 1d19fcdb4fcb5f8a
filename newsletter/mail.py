"""The mails the newsletter sends, as mail providers expect them.

A letter is rendered once per (version, reader's language), with markers
where each recipient's own links go; per recipient only the links, the `To`
and the `Message-ID` change. No picture (a letter reads the same with
images blocked, and an image would be a way to know who opened it), links
go straight to their address, and the only per-recipient values are the
unsubscribe and preferences links.
"""

import functools
import hashlib
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from markdownify import markdownify

from publishing.languages import language_choices, reverse_in, text_direction
from publishing.models import SiteSettings
from publishing.typography import spaced_for

# Replaced per recipient, after rendering (they survive HTML escaping).
UNSUBSCRIBE_MARK = "NEWSLETTER-UNSUBSCRIBE-URL"
PREFERENCES_MARK = "NEWSLETTER-PREFERENCES-URL"

# What a letter's HTML keeps of the editor's: no picture, no figure.
MAIL_TAGS = {
    "h2", "h3", "h4", "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "a", "blockquote", "hr", "figcaption",
}  # fmt: skip


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def site_name() -> str:
    """The collective's name, as the site's settings give it."""
    return SiteSettings.load().site_name


def _absolute_link(tag: str, attribute: str, value: str) -> str | None:
    # A link of the site written as a path in the editor works from a mailbox too.
    if tag == "a" and attribute == "href" and value.startswith("/") and not value.startswith("//"):
        return site_url(value)
    return value


@functools.lru_cache(maxsize=1)
def _mail_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=MAIL_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}, "ol": {"start"}},
        attribute_filter=_absolute_link,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


def mail_html(body: str) -> str:
    """A version's text as a letter carries it: pictures dropped, links absolute."""
    return _mail_cleaner().clean(body or "")


def plain_text(html: str) -> str:
    """Text that reads on its own: titles marked with #, links written out."""
    text = markdownify(html, heading_style="ATX", bullets="-", escape_asterisks=False, escape_underscores=False)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # At most one empty line in a row.
    return "\n".join(line for index, line in enumerate(lines) if line or (index and lines[index - 1]))


def language_name(code: str) -> str:
    return str(dict(language_choices()).get(code, code))


@dataclass(frozen=True)
class RenderedLetter:
    """A letter in one version for readers of one language, links still marked."""

    language: str  # of the version sent
    subject: str
    text: str
    html: str


def render_letter(version, reader_language: str, fallback: bool) -> RenderedLetter:
    """The letter `version` as readers of `reader_language` get it: the
    interface words (unsubscribe, preferences, the fallback note) in theirs."""
    # Read on phones like the site's pages: French spaced as they are.
    body = spaced_for(version.language, mail_html(version.body))
    subject = spaced_for(version.language, version.subject)
    name = site_name()
    with translation.override(reader_language):
        context = {
            "subject": subject,
            "body": body,
            "body_text": plain_text(body),
            "language": version.language,
            "direction": text_direction(version.language),
            "reader_language": reader_language,
            "reader_direction": text_direction(reader_language),
            "fallback_note": (
                _("This letter is not written in %(wanted)s: here it is in %(language)s.")
                % {"wanted": language_name(reader_language), "language": language_name(version.language)}
                if fallback
                else ""
            ),
            "site_url": settings.SITE_URL,
            "site_name": name,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
            "preferences_url": PREFERENCES_MARK,
        }
        html = loader.render_to_string("newsletter/mail/letter.html", context)
        text = loader.render_to_string("newsletter/mail/letter.txt", context)
    return RenderedLetter(version.language, subject, text, html)


def subscriber_links(token: str, language: str) -> tuple[str, str]:
    """(unsubscribe, preferences) addresses of a subscriber, in their language."""
    return (
        site_url(reverse_in(language, "newsletter:unsubscribe", token=token)),
        site_url(reverse_in(language, "newsletter:preferences", token=token)),
    )


def message_id(letter_id: int, delivery_id: int) -> str:
    """The same for every attempt of one delivery: a copy sent again after an
    interruption is the same message to the recipient's mail program."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{letter_id}:{delivery_id}".encode()).hexdigest()[:16]
    return f"<letter-{letter_id}.{delivery_id}.{digest}@{site_domain()}>"


def letter_message(
    rendered: RenderedLetter, to: str, *, token: str, reader_language: str, message_id_value: str
) -> EmailMultiAlternatives:
    """One recipient's letter: multipart text and HTML, with the list headers."""
    unsubscribe, preferences = subscriber_links(token, reader_language)
    text = rendered.text.replace(UNSUBSCRIBE_MARK, unsubscribe).replace(PREFERENCES_MARK, preferences)
    html = rendered.html.replace(UNSUBSCRIBE_MARK, unsubscribe).replace(PREFERENCES_MARK, preferences)
    message = EmailMultiAlternatives(
        rendered.subject,
        text,
        settings.NEWSLETTER_FROM_EMAIL,
        [to],
        headers={
            # RFC 8058: one POST to this address unsubscribes, no page to go through.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<{settings.NEWSLETTER_LIST_ID}>",
            "Message-ID": message_id_value,
            "Date": formatdate(localtime=True),
            # Bulk mail: vacation replies and other robots stay silent (RFC 3834).
            "Precedence": "bulk",
            "Auto-Submitted": "auto-generated",
            "Content-Language": rendered.language,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def notice_message(to: str, language: str, template: str, context: dict) -> EmailMultiAlternatives:
    """A mail about the subscription itself (confirmation, already subscribed), in `language`."""
    name = site_name()
    with translation.override(language):
        context = {
            **context,
            "language": language,
            "direction": text_direction(language),
            "site_url": settings.SITE_URL,
            "site_name": name,
        }
        subject = loader.render_to_string(f"newsletter/mail/{template}_subject.txt", context).strip()
        text = loader.render_to_string(f"newsletter/mail/{template}.txt", context)
        html = loader.render_to_string(f"newsletter/mail/{template}.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.NEWSLETTER_FROM_EMAIL,
        [to],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


@functools.lru_cache(maxsize=1)
def _dkim_key() -> bytes | None:
    if not (
        settings.NEWSLETTER_DKIM_SELECTOR and settings.NEWSLETTER_DKIM_DOMAIN and settings.NEWSLETTER_DKIM_KEY_FILE
    ):
        return None
    with open(settings.NEWSLETTER_DKIM_KEY_FILE, "rb") as key:
        return key.read()


DKIM_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
]


def as_bytes(message: EmailMultiAlternatives) -> bytes:
    """The message as sent, signed with DKIM when the site signs (settings)."""
    # Django's SafeMIME* as_bytes() takes linesep (the standard library's does not).
    data = message.message().as_bytes(linesep="\r\n")
    key = _dkim_key()
    if key is None:
        return data
    import dkim

    signature = dkim.sign(
        data,
        settings.NEWSLETTER_DKIM_SELECTOR.encode(),
        settings.NEWSLETTER_DKIM_DOMAIN.encode(),
        key,
        # A header listed but absent is signed as absent: nobody can add it on the way.
        include_headers=DKIM_HEADERS,
    )
    return signature + data

"""WordPress exports (WXR) read safely, and WordPress content made into ours.

A WXR file has no formal specification: it is what WordPress's exporter
writes (namespaces `http(s)://wordpress.org/export/1.0|1.1|1.2/`, all seen
in real files). It is parsed with defusedxml and any DTD is refused: an
export never needs one, and entity expansion is a known attack.
Nothing here touches the database; `moving.wordpress` does.
"""

import datetime
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils import timezone

from publishing.numbers import whole_number

WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.\d+/$")
EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$")
CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"
INVALID_XML_CHARACTERS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class WXRError(ValueError):
    """The file cannot be imported at all; one line for the organiser."""


@dataclass
class Term:
    domain: str  # category, post_tag, language, post_translations…
    slug: str
    name: str


@dataclass
class WXRItem:
    wp_id: int
    post_type: str
    status: str
    title: str
    link: str
    guid: str
    post_name: str
    content: str
    excerpt: str
    date: datetime.datetime | None
    creator: str
    parent: int
    attachment_url: str
    terms: list[Term] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def terms_of(self, domain: str) -> list[Term]:
        return [term for term in self.terms if term.domain == domain]


@dataclass
class BrokenItem:
    position: int
    label: str
    error: str


@dataclass
class WXRExport:
    title: str
    site_url: str
    language: str
    authors: dict[str, str]  # login -> display name (the login is never stored)
    term_ids: dict[tuple[str, str], int]  # (domain, slug) -> WordPress term id
    items: list[WXRItem]
    broken: list[BrokenItem]


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _brace, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _kind(namespace: str) -> str:
    if WP_NAMESPACE.match(namespace):
        return "wp"
    if EXCERPT_NAMESPACE.match(namespace):
        return "excerpt"
    return {CONTENT_NAMESPACE: "content", DC_NAMESPACE: "dc", "": ""}.get(namespace, "other")


def _children(element: Element) -> dict[tuple[str, str], list[Element]]:
    found: dict[tuple[str, str], list[Element]] = {}
    for child in element:
        namespace, name = _split(child.tag)
        found.setdefault((_kind(namespace), name), []).append(child)
    return found


def _text(children: dict, kind: str, name: str) -> str:
    elements = children.get((kind, name))
    return (elements[0].text or "") if elements else ""


def parse_wxr(data: bytes) -> WXRExport:
    """The export's items; WXRError when the file is not a WordPress export one can trust."""
    channel = _channel(data)
    children = _children(channel)
    if not _text(children, "wp", "wxr_version"):
        raise WXRError("not a WordPress export (WXR): no wp:wxr_version (Tools › Export in WordPress makes one)")
    items, broken = _items(channel)
    return WXRExport(
        title=(_text(children, "", "title") or "").strip(),
        site_url=(_text(children, "wp", "base_blog_url") or _text(children, "", "link")).strip(),
        language=_text(children, "", "language").strip(),
        authors=_authors(children),
        term_ids=_term_ids(children),
        items=items,
        broken=broken,
    )


def _channel(data: bytes) -> Element:
    # Seen in real exports: a byte-order mark or blank lines a plugin printed
    # before the XML declaration, and control characters pasted into posts.
    data = INVALID_XML_CHARACTERS.sub(b"", data.removeprefix(b"\xef\xbb\xbf").lstrip())
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise WXRError("the file declares a DTD or XML entities, which no WordPress export has: refused")
    except ParseError as error:
        raise WXRError(f"malformed XML ({error})")
    channel = root.find("channel") if _split(root.tag)[1] == "rss" else None
    if channel is None:
        raise WXRError("not a WordPress export (WXR): no <rss><channel>")
    return channel


def _authors(children: dict) -> dict[str, str]:
    """login -> display name (else first and last names)."""
    authors = {}
    for author in children.get(("wp", "author"), []):
        fields = _children(author)
        names = [_text(fields, "wp", "author_first_name"), _text(fields, "wp", "author_last_name")]
        authors[_text(fields, "wp", "author_login")] = (
            _text(fields, "wp", "author_display_name").strip() or " ".join(n for n in names if n).strip()
        )
    return authors


def _term_ids(children: dict) -> dict[tuple[str, str], int]:
    term_ids = {}
    for kind, domain, slug_field in [("category", "category", "category_nicename"), ("tag", "post_tag", "tag_slug")]:
        for term in children.get(("wp", kind), []):
            fields = _children(term)
            if (term_id := whole_number(_text(fields, "wp", "term_id"))) is not None:
                term_ids[(domain, unquote(_text(fields, "wp", slug_field)))] = term_id
    return term_ids


def _items(channel: Element) -> tuple[list[WXRItem], list[BrokenItem]]:
    items, broken = [], []
    for position, element in enumerate(channel.findall("item"), start=1):
        try:
            items.append(_item(element))
        except (ValueError, TypeError, AttributeError) as error:
            label = (element.findtext("title") or "").strip()[:80] or f"item {position}"
            broken.append(BrokenItem(position, label, str(error)[:200] or type(error).__name__))
    return items, broken


def _item(element: Element) -> WXRItem:
    fields = _children(element)
    wp_id = _text(fields, "wp", "post_id").strip()
    if whole_number(wp_id) is None:
        raise ValueError(f"no valid wp:post_id ({wp_id[:20]!r})")
    meta = {}
    for entry in fields.get(("wp", "postmeta"), []):
        entry_fields = _children(entry)
        meta[_text(entry_fields, "wp", "meta_key")] = _text(entry_fields, "wp", "meta_value")
    terms = [
        Term(domain=term.get("domain", ""), slug=unquote(term.get("nicename", "")), name=(term.text or "").strip())
        for term in fields.get(("", "category"), [])
    ]
    parent = _text(fields, "wp", "post_parent").strip()
    return WXRItem(
        wp_id=int(wp_id),
        post_type=_text(fields, "wp", "post_type").strip() or "post",
        status=_text(fields, "wp", "status").strip() or "draft",
        title=html.unescape(_text(fields, "", "title")).strip(),
        link=_text(fields, "", "link").strip(),
        guid=_text(fields, "", "guid").strip(),
        post_name=unquote(_text(fields, "wp", "post_name").strip()),
        content=_text(fields, "content", "encoded"),
        excerpt=_text(fields, "excerpt", "encoded"),
        date=_post_date(_text(fields, "wp", "post_date_gmt"), _text(fields, "wp", "post_date")),
        creator=_text(fields, "dc", "creator").strip(),
        parent=whole_number(parent) or 0,
        attachment_url=_text(fields, "wp", "attachment_url").strip(),
        terms=terms,
        meta=meta,
    )


def _post_date(gmt: str, local: str) -> datetime.datetime | None:
    """WordPress writes "0000-00-00 00:00:00" in GMT for drafts; the local time then serves."""
    for value, zone in ((gmt, datetime.UTC), (local, None)):
        value = value.strip()
        if value and not value.startswith("0000"):
            moment = datetime.datetime.fromisoformat(value)
            return moment.replace(tzinfo=zone) if zone else timezone.make_aware(moment)
    return None


# Content --------------------------------------------------------------------

BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
BLOCK_TAGS = (
    "table|thead|tfoot|caption|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|blockquote|address|p|h[1-6]|hr"
    "|section|article|aside|header|footer|nav|figure|details|summary|iframe"
)
BLOCK_START = re.compile(rf"(<(?:{BLOCK_TAGS})(?=[\s/>]))", re.I)
BLOCK_END = re.compile(rf"(</(?:{BLOCK_TAGS})>)", re.I)
STARTS_WITH_BLOCK = re.compile(rf"^</?(?:{BLOCK_TAGS})(?=[\s/>])", re.I)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>\]]+))""")
IMG = re.compile(r"<img\b[^>]*>", re.I)
LINKED_IMAGE = re.compile(r"<a\b[^>]*>\s*(<img\b[^>]*>)\s*</a>", re.I)
CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.S | re.I)
GALLERY = re.compile(r"\[gallery([^\]]*)\]", re.I)
EMBED_SHORTCODE = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.S | re.I)
BLOCK_EMBED = re.compile(
    r'<figure[^>]*class="[^"]*wp-block-embed[^"]*"[^>]*>.*?wp-block-embed__wrapper[^>]*>\s*(\S+?)\s*</div>.*?</figure>',
    re.S | re.I,
)
IFRAME = re.compile(r"<iframe\b[^>]*?\bsrc=[\"']([^\"']+)[\"'][^>]*>.*?</iframe>", re.S | re.I)
BARE_URL_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"]+)[ \t]*$", re.M)
SHORTCODE = re.compile(r"\[(/?)([A-Za-z][\w-]*)((?:\s[^\[\]]*)?)(/?)\]")


def attributes(tag: str) -> dict[str, str]:
    return {
        m[1].lower(): html.unescape(m[2] if m[2] is not None else m[3] if m[3] is not None else m[4])
        for m in ATTRIBUTE.finditer(tag)
    }


def _link(url: str) -> str:
    url = html.escape(html.unescape(url.strip()), quote=True)
    return f'\n\n<p><a href="{url}">{url}</a></p>\n\n'


@dataclass
class ConvertedContent:
    html: str
    unknown_shortcodes: list[str] = field(default_factory=list)


def convert_content(
    content: str,
    *,
    gallery: Callable[[list[int]], list[tuple[str, str, str]]],
    picture: Callable[[str, str], str],
) -> ConvertedContent:
    """WordPress post content made into the HTML our cleaning then reduces.

    `gallery(ids)` gives (address, description, caption) of a gallery's
    pictures (ids empty: the post's own attachments); `picture(src, alt)`
    returns the <img> to put in place of one (our copy) or the words to
    keep when the picture is missing.
    """
    is_block_content = "<!-- wp:" in content
    text = BLOCK_COMMENT.sub("", content)
    text = BLOCK_EMBED.sub(lambda m: _link(m[1]), text)
    text = IFRAME.sub(lambda m: _link(m[1]), text)  # no third-party frame, ever
    text = EMBED_SHORTCODE.sub(lambda m: _link(m[1]), text)
    text = CAPTION.sub(_caption_figure, text)
    text = GALLERY.sub(lambda m: _gallery_figures(m[1], gallery), text)
    unknown: list[str] = []
    text = _remove_unknown_shortcodes(text, unknown)
    if not is_block_content:
        # Classic editor: WordPress turns a lone address into an embed on display.
        text = BARE_URL_LINE.sub(lambda m: _link(m[1]).strip(), text)
        text = wpautop(text)
    else:
        text = re.sub(r"\n\s*\n", "\n", text)  # the blank lines the comments left
    text = LINKED_IMAGE.sub(lambda m: m[1] if "wp-content/uploads/" in m[0] else m[0], text)
    text = IMG.sub(lambda m: picture(attributes(m[0]).get("src", ""), attributes(m[0]).get("alt", "")), text)
    return ConvertedContent(html=text.strip(), unknown_shortcodes=unknown)


def _caption_figure(match: re.Match) -> str:
    inner = match[2]
    image = IMG.search(inner)
    caption = attributes(match[1]).get("caption", "")
    if not caption:
        caption = re.sub(r"<[^>]+>", "", IMG.sub("", inner)).strip()
    image_html = image[0] if image else ""
    caption_html = f"<figcaption>{html.escape(html.unescape(caption))}</figcaption>" if caption else ""
    return f"\n\n<figure>{image_html}{caption_html}</figure>\n\n"


def _gallery_figures(attribute_text: str, gallery: Callable[[list[int]], list[tuple[str, str, str]]]) -> str:
    ids = [int(i) for i in re.findall(r"\d+", attributes(attribute_text).get("ids", ""))]
    figures = []
    for url, alt, caption in gallery(ids):
        caption_html = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        figures.append(f'<figure><img src="{html.escape(url)}" alt="{html.escape(alt)}">{caption_html}</figure>')
    return "\n\n" + "\n\n".join(figures) + "\n\n"


def _remove_unknown_shortcodes(text: str, unknown: list[str]) -> str:
    """Remove the shortcodes of plugins we do not have, keeping the text they enclose.

    A bracketed word counts as a shortcode when it has attributes, is closed
    (`[/name]`) or closes itself: "[sic]" or "[…]" in a text stay as written.
    """
    closed = {m[2].lower() for m in SHORTCODE.finditer(text) if m[1]}

    def replace(match: re.Match) -> str:
        name = match[2].lower()
        if match[1] or "=" in match[3] or match[4] or name in closed:
            if not match[1]:
                unknown.append(name)
            return ""
        return match[0]

    return SHORTCODE.sub(replace, text)


def wpautop(text: str) -> str:
    """Paragraphs as WordPress displays classic-editor text: a blank line
    starts a paragraph, a single line break is a <br>; block elements stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = BLOCK_END.sub(r"\1\n\n", BLOCK_START.sub(r"\n\n\1", text))
    paragraphs = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if STARTS_WITH_BLOCK.match(chunk):
            paragraphs.append(chunk)
        else:
            paragraphs.append("<p>" + re.sub(r"[ \t]*\n[ \t]*", "<br>\n", chunk) + "</p>")
    return "\n".join(paragraphs)


def uploads_path(url: str) -> str:
    """The path of a file under wp-content/uploads ("2023/05/photo.jpg"), or ""."""
    path = unquote(urlsplit(html.unescape(url)).path)
    marker = "/wp-content/uploads/"
    return path.split(marker, 1)[1] if marker in path else ""


def original_upload(path: str) -> str:
    """The uploaded original of a resized copy ("photo-1024x768.jpg", "photo-scaled.jpg" -> "photo.jpg")."""
    return re.sub(r"-(?:\d+x\d+|scaled)(?=\.\w+$)", "", path)


def language_code(value: str) -> str:
    """ "fr", "fr_FR", "fr-FR" -> "fr"."""
    return re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]

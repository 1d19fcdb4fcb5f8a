"""The form the site's old addresses (WordPress…) are kept and looked up in."""

from urllib.parse import parse_qsl, unquote, urlsplit

# Query parameters that address content on a WordPress site.
WORDPRESS_QUERY_KEYS = ("p", "page_id", "cat", "tag", "feed", "attachment_id", "author")


def normalise_path(address: str) -> str:
    """The form an old address is stored and looked up in.

    `https://old.example.org/2023/05/contr%C3%B4le/` and `/2023/05/contrôle`
    give the same key; only WordPress's query parameters are kept, sorted.
    """
    parts = urlsplit(address.strip())
    path = unquote(parts.path or "/")
    if not path.startswith("/"):
        path = "/" + path
    if path != "/":
        path = path.rstrip("/")
    query = sorted((key, value) for key, value in parse_qsl(parts.query) if key in WORDPRESS_QUERY_KEYS)
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query) if query else "")

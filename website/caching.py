"""What a shared cache (nginx, a CDN, a second proxy) may do with the public site.

A link shared on a social network comes back tagged (`?fbclid=…`,
`?utm_source=…`): one page, a thousand addresses. Two lists, kept here only:

- `SITE_PARAMETERS`: the query parameters the public site reads. nginx
  (deploy/nginx/collectif.conf, one `map $arg_…` each) passes visitors these
  and nothing else, and keys its cache on them: a page is one cache entry
  whatever its link carries. tests/test_deploy_files.py compares the two.
- `TRACKING_PARAMETERS` (and `TRACKING_PREFIXES`): what the application drops
  itself (`SharedCacheMiddleware`), for a deployment without our nginx.

A parameter a new public view reads goes in `SITE_PARAMETERS` and in the
nginx site, or nginx never passes it on (tests/test_deploy_files.py reads the
views to catch that).
"""

from urllib.parse import unquote_plus

from publishing.old_addresses import WORDPRESS_QUERY_KEYS

SITE_PARAMETERS: tuple[str, ...] = (
    "q",  # search
    "page",  # lists and search results
    "theme",  # lists by theme
    "year",  # the tract archive by year
    "verso",  # a tract's PDF with another language on the back
    "next",  # the staff sign-in page (before its session cookie)
    *WORDPRESS_QUERY_KEYS,  # old addresses (`?p=12`), and the sitemap's pages (`?p=2`)
)

# Click identifiers and campaign tags that advertisers and newsletters add to
# links. They never change a page.
TRACKING_PARAMETERS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "igshid", "igsh",
        "mc_cid", "mc_eid", "yclid", "twclid", "ttclid", "li_fat_id", "_ga", "_gl", "ref", "ref_src",
        "mkt_tok", "_hsenc", "_hsmi", "fb_action_ids", "fb_action_types", "fb_source", "s_cid",
    }
)  # fmt: skip
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

# Public pages: browsers keep them a minute; shared caches 10 s, so a
# withdrawn tract leaves them within 10 s (nginx follows s-maxage too); when
# the site is down, a shared cache may show its last copy for a day. No
# stale-while-revalidate: it would keep a withdrawn tract on show.
PUBLIC_CACHE_CONTROL = "public, max-age=60, s-maxage=10, stale-if-error=86400"


def is_tracking(name: str) -> bool:
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def without_tracking(query_string: str) -> str:
    """The query string without tracking parameters, the others kept byte for byte."""
    kept = [part for part in query_string.split("&") if part and not is_tracking(unquote_plus(part.split("=", 1)[0]))]
    return "&".join(kept)

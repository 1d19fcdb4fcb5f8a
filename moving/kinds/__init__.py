"""Every kind that moves in and out, in the order an import reads them:
themes and authors before the publications that name them, old addresses
after what they lead to; tracts before articles, which take the WordPress
posts the tracts did not."""

from moving.adapter import Adapter
from moving.kinds.articles import ARTICLES, AUTHORS
from moving.kinds.events import EVENTS
from moving.kinds.pages import PAGES
from moving.kinds.shared import OLD_ADDRESSES, THEMES
from moving.kinds.subscribers import SUBSCRIBERS
from moving.kinds.tracts import TRACTS

ADAPTERS: list[Adapter] = [THEMES, AUTHORS, TRACTS, ARTICLES, PAGES, EVENTS, OLD_ADDRESSES, SUBSCRIBERS]

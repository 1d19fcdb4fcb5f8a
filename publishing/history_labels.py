"""Form labels as the admin's history stores them, for makemessages to see.

A change in the admin is logged with the labels of the fields it changed, in
English and capitalised ("Publication date"), and Django translates them only
when it shows the history. Those capitalised labels are found nowhere else in
the code (the fields' verbose names are lowercase), so without this list
makemessages would mark their translations obsolete. Nothing imports it.
Labels made per language ("Name in Spanish") cannot be listed here.
"""

from django.utils.translation import gettext_noop

HISTORY_LABELS = (
    # Tracts, articles and their versions.
    gettext_noop("Status"),
    gettext_noop("Publication date"),
    gettext_noop("Slug"),
    gettext_noop("Date"),
    gettext_noop("Original language"),
    gettext_noop("Print a QR code"),
    gettext_noop("Legal footer"),
    gettext_noop("Title"),
    gettext_noop("Text"),
    gettext_noop("Language"),
    gettext_noop("Contact"),
    gettext_noop("Slogan or subtitle"),
    gettext_noop("Standfirst"),
    gettext_noop("Excerpt"),
    gettext_noop("Authors"),
    gettext_noop("Cover image"),
    gettext_noop("Updated on"),
    gettext_noop("Leaflet layout"),
    gettext_noop("Short text of the posters"),
    gettext_noop("Poster summary"),
    gettext_noop("Position"),
    gettext_noop("Our article"),
    gettext_noop("Our tract"),
    gettext_noop("Address elsewhere"),
    # Events.
    gettext_noop("Start"),
    gettext_noop("End"),
    gettext_noop("Whole days"),
    gettext_noop("Time zone"),
    gettext_noop("Recurrence rule"),
    gettext_noop("Event status"),
    gettext_noop("Place"),
    gettext_noop("Address"),
    gettext_noop("Latitude"),
    gettext_noop("Longitude"),
    gettext_noop("Online address"),
    gettext_noop("Summary"),
    gettext_noop("Description"),
    gettext_noop("Accessibility notes"),
    gettext_noop("Occurrence"),
    gettext_noop("Left out"),
    gettext_noop("Moved to (start)"),
    gettext_noop("Moved to (end)"),
    # Pages, the newsletter.
    gettext_noop("Link in the footer"),
    gettext_noop("Position in the footer"),
    gettext_noop("Email address"),
    gettext_noop("Languages"),
    gettext_noop("Confirmed at"),
    gettext_noop("Subject"),
    # Site settings, themes, pictures, authors, old addresses.
    gettext_noop("Name of the collective"),
    gettext_noop("Issuer"),
    gettext_noop("Printer mention"),
    gettext_noop("Disposal notice"),
    gettext_noop("Name"),
    gettext_noop("Image file"),
    gettext_noop("Description for people who cannot see it"),
    gettext_noop("Caption"),
    gettext_noop("Credit"),
    gettext_noop("Organisation"),
    gettext_noop("Old address"),
    gettext_noop("New address"),
)

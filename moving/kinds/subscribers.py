"""The newsletter's subscribers: personal data, written to subscribers.csv
only when the export asks for it (`export_site --with-subscribers`), and
never read back by `import_site`: they come in with `import_subscribers`,
which asks whether they confirmed."""

from moving.adapter import Adapter
from moving.folders import ExportFolder
from newsletter.portability import write_subscribers

SUBSCRIBERS_FILE = "subscribers.csv"


class SubscriberAdapter(Adapter):
    folder = "subscribers"

    def export(self, site: ExportFolder) -> None:
        if site.with_personal_data:
            site.counts[self.folder] = write_subscribers(site.root / SUBSCRIBERS_FILE)


SUBSCRIBERS = SubscriberAdapter()

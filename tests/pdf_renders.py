"""Renders shared by the whole test session, by fingerprint (tests/conftest.py uses it).

A stored PDF is named after its fingerprint, a hash of everything that shapes
it (publishing/pdf/fingerprints.py). Many tests render the same texts in the same formats:
the first render of a fingerprint is kept in a folder shared by the session
(and by pytest-xdist's workers), and later ones read it back in their render
child instead of running WeasyPrint again. Everything else stays as it is:
each test still has its own empty MEDIA_ROOT, so a PDF is still stored there
by its own test (`ensure_stored()` still says it rendered, `render_in_child`
is still called, failures are still recorded in the test's database).

Only fingerprints this process computed from real content are shared
(`pdf.fingerprint()`, not a made-up "a" * 20), and never one whose content
names a media file (a picture's file may differ between tests under the
same address, and its render makes renditions and print copies as it
goes), nor a sheet made of such a leaflet. A test that changes the render
limits renders for real. Tests of the renderer itself opt out with the
`own_pdf_store` marker (a render that must fail, be counted inside its
child, or leave files behind).
"""

import os
from pathlib import Path

from django.conf import settings

from publishing import files, pdf
from publishing.pdf import store


class SharedRenders:
    """The session's folder of PDFs by fingerprint, and which fingerprints may use it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.shareable: dict[str, bool] = {}
        self.limits = (settings.PDF_RENDER_MEMORY_MB, settings.PDF_RENDER_TIMEOUT)

    def fingerprint(self, real_fingerprint):
        """`pdf.fingerprint`, remembering whether the PDF it names may be shared."""

        def remembered(*parts: str) -> str:
            found = real_fingerprint(*parts)
            self.shareable[found] = all(
                settings.MEDIA_URL not in part and self.shareable.get(part, True) for part in parts
            )
            return found

        return remembered

    def store_once(self, real_store_once):
        """`store.store_once`, whose render reads a shared copy when there is one."""

        def store_once(name: str, render):
            fingerprint = Path(name).stem
            if not name.endswith(".pdf") or not self.shareable.get(fingerprint, False):
                return real_store_once(name, render)
            return real_store_once(name, lambda: self.render(fingerprint, render))

        return store_once

    def render(self, fingerprint: str, render) -> bytes:
        """Run in the render child: the shared copy, or a real render then shared."""
        if self.limits != (settings.PDF_RENDER_MEMORY_MB, settings.PDF_RENDER_TIMEOUT):
            return render()  # a test of the limits: the render itself is what it tests
        shared = self.folder / f"{fingerprint}.pdf"
        try:
            return shared.read_bytes()
        except FileNotFoundError:
            pass
        content = render()
        if content.startswith(b"%PDF") and len(content) >= files.MIN_PDF_SIZE:
            # Written whole then renamed: another worker may be reading it.
            partial = shared.with_name(f"{shared.name}.{os.getpid()}.part")
            partial.write_bytes(content)
            partial.replace(shared)
        return content

    def install(self, monkeypatch) -> None:
        monkeypatch.setattr(pdf, "fingerprint", self.fingerprint(pdf.fingerprint))
        monkeypatch.setattr(store, "store_once", self.store_once(store.store_once))


def session_folder(basetemp: Path) -> Path:
    """A folder every xdist worker of this run shares (each has its own basetemp below the run's)."""
    root = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    folder = root / "shared-pdf-renders"
    folder.mkdir(exist_ok=True)
    return folder

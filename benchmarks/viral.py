"""A viral day through the shipped nginx site: the links people share, at full speed.

    .venv/bin/python benchmarks/viral.py [--database postgres|sqlite] [--rounds 3] [--duration 5]

Starts the stack of deploy/ (tests/stack.py: Debian's nginx, one gunicorn
with 3 workers, one PDF worker, the sample content), then runs `wrk` with a
new connection per request (as clicks from a social network arrive) against,
in turn, round after round so that a slow spell weighs on all alike:
a static file; the tract page plain, with a new `fbclid` per request, with
`utm_*` parameters, and a conditional request (If-None-Match) for it; the
stable PDF address; the stored PDF; the share picture (og:image). HEAD is
checked once (wrk cannot time it: it waits for the body HEAD never sends).
Prints the median requests per second of each, and each one's rate against
the static file's. Needs wrk, nginx, openssl (and PostgreSQL for the default
database, BENCH_DATABASE_URL, created and dropped).
"""

import argparse
import datetime
import os
import platform
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load import fetch, fetch_made, wrk
from tests.stack import Stack, create_database, drop_database

TRACT = "/fr/tracts/non-au-score/"

# Lua for wrk: each request made anew (a new tracking value, another method).
NEW_FBCLID = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "%s?fbclid=IwAR" .. counter .. "x" .. math.random(1000000))
end
"""
UTM = """
request = function()
  return wrk.format("GET", "%s?utm_source=mastodon&utm_medium=social&utm_campaign=" .. math.random(1000))
end
"""


def targets(stack: Stack, folder: Path) -> dict[str, tuple[str, dict, str | None]]:
    """{name: (path, headers, Lua script)} for one round."""
    status, headers, _ = fetch_made(stack, f"{TRACT}a5.pdf")
    assert status == 302, status
    stored = headers["Location"]
    _, headers, page = fetch(stack, TRACT)
    picture = re.search(rb'<meta property="og:image" content="https?://[^/]+([^"]+)"', page)
    etag = headers.get("ETag", "")

    def script(name: str, text: str) -> str:
        path = folder / f"{name}.lua"
        path.write_text(text.replace("%s", TRACT))
        return str(path)

    found = {
        "static file": (sorted((stack.root / "static").glob("css/site.*.css"))[0], {}, None),
        "tract page": (TRACT, {}, None),
        "tract page, new fbclid": (TRACT, {}, script("fbclid", NEW_FBCLID)),
        "tract page, utm_*": (TRACT, {}, script("utm", UTM)),
        "tract page, If-None-Match": (TRACT, {"If-None-Match": etag} if etag else {}, None),
        "PDF, stable address (302)": (f"{TRACT}a5.pdf", {}, None),
        "PDF, stored file": (stored, {}, None),
    }
    if picture:
        found["share picture (og:image)"] = (picture[1].decode(), {}, None)
    static = found["static file"][0]
    found["static file"] = ("/static/" + str(static.relative_to(stack.root / "static")), {}, None)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="collectif-viral-"))
    if options.database == "postgres":
        database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collectif_viral")
        create_database(database_url)
    else:
        database_url = f"sqlite:///{root / 'db.sqlite3'}"
    stack = Stack(root=root, database_url=database_url, instances=1, workers=1, gunicorn_workers=3)
    stack.extra_env = {
        "LOG_LEVEL": "WARNING",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    }
    print(f"collectif viral run, {datetime.date.today()}, {platform.node()}: {os.cpu_count()} cores")
    print(
        f"database: {options.database}; wrk -t2 -c{options.connections} -d{options.duration}s, "
        f"a new connection per request, {options.rounds} rounds"
    )
    try:
        stack.prepare()
        stack.start()
        rounds = targets(stack, root)
        for path, _headers, _script in rounds.values():
            fetch(stack, path)  # in the caches, as a shared link is after its first click
        head_status, _head_headers, head_body = fetch(stack, TRACT, method="HEAD")
        print(f"HEAD {TRACT}: {head_status}, {len(head_body)} bytes of body")
        rates: dict[str, list[float]] = {name: [] for name in rounds}
        errors = 0
        for _ in range(options.rounds):
            for name, (path, headers, script) in rounds.items():
                result = wrk(
                    stack.https + path,
                    duration=options.duration,
                    connections=options.connections,
                    headers={"Connection": "close", **headers},
                    script=script,
                )
                rates[name].append(result["rps"])
                errors += result["errors"]
        static = statistics.median(rates["static file"])
        print(f"\n| {'target':<28} | {'req/s (median)':>14} | {'static file / target':>20} |")
        print(f"| {'-' * 28} | {'-' * 14} | {'-' * 20} |")
        for name, values in rates.items():
            median = statistics.median(values)
            ratio = f"{static / median:.2f}" if median else "—"
            print(f"| {name:<28} | {median:>14.0f} | {ratio:>20} |")
        plain = statistics.median(rates["tract page"])
        tagged = statistics.median(rates["tract page, new fbclid"])
        print(f"\nnew fbclid per request: {tagged / plain:.0%} of the plain page's rate (target ≥ 80 %, ≥ 1,000 req/s)")
        print(f"errors (non-2xx/3xx other than 304, socket errors): {errors}")
    finally:
        stack.stop()
        if options.database == "postgres":
            drop_database(database_url)


if __name__ == "__main__":
    main()

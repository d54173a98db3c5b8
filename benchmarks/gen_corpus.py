"""Write N realistic article documents in the seed format (``seeds/``, FORMAT.md).

    .venv/bin/python benchmarks/gen_corpus.py --count 100000 --seed 1 --out benchmarks/out/corpus

The documents copy the sizes and the field mix of the 51 samples in ``seeds/``:
titles of 44-93 characters, excerpts of 95-300 (a third cut at exactly 200
like the aggregator does), 0-3 images, 0-3 related stories (a quarter with AMP
links, most with an image), 1-4 topics, ``heat`` unknown (-1) in three of four,
a ``secured`` blob of 345-409 characters. Publish times spread over 2019-2022.
About 40% of the related stories point at another generated article (same
title and URL), the rest at outside coverage. Only example.com/.org/.net
hosts are used.

Deterministic: the same ``--count`` and ``--seed`` give the same bytes. The
first pass builds every article's head (title, URL, provider, date) so related
links can point at each other; the second pass renders and writes the files in
parallel (one process per core).

Options: ``--broken N`` adds N broken files of several kinds (bad YAML, no
closing ``---``, not UTF-8, a NUL byte, empty, a wrong field type that loads
with a warning); ``--duplicates N`` adds N files that repeat an existing
article's URL (the index keeps the newer one and reports the other);
``--subdirs K`` spreads the files over K sub-folders.

``--feed-share F --data DIR`` (issue 17) makes a share F of the articles
(every round(1/F)-th) real feed entries instead: documents with the keys the
feed store writes (``kind: feed-entry``, ``feedUrl``, ``entryKey``, the
feed's title as provider, a plain-text body after the closing ``---``) in
``DIR/feeds/<feed id>/<32 hex>.txt`` (``core/feeds/entrydoc.py``), and the
subscriptions with their entries in ``DIR/feeds.sqlite`` (``core/feeds/store.py``),
not due for a fetch. ``--feeds K`` subscriptions (default: articles / 1,000,
10-1,000), in a few folders. Point ``FEEDREADER_DATA_DIR`` at DIR and a
config's ``sources`` at OUT: ``feedreader`` with no PATH lists both.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import sys
import time
from datetime import datetime, timedelta, timezone

# --------------------------------------------------------------------------
# vocabulary

TOPICS = [
    "AI", "Computer Vision", "Robotics", "Privacy", "Policy", "Startups", "Finance", "Energy",
    "Climate", "Batteries", "Semiconductors", "Electric Vehicles", "Space", "Telecom", "Security",
    "Cloud", "Agriculture", "Quantum Computing", "Open Source", "Health", "Biotech", "Mobility",
    "Gaming", "Education", "Media", "Retail", "Logistics", "Materials", "Oceans", "Aviation",
]

_NAME_A = [
    "Northwind", "Orbital", "Meridian", "Lumen", "Eastbridge", "Greenline", "Sprocket", "Foundry",
    "Lockstep", "Harborlight", "Atlas", "Tidewater", "Circuit", "Pinecrest", "Quarry", "Almanac",
    "Lantern", "Granite", "Saltmarsh", "Redwood", "Beacon", "Keystone", "Copperfield", "Halcyon",
    "Ironbark", "Bluewater", "Silverline", "Driftwood", "Summit", "Wayfarer",
]
_NAME_B = [
    "Tribune", "Dispatch", "Science Review", "Health Observer", "Markets", "Report", "& Byte",
    "Wire", "Security Weekly", "Daily", "Policy Monitor", "Times", "Ledger", "Business Journal",
    "Post", "Gazette", "Herald", "Chronicle", "Observer", "Bulletin",
]
_TLDS = ["example.com", "example.org", "example.net"]

_SUBJECTS = [
    "Researchers", "Regulators", "A startup", "Engineers", "The European Commission", "Carmakers",
    "Chipmakers", "A university team", "Hospitals", "Farmers", "Satellite operators", "Insurers",
    "Open-source maintainers", "City planners", "Battery makers", "Telecom operators",
    "A robotics lab", "Astronomers", "Security researchers", "Investors", "Airlines",
    "Grid operators", "Game studios", "Publishers", "Logistics firms", "Marine biologists",
]
_VERBS = [
    "unveil", "test", "delay", "approve", "fine", "launch", "scrap", "expand", "question",
    "open", "close", "double", "rethink", "fund", "reject", "pilot", "map", "measure", "recall",
    "publish", "warn about", "bet on", "race to build", "quietly drop", "shrug off",
]
_OBJECTS = [
    "a solid-state battery line", "facial-recognition cameras", "a lunar lander", "an mRNA flu vaccine",
    "a 3-nanometre chip plant", "self-driving delivery vans", "a carbon-capture pilot",
    "a privacy bill", "a quantum error-correction milestone", "drone crop spraying",
    "a heat-pump subsidy", "low-orbit broadband", "an AI triage tool", "a data-broker crackdown",
    "a grid-scale flow battery", "a wearable sweat sensor", "open weights for a language model",
    "a seabed mining permit", "hydrogen trucks", "a cloud outage report", "a ransomware decryptor",
    "a vertical farm", "a sodium-ion cell", "a tidal turbine array", "satellite methane maps",
    "an exoskeleton for warehouse staff", "a chip export rule", "a right-to-repair law",
]
_TAILS = [
    "after a year of trials", "despite safety concerns", "in a first for Europe", "amid a chip shortage",
    "as costs fall", "— and what it means for buyers", "ahead of schedule", "under pressure from investors",
    "with mixed results", "for the second time this year", "in three cities", "after a data leak",
    "as demand slows", "with £40m in funding", "at half the price", "in a café-sized lab",
    "to cut emissions by 30%", "while rivals wait", "before the holiday season", "in a landmark ruling",
]
_SENTENCES = [
    "The company said the first units would ship to customers in the spring, later than it had promised.",
    "Critics said the figures had not been checked by anyone outside the project.",
    "It is the third such announcement this year, and the largest by some distance.",
    "Officials declined to say how many people had been affected.",
    "The results were published on Tuesday in a peer-reviewed journal.",
    "Analysts expect prices to fall as more suppliers enter the market.",
    "The team’s prototype ran for 1,200 hours without a fault before the test was stopped.",
    "A spokesperson said the decision was taken “after careful review” and would not be reversed.",
    "Smaller rivals say the rules favour incumbents that can afford the compliance costs.",
    "The pilot covers about 4,000 households and runs until the end of next year.",
    "Funding came from a mix of venture investors and a government innovation grant.",
    "Independent experts called the approach promising but warned against reading too much into one study.",
    "The regulator has given the firm 30 days to respond before it decides on a penalty.",
    "Earlier versions of the system had struggled in rain and low light.",
    "Shares rose 6% in early trading after the news.",
]
_SECTIONS = ["news", "tech", "science", "business", "health", "policy", "world", "features", "markets"]
_IMG_SIZES = [(560, 373), (1200, 675), (1200, 800), (1280, 853), (1024, 683), (1920, 1080),
              (1400, 788), (1024, 1024), (800, 450), (1600, 900)]

START = datetime(2019, 1, 1, tzinfo=timezone.utc)
SPAN_MINUTES = 4 * 365 * 24 * 60   # 2019-2022


def _providers(rng: random.Random, count: int = 60) -> list[tuple[str, str]]:
    out = []
    seen = set()
    while len(out) < count:
        a, b = rng.choice(_NAME_A), rng.choice(_NAME_B)
        name = f"The {a} {b}" if rng.random() < 0.15 else f"{a} {b}"
        if name in seen:
            continue
        seen.add(name)
        slug = a.lower() + ("" if rng.random() < 0.6 else b.lower().replace(" ", "").replace("&", ""))
        out.append((name, f"{slug}.{rng.choice(_TLDS)}"))
    return out


def _slug(text: str, limit: int = 70) -> str:
    out = []
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")[:limit].rstrip("-")


def _title(rng: random.Random) -> str:
    target = rng.choice((44, 50, 54, 66, 70, 74, 78, 82, 86, 90, 93))
    text = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
    if len(text) < target:
        text += " " + rng.choice(_TAILS)
    if len(text) > 95:
        text = text[:95].rsplit(" ", 1)[0]
    return text


def _excerpt(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.33:
        target, cut = 200, True                       # the aggregator's hard cut
    else:
        target, cut = rng.randint(95, 300), False
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(rng.choice(_SENTENCES))
    text = " ".join(parts)
    if cut:
        return text[:200]
    return text[:target].rsplit(" ", 1)[0].rstrip(",;") + "."


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _iso(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Head:
    """What another article's related entry needs to point at this one."""

    __slots__ = ("title", "url", "provider", "minutes", "quality", "img")

    def __init__(self, title, url, provider, minutes, quality, img):
        self.title = title
        self.url = url
        self.provider = provider
        self.minutes = minutes
        self.quality = quality
        self.img = img


def _url(rng: random.Random, domain: str, title: str, minutes: int, n: int) -> str:
    when = START + timedelta(minutes=minutes)
    slug = _slug(title)
    style = sum(map(ord, domain)) % 4   # one URL style per publisher
    if style == 0:
        return f"https://{domain}/{when:%Y/%m/%d}/{slug}-{n}/"
    if style == 1:
        return f"https://{domain}/{rng.choice(_SECTIONS)}/{when:%Y/%m}/{slug}-{n}"
    if style == 2:
        return f"https://{domain}/articles/{slug}-{n:08d}.html"
    return f"https://www.{domain}/{when:%Y-%m-%d}/{slug}-{100000000 + n}.html"


def _image_url(rng: random.Random, domain: str, minutes: int, title: str) -> str:
    when = START + timedelta(minutes=minutes)
    base = domain.split(".")[0]
    name = _slug(title, 40)
    if rng.random() < 0.5:
        return f"https://img.example.net/{base}/{when:%Y/%m}/{name}_1200x675.jpg"
    return f"https://{domain}/images/{when:%Y/%m}/{name}-1200w.jpg"


def build_heads(count: int, seed: int) -> tuple[list[Head], list[tuple[str, str]]]:
    rng = random.Random(f"heads:{seed}")
    providers = _providers(rng)
    heads = []
    for n in range(count):
        title = _title(rng)
        provider = providers[int(rng.paretovariate(1.2)) % len(providers)]
        minutes = rng.randrange(SPAN_MINUTES) // 5 * 5
        quality = max(0, min(100, int(rng.gauss(62, 20))))
        url = _url(rng, provider[1], title, minutes, n)
        img = _image_url(rng, provider[1], minutes, title) if rng.random() < 0.96 else None
        heads.append(Head(title, url, provider, minutes, quality, img))
    return heads, providers


# --------------------------------------------------------------------------
# rendering one document

def _choose(rng: random.Random, weights: tuple[tuple[int, float], ...]) -> int:
    roll = rng.random()
    for value, p in weights:
        roll -= p
        if roll < 0:
            return value
    return weights[-1][0]


_N_IMAGES = ((0, 0.08), (1, 0.84), (2, 0.06), (3, 0.02))
_N_RELATED = ((0, 0.08), (1, 0.37), (2, 0.41), (3, 0.14))
_N_TOPICS = ((1, 0.10), (2, 0.50), (3, 0.32), (4, 0.08))


def _image_lines(rng: random.Random, url: str, indent: str) -> list[str]:
    w, h = rng.choice(_IMG_SIZES)
    return [
        f"{indent}- url: {_q(url)}",
        f"{indent}  width: {w}",
        f"{indent}  height: {h}",
        f"{indent}  isCached: {'true' if rng.random() < 0.85 else 'false'}",
    ]


def render(n: int, heads: list[Head], providers: list[tuple[str, str]], seed: int,
           feed: tuple[str, str, str] | None = None) -> str:
    """Article ``n``; with ``feed`` (title, site domain, feed URL), as that feed's entry."""
    rng = random.Random(seed * 1_000_003 + n)
    head = heads[n]
    name, domain = head.provider if feed is None else feed[:2]
    web = head.url if rng.random() < 0.96 else f"https://news.example.com/a/{rng.getrandbits(64):016x}"
    heat = -1 if rng.random() < 0.73 else rng.randint(0, 500)
    lines = [
        "---",
        "category: news",
        f"title: {_q(head.title)}",
        f"excerpt: {_q(_excerpt(rng))}",
        f"publishedDateTime: {_iso(head.minutes)}",
        f"originalUrl: {_q(head.url)}",
        f"webUrl: {_q(web)}",
        "type: article",
        f"quality: {head.quality}",
        f"heat: {heat}",
        f"published: {'true' if rng.random() < 0.7 else 'false'}",
        "",
        "provider:",
        f"  name: {_q(name) if ('&' in name or ':' in name) else name}",
        f"  domain: {domain}",
        "",
        "topics:",
    ]
    for topic in rng.sample(TOPICS, _choose(rng, _N_TOPICS)):
        lines.append(f"  - {topic}")
    n_images = _choose(rng, _N_IMAGES)
    if n_images:
        lines += ["", "images:"]
        if head.img:
            lines += _image_lines(rng, head.img, "  ")
        for k in range(n_images - (1 if head.img else 0)):
            lines += _image_lines(rng, _image_url(rng, domain, head.minutes, f"{head.title} {k}"), "  ")
    n_related = _choose(rng, _N_RELATED)
    if n_related:
        lines += ["", "related:"]
        for _ in range(n_related):
            if rng.random() < 0.4 and len(heads) > 1:
                other = heads[rng.randrange(len(heads))]
                if other is head:
                    other = heads[(n + 1) % len(heads)]
                title, url, (pname, pdomain) = other.title, other.url, other.provider
                minutes, quality, img = other.minutes, other.quality, other.img
            else:
                pname, pdomain = providers[rng.randrange(len(providers))]
                title = _title(rng)
                minutes = max(0, head.minutes - rng.randrange(60 * 24 * 60))
                url = _url(rng, pdomain, title, minutes, 10_000_000 + rng.randrange(10_000_000))
                quality = max(0, min(100, int(rng.gauss(60, 18))))
                img = _image_url(rng, pdomain, minutes, title) if rng.random() < 0.96 else None
            lines += [
                f"  - title: {_q(title)}",
                f"    excerpt: {_q(_excerpt(rng))}",
                f"    publishedDateTime: {_iso(minutes)}",
                f"    webUrl: {_q(url)}",
            ]
            if rng.random() < 0.25:
                host = url.split("/")[2]
                path = url.split("/", 3)[3]
                lines += [
                    f"    ampWebUrl: {_q(url)}",
                    f"    cdnAmpWebUrl: {_q(f'https://{host.replace(chr(46), chr(45))}.cdn.example.net/c/s/{host}/{path}')}",
                ]
            lines += [
                "    type: article",
                "    provider:",
                f"      name: {_q(pname) if ('&' in pname or ':' in pname) else pname}",
                f"      domain: {pdomain}",
                f"    quality: {quality}",
            ]
            if img:
                lines += ["    images:"] + _image_lines(rng, img, "      ")
    blob = base64.b64encode(rng.randbytes(rng.choice((240, 258, 276, 291)))).decode()
    tag = base64.b64encode(rng.randbytes(16)).decode()
    if feed is not None:   # what entry_document adds; the content as the body
        lines += ["", f"author: {_q(rng.choice(_SUBJECTS))}", "kind: feed-entry", f"feedUrl: {_q(feed[2])}",
                  f"entryKey: {_q(head.url)}", "---"]
        lines += [" ".join(rng.choice(_SENTENCES) for _ in range(rng.randint(3, 8))) for _ in range(rng.randint(2, 5))]
        return "\n".join(lines) + "\n"
    lines += ["", f'secured: "{blob};{tag}"', "---", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# broken files

BROKEN_KINDS = ("yaml", "noclose", "latin1", "nul", "empty", "wrongtype")


def broken(kind: str, good: str) -> bytes:
    if kind == "yaml":
        return good.replace('title: "', 'title: "unterminated ', 1).replace('"\nexcerpt', "\nexcerpt", 1).encode()
    if kind == "noclose":
        return good.rsplit("---", 1)[0].encode()
    if kind == "latin1":
        return good.replace("title: ", "title: caf\udce9 ", 1).encode("utf-8", "surrogateescape")
    if kind == "nul":
        return good.encode()[:300] + b"\x00\x00" + good.encode()[300:]
    if kind == "empty":
        return b""
    if kind == "wrongtype":
        return good.replace("quality: ", 'quality: "high" # was ', 1).encode()
    raise ValueError(kind)


# --------------------------------------------------------------------------
# writing

_HEADS: list[Head] = []
_PROVIDERS: list[tuple[str, str]] = []
_FEEDS: list[tuple[str, str, str]] = []     # (title, site domain, feed URL); feed id = index + 1
_FEED_EVERY = 0                             # article n is a feed entry when n % _FEED_EVERY == 1
_DATA = ""


def feed_list(count: int, seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(f"feeds:{seed}")
    out = []
    for k in range(count):
        a, b = rng.choice(_NAME_A), rng.choice(_NAME_B)
        domain = f"{a.lower()}{k}.{rng.choice(_TLDS)}"
        out.append((f"{a} {b} {k}", domain, f"https://{domain}/feed-{k}.xml"))
    return out


def feed_of(n: int) -> int | None:
    """The feed id of article ``n``, None for a plain document."""
    if not _FEED_EVERY or n % _FEED_EVERY != 1:
        return None
    return (n * 2_654_435_761 >> 7) % len(_FEEDS) + 1


def entry_file(feed_id: int, key: str) -> str:
    """``<feed id>/<32 hex>.txt`` as the feed store names an entry (entrydoc.entry_filename)."""
    url = _FEEDS[feed_id - 1][2]
    return f"{feed_id}/" + hashlib.sha256(f"{url}\n{key}".encode()).hexdigest()[:32] + ".txt"


def _name(n: int, seed: int) -> str:
    return f"{n:06d}_{random.Random(seed * 7 + n).getrandbits(64):016x}.txt"


def _write_range(args: tuple[str, int, int, int, int]) -> int:
    out, start, stop, seed, subdirs = args
    written = 0
    for n in range(start, stop):
        fid = feed_of(n)
        if fid is not None:
            path = os.path.join(_DATA, "feeds", entry_file(fid, _HEADS[n].url))
            text = render(n, _HEADS, _PROVIDERS, seed, _FEEDS[fid - 1])
        else:
            folder = os.path.join(out, f"{n % subdirs:03d}") if subdirs else out
            path = os.path.join(folder, _name(n, seed))
            text = render(n, _HEADS, _PROVIDERS, seed)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        written += 1
    return written


def write_feed_store(data: str, count: int) -> int:
    """``data/feeds.sqlite``: the subscriptions (ids 1..K, in a few folders,
    fetched an hour ago, due in a year) and every entry written for them."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from feedreader.core.feeds.opml import Subscription
    from feedreader.core.feeds.store import EntryRow, FeedStore

    folders = ["", "Tech", "Tech/AI", "Science", "Business", "News/World"]
    now = time.time()
    by_feed: dict[int, list[EntryRow]] = {}
    for n in range(count):
        fid = feed_of(n)
        if fid is not None:
            head = _HEADS[n]
            stamp = (START + timedelta(minutes=head.minutes)).timestamp()
            by_feed.setdefault(fid, []).append(EntryRow(head.url, entry_file(fid, head.url), f"{n:x}", stamp))
    with FeedStore(os.path.join(data, "feeds.sqlite"), clock=lambda: now - 3600) as store:
        added, _old = store.add_many(Subscription(url, title, folders[k % len(folders)])
                                     for k, (title, _domain, url) in enumerate(_FEEDS))
        assert [f.id for f in added] == list(range(1, len(_FEEDS) + 1)), "feed ids must be 1..K"
        for fid, rows in by_feed.items():
            store.record_entries(fid, rows)
    import sqlite3

    with sqlite3.connect(os.path.join(data, "feeds.sqlite")) as conn:   # fetched, not due: no network at start
        conn.execute("UPDATE feeds SET last_fetch = ?, last_status = 200, next_check = ?", (now - 3600, now + 3e7))
    return sum(len(rows) for rows in by_feed.values())


def generate(out: str, count: int, seed: int, *, broken_count: int = 0, duplicates: int = 0,
             subdirs: int = 0, jobs: int | None = None, clean: bool = True,
             feed_share: float = 0.0, data: str | None = None, feeds: int | None = None) -> dict:
    global _HEADS, _PROVIDERS, _FEEDS, _FEED_EVERY, _DATA
    started = time.perf_counter()
    if clean and os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    for k in range(subdirs):
        os.makedirs(os.path.join(out, f"{k:03d}"), exist_ok=True)
    _FEED_EVERY, _FEEDS, _DATA = 0, [], ""
    if feed_share > 0:
        if not data:
            raise ValueError("--feed-share needs --data")
        if clean and os.path.isdir(data):
            shutil.rmtree(data)
        _FEED_EVERY = max(1, round(1 / feed_share))
        _FEEDS = feed_list(feeds or max(10, min(1000, count // 1000)), seed)
        _DATA = data
        for k in range(len(_FEEDS)):
            os.makedirs(os.path.join(data, "feeds", str(k + 1)), exist_ok=True)
    _HEADS, _PROVIDERS = build_heads(count, seed)
    jobs = jobs or min(os.cpu_count() or 1, 8)
    step = max(1, -(-count // (jobs * 4)))
    ranges = [(out, s, min(count, s + step), seed, subdirs) for s in range(0, count, step)]
    if jobs > 1 and count >= 2000:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            written = sum(pool.map(_write_range, ranges))
    else:
        written = sum(_write_range(r) for r in ranges)
    rng = random.Random(f"extra:{seed}")
    for k in range(broken_count):
        kind = BROKEN_KINDS[k % len(BROKEN_KINDS)]
        n = rng.randrange(count) if count else 0
        good = render(n, _HEADS, _PROVIDERS, seed + 1) if count else "---\ntitle: x\n---\n"
        with open(os.path.join(out, f"broken_{k:04d}_{kind}.txt"), "wb") as fh:
            fh.write(broken(kind, good))
    for k in range(duplicates):
        n = rng.randrange(count)
        text = render(n, _HEADS, _PROVIDERS, seed + 2)  # same URL, other excerpt/images
        with open(os.path.join(out, f"dup_{k:04d}_{n:06d}.txt"), "w", encoding="utf-8") as fh:
            fh.write(text)
    entries = write_feed_store(data, count) if _FEEDS and data else 0
    newest = max(range(count), key=lambda i: (_HEADS[i].minutes, _HEADS[i].quality)) if count else None
    manifest = {
        "feeds": len(_FEEDS),
        "feed_entries": entries,
        "data": data if _FEEDS else None,
        "count": count,
        "seed": seed,
        "broken": broken_count,
        "duplicates": duplicates,
        "subdirs": subdirs,
        "files": written + broken_count + duplicates,
        "newest_title": _HEADS[newest].title if newest is not None else None,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, required=True, help="number of articles")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same files)")
    p.add_argument("--out", required=True, help="output folder (emptied first)")
    p.add_argument("--broken", type=int, default=0, metavar="N", help="also write N broken files")
    p.add_argument("--duplicates", type=int, default=0, metavar="N",
                   help="also write N files repeating an existing article's URL")
    p.add_argument("--subdirs", type=int, default=0, metavar="K", help="spread files over K sub-folders")
    p.add_argument("--jobs", type=int, default=None, help="writer processes (default: cores)")
    p.add_argument("--feed-share", type=float, default=0.0, metavar="F",
                   help="this share of the articles are feed entries in DATA/feeds/ (needs --data)")
    p.add_argument("--data", default=None, metavar="DIR", help="the data dir for --feed-share (emptied first)")
    p.add_argument("--feeds", type=int, default=None, metavar="K", help="subscriptions (default: articles/1000)")
    args = p.parse_args(argv)
    if args.count < 0:
        p.error("--count must be >= 0")
    manifest = generate(args.out, args.count, args.seed, broken_count=args.broken,
                        duplicates=args.duplicates, subdirs=args.subdirs, jobs=args.jobs,
                        feed_share=args.feed_share, data=args.data, feeds=args.feeds)
    print(json.dumps(manifest, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

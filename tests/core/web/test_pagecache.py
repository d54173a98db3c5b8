"""The page cache's size: least recently read pages go first (issue 14)."""

from __future__ import annotations

import os
import time

from helpers.httpserver import TestServer, html_page

from feedreader.core.web.fetch import fetch_urls
from feedreader.core.web.pagecache import PageCache, url_key
from feedreader.core.web.settings import FetchSettings

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><article><h1>{title}</h1>
<p>The first paragraph explains what happened, with enough words to count as content for the
extractor to keep it around. {pad}</p>
<p>The second paragraph adds detail. It is also long enough to be kept as a paragraph of the body.</p>
</article></body></html>"""


def put(cache: PageCache, url: str, *, size: int, age: float) -> None:
    """A fetched page of about ``size`` bytes, fetched ``age`` seconds ago."""
    body = PAGE.format(title=url.rsplit("/", 1)[-1], pad="x" * size).encode()
    then = time.time() - age
    cache.store(url, body, final_url=url, http_status=200, content_type="text/html",
                etag=None, last_modified=None, now=then)
    for suffix in (".html", ".json"):
        os.utime(cache.dir / f"{url_key(url)}{suffix}", (then, then))


def test_prune_removes_the_least_recently_read_first(tmp_path):
    cache = PageCache(tmp_path / "pages")
    old, middle, new = "https://a.example/old", "https://a.example/middle", "https://a.example/new"
    put(cache, old, size=10_000, age=3000)
    put(cache, middle, size=10_000, age=2000)
    put(cache, new, size=10_000, age=1000)
    # the oldest page is read now: it becomes the most recent; "middle" is now the least recently read
    assert cache.readable(old) is not None
    usage = cache.usage()
    assert (usage.pages, usage.images) == (3, 0)
    one = usage.size // 3
    report = cache.prune(usage.size - 1)
    assert report.removed == 1 and report.size <= usage.size - 1
    assert cache.status(middle).state == "none"
    assert cache.status(old).cached and cache.status(new).cached
    assert not any(p.name.startswith(url_key(middle)) for p in cache.dir.iterdir())
    # reading a page again later keeps it (a touch of its text file), and a prune to fit one goes by that
    time.sleep(0.01)
    assert cache.readable(new) is not None
    cache.prune(one + one // 2)
    assert cache.status(new).cached and cache.status(old).state == "none"
    assert cache.usage().pages == 1


def test_prune_under_the_cap_removes_nothing_and_an_empty_cache_is_fine(tmp_path):
    cache = PageCache(tmp_path / "never-made")
    assert cache.usage().size == 0 and cache.usage().oldest_read is None
    assert cache.prune(0).removed == 0
    put(cache, "https://a.example/x", size=100, age=10)
    assert cache.prune(10_000_000).removed == 0
    assert cache.status("https://a.example/x").cached


def test_images_and_left_over_temporary_files_count_too(tmp_path):
    cache = PageCache(tmp_path / "pages")
    put(cache, "https://a.example/page", size=100, age=10)
    images = cache.dir / "images"
    images.mkdir()
    key = "ab" * 32
    (images / f"{key}.img").write_bytes(b"\0" * 5000)
    (images / f"{key}.json").write_text("{}")
    stale = cache.dir / ".abc.html.tmp"
    stale.write_bytes(b"\0" * 3000)
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    usage = cache.usage()
    assert (usage.pages, usage.images) == (1, 1)
    cache.prune(usage.size - 1)          # the crash's leftover goes first
    assert not stale.exists() and (images / f"{key}.img").exists()


def test_a_prefetch_over_the_cap_prunes_the_least_recently_read(tmp_path):
    cache = PageCache(tmp_path / "pages")
    put(cache, "https://a.example/big-old", size=700_000, age=5000)
    put(cache, "https://a.example/big-newer", size=200_000, age=4000)
    with TestServer() as server:
        url = server.route("/fresh", html_page(PAGE.format(title="fresh", pad="y" * 200_000)))
        settings = FetchSettings(timeout=3.0, deadline=5.0, max_bytes=2_000_000, cache_max_mb=1)
        [result] = fetch_urls([url], settings, cache, allow_private=True)
    assert result.status == "fetched"
    assert cache.status(url).cached and cache.status("https://a.example/big-newer").cached
    assert cache.status("https://a.example/big-old").state == "none"
    assert cache.usage().size <= 1_000_000
    # cache_max_mb = 0: no cap
    put(cache, "https://a.example/huge", size=1_500_000, age=6000)
    with TestServer() as server:
        url = server.route("/again", html_page(PAGE.format(title="again", pad="z")))
        fetch_urls([url], FetchSettings(timeout=3.0, cache_max_mb=0), cache, allow_private=True)
    assert cache.status("https://a.example/huge").cached


# -- the images beside the pages (issue 16: the cap counts them) -------------------------

def _image_fetch(cache, url, cap_mb):
    import asyncio

    from feedreader.core.web.fetch import Fetcher
    from feedreader.core.web.images import fetch_image

    async def run():
        settings = FetchSettings(timeout=3.0, deadline=5.0, cache_max_mb=cap_mb)
        async with Fetcher(settings, None, allow_private=True) as fetcher:
            return await fetch_image(fetcher, cache, url)
    return asyncio.run(run())


def test_an_image_read_from_the_cache_counts_as_read(tmp_path):
    from feedreader.core.web.images import ImageCache

    pages = PageCache(tmp_path / "pages")
    images = ImageCache(pages.dir / "images")
    put(pages, "https://a.example/page", size=50_000, age=5000)
    url = "https://img.example/lead.jpg"
    images.store(url, b"\xff" * 60_000, "image/jpeg", now=time.time() - 9000)
    then = time.time() - 9000
    for suffix in (".img", ".json"):
        os.utime(images.dir / f"{url_key(url)}{suffix}", (then, then))
    assert images.get(url) is not None      # shown again today (offline, from the cache)
    usage = pages.usage()
    assert (usage.pages, usage.images) == (1, 1)
    assert usage.image_bytes >= 60_000 and usage.page_bytes >= 50_000
    assert usage.size == usage.page_bytes + usage.image_bytes
    pages.prune(usage.size - 1)
    # the page, fetched 5000 s ago and never read, went; the image read just now stayed
    assert pages.status("https://a.example/page").state == "none"
    assert images.get(url) is not None


def test_an_image_fetch_over_the_cap_prunes_pages_and_images(tmp_path):
    from feedreader.core.web.images import ImageCache

    pages = PageCache(tmp_path / "pages")
    images = ImageCache(pages.dir / "images")
    put(pages, "https://a.example/old", size=700_000, age=5000)
    put(pages, "https://a.example/newer", size=100_000, age=100)
    with TestServer() as server:
        url = server.route("/lead.jpg", html_page(b"\xff\xd8" + b"j" * 400_000, content_type="image/jpeg"))
        got = _image_fetch(images, url, cap_mb=1)
        assert got.data is not None and got.fetched
    assert pages.usage().size <= 1_000_000
    assert pages.status("https://a.example/old").state == "none"
    assert pages.status("https://a.example/newer").cached and images.get(url) is not None
    # no cap: nothing goes
    put(pages, "https://a.example/huge", size=1_500_000, age=6000)
    with TestServer() as server:
        other = server.route("/two.jpg", html_page(b"\xff\xd8" + b"k" * 1000, content_type="image/jpeg"))
        _image_fetch(ImageCache(pages.dir / "images"), other, cap_mb=0)
    assert pages.status("https://a.example/huge").cached

"""core/web/images.py: bounded decoding of hostile images, and fetching them under the fetcher's guards."""

from __future__ import annotations

import asyncio
import time

from feedreader.core.web.fetch import Fetcher
from feedreader.core.web.images import DecodedImage, ImageCache, ImageProblem, decode_image, fetch_image
from feedreader.core.web.settings import FetchSettings
from helpers.httpserver import TestServer, html_page, raw_response
from helpers.images import SVG, animated_gif, jpeg, png_header_only


def test_a_jpeg_decodes_to_its_size():
    got = decode_image(jpeg())
    assert isinstance(got, DecodedImage)
    assert (got.width, got.height, got.format, got.frames) == (560, 373, "JPEG", 1)
    assert got.image.size == (560, 373) and got.image.mode == "RGB"


def test_a_30000_square_png_is_refused_before_decoding():
    start = time.monotonic()
    got = decode_image(png_header_only(30_000, 30_000))
    assert isinstance(got, ImageProblem) and got.kind == "too_large"
    assert time.monotonic() - start < 1.0    # nothing was decoded


def test_a_header_that_lies_about_its_size_is_a_damaged_image():
    got = decode_image(png_header_only(3000, 2000))     # 6 MP declared, 64 bytes of pixels
    assert isinstance(got, ImageProblem) and got.kind == "corrupt"


def test_the_pixel_budget_is_pillows_bomb_limit_too():
    from PIL import Image

    got = decode_image(png_header_only(3000, 2000), max_pixels=1_000_000)
    assert isinstance(got, ImageProblem) and got.kind == "too_large"
    assert Image.MAX_IMAGE_PIXELS == 1_000_000


def test_truncated_corrupt_empty_and_unknown_files_are_problems():
    data = jpeg()
    for bad, kind in ((data[: len(data) // 3], "corrupt"), (b"\xff\xd8\xff" + b"\0" * 100, "unsupported"),
                      (b"", "corrupt"), (b"not an image at all" * 5, "unsupported")):
        got = decode_image(bad)
        assert isinstance(got, ImageProblem) and got.kind == kind, (bad[:10], got)


def test_an_animated_gif_gives_its_first_frame():
    got = decode_image(animated_gif(4))
    assert isinstance(got, DecodedImage) and got.frames == 4 and got.format == "GIF"
    assert got.image.getpixel((0, 0))[0] == 0     # frame 0's red


def test_svg_is_never_decoded():
    assert decode_image(SVG) == ImageProblem("svg", "SVG image (not drawn in the terminal)")
    assert isinstance(decode_image(b"<html>", content_type="image/svg+xml"), ImageProblem)


def test_a_big_image_is_reduced_to_the_box():
    got = decode_image(jpeg(3000, 2000))
    assert isinstance(got, DecodedImage) and (got.width, got.height) == (3000, 2000)
    assert max(got.image.size) <= 1600


def _fetch(cache, url, **kw):
    async def run():
        async with Fetcher(FetchSettings(timeout=2, deadline=4), None, allow_private=True) as fetcher:
            return await fetch_image(fetcher, cache, url, **kw)
    return asyncio.run(run())


def test_fetch_caches_the_image_and_serves_it_offline(tmp_path):
    cache = ImageCache(tmp_path / "pages" / "images")
    body = jpeg()
    with TestServer() as server:
        server.route("/lead.jpg", raw_response(200, {"Content-Type": "image/jpeg", "Content-Length": str(len(body))},
                                               body))
        url = server.url("/lead.jpg")
        got = _fetch(cache, url)
        assert got.data == body and got.fetched
        again = _fetch(cache, url)
        assert again.data == body and not again.fetched and server.hits("/lead.jpg") == 1
    # the server is gone: the cached copy still shows
    assert _fetch(cache, url).data == body
    assert cache.prune(0, now=time.time() + 10) == 2 and cache.get(url) is None


def test_fetch_refuses_non_http_urls_pages_and_oversized_images(tmp_path):
    cache = ImageCache(tmp_path / "images")
    assert _fetch(cache, "file:///etc/passwd").data is None
    assert _fetch(cache, "data:image/png;base64,AAAA").data is None
    big = jpeg(2000, 2000)
    with TestServer() as server:
        server.route("/page", html_page("<p>hi</p>"))
        server.route("/big.jpg", raw_response(200, {"Content-Type": "image/jpeg", "Content-Length": str(len(big))},
                                              big))
        page = _fetch(cache, server.url("/page"))
        assert page.data is None and "not an image" in (page.error or "")
        capped = _fetch(cache, server.url("/big.jpg"), max_bytes=10_000)
        assert capped.data is None and capped.error
        assert cache.error(server.url("/big.jpg"))


def test_private_addresses_stay_blocked(tmp_path):
    async def run():
        async with Fetcher(FetchSettings(timeout=2, deadline=4), None, allow_private=False) as fetcher:
            return await fetch_image(fetcher, None, server.url("/x.jpg"))
    with TestServer() as server:
        server.route("/x.jpg", raw_response(200, {"Content-Type": "image/jpeg", "Content-Length": "3"}, b"abc"))
        got = asyncio.run(run())
    assert got.data is None and server.hits("/x.jpg") == 0

"""`feedreader prefetch` as a real process against a real local HTTP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from docs import doc, write
from helpers.httpserver import TestServer, html_page, status_page

PAGE = "<html><head><title>T</title></head><body><article><p>" + "Some words of the article. " * 20 + "</p></article></body></html>"


def run(*args: str, allow_private: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["FEEDREADER_ALLOW_PRIVATE_HOSTS"] = "1" if allow_private else "0"
    return subprocess.run(
        [sys.executable, "-m", "feedreader", *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.fixture
def site(tmp_path):
    with TestServer() as server:
        folder = tmp_path / "news"
        good1 = server.route("/one", html_page(PAGE, etag='"1"'))
        good2 = server.route("/two", html_page(PAGE, etag='"2"'))
        bad = server.route("/gone", status_page(404))
        write(folder, "one.txt", doc("First", good1))
        write(folder, "two.txt", doc("Second", good2))
        write(folder, "gone.txt", doc("Gone", bad))
        write(folder, "nourl.txt", doc("No link", None))
        listing = run("list", "--json", str(folder))
        assert listing.returncode == 0, listing.stderr
        ids = {item["title"]: item["id"] for item in map(json.loads, listing.stdout.splitlines())}
        yield server, folder, ids


def test_prefetch_all_then_revalidate(site, isolated_dirs):
    server, folder, ids = site
    first = run("prefetch", str(folder), "--all")
    assert first.returncode == 1, first.stderr                      # one page failed
    assert first.stdout.strip() == "fetched 2, not modified 0, failed 1, skipped 1 without a URL"
    assert f"failed: {ids['Gone']} {server.url('/gone')}: HTTP 404" in first.stderr
    assert "\r" not in first.stderr                                  # no progress bar off a terminal
    pages = isolated_dirs["cache"] / "pages"
    assert len(list(pages.glob("*.html"))) == 2

    again = run("prefetch", str(folder), "--all", "--jobs", "1")
    assert again.stdout.strip() == "fetched 0, not modified 2, failed 1, skipped 1 without a URL"
    assert server.requests[-1].headers.get("if-none-match") in ('"1"', '"2"', None)
    assert sum("if-none-match" in r.headers for r in server.requests) == 2


def test_prefetch_by_id_prefix(site):
    server, folder, ids = site
    result = run("prefetch", str(folder), ids["Second"][:8])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "fetched 1, not modified 0, failed 0"
    assert server.hits("/two") == 1 and server.hits("/one") == 0


def test_private_addresses_are_refused_unless_allowed(site):
    server, folder, ids = site
    result = run("prefetch", str(folder), ids["First"], allow_private=False)
    assert result.returncode == 1
    assert "blocked address 127.0.0.1 (loopback): set allow_private_hosts = true in config.toml" in result.stderr
    assert server.hits() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to prefetch"),
        (("abcdef12", "--all"), "not both"),
        (("--jobs", "0", "--all"), "must be from 1 to 64"),
    ],
)
def test_usage_errors(site, args, message):
    _, folder, _ = site
    result = run("prefetch", str(folder), *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_unknown_id(site):
    _, folder, _ = site
    result = run("prefetch", str(folder), "ffffffff")
    assert result.returncode == 1
    assert "no article with id 'ffffffff'" in result.stderr

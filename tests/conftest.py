"""Shared fixtures: no test ever touches the user's real directories."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("feedreader-home")
    dirs = {}
    for kind in ("data", "cache", "config", "log"):
        d = base / kind
        monkeypatch.setenv(f"FEEDREADER_{kind.upper()}_DIR", str(d))
        dirs[kind] = d
    monkeypatch.delenv("FEEDREADER_ALLOW_PRIVATE_HOSTS", raising=False)
    return dirs

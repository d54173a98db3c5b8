"""Fixtures for the sync tests: a real Miniflux (installed and started by the
fixture itself, see tests/helpers/miniflux.py) and a feed server it fetches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.httpserver import TestServer
from helpers.miniflux import Account, MinifluxSetupError, MinifluxStack
from test_greader_parse import stub  # noqa: F401  (the scripted hostile server, for test_engine.py too)


@pytest.fixture(scope="session")
def miniflux() -> Iterator[MinifluxStack]:
    """A Miniflux 2.2.x with a throwaway PostgreSQL, for the whole session.

    Fails (never skips) with the reason when it cannot be installed or started.
    """
    problem = None
    try:
        stack = MinifluxStack().__enter__()
    except MinifluxSetupError as exc:
        problem = str(exc)
    if problem is not None:
        pytest.fail(f"the test Miniflux could not be set up: {problem}", pytrace=False)
    try:
        yield stack
    finally:
        stack.close()


@pytest.fixture
def account(miniflux: MinifluxStack) -> Account:
    """A fresh Miniflux user (Google Reader API on): no feeds, no entries."""
    if miniflux.proc is None or miniflux.proc.poll() is not None:
        miniflux.start()          # a test that killed it and failed before restarting
    return miniflux.new_account()


@pytest.fixture(scope="session")
def feed_server() -> Iterator[TestServer]:
    """Plain HTTP on 127.0.0.1 serving the feeds Miniflux fetches."""
    with TestServer() as server:
        yield server

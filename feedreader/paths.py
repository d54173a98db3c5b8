"""Where feedreader keeps its files (platformdirs), overridable for tests.

Nothing here runs at import time: every location is computed on demand so that
tests (and users) can redirect them with command-line flags or environment
variables:

* ``FEEDREADER_DATA_DIR``   – marks (``state.db``), subscriptions (``feeds.sqlite``),
  feed entries (``feeds/<feed id>/``) and the sync account and state: precious
* ``FEEDREADER_CACHE_DIR``  – the article index and the page cache: disposable
* ``FEEDREADER_CONFIG_DIR`` – ``config.toml``
* ``FEEDREADER_LOG_DIR``    – ``feedreader.log``
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "feedreader"


def _platform_dir(kind: str) -> Path:
    import platformdirs

    getter = {
        "data": platformdirs.user_data_dir,
        "cache": platformdirs.user_cache_dir,
        "config": platformdirs.user_config_dir,
        "log": platformdirs.user_log_dir,
    }[kind]
    return Path(getter(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Paths:
    """The directories one run of feedreader uses."""

    data_dir: Path
    cache_dir: Path
    config_dir: Path
    log_dir: Path

    @classmethod
    def resolve(
        cls,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        config_dir: str | os.PathLike[str] | None = None,
        log_dir: str | os.PathLike[str] | None = None,
        environ: dict[str, str] | None = None,
    ) -> "Paths":
        """Explicit arguments win, then ``FEEDREADER_*_DIR``, then platformdirs."""
        env = os.environ if environ is None else environ

        def pick(explicit, kind: str) -> Path:
            if explicit:
                return Path(explicit).expanduser()
            from_env = env.get(f"FEEDREADER_{kind.upper()}_DIR")
            if from_env:
                return Path(from_env).expanduser()
            return _platform_dir(kind)

        return cls(
            data_dir=pick(data_dir, "data"),
            cache_dir=pick(cache_dir, "cache"),
            config_dir=pick(config_dir, "config"),
            log_dir=pick(log_dir, "log"),
        )

    @property
    def state_db(self) -> Path:
        return self.data_dir / "state.db"

    @property
    def feed_store(self) -> Path:
        """The subscriptions database (user data)."""
        return self.data_dir / "feeds.sqlite"

    @property
    def feed_entries(self) -> Path:
        """Feed entries as documents, ``<feed id>/<entry file>`` (user data)."""
        return self.data_dir / "feeds"

    @property
    def sync_account(self) -> Path:
        """The feed server account (URL, user, Auth token; never the password), mode 0600."""
        return self.data_dir / "sync-account.json"

    @property
    def sync_state(self) -> Path:
        """What the last sync agreed with the feed server (user data: it holds the queue)."""
        return self.data_dir / "sync.sqlite"

    @property
    def index_db(self) -> Path:
        return self.cache_dir / "index.db"

    @property
    def page_cache(self) -> Path:
        return self.cache_dir / "pages"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "feedreader.log"


def builtin_library() -> Path:
    """The sample library shipped inside the package."""
    return Path(__file__).resolve().parent / "seeds"

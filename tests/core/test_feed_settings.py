"""The [feeds] section of config.toml and the feed paths."""

from __future__ import annotations

from feedreader.config import FeedSettings, load_settings
from feedreader.paths import Paths


def settings_from(tmp_path, text: str):
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path / "config.toml", environ={})


def test_defaults_refresh_hourly_and_keep_everything(tmp_path):
    s = settings_from(tmp_path, "")
    assert s.feeds == FeedSettings(refresh_every=3600.0, keep_days=None)
    assert s.problems == ()


def test_good_values(tmp_path):
    s = settings_from(tmp_path, '[feeds]\nrefresh_every = "1h30m"\nkeep_days = 90\n')
    assert (s.feeds.refresh_every, s.feeds.keep_days) == (5400.0, 90)
    assert s.problems == ()


def test_bad_values_are_named_and_defaults_kept(tmp_path):
    s = settings_from(tmp_path, '[feeds]\nrefresh_every = "90"\nkeep_days = "a lot"\n')
    assert s.feeds == FeedSettings()
    assert len(s.problems) == 2
    assert "feeds.refresh_every" in s.problems[0] and "has no unit" in s.problems[0]
    assert "feeds.keep_days must be a whole number of days" in s.problems[1]
    assert "'a lot'" in s.problems[1]
    s = settings_from(tmp_path, "[feeds]\nkeep_days = 0\nrefresh_every = 5\n")
    assert s.feeds == FeedSettings() and len(s.problems) == 2
    s = settings_from(tmp_path, "feeds = 3\n")
    assert s.feeds == FeedSettings() and "[feeds] must be a table" in s.problems[0]


def test_feed_paths_are_in_the_data_dir_and_not_created(tmp_path):
    paths = Paths.resolve(data_dir=tmp_path / "d", cache_dir=tmp_path / "c", config_dir=tmp_path / "k",
                          log_dir=tmp_path / "l")
    assert paths.feed_store == tmp_path / "d" / "feeds.sqlite"
    assert paths.feed_entries == tmp_path / "d" / "feeds"
    assert not (tmp_path / "d").exists()


def test_refresh_on_start(tmp_path):
    assert settings_from(tmp_path, "").feeds.refresh_on_start is True
    assert settings_from(tmp_path, "[feeds]\nrefresh_on_start = false\n").feeds.refresh_on_start is False
    bad = settings_from(tmp_path, '[feeds]\nrefresh_on_start = "no"\n')
    assert bad.feeds.refresh_on_start is True
    assert any("feeds.refresh_on_start must be true or false" in p for p in bad.problems)

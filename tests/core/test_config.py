"""Settings from config.toml and the environment: bad values never stop the reader."""

from __future__ import annotations

from feedreader.config import Settings, load_settings
from feedreader.core.web.settings import FetchSettings
from feedreader.paths import Paths


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_defaults(tmp_path):
    settings = load_settings(tmp_path / "none.toml", environ={})
    assert settings == Settings()


def test_good_values(tmp_path):
    path = write(tmp_path, """
sources = ["~/news", "/srv/a"]
sort = "ranked"
mark_read_on_open = false
mark_read_after = 0
allow_private_hosts = true
[fetch]
jobs = 3
timeout = 2.5
[views]
ai = "topic:AI is:unread"
[keys]
"marks.read" = "r"
"app.sort" = "o,s"
""")
    s = load_settings(path, environ={})
    assert s.problems == ()
    assert s.sources == ("~/news", "/srv/a") and s.sort == "ranked"
    assert (s.mark_read_on_open, s.mark_read_after, s.allow_private_hosts) == (False, 0, True)
    assert s.fetch == FetchSettings(jobs=3, timeout=2.5)
    assert s.views == (("ai", "topic:AI is:unread"),)
    assert s.keys == (("marks.read", "r"), ("app.sort", "o,s"))


def test_bad_values_are_named_and_defaults_kept(tmp_path):
    path = write(tmp_path, """
sources = "not-a-list-but-one-path"
sort = 3
mark_read_after = -1
allow_private_hosts = "yes"
colour = "blue"
[fetch]
jobs = 0
max_bytes = true
[keys]
"marks.read" = "$(rm -rf /)"
""")
    s = load_settings(path, environ={})
    text = "\n".join(s.problems)
    assert s.sort == "newest" and s.mark_read_after == 2.0 and s.allow_private_hosts is False
    assert s.sources == ("not-a-list-but-one-path",)
    for needle in ("sort must be one of", "mark_read_after must be", "allow_private_hosts must be true or false",
                   "unknown setting 'colour'", "fetch.jobs must be", "fetch.max_bytes must be", "keys.marks.read"):
        assert needle in text, needle
    assert s.fetch.jobs == FetchSettings().jobs and s.keys == ()


def test_broken_toml_and_binary_file(tmp_path):
    s = load_settings(write(tmp_path, "sort = [unclosed"), environ={})
    assert s.sort == "newest" and "not valid TOML" in s.problems[0]
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert "not valid TOML" in load_settings(path, environ={}).problems[0]


def test_environment_override(tmp_path):
    assert load_settings(tmp_path / "x", environ={"FEEDREADER_ALLOW_PRIVATE_HOSTS": "1"}).allow_private_hosts
    s = load_settings(tmp_path / "x", environ={"FEEDREADER_ALLOW_PRIVATE_HOSTS": "maybe"})
    assert not s.allow_private_hosts and "FEEDREADER_ALLOW_PRIVATE_HOSTS" in s.problems[0]


def test_paths_resolution(tmp_path):
    env = {"FEEDREADER_DATA_DIR": str(tmp_path / "d")}
    p = Paths.resolve(cache_dir=tmp_path / "c", environ=env)
    assert p.state_db == tmp_path / "d" / "state.db"
    assert p.cache_dir == tmp_path / "c"
    assert p.config_file.name == "config.toml" and p.log_file.name == "feedreader.log"


def test_images_theme_and_browser_settings():
    from feedreader.config import parse_settings

    s = parse_settings({"images": False, "theme": "nord", "browser": ["w3m", "-o", "x", "%u"],
                        "browser_in_terminal": True})
    assert (s.images, s.theme, s.browser, s.browser_in_terminal) == (False, "nord", ("w3m", "-o", "x", "%u"), True)
    assert parse_settings({"browser": "firefox --new-tab %u"}).browser == ("firefox", "--new-tab", "%u")
    bad = parse_settings({"theme": "no way; rm", "browser": [1], "images": "yes"})
    assert (bad.theme, bad.browser, bad.images) == ("", (), True)
    assert len(bad.problems) == 3 and any("browser" in p for p in bad.problems)


# -- issue 14: a config file a person can fix ------------------------------------------

def test_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'sort = "best"\n[fetch]\njobs = 3\n')
    s = load_settings(path, environ={})
    assert s.problems == () and s.sort == "best" and s.fetch.jobs == 3


def test_a_toml_error_names_the_line_and_keeps_the_other_sections(tmp_path):
    path = write(tmp_path, """sort = "best"
mark_read_after = 5

[fetch]
jobs = 3
timeout = = 2

[views]
ai = "topic:AI"
""")
    s = load_settings(path, environ={})
    (problem,) = s.problems
    assert "line 6, column" in problem and "[fetch]" in problem and str(path) in problem
    assert s.sort == "best" and s.mark_read_after == 5 and s.views == (("ai", "topic:AI"),)
    assert s.fetch == FetchSettings()                 # the broken section: defaults


def test_a_toml_error_at_the_top_level_drops_only_that_line(tmp_path):
    path = write(tmp_path, 'sort = "best"\nmark_read_after = oops\n[fetch]\njobs = 3\n')
    s = load_settings(path, environ={})
    (problem,) = s.problems
    assert "line 2, column" in problem
    assert s.sort == "best" and s.fetch.jobs == 3 and s.mark_read_after == Settings().mark_read_after


def test_a_file_that_is_no_toml_at_all_gives_defaults_and_says_where(tmp_path):
    path = write(tmp_path, 'sort = "unterminated\n')
    s = load_settings(path, environ={})
    assert len(s.problems) == 1 and "not valid TOML" in s.problems[0] and "line 1" in s.problems[0]
    assert s.sort == "newest"


def test_unknown_keys_inside_sections_are_reported_with_a_suggestion(tmp_path):
    path = write(tmp_path, """sortt = "best"
[fetch]
job = 4
jobs = 2
[feeds]
refresh_evry = "2h"
[sync]
every = "5m"
""")
    s = load_settings(path, environ={})
    text = "\n".join(s.problems)
    assert "unknown setting 'sortt' ignored (did you mean 'sort'?)" in text
    assert "unknown setting 'fetch.job' ignored (did you mean 'jobs'?)" in text
    assert "unknown setting 'feeds.refresh_evry' ignored (did you mean 'refresh_every'?)" in text
    assert "unknown setting 'sync.every' ignored" in text
    assert s.fetch.jobs == 2 and len(s.problems) == 4


def test_the_page_cache_cap(tmp_path):
    assert load_settings(write(tmp_path, "[fetch]\ncache_max_mb = 0\n"), environ={}).fetch.cache_max_mb == 0
    s = load_settings(write(tmp_path, "[fetch]\ncache_max_mb = -3\n"), environ={})
    assert s.fetch.cache_max_mb == 500 and "fetch.cache_max_mb must be" in s.problems[0]


def test_a_key_written_as_its_character_suggests_its_name():
    from feedreader.config import parse_settings

    settings = parse_settings({"keys": {"marks.flag": "?", "app.sort": "s,!"}})
    assert settings.keys == ()
    told = " ".join(settings.problems)
    assert "write 'question_mark'" in told and "write 's,exclamation_mark'" in told

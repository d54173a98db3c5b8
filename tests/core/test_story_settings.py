"""``[stories]`` of the config file: read_whole_story, off by default; mistakes named."""

from __future__ import annotations

from feedreader.config import load_settings


def settings_of(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def test_read_whole_story_is_off_by_default_and_can_be_turned_on(tmp_path):
    assert settings_of(tmp_path, "").stories.read_whole_story is False
    on = settings_of(tmp_path, "[stories]\nread_whole_story = true\n")
    assert on.stories.read_whole_story is True and not on.problems


def test_a_wrong_value_an_unknown_key_and_a_wrong_table_are_reported(tmp_path):
    bad = settings_of(tmp_path, '[stories]\nread_whole_story = "yes"\nread_whole_stroy = true\n')
    assert bad.stories.read_whole_story is False
    assert any("stories.read_whole_story must be true or false" in p for p in bad.problems)
    assert any("unknown setting 'stories.read_whole_stroy'" in p and "read_whole_story" in p for p in bad.problems)
    wrong = settings_of(tmp_path, 'stories = 3\n')
    assert any("[stories] must be a table" in p for p in wrong.problems)
    assert not any("unknown setting 'stories'" in p for p in wrong.problems)

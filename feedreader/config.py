"""Settings: ``config.toml`` in the user config dir, then ``FEEDREADER_*`` env overrides.

The file is user input like any other: a wrong type or an unknown value never
stops the reader. It is reported (``Settings.problems``) naming the key, and the
default is used instead.

Example ``config.toml``::

    sources = ["~/news", "/srv/archive"]
    sort = "best"                 # newest | best | ranked
    mark_read_on_open = true
    mark_read_after = 2.0         # seconds shown in the detail pane; 0 = never
    allow_private_hosts = false   # let prefetch reach loopback/private addresses
    images = true                 # the lead image above the article (i turns it off for the session)
    theme = "nord"                # a Textual theme (ctrl+p: "Change theme"); the last chosen one is remembered
    browser = ["w3m", "%u"]       # argv, %u is the URL (never through a shell); default: $BROWSER, then the system's
    browser_in_terminal = true    # the browser is a text one: the app gives it the terminal while it runs

    [fetch]
    jobs = 8
    per_host = 2
    timeout = 10.0
    max_bytes = 5000000

    [feeds]
    refresh_every = "1h"          # how often a feed is checked (90s, 30m, 1h, 2d, 1w)
    keep_days = 90                # entries older than that, not flagged, are pruned; absent = keep all
    refresh_on_start = true       # the app refreshes the feeds that are due when it starts

    [sync]                        # the feed server (feedreader sync setup URL --user NAME)
    sync_every = "15m"            # how often the app syncs in the background; "0" = only at start

    [views]
    ai = "topic:AI is:unread"

    [[rules]]                     # scoring rules (README "Scoring rules"): match, add, action
    name = "ai policy"
    match = 'topic:AI (regulation OR "privacy bill")'
    add = 25

    [stories]
    read_whole_story = false      # reading one article of a story marks its other articles read
    group_limit = 200000          # the app groups stories only in a library up to this size (0: any size)

    [keys]                        # rebind by binding id (see the help screen, ?)
    "marks.read" = "w"
    "app.sort" = "s,O"
"""

from __future__ import annotations

import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from feedreader.core.feeds.schedule import parse_duration
from feedreader.core.library.orders import ORDERS
from feedreader.core.rules.spec import RuleSpec, specs_from_config
from feedreader.core.web.settings import FetchSettings

SORT_ORDERS = ORDERS          # the one list of order names (core/library/orders.py)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class FeedSettings:
    refresh_every: float = 3600.0      # seconds
    keep_days: int | None = None       # None: keep every entry
    refresh_on_start: bool = True      # the app refreshes the feeds that are due when it starts


@dataclass(frozen=True)
class SyncSettings:
    sync_every: float = 900.0          # seconds; 0: only at start


@dataclass(frozen=True)
class StorySettings:
    read_whole_story: bool = False     # reading one article of a story marks the story read (ui/storying.py)
    group_limit: int = 200_000         # the app groups stories only up to this many articles (0: no limit)


@dataclass(frozen=True)
class Settings:
    sources: tuple[str, ...] = ()
    sort: str = "newest"
    mark_read_on_open: bool = True
    mark_read_after: float = 2.0
    allow_private_hosts: bool = False
    images: bool = True
    theme: str = ""                    # "": the remembered one, else Textual's default
    browser: tuple[str, ...] = ()      # argv with %u for the URL; (): $BROWSER, then the system's
    browser_in_terminal: bool | None = None   # None: decided by the browser's name (w3m, lynx, less...)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    views: tuple[tuple[str, str], ...] = ()
    keys: tuple[tuple[str, str], ...] = ()
    rules: tuple[RuleSpec, ...] = ()   # [[rules]]: scoring rules (core/rules; README "Scoring rules")
    stories: StorySettings = field(default_factory=StorySettings)   # [stories]
    problems: tuple[str, ...] = ()


_THEME_RE = re.compile(r"[A-Za-z0-9_\-]{1,40}")


# key -> (type, validator description, check)
def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_int(lo: int, hi: int):
    def check(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi

    return check


def _is_num(lo: float, hi: float):
    def check(v: Any) -> bool:
        return (
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and math.isfinite(v)
            and lo <= v <= hi
        )

    return check


_TOP_LEVEL = {
    "sort": (lambda v: v in SORT_ORDERS, "one of " + ", ".join(SORT_ORDERS)),
    "mark_read_on_open": (_is_bool, "true or false"),
    "mark_read_after": (_is_num(0, 3600), "a number of seconds from 0 to 3600"),
    "allow_private_hosts": (_is_bool, "true or false"),
    "images": (_is_bool, "true or false"),
    "theme": (lambda v: isinstance(v, str) and _THEME_RE.fullmatch(v) is not None, "a theme name like \"nord\""),
    "browser_in_terminal": (_is_bool, "true or false"),
}
_FETCH = {
    "jobs": (_is_int(1, 64), "a whole number from 1 to 64"),
    "per_host": (_is_int(1, 16), "a whole number from 1 to 16"),
    "timeout": (_is_num(0.1, 300), "a number of seconds from 0.1 to 300"),
    "deadline": (_is_num(0.1, 3600), "a number of seconds from 0.1 to 3600"),
    "max_bytes": (_is_int(1024, 1_000_000_000), "a whole number of bytes from 1024 to 1e9"),
    "max_redirects": (_is_int(0, 30), "a whole number from 0 to 30"),
    "cache_max_mb": (_is_int(0, 1_000_000), "a whole number of megabytes from 0 (no cap) to 1000000"),
}
MAX_CONFIG_BYTES = 1_000_000
_KEY_RE = re.compile(r"[A-Za-z0-9_+\-]{1,30}(,[A-Za-z0-9_+\-]{1,30}){0,5}")
_BINDING_ID_RE = re.compile(r"[a-z_]{1,20}\.[a-z_]{1,30}")


def _key_name_hint(key: Any) -> str:
    """ (write "question_mark") for keys written as characters: Textual's key
    names are the characters' Unicode names, lower case, with underscores."""
    if not isinstance(key, str):
        return ""
    named = []
    for part in key.split(","):
        part = part.strip()
        if len(part) == 1 and not part.isalnum():
            try:
                part = unicodedata.name(part).lower().replace(" ", "_").replace("-", "_")
            except ValueError:
                return ""
        named.append(part)
    hint = ",".join(named)
    return f" (write {hint!r})" if hint != key and _KEY_RE.fullmatch(hint) else ""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _apply(table: dict, spec: dict, prefix: str, problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in spec:
            continue
        check, wanted = spec[key]
        if check(value):
            out[key] = value
        else:
            problems.append(f"{prefix}{key} must be {wanted}, got {_describe(value)}; using the default")
    return out


def _unknown(source: str, key: Any, known: set[str], prefix: str = "") -> str:
    """"unknown setting 'fetch.job' ignored (did you mean 'jobs'?)"."""
    import difflib

    name = str(key)[:40]
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{source}: unknown setting {prefix + name!r} ignored{hint}"


def parse_settings(data: dict[str, Any], source: str = "config") -> Settings:
    """Turn a parsed TOML table into Settings, reporting every bad value."""
    problems: list[str] = []
    known = {f.name for f in fields(Settings)} - {"problems"}
    for key in data:
        if key not in known:
            problems.append(_unknown(source, key, known))
    values = _apply(data, _TOP_LEVEL, f"{source}: ", problems)

    sources = data.get("sources", [])
    if isinstance(sources, str):
        sources = [sources]
    if isinstance(sources, list) and all(isinstance(s, str) and s and "\0" not in s for s in sources):
        values["sources"] = tuple(sources)
    else:
        problems.append(f"{source}: sources must be a list of folder paths, got {_describe(sources)}; ignored")

    if "browser" in data:
        browser = _browser(data["browser"])
        if browser is None:
            problems.append(f"{source}: browser must be a list of words like [\"w3m\", \"%u\"], "
                            f"got {_describe(data['browser'])}; using $BROWSER")
        else:
            values["browser"] = browser

    fetch_table = data.get("fetch", {})
    fetch = FetchSettings()
    if isinstance(fetch_table, dict):
        fetch = replace(fetch, **_apply(fetch_table, _FETCH, f"{source}: fetch.", problems))
    else:
        problems.append(f"{source}: [fetch] must be a table; ignored")

    sections = (("fetch", set(_FETCH)), ("feeds", {f.name for f in fields(FeedSettings)}),
                ("sync", {f.name for f in fields(SyncSettings)}), ("stories", {f.name for f in fields(StorySettings)}))
    for section, names in sections:
        table = data.get(section)
        for key in table if isinstance(table, dict) else ():
            if key not in names:
                problems.append(_unknown(source, key, names, f"{section}."))
    feeds = _feeds(data.get("feeds", {}), source, problems)
    sync = _sync(data.get("sync", {}), source, problems)

    views_table = data.get("views", {})
    views: list[tuple[str, str]] = []
    if isinstance(views_table, dict):
        for name, query in views_table.items():
            if isinstance(query, str) and len(query) <= 1000 and name.isprintable() and len(name) <= 40:
                views.append((name, query))
            else:
                problems.append(f"{source}: views.{name[:40]!s} must be a query string; ignored")
    else:
        problems.append(f"{source}: [views] must be a table of name = \"query\"; ignored")

    keys_table = data.get("keys", {})
    keys: list[tuple[str, str]] = []
    if isinstance(keys_table, dict):
        for binding_id, key in keys_table.items():
            if (
                isinstance(key, str)
                and _KEY_RE.fullmatch(key)
                and _BINDING_ID_RE.fullmatch(binding_id)
            ):
                keys.append((binding_id, key))
            elif not _BINDING_ID_RE.fullmatch(binding_id):
                problems.append(f"{source}: keys.{binding_id[:40]!s} is not a binding id like \"marks.read\" "
                                "(help, ?, lists them); ignored")
            else:
                problems.append(
                    f"{source}: keys.{binding_id[:40]!s} must be a key name like \"r\" or \"ctrl+r,o\", "
                    f"got {_describe(key)}{_key_name_hint(key)}; ignored"
                )
    else:
        problems.append(f"{source}: [keys] must be a table of binding-id = \"key\"; ignored")

    rules, rule_problems = specs_from_config(data.get("rules"), source)
    problems.extend(rule_problems)
    stories_table = data.get("stories", {})
    if not isinstance(stories_table, dict):
        problems.append(f"{source}: [stories] must be a table; ignored")
    story_checks = {"read_whole_story": (_is_bool, "true or false"),
                    "group_limit": (_is_int(0, 100_000_000), "a whole number of articles, 0 (no limit) or more")}
    stories = StorySettings(**_apply(stories_table if isinstance(stories_table, dict) else {},
                                     story_checks, f"{source}: stories.", problems))

    return Settings(**values, fetch=fetch, feeds=feeds, sync=sync, views=tuple(views), keys=tuple(keys),
                    rules=rules, stories=stories, problems=tuple(problems))


def _browser(value: Any) -> tuple[str, ...] | None:
    """``browser``: a list of argv words (a string is split like a shell would,
    but is never run by one), at most 32 words, none empty or with NUL."""
    import shlex

    if isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError:
            return None
    if (isinstance(value, list) and 0 < len(value) <= 32
            and all(isinstance(w, str) and w and "\0" not in w and len(w) <= 1000 for w in value)):
        return tuple(value)
    return None


def _feeds(table: Any, source: str, problems: list[str]) -> FeedSettings:
    if not isinstance(table, dict):
        problems.append(f"{source}: [feeds] must be a table; ignored")
        return FeedSettings()
    values: dict[str, Any] = {}
    if "refresh_every" in table:
        raw = table["refresh_every"]
        try:
            values["refresh_every"] = parse_duration(raw)
        except ValueError as exc:
            problems.append(f"{source}: feeds.refresh_every: {exc}; using the default (1h)")
    if "keep_days" in table:
        raw = table["keep_days"]
        if _is_int(1, 36500)(raw):
            values["keep_days"] = raw
        else:
            problems.append(
                f"{source}: feeds.keep_days must be a whole number of days from 1 to 36500, "
                f"got {_describe(raw)}; keeping every entry"
            )
    if "refresh_on_start" in table:
        raw = table["refresh_on_start"]
        if _is_bool(raw):
            values["refresh_on_start"] = raw
        else:
            problems.append(f"{source}: feeds.refresh_on_start must be true or false, got {_describe(raw)}; "
                            "using the default (true)")
    return FeedSettings(**values)


def _sync(table: Any, source: str, problems: list[str]) -> SyncSettings:
    if not isinstance(table, dict):
        problems.append(f"{source}: [sync] must be a table; ignored")
        return SyncSettings()
    if "sync_every" not in table:
        return SyncSettings()
    raw = table["sync_every"]
    if raw in (0, "0"):
        return SyncSettings(sync_every=0.0)
    try:
        return SyncSettings(sync_every=parse_duration(raw))
    except ValueError as exc:
        problems.append(f"{source}: sync.sync_every: {exc}; using the default (15m)")
        return SyncSettings()


def _env_overrides(settings: Settings, env: dict[str, str] | os._Environ) -> Settings:
    problems = list(settings.problems)
    allow = env.get("FEEDREADER_ALLOW_PRIVATE_HOSTS")
    if allow is not None:
        if allow.strip().lower() in _TRUE:
            settings = replace(settings, allow_private_hosts=True)
        elif allow.strip().lower() in _FALSE:
            settings = replace(settings, allow_private_hosts=False)
        else:
            problems.append(f"FEEDREADER_ALLOW_PRIVATE_HOSTS must be 1 or 0, got {_describe(allow)}; ignored")
    return replace(settings, problems=tuple(problems))


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_MAX_TOML_RETRIES = 20


def parse_toml(raw: bytes, source: str) -> tuple[dict[str, Any], list[str]]:
    """The file's tables, keeping what can be kept: a byte order mark is
    skipped; on a syntax error the section holding the bad line (or the line
    itself, before any section) is left out and the rest read again. Each
    error is a sentence naming its line and column."""
    problems: list[str] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return {}, [f"{source}: not valid TOML (not UTF-8 text, line {line}); using defaults"]
    lines = text.splitlines(keepends=True)
    for _attempt in range(_MAX_TOML_RETRIES):
        try:
            return tomllib.loads("".join(lines)), problems
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            at = _TOML_AT.search(message)
            what = _TOML_AT.sub("", message).strip()
            if at is None:
                problems.append(f"{source}: not valid TOML ({message}); using defaults")
                return {}, problems
            line, column = int(at.group(1)), int(at.group(2))
            start, end, header = _section_around(lines, line - 1)
            left_out = f"section {header} left out, its defaults apply" if header else "that line left out"
            problems.append(f"{source}: not valid TOML at line {line}, column {column} ({what}); {left_out}")
            lines[start:end] = ["\n"] * (end - start)    # (the line numbers of later errors stay true)
    problems.append(f"{source}: too many TOML errors; using defaults")
    return {}, problems


def _section_around(lines: list[str], index: int) -> tuple[int, int, str | None]:
    """(first, end, "[name]") of the section holding line ``index``; before
    any section header: just that line and None."""
    def is_header(text: str) -> bool:
        stripped = text.strip()
        return stripped.startswith("[") and (stripped.endswith("]") or "#" in stripped)

    start = next((i for i in range(min(index, len(lines) - 1), -1, -1) if is_header(lines[i])), None)
    if start is None:
        return index, min(index + 1, len(lines)), None
    end = next((i for i in range(start + 1, len(lines)) if is_header(lines[i])), len(lines))
    end = max(end, index + 1)
    return start, end, lines[start].strip().split("#", 1)[0].strip()


def load_settings(config_file: Path, environ: dict[str, str] | None = None) -> Settings:
    """Read ``config_file`` (missing is fine) and apply environment overrides."""
    env = os.environ if environ is None else environ
    settings = Settings()
    try:
        raw = config_file.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as exc:
        settings = Settings(problems=(f"{config_file}: cannot read ({exc.strerror}); using defaults",))
        raw = None
    if raw is not None:
        if len(raw) > MAX_CONFIG_BYTES:
            settings = Settings(problems=(f"{config_file}: larger than {MAX_CONFIG_BYTES} bytes; using defaults",))
        else:
            data, toml_problems = parse_toml(raw, str(config_file))
            settings = parse_settings(data, str(config_file))
            settings = replace(settings, problems=(*toml_problems, *settings.problems))
    return _env_overrides(settings, env)

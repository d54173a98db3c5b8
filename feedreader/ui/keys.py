"""``[keys]`` of the config file -> the keymap the app applies, and what is wrong with it.

Textual's ``set_keymap`` gives a key to a binding id and silently takes it
from every other binding that had it. Here a key another binding uses (in
the same pane, or anywhere for a key of the whole app) is a conflict: it is
reported and not given, so the other binding keeps it (a rebinding left with
no key keeps its defaults). Unknown binding ids and keys written as the
character instead of its name (``?`` for ``question_mark``) are reported too.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

APP = "app"     # the group whose keys work in every pane
# the app's actions on the list and its article: not while a dialog or the reader view is on top
MAIN_SCREEN_ONLY = frozenset({
    "cycle_sort", "rescan", "focus_list", "toggle_read", "toggle_hidden", "toggle_flag", "toggle_unread_only",
    "toggle_show_hidden", "next_unread", "previous_unread", "mark_all_read", "undo", "open_browser",
    "prefetch", "prefetch_view", "reader", "search", "saved_view", "filter_topic", "filter_provider",
    "toggle_images", "toggle_sources", "refresh_feed", "refresh_all_feeds", "story"})
# keys Textual's own bindings use (no binding id: they cannot be rebound here)
RESERVED = {"ctrl+p": "the command palette", "ctrl+q": "quit", "ctrl+c": "copy / quit",
            "tab": "the next pane", "shift+tab": "the previous pane"}


def split_keys(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def key_name(key: str) -> str | None:
    """Textual's name of a key written as its character (``?`` -> ``question_mark``),
    or None when ``key`` is a name already."""
    if len(key) == 1 and not key.isalnum():
        try:
            return unicodedata.name(key).lower().replace(" ", "_").replace("-", "_")
        except ValueError:
            return None
    return None


def _overlap(a: str, b: str) -> bool:
    return a == b or APP in (a, b)


def resolve_keymap(
    groups: Mapping[str, Sequence[BindingType]], wanted: Iterable[tuple[str, str]]
) -> tuple[dict[str, str], list[str]]:
    """(keymap for ``App.set_keymap``, problems) for the ``(binding id, keys)``
    the user asked for; ``groups``: pane name -> its bindings (``APP``: the app's)."""
    defaults: dict[str, list[str]] = {}
    group_of: dict[str, str] = {}
    for group, bindings in groups.items():
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id:
                defaults[binding.id] = split_keys(binding.key)
                group_of[binding.id] = group
    problems: list[str] = []
    requests: list[tuple[str, str, list[str]]] = []
    for binding_id, keys in wanted:
        if binding_id not in defaults:
            close = difflib.get_close_matches(binding_id, list(defaults), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else " (the help screen, ?, lists the binding ids)"
            problems.append(f"keys: unknown binding id {binding_id!r} ignored{hint}")
            continue
        asked = []
        for key in split_keys(keys):
            name = key_name(key)
            if name is not None:
                problems.append(f"keys: {binding_id} = {keys!r}: write {key!r} as {name!r}")
                key = name
            if key not in asked:
                asked.append(key)
        requests.append((binding_id, keys, asked))
    effective = dict(defaults)
    for binding_id, _keys, asked in requests:
        if asked:
            effective[binding_id] = asked
    keymap: dict[str, str] = {}
    for binding_id, keys, asked in requests:
        given = []
        for key in asked:
            if key in RESERVED:
                problems.append(f"keys: {binding_id} = {keys!r}: {key} is {RESERVED[key]}'s key; not given")
                continue
            rival = next((other for other, taken in effective.items()
                          if other != binding_id and key in taken
                          and _overlap(group_of[binding_id], group_of[other])), None)
            if rival is not None:
                problems.append(f"keys: {binding_id} = {keys!r}: {key} is already {rival}'s key; "
                                f"{rival} keeps it")
                continue
            given.append(key)
        if given:
            keymap[binding_id] = ",".join(given)
            effective[binding_id] = given
        else:
            effective[binding_id] = defaults[binding_id]
            if asked:
                problems.append(f"keys: {binding_id} keeps its default key {','.join(defaults[binding_id])}")
    return keymap, problems


def keys_in_force(groups: Mapping[str, Sequence[BindingType]], keymap: Mapping[str, str]) -> dict[str, str]:
    """binding id -> its keys now (the keymap's, else the default)."""
    out: dict[str, str] = {}
    for bindings in groups.values():
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id:
                out[binding.id] = keymap.get(binding.id, binding.key)
    return out


# -- the app's bindings: where they work, the help screen, the palette -------------
def app_key_groups(app_bindings: Sequence[BindingType]) -> dict[str, list[BindingType]]:
    """The app's bindings by where they work (``APP``: everywhere), for ``resolve_keymap``."""
    from feedreader.ui.article_list import ArticleList
    from feedreader.ui.article_view import ArticleView, RelatedList
    from feedreader.ui.search_bar import SearchBar

    return {APP: list(app_bindings), "list": list(ArticleList.BINDINGS), "detail": list(ArticleView.BINDINGS),
            "related": list(RelatedList.BINDINGS), "search bar": list(SearchBar.BINDINGS)}


def help_sections(app_bindings: Sequence[BindingType], keys_now: Mapping[str, str]) -> list[tuple[str, list[tuple[str, ...]]]]:
    """(section, [(keys in force, description, binding id)]) for every binding, for the help screen."""
    from feedreader.ui.article_list import ArticleList
    from feedreader.ui.article_view import ArticleView
    from feedreader.ui.fetching import FETCH_BINDINGS
    from feedreader.ui.marking import MARK_BINDINGS
    from feedreader.ui.reader import ReaderScreen
    from feedreader.ui.screens import describe_with_ids
    from feedreader.ui.searching import SEARCH_BINDINGS, SEARCH_HELP
    from feedreader.ui.sources import SOURCES_BINDINGS
    from feedreader.ui.storying import STORY_BINDINGS

    def described(bindings: Iterable[BindingType]) -> list[tuple[str, ...]]:
        return describe_with_ids(bindings, keys_now)

    grouped = [*MARK_BINDINGS, *FETCH_BINDINGS, *SEARCH_BINDINGS, *SOURCES_BINDINGS, *STORY_BINDINGS]
    return [
        ("Anywhere", described(b for b in app_bindings if b not in grouped)),
        ("List", described(ArticleList.BINDINGS)),
        ("Detail", described(ArticleView.BINDINGS)),
        ("Also", [("tab / shift+tab", "switch panes"), ("ctrl+p", "command palette"),
                  ("mouse", "click a row to select it, double-click to open the detail")]),
        ("Marks", described(MARK_BINDINGS)),
        ("Pages", described(FETCH_BINDINGS)),
        ("Reader view", [("1-9…", "type a link's number to open it in the browser"),
                         *describe_with_ids(ReaderScreen.BINDINGS)]),
        ("Search", list(SEARCH_HELP)),
        ("Sources and feeds", described(SOURCES_BINDINGS)),
        ("Stories", described(STORY_BINDINGS)),
    ]


def binding_commands(app_bindings: Sequence[BindingType], keys_now: Mapping[str, str],
                     run_action: Callable[[str], object]) -> Iterator[SystemCommand]:
    """A palette entry per described binding of the app, its key in force as the help text."""
    from feedreader.ui.safe import plain_command
    from feedreader.ui.screens import describe_with_ids

    for binding in app_bindings:
        if not isinstance(binding, Binding) or binding.action in {"quit", "focus_list"}:
            continue
        described = describe_with_ids([binding], keys_now)
        if binding.description and described:
            keys, longer = described[0][0], described[0][1]
            hint = f"{longer} (key: {keys})" if longer != binding.description else f"key: {keys}"
            yield plain_command(binding.description, hint, partial(run_action, binding.action))

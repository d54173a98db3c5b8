"""The Google Reader API's data, checked: ids, the model, and the reply parsers.

Pure functions (JSON-like data in, frozen dataclasses out), used by
:mod:`feedreader.core.sync.greader`, which re-exports everything public here.
A reply with the wrong shape raises :class:`SyncError` naming the field; a
malformed entry of a list is left out with a reason (``dropped``); every
string is cleaned with :func:`~feedreader.core.text.clean_text` and URLs are
checked with :func:`~feedreader.core.text.check_url`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from feedreader.core.text import check_url, clean_text

__all__ = [
    "LABEL_PREFIX",
    "LONG_ID_PREFIX",
    "READ",
    "READING_LIST",
    "STARRED",
    "Item",
    "Items",
    "Secret",
    "Subscription",
    "Subscriptions",
    "SyncError",
    "label",
    "long_item_id",
    "parse_item_ids",
    "parse_items",
    "parse_login",
    "parse_subscriptions",
    "short_item_id",
]

READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LABEL_PREFIX = "user/-/label/"
LONG_ID_PREFIX = "tag:google.com,2005:reader/item/"

MAX_REPLY_BYTES = 32 << 20     # one JSON reply (decoded)
MAX_SMALL_REPLY = 64 << 10     # login, token, "OK", error pages
MAX_TEXT = 2000                # titles, authors, categories
MAX_HTML = 2_000_000           # summary/content characters
MAX_ID_LENGTH = 2048           # stream ids, continuations, tokens

ErrorKind = Literal["auth", "network", "server", "protocol", "busy"]


class SyncError(Exception):
    """Talking to the feed server failed; ``message`` says why, for a person.

    ``kind``: ``"auth"`` (log in again), ``"network"`` (retry later),
    ``"server"`` (the server answered with an error), ``"protocol"`` (the reply
    made no sense), ``"busy"`` (another sync of the same data dir is running).
    Never carries a password or token.
    """

    def __init__(self, message: str, *, kind: ErrorKind = "server") -> None:
        super().__init__(message)
        self.message = message
        self.kind: ErrorKind = kind

    def __repr__(self) -> str:
        return f"SyncError({self.message!r}, kind={self.kind!r})"


class Secret:
    """A token that does not show itself: ``repr``/``str`` are masked; use ``reveal()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is not pickled (store it with reveal(), deliberately)")


def label(folder: str) -> str:
    """The stream id of a folder (label)."""
    return LABEL_PREFIX + folder


# -- item ids -----------------------------------------------------------------------

_LONG_ID = re.compile(r"tag:google\.com,2005:reader/item/([0-9a-fA-F]{16})")
_SHORT_ID = re.compile(r"-?[0-9]{1,20}")
_U64 = 1 << 64
_TOKEN = re.compile(rf"[\x21-\x7e]{{1,{MAX_ID_LENGTH}}}")   # header-safe, no spaces


def _id_value(item_id: object) -> int:
    if isinstance(item_id, str):
        m = _LONG_ID.fullmatch(item_id)
        if m:
            return int(m.group(1), 16)
        if _SHORT_ID.fullmatch(item_id):
            n = int(item_id)
            if -(1 << 63) <= n < _U64:
                return n % _U64
    elif isinstance(item_id, int) and not isinstance(item_id, bool) and -(1 << 63) <= item_id < _U64:
        return item_id % _U64
    raise ValueError(f"not a Google Reader item id: {_show(item_id)}")


def long_item_id(item_id: str | int) -> str:
    """``tag:google.com,2005:reader/item/<16 hex>`` for a short or long id (ValueError if neither)."""
    return _long(item_id)


def _long(item_id: object) -> str:
    return f"{LONG_ID_PREFIX}{_id_value(item_id):016x}"


def short_item_id(item_id: str | int) -> str:
    """The short (signed 64-bit decimal) form of a short or long id (ValueError if neither)."""
    n = _id_value(item_id)
    return str(n - _U64 if n >= 1 << 63 else n)


# -- the model ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Subscription:
    id: str                    # stream id, e.g. "feed/12" or "feed/https://..."
    title: str
    url: str | None            # the feed URL if it is a safe http(s) URL
    html_url: str | None       # the site, same rule
    folders: tuple[str, ...]
    raw_url: str = ""          # the feed URL as sent, cleaned for display


@dataclass(frozen=True, slots=True)
class Item:
    id: str                    # long form
    feed_id: str               # stream id of the feed ("feed/12")
    title: str
    url: str | None            # checked http(s) link, or None
    published: datetime | None
    updated: datetime | None
    summary_html: str
    content_html: str
    author: str
    categories: tuple[str, ...]  # "user/<n>/" normalised to "user/-/"
    read: bool
    starred: bool
    raw_url: str = ""
    crawled: datetime | None = None    # when the server first fetched it (crawlTimeMsec)

    @property
    def short_id(self) -> str:
        return short_item_id(self.id)


@dataclass(frozen=True, slots=True)
class Subscriptions:
    subscriptions: tuple[Subscription, ...]
    dropped: tuple[str, ...] = ()     # why each malformed entry was left out


@dataclass(frozen=True, slots=True)
class Items:
    items: tuple[Item, ...]
    dropped: tuple[str, ...] = ()     # why each malformed item was left out
    missing: tuple[str, ...] = ()     # requested long ids the server did not send


# -- checking JSON ----------------------------------------------------------------------

class _Bad(Exception):
    """A field has the wrong type or value (the message names it)."""


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(clean_text(value, limit=40))
    if isinstance(value, (bool, int, float)) or value is None:
        return repr(value)[:40]
    return f"a {_kind(value)}"


def _kind(value: object) -> str:
    return {dict: "JSON object", list: "JSON list", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def _obj(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(f"{where} is {_show(value)}, not a JSON object")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(f"{where} is {_show(value)}, not a list")
    return value


def _str(obj: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _Bad(f"{where}.{key} is missing")
        return None
    if not isinstance(value, str):
        raise _Bad(f"{where}.{key} is {_show(value)}, not text")
    return value


def _ident(obj: Mapping[str, Any], key: str, where: str) -> str:
    """A required identifier: text, short, with nothing a terminal could act on."""
    value = _str(obj, key, where, required=True)
    assert value is not None
    if not value or len(value) > MAX_ID_LENGTH or clean_text(value, limit=MAX_ID_LENGTH) != value:
        raise _Bad(f"{where}.{key} is not a usable id: {_show(value)}")
    return value


def _time(obj: Mapping[str, Any], key: str, where: str, per_second: int) -> datetime | None:
    """An epoch time (number or digit string) in units of 1/per_second s; None if absent or absurd."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,30}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{where}.{key} is {_show(value)}, not a time")
    try:
        stamp = datetime.fromtimestamp(value / per_second, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return stamp if 1970 <= stamp.year <= 9000 else None


def _category(value: str) -> str:
    value = re.sub(r"\Auser/[0-9]+/", "user/-/", value)
    return clean_text(value, limit=MAX_TEXT)


def _href(value: object, where: str) -> str | None:
    """The first ``href`` of a list of ``{"href": ...}`` (canonical/alternate)."""
    if value is None:
        return None
    for n, link in enumerate(_list(value, where)):
        href = _str(_obj(link, f"{where}[{n}]"), "href", f"{where}[{n}]")
        if href:
            return href
    return None


# -- parsers (pure: JSON-like data in, model out) -----------------------------------

def parse_login(text: str) -> Secret:
    """The ``Auth`` value of a ClientLogin reply (``SID=…\\nLSID=…\\nAuth=…``)."""
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key == "Auth":
            if not _TOKEN.fullmatch(value):
                raise SyncError("the server's login reply has an unusable Auth token", kind="protocol")
            return Secret(value)
    raise SyncError("the server's login reply has no Auth token (is this a Google Reader API address?)",
                    kind="protocol")


def parse_subscriptions(data: object) -> Subscriptions:
    """A ``subscription/list?output=json`` reply."""
    what = "subscription/list"
    try:
        entries = _list(_obj(data, what).get("subscriptions"), f"{what}: subscriptions")
    except _Bad as exc:
        raise SyncError(f"the server's reply to {exc}", kind="protocol") from None
    subs: list[Subscription] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for n, raw in enumerate(entries):
        where = f"subscriptions[{n}]"
        try:
            sub = _obj(raw, where)
            sid = _ident(sub, "id", where)
            if sid in seen:
                raise _Bad(f"{where}.id {_show(sid)} is listed twice")
            raw_url = _str(sub, "url", where) or ""
            folders: list[str] = []
            for k, cat in enumerate(_list(sub.get("categories", []), f"{where}.categories")):
                cat = _obj(cat, f"{where}.categories[{k}]")
                name = _str(cat, "label", f"{where}.categories[{k}]")
                cid = _str(cat, "id", f"{where}.categories[{k}]") or ""
                if not name and "/label/" in cid:
                    name = cid.split("/label/", 1)[1]
                name = clean_text(name or "", limit=MAX_TEXT)
                if name and name not in folders:
                    folders.append(name)
            subs.append(Subscription(
                id=sid,
                title=clean_text(_str(sub, "title", where) or raw_url or sid, limit=MAX_TEXT),
                url=check_url(raw_url),
                html_url=check_url(_str(sub, "htmlUrl", where) or ""),
                folders=tuple(folders),
                raw_url=clean_text(raw_url, limit=MAX_ID_LENGTH),
            ))
            seen.add(sid)
        except _Bad as exc:
            dropped.append(f"left out: {exc}")
    return Subscriptions(tuple(subs), tuple(dropped))


def parse_item_ids(data: object) -> tuple[tuple[str, ...], str | None]:
    """A ``stream/items/ids`` reply: (long ids, continuation or None).

    Strict: one bad id fails the page (an incomplete id list would read as
    "these items are gone or read").
    """
    what = "stream/items/ids"
    try:
        reply = _obj(data, what)
        refs = reply.get("itemRefs")          # absent or null: an empty stream
        refs = [] if refs is None else _list(refs, f"{what}: itemRefs")
        ids: list[str] = []
        for n, ref in enumerate(refs):
            value = _obj(ref, f"{what}: itemRefs[{n}]").get("id")
            if type(value) is str and len(value) < 20 and value.isascii() and value.isdigit():
                ids.append(f"{LONG_ID_PREFIX}{int(value):016x}")    # the common short form, < 2**63
                continue
            try:
                ids.append(_long(value))
            except ValueError:
                raise _Bad(f"{what}: itemRefs[{n}].id is {_show(value)}, not an item id") from None
        cont = reply.get("continuation")
        if isinstance(cont, int) and not isinstance(cont, bool):
            cont = str(cont) if cont else None
        if cont is not None and not isinstance(cont, str):
            raise _Bad(f"{what}: continuation is {_show(cont)}, not text")
        if cont and (len(cont) > MAX_ID_LENGTH or clean_text(cont, limit=MAX_ID_LENGTH) != cont):
            raise _Bad(f"{what}: continuation is not usable: {_show(cont)}")
    except _Bad as exc:
        raise SyncError(f"the server's reply to {exc}", kind="protocol") from None
    return tuple(ids), cont or None


def parse_items(data: object, requested: Sequence[str] | None = None) -> Items:
    """A ``stream/items/contents`` reply; ``requested`` (long ids) marks what is missing or unasked."""
    what = "stream/items/contents"
    try:
        entries = _list(_obj(data, what).get("items"), f"{what}: items")
    except _Bad as exc:
        raise SyncError(f"the server's reply to {exc}", kind="protocol") from None
    wanted = set(requested) if requested is not None else None
    items: list[Item] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for n, raw in enumerate(entries):
        where = f"items[{n}]"
        try:
            item = _parse_item(_obj(raw, where), where)
            if wanted is not None and item.id not in wanted:
                raise _Bad(f"{where} ({item.id}) was not asked for")
            if item.id in seen:
                raise _Bad(f"{where} ({item.id}) came twice")
        except _Bad as exc:
            dropped.append(f"left out: {exc}")
            continue
        seen.add(item.id)
        items.append(item)
    missing = tuple(i for i in requested or () if i not in seen)
    return Items(tuple(items), tuple(dropped), missing)


def _parse_item(obj: Mapping[str, Any], where: str) -> Item:
    raw_id = obj.get("id")
    try:
        item_id = _long(raw_id)
    except ValueError:
        raise _Bad(f"{where}.id is {_show(raw_id)}, not an item id") from None
    origin = _obj(obj.get("origin"), f"{where}.origin")
    feed_id = _ident(origin, "streamId", f"{where}.origin")
    categories: list[str] = []
    for k, cat in enumerate(_list(obj.get("categories", []), f"{where}.categories")):
        if not isinstance(cat, str):
            raise _Bad(f"{where}.categories[{k}] is {_show(cat)}, not text")
        categories.append(_category(cat))
    raw_url = _href(obj.get("canonical"), f"{where}.canonical") or _href(obj.get("alternate"),
                                                                         f"{where}.alternate") or ""
    published = _time(obj, "published", where, 1)
    if published is None:
        published = _time(obj, "timestampUsec", where, 1_000_000)

    def html(key: str) -> str:
        block = obj.get(key)
        if block is None:
            return ""
        text = _str(_obj(block, f"{where}.{key}"), "content", f"{where}.{key}") or ""
        return clean_text(text, multiline=True, limit=MAX_HTML)

    summary, content = html("summary"), html("content")
    return Item(
        id=item_id,
        feed_id=feed_id,
        title=clean_text(_str(obj, "title", where) or "", limit=MAX_TEXT),
        url=check_url(raw_url),
        published=published,
        updated=_time(obj, "updated", where, 1),
        summary_html=summary or content,
        content_html=content or summary,
        author=clean_text(_str(obj, "author", where) or "", limit=MAX_TEXT),
        categories=tuple(categories),
        read=READ in categories,
        starred=STARRED in categories,
        raw_url=clean_text(raw_url, limit=MAX_ID_LENGTH),
        crawled=_time(obj, "crawlTimeMsec", where, 1000),
    )

"""A thin, typed client for the Google Reader API (FreshRSS, Miniflux, Inoreader...).

    client = GReaderClient(http, "https://rss.example/api/greader.php")
    client.login(user, password)          # -> Secret; or GReaderClient(..., auth=secret)
    subs = client.subscriptions()         # Subscriptions(.subscriptions, .dropped)
    unread = client.item_ids(exclude=READ)
    batch = client.items(unread)          # Items(.items, .dropped, .missing)
    client.mark_read(batch.items[0].id)

The caller owns the ``httpx.Client`` (timeouts, proxies, network guards); this
module only speaks the protocol. ``base_url`` is the API root:
``<base>/accounts/ClientLogin`` and ``<base>/reader/api/0/...`` (Miniflux: the
server root; FreshRSS: ``.../api/greader.php``).

The server is not trusted: every reply is read with a byte cap, JSON is
checked field by field (a malformed reply raises :class:`SyncError` naming the
field; a malformed item in a list is dropped with a reason), paging is bounded
(a page limit, and a continuation may not repeat), and every string is cleaned
with :func:`~feedreader.core.text.clean_text`. Every failure is one exception,
:class:`SyncError`, worded for a person. The password, the Auth token and the
action token never appear in an exception, a repr or the log.

Item ids come as short decimals (``"1729796069123456"``, signed 64-bit) and in
long form (``tag:google.com,2005:reader/item/<16 hex>``): :class:`Item` and
:meth:`GReaderClient.item_ids` always give the long form, and requests send the
long form, which every server reads the same way (Miniflux 2.2 reads a *short*
id as hex).

Known server quirks: Miniflux 2.2.6's ``edit-tag`` with ``a=…/read`` marks an
entry that is *already read* as unread (fixed upstream later), so send read
marks only for entries the server has unread; its ``stream/items/contents``
answers 400 when none of the ids exist any more.
"""


from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from feedreader.core.sync.greader_parse import (
    _TOKEN,
    LABEL_PREFIX,
    LONG_ID_PREFIX,
    MAX_REPLY_BYTES,
    MAX_SMALL_REPLY,
    READ,
    READING_LIST,
    STARRED,
    Item,
    Items,
    Secret,
    Subscription,
    Subscriptions,
    SyncError,
    _Bad,
    _ident,
    _obj,
    _show,
    label,
    long_item_id,
    parse_item_ids,
    parse_items,
    parse_login,
    parse_subscriptions,
    short_item_id,
)
from feedreader.core.text import clean_text

__all__ = [
    "LABEL_PREFIX",
    "LONG_ID_PREFIX",
    "MAX_IDS",
    "MAX_PAGES",
    "READ",
    "READING_LIST",
    "STARRED",
    "GReaderClient",
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

MAX_PAGES = 200                # of stream/items/ids
MAX_IDS = 1_000_000

# -- the client -----------------------------------------------------------------------

class GReaderClient:
    """Google Reader API calls over an ``httpx.Client`` the caller owns (sync code)."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        *,
        auth: Secret | None = None,
        max_reply_bytes: int = MAX_REPLY_BYTES,
        max_pages: int = MAX_PAGES,
        page_size: int = 1000,
        batch_size: int = 250,
        max_seconds: float = 300.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SyncError(f"the server address must be an http(s) URL, not {_show(base_url)}", kind="protocol")
        self._http = http
        self.base_url = base_url.rstrip("/")
        self._host = parts.netloc.rpartition("@")[2]
        self._auth = auth
        self._token: str | None = None
        self.max_reply_bytes = max_reply_bytes
        self.max_pages = max_pages
        self.page_size = page_size
        self.batch_size = batch_size
        self.max_seconds = max_seconds

    def __repr__(self) -> str:
        return f"GReaderClient({self.base_url!r}, logged_in={self.logged_in})"

    @property
    def logged_in(self) -> bool:
        return self._auth is not None

    # -- login ------------------------------------------------------------------------
    def login(self, username: str, password: str) -> Secret:
        """ClientLogin; keeps and returns the Auth token. Wrong credentials: SyncError(kind="auth")."""
        self._auth, self._token = None, None
        resp, body = self._send("POST", "/accounts/ClientLogin", "ClientLogin", cap=MAX_SMALL_REPLY,
                                data={"Email": username, "Passwd": password}, secrets=(password,))
        if resp.status_code in (400, 401, 403):
            raise SyncError(f"wrong user name or password (the server at {self._host} answered "
                            f"{resp.status_code} to the login)", kind="auth")
        self._check(resp, body, "ClientLogin", secrets=(password,))
        self._auth = parse_login(body.decode("utf-8", "replace"))
        return self._auth

    def token(self, *, refresh: bool = False) -> str:
        """The action token ``T`` that every POST carries (fetched once, then kept)."""
        if self._token is None or refresh:
            self._token = None
            body = self._call("GET", "token", "token", cap=MAX_SMALL_REPLY)
            value = body.decode("utf-8", "replace").strip()
            if not _TOKEN.fullmatch(value):
                raise SyncError("the server sent an unusable action token", kind="protocol")
            self._token = value
        return self._token

    # -- subscriptions -------------------------------------------------------------------
    def subscriptions(self) -> Subscriptions:
        return parse_subscriptions(self._json("GET", "subscription/list", params={"output": "json"}))

    def quickadd(self, url: str) -> str | None:
        """Subscribe to ``url`` (a feed or a page naming one); the new stream id, or None if none found."""
        reply = self._json("POST", "subscription/quickadd", form={"quickadd": url}, params={"output": "json"})
        try:
            obj = _obj(reply, "subscription/quickadd")
            count = obj.get("numResults", 0)
            if isinstance(count, bool) or not isinstance(count, int):
                raise _Bad(f"subscription/quickadd: numResults is {_show(count)}, not a number")
            return _ident(obj, "streamId", "subscription/quickadd") if count else None
        except _Bad as exc:
            raise SyncError(f"the server's reply to {exc}", kind="protocol") from None

    def subscribe(self, feed_url: str, *, title: str | None = None, folder: str | None = None) -> None:
        self._edit_subscription("subscribe", "feed/" + feed_url, title, folder)

    def unsubscribe(self, stream_id: str) -> None:
        self._edit_subscription("unsubscribe", stream_id, None, None)

    def edit_subscription(self, stream_id: str, *, title: str | None = None, folder: str | None = None) -> None:
        """Rename and/or move a subscription to ``folder``."""
        self._edit_subscription("edit", stream_id, title, folder)

    def _edit_subscription(self, action: str, stream: str, title: str | None, folder: str | None) -> None:
        form: dict[str, str | list[str]] = {"ac": action, "s": stream}
        if title:
            form["t"] = title
        if folder:
            form["a"] = label(folder)
        self._call("POST", "subscription/edit", "subscription/edit", form=form, cap=MAX_SMALL_REPLY)

    # -- items ----------------------------------------------------------------------------
    def item_ids(self, stream: str = READING_LIST, *, exclude: str | None = None,
                 newer_than: datetime | int | None = None) -> tuple[str, ...]:
        """All item ids (long form) of ``stream``, following continuations (bounded)."""
        base: dict[str, str] = {"output": "json", "s": stream, "n": str(self.page_size)}
        if exclude:
            base["xt"] = exclude
        if newer_than is not None:
            base["ot"] = str(int(newer_than.timestamp()) if isinstance(newer_than, datetime) else newer_than)
        ids: list[str] = []
        seen: set[str] = set()
        continuations: set[str] = set()
        cont: str | None = None
        for page in range(1, self.max_pages + 1):
            params = dict(base, c=cont) if cont else base
            page_ids, cont = parse_item_ids(self._json("GET", "stream/items/ids", params=params))
            for item_id in page_ids:
                if item_id not in seen:
                    seen.add(item_id)
                    ids.append(item_id)
            if cont is None:
                return tuple(ids)
            if cont in continuations:
                raise SyncError(f"the server repeated a continuation on stream/items/ids after {page} pages "
                                "(endless paging); stopped", kind="protocol")
            if not page_ids:
                raise SyncError("the server sent an empty page with a continuation on stream/items/ids; "
                                "stopped", kind="protocol")
            if len(ids) > MAX_IDS:
                raise SyncError(f"stream/items/ids listed more than {MAX_IDS} items; stopped", kind="protocol")
            continuations.add(cont)
        raise SyncError(f"stream/items/ids did not end after {self.max_pages} pages (endless paging?); stopped",
                        kind="protocol")

    def unread_ids(self, *, newer_than: datetime | int | None = None) -> tuple[str, ...]:
        return self.item_ids(READING_LIST, exclude=READ, newer_than=newer_than)

    def starred_ids(self) -> tuple[str, ...]:
        return self.item_ids(STARRED)

    def items(self, ids: Iterable[str | int]) -> Items:
        """The entries for ``ids`` (short or long), fetched in batches of ``batch_size``."""
        wanted = list(dict.fromkeys(long_item_id(i) for i in ids))
        items: list[Item] = []
        dropped: list[str] = []
        missing: list[str] = []
        for start in range(0, len(wanted), self.batch_size):
            batch = wanted[start:start + self.batch_size]
            reply = self._json("POST", "stream/items/contents", params={"output": "json"}, form={"i": batch})
            part = parse_items(reply, requested=batch)
            items += part.items
            dropped += part.dropped
            missing += part.missing
        return Items(tuple(items), tuple(dropped), tuple(missing))

    def edit_tags(self, ids: Iterable[str | int] | str, *, add: Sequence[str] = (),
                  remove: Sequence[str] = ()) -> None:
        """``edit-tag`` for ``ids`` (batched): add/remove tags such as READ and STARRED."""
        if not add and not remove:
            raise ValueError("edit_tags needs add= or remove=")
        wanted = list(dict.fromkeys(long_item_id(i) for i in ([ids] if isinstance(ids, str) else ids)))
        for start in range(0, len(wanted), self.batch_size):
            form: dict[str, str | list[str]] = {"i": wanted[start:start + self.batch_size]}
            if add:
                form["a"] = list(add)
            if remove:
                form["r"] = list(remove)
            self._call("POST", "edit-tag", "edit-tag", form=form, cap=MAX_SMALL_REPLY)

    def mark_read(self, ids: Iterable[str | int] | str, read: bool = True) -> None:
        self.edit_tags(ids, **({"add": [READ]} if read else {"remove": [READ]}))

    def mark_starred(self, ids: Iterable[str | int] | str, starred: bool = True) -> None:
        self.edit_tags(ids, **({"add": [STARRED]} if starred else {"remove": [STARRED]}))

    # -- HTTP ----------------------------------------------------------------------------
    def _json(self, method: str, endpoint: str, *, params: Mapping[str, str] | None = None,
              form: Mapping[str, str | list[str]] | None = None) -> object:
        body = self._call(method, endpoint, endpoint, params=params, form=form)
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise SyncError(f"the server's reply to {endpoint} is not valid JSON", kind="protocol") from None

    def _call(self, method: str, endpoint: str, what: str, *, params: Mapping[str, str] | None = None,
              form: Mapping[str, str | list[str]] | None = None, cap: int | None = None) -> bytes:
        """An authenticated API call; a POST carries T, refetched once if the server calls it stale."""
        if self._auth is None:
            raise SyncError("not logged in to the feed server", kind="auth")
        for attempt in (1, 2):
            data = {**(form or {}), "T": self.token()} if method == "POST" else None
            resp, body = self._send(method, "/reader/api/0/" + endpoint, what, params=params, data=data, cap=cap)
            stale = resp.headers.get("X-Reader-Google-Bad-Token", "").lower() == "true"
            if resp.status_code == 401 and method == "POST" and stale and attempt == 1:
                self._token = None
                continue
            break
        self._check(resp, body, what)
        return body

    def _send(self, method: str, path: str, what: str, *, params: Mapping[str, str] | None = None,
              data: Mapping[str, str | list[str]] | None = None, cap: int | None = None,
              secrets: Sequence[str] = ()) -> tuple[httpx.Response, bytes]:
        cap = cap or self.max_reply_bytes
        headers = {"Authorization": f"GoogleLogin auth={self._auth.reveal()}"} if self._auth else {}
        started = time.monotonic()
        try:
            with self._http.stream(method, self.base_url + path, params=params, data=data,
                                   headers=headers) as resp:
                length = resp.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > cap:
                    raise SyncError(f"the server's reply to {what} is too big ({int(length):,} bytes, "
                                    f"limit {cap:,})", kind="protocol")
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise SyncError(f"the server's reply to {what} is too big (over {cap:,} bytes)",
                                        kind="protocol")
                    if time.monotonic() - started > self.max_seconds:
                        raise SyncError(f"the server took over {self.max_seconds:.0f} s to send {what}",
                                        kind="network")
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise SyncError(f"the server at {self._host} did not answer in time on {what} (timeout)",
                            kind="network") from None
        except httpx.ConnectError as exc:
            raise SyncError(f"could not connect to the server at {self._host} for {what} "
                            f"({self._scrub(str(exc) or type(exc).__name__, secrets)})", kind="network") from None
        except httpx.HTTPError as exc:
            raise SyncError(f"the connection to {self._host} failed during {what} "
                            f"({self._scrub(str(exc) or type(exc).__name__, secrets)})", kind="network") from None
        logging.getLogger(__name__).debug("greader %s %s -> %s (%d bytes)", method, what, resp.status_code, size)
        return resp, b"".join(chunks)

    def _check(self, resp: httpx.Response, body: bytes, what: str, secrets: Sequence[str] = ()) -> None:
        status = resp.status_code
        if 200 <= status < 300:
            return
        if status in (401, 403):
            raise SyncError(f"the server at {self._host} refused our login on {what} ({status}): log in again "
                            "(was the password changed?)", kind="auth")
        if 300 <= status < 400:
            where = urlsplit(resp.headers.get("Location", "")).netloc or "elsewhere"
            raise SyncError(f"the server answered {status} on {what} (a redirect to {clean_text(where, limit=80)}): "
                            "check the server address", kind="protocol")
        detail = self._scrub(_error_detail(body), secrets)
        hint = " (too many requests: try again later)" if status == 429 else ""
        raise SyncError(f"the server answered {status} on {what}{hint}" + (f": {detail}" if detail else ""),
                        kind="server")

    def _scrub(self, text: str, extra: Sequence[str] = ()) -> str:
        for secret in (*extra, self._auth.reveal() if self._auth else "", self._token or ""):
            if secret:
                text = text.replace(secret, "***")
                for part in secret.split("/"):      # "user/hash" tokens: the hash alone is secret too
                    if len(part) >= 8:
                        text = text.replace(part, "***")
        return text


def _error_detail(body: bytes) -> str:
    """A short, clean reason from an error page (Miniflux: {"error_message": ...})."""
    text = body[:4096].decode("utf-8", "replace")
    try:
        data = json.loads(text)
        if isinstance(data, dict) and isinstance(data.get("error_message"), str):
            text = data["error_message"]
    except (ValueError, RecursionError):
        pass
    if "<" in text and ">" in text:         # an HTML error page says nothing useful in a terminal
        return ""
    return clean_text(text, limit=200)

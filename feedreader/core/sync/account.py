"""The feed server account: where, who, and the Auth token (never the password).

One small JSON file in the data dir (``Paths.sync_account``)::

    {"format": "feedreader-sync-account", "version": 1,
     "url": "https://rss.example", "user": "alice", "auth": "<token>", "created": 1764633600.0}

It is created with mode 0600 through ``os.open`` (never readable by others,
not even for a moment) and replaced atomically; a file that others may read
is refused with a sentence (and left alone) rather than used. The password is
used once, by :func:`feedreader.core.sync.greader.GReaderClient.login`, and
never stored: the Auth token it gives is what later syncs send. ``repr`` of
an :class:`Account` masks the token.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from feedreader.core.sync.greader import Secret
from feedreader.core.text import check_url, clean_text

__all__ = ["Account", "AccountError", "load_account", "remove_account", "save_account"]

FORMAT = "feedreader-sync-account"
MAX_BYTES = 64 << 10


class AccountError(Exception):
    """The account file cannot be used; ``str()`` is a sentence (never the token)."""


@dataclass(frozen=True)
class Account:
    url: str              # the API root (Miniflux: the server root; FreshRSS: .../api/greader.php)
    user: str
    auth: Secret
    created: float        # when ``sync setup`` stored it

    def __repr__(self) -> str:
        return f"Account(url={self.url!r}, user={self.user!r}, auth=Secret('***'))"


def save_account(path: Path, account: Account) -> None:
    """Write ``path`` (mode 0600) atomically: a temporary file made 0600 by ``os.open``, then replace."""
    data = json.dumps({"format": FORMAT, "version": 1, "url": account.url, "user": account.user,
                       "auth": account.auth.reveal(), "created": account.created}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            os.fchmod(fd, 0o600)           # whatever the umask, and if the file was left over
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise AccountError(f"cannot save the sync account to {path} ({exc.strerror or exc})") from None


def load_account(path: Path) -> Account | None:
    """The stored account, None when there is none; AccountError for a file that cannot be used."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AccountError(f"cannot read the sync account {path} ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise AccountError(f"the sync account {path} is not a regular file")
        if info.st_mode & 0o077:
            raise AccountError(f"the sync account {path} may be read by other users (mode "
                               f"{stat.S_IMODE(info.st_mode):o}); run `chmod 600 {path}` or `feedreader sync "
                               "setup` again (and consider changing the password)")
        raw = os.read(fd, MAX_BYTES + 1)
    finally:
        os.close(fd)
    try:
        data = json.loads(raw) if len(raw) <= MAX_BYTES else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != 1:
        raise AccountError(f"the sync account {path} is damaged; run `feedreader sync setup` again")
    url, user, auth, created = data.get("url"), data.get("user"), data.get("auth"), data.get("created", 0.0)
    if not (isinstance(url, str) and check_url(url) and isinstance(user, str) and isinstance(auth, str) and auth
            and isinstance(created, (int, float)) and not isinstance(created, bool)):
        raise AccountError(f"the sync account {path} is damaged; run `feedreader sync setup` again")
    return Account(url, clean_text(user, limit=200), Secret(auth), float(created))


def remove_account(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True

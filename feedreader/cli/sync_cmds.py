"""``feedreader sync ...``: two-way sync with a feed server (Google Reader API).

    feedreader sync setup URL --user NAME [--password-command CMD]
    feedreader sync [--dry-run]
    feedreader sync status [--json]

``setup`` asks for the password on the terminal (or runs ``--password-command``
without a shell, or reads ``FEEDREADER_SYNC_PASSWORD``), logs in once and keeps
only the server's Auth token, in ``sync-account.json`` of the data dir (mode
0600). The password is never written, logged or shown. ``sync`` runs one
sync (progress on a terminal, a summary after); a network or server failure
is retried with back-off and leaves everything as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from feedreader.cli.common import Context, add_common_options
from feedreader.core.text import plural

if TYPE_CHECKING:
    import httpx

    from feedreader.core.sync.engine import SyncReport

PASSWORD_ENV = "FEEDREADER_SYNC_PASSWORD"
PASSWORD_COMMAND_TIMEOUT = 60
ID_PAGE = 10_000          # ids per stream/items/ids page: a sync with nothing new is 3 listings, not 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sync",
        help="two-way sync of subscriptions, entries and read/flagged marks with a feed server",
        description="Sync with a feed server that speaks the Google Reader API (FreshRSS, Miniflux, "
                    "Inoreader, The Old Reader...). Without a subcommand: one sync.",
    )
    add_common_options(p)
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--retries", type=int, default=2, metavar="N", help="retries after a network failure (2)")
    p.set_defaults(func=cmd_sync, paths=[])
    cmds = p.add_subparsers(dest="sync_command", metavar="SUBCOMMAND")
    s = cmds.add_parser("setup", help="log in to a feed server and keep its token (not the password)",
                        description="Log in to a feed server; the password is asked on the terminal "
                                    f"(or --password-command, or ${PASSWORD_ENV}) and never stored.")
    add_common_options(s)
    s.add_argument("url", metavar="URL", help="the API address (Miniflux: the server; FreshRSS: "
                                              "https://host/api/greader.php)")
    s.add_argument("--user", required=True, metavar="NAME")
    s.add_argument("--password-command", metavar="CMD",
                   help="a command that prints the password (run without a shell), e.g. 'pass show rss'")
    s.set_defaults(func=cmd_setup, paths=[])
    st = cmds.add_parser("status", help="when it last synced, what is queued, the last error",
                         description="When it last synced, what is queued, and the last error.")
    add_common_options(st)
    st.add_argument("--json", action="store_true", help="one JSON object")
    st.set_defaults(func=cmd_status, paths=[])


def _err(text: str) -> None:
    print(f"feedreader: {text}", file=sys.stderr)


def _http(ctx: Context) -> httpx.Client:
    import httpx

    from feedreader import __version__

    return httpx.Client(timeout=httpx.Timeout(ctx.settings.fetch.timeout), follow_redirects=False,
                        headers={"User-Agent": f"feedreader/{__version__} (sync)"})


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else "never"


# -- setup --------------------------------------------------------------------------------

def _password(args: argparse.Namespace, where: str) -> str | None:
    if args.password_command:
        try:
            argv = shlex.split(args.password_command)
        except ValueError as exc:
            _err(f"cannot read --password-command ({exc})")
            return None
        if not argv:
            _err("--password-command is empty")
            return None
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=PASSWORD_COMMAND_TIMEOUT, check=False)
        except FileNotFoundError:
            _err(f"--password-command: {argv[0]} is not installed")
            return None
        except (OSError, subprocess.TimeoutExpired) as exc:
            why = "it took too long" if isinstance(exc, subprocess.TimeoutExpired) else (exc.strerror or "")
            _err(f"--password-command could not run ({why})")
            return None
        if done.returncode != 0:           # its output is not shown: it may hold the password
            _err(f"--password-command failed (exit status {done.returncode})")
            return None
        lines = done.stdout.splitlines()
        return lines[0] if lines else ""
    if os.environ.get(PASSWORD_ENV) is not None:
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        _err(f"no password: run this on a terminal, or give --password-command CMD or set ${PASSWORD_ENV}")
        return None
    import getpass

    try:
        return getpass.getpass(f"password for {args.user} at {where}: ")
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        return None


def cmd_setup(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from feedreader.core.sync.account import Account, AccountError, save_account
    from feedreader.core.sync.greader import GReaderClient, SyncError
    from feedreader.core.text import check_url, clean_text

    url = args.url.strip().rstrip("/")
    if check_url(url) is None:
        _err(f"{clean_text(url, limit=80)!r} is not an http(s) address")
        return 2
    host = urlsplit(url).netloc.rpartition("@")[2]
    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    password = _password(args, host)
    if not password:
        if password == "":
            _err("the password is empty")
        return 1
    try:
        with _http(ctx) as http:
            client = GReaderClient(http, url)
            auth = client.login(args.user, password)
            client.token()                   # the token works for the API, not only for ClientLogin
    except SyncError as exc:
        _err(f"could not log in: {exc.message}")
        return 1
    finally:
        password = ""
    try:
        save_account(ctx.paths.sync_account, Account(url, args.user, auth, time.time()))
    except AccountError as exc:
        _err(str(exc))
        return 1
    print(f"logged in to {host} as {clean_text(args.user, limit=80)}; its token is kept in "
          f"{ctx.paths.sync_account} (readable by you only), the password nowhere. Now: feedreader sync")
    return 0


# -- sync -----------------------------------------------------------------------------------

def cmd_sync(args: argparse.Namespace) -> int:
    from feedreader.cli.progress import ProgressBar
    from feedreader.core.feeds.store import FeedStore, StoreError
    from feedreader.core.sync.account import AccountError, load_account
    from feedreader.core.sync.engine import Sync, run_with_retries
    from feedreader.core.sync.greader import GReaderClient, SyncError
    from feedreader.core.sync.state import StateError, SyncState

    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    try:
        account = load_account(ctx.paths.sync_account)
    except AccountError as exc:
        _err(str(exc))
        return 1
    if account is None:
        _err("no feed server yet: feedreader sync setup URL --user NAME")
        return 1
    try:
        feeds = FeedStore(ctx.paths.feed_store)
        state = SyncState(ctx.paths.sync_state)
    except (StoreError, StateError) as exc:
        _err(str(exc))
        return 1
    marks = ctx.open_marks()
    for warning in [*feeds.warnings, *marks.pop_warnings()]:
        _err(warning)
    try:
        with _http(ctx) as http, ProgressBar("syncing") as bar:
            def progress(stage: str, done: int, total: int) -> None:
                bar.update(done, total, stage)

            def retrying(exc: SyncError, wait: float) -> None:
                bar.close()
                _err(f"{exc.message}; trying again in {wait:.0f} s")

            def attempt() -> SyncReport:
                client = GReaderClient(http, account.url, auth=account.auth, page_size=ID_PAGE)
                return Sync(client, feeds, marks, state, ctx.paths.feed_entries, progress=progress,
                            push_since=account.created).run(dry_run=args.dry_run)

            report = run_with_retries(attempt, attempts=max(1, args.retries + 1), on_retry=retrying)
    except SyncError as exc:
        hint = " (run: feedreader sync setup URL --user NAME)" if exc.kind == "auth" else ""
        _err(f"sync failed, nothing was lost: {exc.message}{hint}")
        return 1
    except (StoreError, StateError) as exc:
        _err(str(exc))
        return 1
    except OSError as exc:       # writing an entry: the disk is full, a folder is read-only
        _err(f"sync stopped: cannot write to {ctx.paths.data_dir} ({exc.strerror or exc}); nothing was lost, "
             "the next sync completes it")
        return 1
    finally:
        feeds.close()
        state.close()
        marks.close()
    _summary(report, account.url)
    return 0


def _count(counts: dict[str, int]) -> str:
    shown = [f"{n:,} {name}" for name, n in counts.items() if n]
    return ", ".join(shown) if shown else "nothing"


def _summary(report: SyncReport, url: str) -> None:
    from urllib.parse import urlsplit

    host = urlsplit(url).netloc.rpartition("@")[2]
    would = "would " if report.dry_run else ""
    for name in report.feeds_added:
        print(f"{would}add feed: {name}")
    for name in report.feeds_removed:
        print(f"{would}remove feed (unsubscribed on the server): {name}")
    for name in report.subscribed:
        print(f"{would}subscribe on the server (added here): {name}")
    for stream in report.unsubscribed:
        print(f"{would}unsubscribe on the server (removed here): {stream}")
    for move in report.feeds_moved:
        print(f"{would}move: {move}")
    for c in report.conflicts:
        state = {"read": ("read", "unread"), "flagged": ("flagged", "not flagged")}[c.mark]
        lost = state[0] if c.lost else state[1]
        side = "this machine's" if c.winner == "local" else "the server's"
        print(f"{'would resolve ' if report.dry_run else ''}conflict: {c.title}: {side} later change wins "
              f"(the other side had it {lost})")
    for problem in report.problems[:20]:
        print(f"note: {problem}", file=sys.stderr)
    head = "dry run, nothing changed" if report.dry_run else f"synced with {host} in {report.seconds:.1f} s"
    print(f"{head}: {would}take {report.new_entries:,} new entries; {would}send {_count(report.sent)}; "
          f"{would}receive {_count(report.received)}; {plural(len(report.conflicts), 'conflict')}"
          + (f"; {report.merged:,} entries matched to the local feed's own" if report.merged else ""))


# -- status ---------------------------------------------------------------------------------

def cmd_status(args: argparse.Namespace) -> int:
    from feedreader.core.sync.account import AccountError, load_account
    from feedreader.core.sync.engine import queued_marks
    from feedreader.core.sync.state import StateError, SyncState

    ctx = Context.from_args(args)
    problem = None
    try:
        account = load_account(ctx.paths.sync_account)
    except AccountError as exc:
        account, problem = None, str(exc)
    out: dict[str, Any] = {"server": account.url if account else None, "user": account.user if account else None}
    try:
        with SyncState(ctx.paths.sync_state) as state:
            status = state.status()
            marks = ctx.open_marks()
            try:
                queued = queued_marks(state, marks)
            finally:
                marks.close()
    except StateError as exc:
        _err(str(exc))
        return 1
    out.update(last_sync=status.last_sync, last_attempt=status.last_attempt, last_error=status.last_error,
               failures_in_a_row=status.fail_count, queued=queued, items=status.items, feeds=status.feeds,
               account_problem=problem)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    if problem:
        _err(problem)
    if account is None and not problem:
        print("no feed server yet: feedreader sync setup URL --user NAME")
    elif account is not None:
        print(f"server: {account.url} as {account.user}")
    print(f"last sync: {_when(status.last_sync)}; {status.feeds:,} feeds, {status.items:,} entries from the server")
    print(f"queued (made here, not yet sent): {_count(queued)}")
    if status.last_error:
        print(f"last attempt {_when(status.last_attempt)} failed ({status.fail_count} in a row): {status.last_error}")
    return 0

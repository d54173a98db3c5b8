"""A real Miniflux (with a throwaway PostgreSQL) for the sync tests.

    with MinifluxStack(workdir) as mf:          # or the ``miniflux`` fixture
        feed_id = mf.add_feed(url)              # REST API, admin account
        mf.greader_url, mf.username, mf.password  # Google Reader API login
        mf.kill(); mf.restart()                 # for mid-sync failure tests

Everything is installed on first use, so a plain ``pytest`` passes on a fresh
Debian 12 machine (as root):

* PostgreSQL 15 from Debian (``apt-get install postgresql-15`` if
  ``/usr/lib/postgresql/15/bin/initdb`` is missing). ``initdb``/``pg_ctl`` run
  as the ``postgres`` user; the cluster lives in a temp dir with
  ``fsync=off``, listens on a Unix socket in that dir and on no TCP port.
* Miniflux 2.2.x is Debian 13's package: ``apt-get download miniflux`` from a
  private source list for ``trixie`` on the machine's own Debian mirror, with
  private state, list and cache dirs (the system's apt state is not touched),
  then ``./usr/bin/miniflux`` is taken out of the .deb. The binary is cached as
  ``~/.cache/feedreader-tests/miniflux-<version>`` (``$XDG_CACHE_HOME`` is
  honoured; ``FEEDREADER_TEST_MINIFLUX=/path/to/miniflux`` skips all this;
  ``FEEDREADER_TEST_DEBIAN_MIRROR`` picks another mirror).

Miniflux 2.2.6 facts the tests rely on (read in miniflux/v2's source):
the Google Reader API is served at the root (``/accounts/ClientLogin``,
``/reader/api/0/...``) and enabled per user in ``integrations``
(``googlereader_enabled``, ``googlereader_username``,
``googlereader_password`` = a bcrypt hash); ``PUT /v1/feeds/{id}/refresh`` and
``POST /v1/feeds`` fetch synchronously; ``PUT /v1/entries/{id}/bookmark``
toggles. Any failure to set up raises :class:`MinifluxSetupError` with a
message a person can act on.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from xml.sax.saxutils import escape

import httpx

__all__ = [
    "Account",
    "MinifluxSetupError",
    "MinifluxStack",
    "ensure_miniflux_binary",
    "ensure_postgres",
    "free_port",
    "rss_feed",
]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
APT_TIMEOUT = 600          # seconds for one apt-get run


class MinifluxSetupError(RuntimeError):
    """The test Miniflux could not be installed or started (the message says why)."""


# -- small tools ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: Sequence[str], what: str, *, timeout: float = 60, env: dict[str, str] | None = None,
         cwd: str | Path | None = None) -> str:
    try:
        done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
                              check=False)
    except FileNotFoundError as exc:
        raise MinifluxSetupError(f"{what}: {cmd[0]} is not installed ({exc})") from None
    except subprocess.TimeoutExpired:
        raise MinifluxSetupError(f"{what}: `{' '.join(cmd[:3])} ...` took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise MinifluxSetupError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "feedreader-tests"


# -- PostgreSQL ----------------------------------------------------------------------

def ensure_postgres() -> Path:
    """The PostgreSQL 15 bin dir, installing ``postgresql-15`` from apt if needed."""
    if (PG_BIN / "initdb").exists():
        return PG_BIN
    if os.geteuid() != 0:
        raise MinifluxSetupError("PostgreSQL 15 is missing and only root can install it: "
                                 "run `apt-get install postgresql-15` (Debian 12)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update"], "apt-get update (to install PostgreSQL 15)", timeout=APT_TIMEOUT, env=env)
    _run(["apt-get", "install", "-y", "--no-install-recommends", "-o", "Dpkg::Options::=--force-confdef",
          "-o", "Dpkg::Options::=--force-confold", "postgresql-15"],
         "apt-get install postgresql-15", timeout=APT_TIMEOUT, env=env)
    if not (PG_BIN / "initdb").exists():
        raise MinifluxSetupError(f"postgresql-15 was installed but {PG_BIN / 'initdb'} is still missing")
    return PG_BIN


class Postgres:
    """A throwaway cluster in a temp dir owned by ``postgres``; Unix socket only."""

    def __init__(self) -> None:
        self.bin = ensure_postgres()
        self.root = Path(tempfile.mkdtemp(prefix="feedreader-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.port = free_port()   # names the socket file; no TCP listener
        self.started = False

    def _as_postgres(self, *cmd: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        _run(self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                               "--no-sync", "-E", "UTF8", "--locale=C"), "initdb")
        opts = (f"-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses='' "
                f"-c unix_socket_directories={self.socket_dir} -c port={self.port}")
        _run(self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w", "-t", "30",
                               "-l", str(self.root / "postgres.log"), "start"), "pg_ctl start", timeout=60)
        self.started = True

    def psql(self, sql: str, *, db: str = "postgres", **variables: str) -> str:
        """Run ``sql`` as a script on stdin (so ``:'name'`` variables are quoted by psql)."""
        cmd = [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", str(self.socket_dir),
               "-p", str(self.port), "-U", "postgres", "-d", db]
        for name, value in variables.items():
            cmd += ["-v", f"{name}={value}"]
        done = subprocess.run(cmd, input=sql, capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0:
            raise MinifluxSetupError(f"psql failed: {done.stderr.strip()[-500:]}")
        return done.stdout

    def dsn(self, db: str) -> str:
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={db} sslmode=disable"

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(MinifluxSetupError):
                _run(self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                       "-w", "stop"), "pg_ctl stop", timeout=30)
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)


# -- the Miniflux binary ----------------------------------------------------------------

def _system_mirror() -> str:
    """The Debian mirror this machine already uses (not the security archive);
    ``FEEDREADER_TEST_DEBIAN_MIRROR`` overrides it."""
    if os.environ.get("FEEDREADER_TEST_DEBIAN_MIRROR"):
        return os.environ["FEEDREADER_TEST_DEBIAN_MIRROR"].rstrip("/")
    found: list[str] = []
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]:
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                m = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
                if m and "security" not in m.group(2) and "/debian" in m.group(1) and "security" not in m.group(1):
                    found.append(m.group(1))
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with contextlib.suppress(OSError):
            for stanza in re.split(r"\n\s*\n", Path(path).read_text()):
                fields = dict(re.findall(r"(?m)^(\w[\w-]*):\s*(.*)$", stanza))
                if "deb" not in fields.get("Types", "").split() or fields.get("Enabled", "yes") == "no":
                    continue
                suites = fields.get("Suites", "").split()
                for uri in fields.get("URIs", "").split():
                    if "/debian" in uri and "security" not in uri and not all("security" in s for s in suites):
                        found.append(uri)
    return found[0].rstrip("/") if found else DEFAULT_MIRROR


def _cached_binary(cache: Path) -> Path | None:
    override = os.environ.get("FEEDREADER_TEST_MINIFLUX")
    if override:
        if not os.access(override, os.X_OK):
            raise MinifluxSetupError(f"FEEDREADER_TEST_MINIFLUX={override} is not an executable file")
        return Path(override)
    def key(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.name.removeprefix("miniflux-")))
    found = sorted((p for p in cache.glob("miniflux-2.*") if os.access(p, os.X_OK) and not p.name.endswith(".tmp")),
                   key=key)
    return found[-1] if found else None


def ensure_miniflux_binary(cache: Path | None = None) -> Path:
    """The cached Miniflux binary, downloaded from Debian trixie on first use."""
    cache = cache or _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    found = _cached_binary(cache)
    if found:
        return found
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)       # two test runs at once download once
        found = _cached_binary(cache)
        if found:
            return found
        return _download(cache)


def _download(cache: Path) -> Path:
    mirror = _system_mirror()
    arch = _run(["dpkg", "--print-architecture"], "dpkg --print-architecture").strip() or "amd64"
    work = Path(tempfile.mkdtemp(prefix="feedreader-apt-"))
    try:
        for d in ("state/lists/partial", "cache/archives/partial", "debs", "empty"):
            (work / d).mkdir(parents=True)
        (work / "state" / "status").write_text("")
        sources = work / "sources.list"
        sources.write_text(f"deb [arch={arch} signed-by={KEYRING}] {mirror} trixie main\n")
        empty = work / "empty"            # no sources.list.d, no preferences.d: only ours
        opts = ["-o", f"Dir::Etc::sourcelist={sources}", "-o", f"Dir::Etc::sourceparts={empty}",
                "-o", f"Dir::State={work / 'state'}", "-o", f"Dir::State::Lists={work / 'state' / 'lists'}",
                "-o", f"Dir::State::status={work / 'state' / 'status'}", "-o", f"Dir::Cache={work / 'cache'}",
                "-o", f"Dir::Etc::preferencesparts={empty}", "-o", "Dir::Etc::preferences=/dev/null",
                "-o", f"APT::Architecture={arch}", "-o", "APT::Architectures::=" + arch,
                "-o", "APT::Sandbox::User=root", "-o", "Acquire::Retries=2", "-o", "Acquire::http::Timeout=30",
                "-o", "Acquire::Languages=none", "-o", "Debug::NoLocking=1"]
        hint = (f"could not download Miniflux from Debian trixie at {mirror} "
                "(needs network access to the Debian mirror; or set FEEDREADER_TEST_MINIFLUX=/path/to/miniflux)")
        _run(["apt-get", "-q", *opts, "--error-on=any", "update"], f"{hint}: apt-get update",
             timeout=APT_TIMEOUT)
        _run(["apt-get", "-q", *opts, "download", "miniflux"], f"{hint}: apt-get download",
             timeout=APT_TIMEOUT, cwd=work / "debs")
        debs = list((work / "debs").glob("miniflux_*.deb"))
        if not debs:
            raise MinifluxSetupError(f"{hint}: apt-get download gave no miniflux_*.deb")
        version = _run(["dpkg-deb", "-f", str(debs[0]), "Version"], "dpkg-deb -f").strip()
        upstream = re.sub(r"^\d+:", "", version).split("-")[0].split("+")[0]
        target = cache / f"miniflux-{upstream}"
        tmp = cache / f"miniflux-{upstream}.{os.getpid()}.tmp"
        with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(debs[0])], stdout=subprocess.PIPE) as proc:
            assert proc.stdout is not None
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                for member in tar:
                    if member.name in ("./usr/bin/miniflux", "usr/bin/miniflux") and member.isfile():
                        src = tar.extractfile(member)
                        assert src is not None
                        with open(tmp, "wb") as out:
                            shutil.copyfileobj(src, out)
                        break
        if not tmp.exists():
            raise MinifluxSetupError(f"{debs[0].name} has no ./usr/bin/miniflux")
        tmp.chmod(0o755)
        os.replace(tmp, target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- feeds for Miniflux to fetch ---------------------------------------------------------

def rss_feed(title: str, items: Sequence[dict[str, str]], link: str = "http://example.com/") -> str:
    """An RSS 2.0 document; each item has ``guid``, ``title``, ``link`` and optional
    ``description``, ``author``, ``pubDate`` (RFC 822)."""
    head = (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>{escape(link)}</link><description>test</description>")
    parts = [head]
    for item in items:
        parts.append("<item>")
        for tag in ("guid", "title", "link", "description", "author", "pubDate"):
            if tag in item:
                attr = ' isPermaLink="false"' if tag == "guid" else ""
                parts.append(f"<{tag}{attr}>{escape(item[tag])}</{tag}>")
        parts.append("</item>")
    parts.append("</channel></rss>\n")
    return "".join(parts)


# -- Miniflux -------------------------------------------------------------------------

@dataclass
class Account:
    """A Miniflux user with the Google Reader API enabled, and REST helpers acting as it."""

    base_url: str
    username: str            # Miniflux login and Google Reader user name
    password: str            # Google Reader API password (differs from the web password)
    web_password: str

    @property
    def greader_url(self) -> str:
        """The API root: ``<greader_url>/accounts/ClientLogin``, ``<greader_url>/reader/api/0/...``."""
        return self.base_url

    def rest(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url + "/v1", auth=(self.username, self.web_password),
                            timeout=30, trust_env=False)

    def _call(self, method: str, path: str, json: Any = None, ok: tuple[int, ...] = (200, 201, 204)) -> Any:
        with self.rest() as client:
            resp = client.request(method, path, json=json)
        if resp.status_code not in ok:
            raise AssertionError(f"Miniflux {method} /v1{path} answered {resp.status_code}: {resp.text[:300]}")
        return resp.json() if resp.content else None

    def add_feed(self, url: str, category: str | None = None) -> int:
        """Subscribe through the REST API (Miniflux fetches it at once); returns the feed id."""
        body: dict[str, Any] = {"feed_url": url}
        if category:
            body["category_id"] = self.category_id(category)
        return int(self._call("POST", "/feeds", body)["feed_id"])

    def category_id(self, title: str) -> int:
        for cat in self._call("GET", "/categories"):
            if cat["title"] == title:
                return int(cat["id"])
        return int(self._call("POST", "/categories", {"title": title})["id"])

    def refresh_feed(self, feed_id: int) -> None:
        self._call("PUT", f"/feeds/{feed_id}/refresh")

    def remove_feed(self, feed_id: int) -> None:
        self._call("DELETE", f"/feeds/{feed_id}")

    def feeds(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/feeds"))

    def entries(self, feed_id: int | None = None, **params: str) -> list[dict[str, Any]]:
        path = f"/feeds/{feed_id}/entries" if feed_id else "/entries"
        query = "&".join(f"{k}={v}" for k, v in {"limit": "10000", "order": "id", **params}.items())
        return list(self._call("GET", f"{path}?{query}")["entries"])

    def entry(self, entry_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/entries/{entry_id}"))

    def set_read(self, entry_ids: Sequence[int], read: bool = True) -> None:
        self._call("PUT", "/entries", {"entry_ids": list(entry_ids), "status": "read" if read else "unread"})

    def set_starred(self, entry_id: int, starred: bool = True) -> None:
        """Star or unstar (Miniflux's REST call toggles, so look first)."""
        if bool(self.entry(entry_id)["starred"]) != starred:
            self._call("PUT", f"/entries/{entry_id}/bookmark")


class MinifluxStack(Account):
    """PostgreSQL + Miniflux, started in ``__enter__`` and removed in ``__exit__``."""

    def __init__(self, *, binary: Path | None = None, startup_timeout: float = 30) -> None:
        self.binary = binary or ensure_miniflux_binary()
        self.version = _run([str(self.binary), "-version"], "miniflux -version").strip()
        self.port = free_port()
        self.startup_timeout = startup_timeout
        self.pg: Postgres | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self._accounts = 0
        super().__init__(f"http://127.0.0.1:{self.port}", "admin", secrets.token_hex(12), secrets.token_hex(12))

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> Self:
        try:
            self.pg = Postgres()
            self.pg.start()
            self.pg.psql("CREATE DATABASE miniflux")
            self.log_path = self.pg.root / "miniflux.log"
            self.start()
            self._enable_greader(self.username, self.password)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.kill()
        if self.pg is not None:
            self.pg.stop()
            self.pg = None

    def start(self) -> None:
        """Start Miniflux (again, after :meth:`kill`) and wait until it answers /healthcheck."""
        assert self.pg is not None and self.log_path is not None
        if self.proc is not None and self.proc.poll() is None:
            return
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": self.pg.dsn("miniflux"),
            "RUN_MIGRATIONS": "1",
            "CREATE_ADMIN": "1",
            "ADMIN_USERNAME": self.username,
            "ADMIN_PASSWORD": self.web_password,
            "LISTEN_ADDR": f"127.0.0.1:{self.port}",
            "BASE_URL": self.base_url,
            "FETCHER_ALLOW_PRIVATE_NETWORKS": "1",   # newer Miniflux refuse 127.0.0.1 feeds without it
            "POLLING_FREQUENCY": "60",               # tests refresh explicitly (PUT /v1/feeds/{id}/refresh)
            "BATCH_SIZE": "100",
            "WORKER_POOL_SIZE": "4",
            "HTTP_CLIENT_TIMEOUT": "10",
            "LOG_LEVEL": "info",
        }
        with open(self.log_path, "ab") as log:     # Popen keeps its own copy of the fd
            self.proc = subprocess.Popen([str(self.binary)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=1, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise MinifluxSetupError(f"Miniflux exited with {self.proc.returncode}:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(self.base_url + "/healthcheck").text.strip() == "OK":
                        return
                time.sleep(0.05)
        raise MinifluxSetupError(f"Miniflux did not answer /healthcheck within {self.startup_timeout:.0f} s:\n"
                                 f"{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(Path(str(self.log_path)).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """SIGKILL Miniflux (connections drop, the port refuses) — :meth:`start` brings it back."""
        if self.proc is not None:
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGCONT)
                self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    restart = start

    def pause(self) -> None:
        """SIGSTOP: the port accepts connections but nothing answers (a hung server)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    # -- accounts ------------------------------------------------------------------
    def _enable_greader(self, username: str, password: str) -> None:
        assert self.pg is not None
        self.pg.psql(
            "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n"
            "UPDATE integrations SET googlereader_enabled = true, googlereader_username = :'u',\n"
            "  googlereader_password = crypt(:'p', gen_salt('bf', 4))\n"
            "  WHERE user_id = (SELECT id FROM users WHERE username = :'u');\n",
            db="miniflux", u=username, p=password)

    def new_account(self, prefix: str = "user") -> Account:
        """A fresh Miniflux user with the Google Reader API on (for tests that need a clean slate)."""
        self._accounts += 1
        name = f"{prefix}{self._accounts}x{secrets.token_hex(3)}"
        account = Account(self.base_url, name, secrets.token_hex(12), secrets.token_hex(12))
        self._call("POST", "/users", {"username": name, "password": account.web_password, "is_admin": False})
        self._enable_greader(name, account.password)
        return account


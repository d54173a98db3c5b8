"""httpcore's per-request ``import sniffio`` does not search sys.path when sniffio is absent.

httpcore runs ``import sniffio`` in every lock, event and cancellation
shield it sets up; with sniffio not installed (anyio 4 dropped it) each was
a failed import searching every path entry: 15% of the instructions of 300
feed fetches. Once a transport is made, the import fails at once (ImportError
as before) and fetching works; with a sniffio on the path nothing changes.
Fresh interpreters, a real server on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CODE = """
import asyncio, importlib.util, sys
from feedreader.core.web.fetch import Fetcher
from feedreader.core.web.settings import FetchSettings

async def main():
    async def serve(reader, writer):
        await reader.readuntil(b"\\r\\n\\r\\n")
        writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nContent-Type: text/plain\\r\\n\\r\\nok")
        await writer.drain()
        writer.close()
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with Fetcher(FetchSettings(), None, allow_private=True) as fetcher:
        got = await fetcher.get(f"http://127.0.0.1:{port}/", validators={}, accept="*/*")
    server.close()
    print(got.status, got.body)

asyncio.run(main())
try:
    import sniffio
    print("imported", getattr(sniffio, "FAKE", False))
except ImportError:
    print("ImportError", repr(sys.modules.get("sniffio", "absent")))
"""


def _run(tmp_path: Path, extra_path: str = "") -> list[str]:
    env_path = [p for p in sys.path if p]
    code = (f"import sys; sys.path.insert(0, {extra_path!r})\n" if extra_path else "") + CODE
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
                         env={"PYTHONPATH": ":".join(env_path), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.splitlines()


def test_without_sniffio_the_import_fails_at_once(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("sniffio") is not None:   # pragma: no cover - this venv has none
        return
    assert _run(tmp_path) == ["fetched b'ok'", "ImportError None"]


def test_an_installed_sniffio_is_left_alone(tmp_path: Path) -> None:
    fake = tmp_path / "site"
    fake.mkdir()
    (fake / "sniffio.py").write_text("FAKE = True\ndef current_async_library():\n    return 'asyncio'\n")
    assert _run(tmp_path, str(fake)) == ["fetched b'ok'", "imported True"]

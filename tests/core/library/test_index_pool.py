"""The index's process pool starts inside a Textual app (stderr without a file descriptor)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_17b63d52bf50f52a.txt"


def test_pool_starts_when_stderr_has_no_file_descriptor(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    text = SEED.read_text(encoding="utf-8")
    url = "https://www.caixinglobal.com/2021-12-15/carmaker-xpeng-deletes-430000-photos-for-misuse-of-facial-recognition-101818294.html"
    for n in range(450):  # above the in-process threshold: the pool is used
        (docs / f"{n:04d}.txt").write_text(text.replace(url, f"https://news.example.com/{n}"), encoding="utf-8")
    # a fresh interpreter, so no helper process was started by an earlier test
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from feedreader.core.library.library import Library

        class Capture:  # what Textual puts in sys.stderr while an app runs
            def write(self, text): return len(text)
            def flush(self): pass
            def fileno(self): return -1

        sys.stderr = Capture()
        with Library.open(Path({str(tmp_path / "cache")!r}), [Path({str(docs)!r})]) as library:
            report = library.refresh(workers=2)
            print(report.parsed, library.count())
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["450", "450"]


def test_the_workers_parse_at_a_lower_priority_than_the_writer() -> None:
    """The writer (and the UI) is what a cold index waits for: the workers run
    WORKER_NICE steps nicer than the process that started them."""
    import os

    from feedreader.core.library.pool import WORKER_NICE, make_pool

    pool = make_pool(1)
    try:
        worker = pool.submit(os.nice, 0).result(timeout=60)
    finally:
        pool.shutdown(wait=True)
    assert worker == min(os.nice(0) + WORKER_NICE, 19)

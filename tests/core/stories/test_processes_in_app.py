"""The story grouping's worker processes start inside the app, where sys.stderr has no file
descriptor (Textual's capture object: ``fileno()`` is -1). Without the helpers started
beforehand with a real stderr, the first grouping failed with "bad value(s) in fds_to_keep"."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_in_processes_starts_when_stderr_has_no_descriptor() -> None:
    script = textwrap.dedent("""
        import io, sys
        from feedreader.core.stories.records import in_processes

        class Capture(io.StringIO):          # like Textual's stderr while the app runs
            def fileno(self):
                return -1

        sys.stderr = Capture()
        out = list(in_processes(abs, iter([-1, -2, -3, -4, -5]), 2))
        sys.stdout.write(repr(out))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[1, 2, 3, 4, 5]"

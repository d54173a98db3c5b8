"""A parser worker imports only what parsing needs: asyncio is not among it.

The worker processes of a refresh (spawned) import
feedreader.core.feeds.parsepool for parse_and_write; asyncio (and what it
pulls in) was ~12% of a worker's start-up instructions (valgrind: 960 M ->
847 M), paid by every worker of every refresh. A fresh interpreter here.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_worker_side_of_parsepool_does_not_import_asyncio() -> None:
    code = (
        "import sys\n"
        "from feedreader.core.feeds.parsepool import parse_and_write\n"
        "from feedreader.core.feeds.parsepool import _ready\n"
        "_ready()\n"
        "print('asyncio' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"

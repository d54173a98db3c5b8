"""Where a cold index's CPU goes: one cold build of the SOURCE folders into
an empty cache, as ``feedreader check`` runs it (``Library.refresh``: the walk, the
process pool, one writing process), with the CPU seconds split by
``RefreshReport``: parsing (the workers' own CPU time, plus the first chunk
parsed in this process), writing the rows (this process's thread in
``Index._store``) and filling the full-text index (``catch_up_text`` and
the end of the build). ``other`` is the rest of this process (the walk,
unpickling the rows, starting the pool). Prints one JSON line.

    .venv/bin/python benchmarks/cold_cpu.py CACHE_DIR SOURCE [SOURCE ...]

(``run.py`` gives the corpus's documents and its feed entries: the files
``feedreader check`` indexes with the corpus's config.)
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    from feedreader.core.library.library import Library

    cache, sources = Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]]
    shutil.rmtree(cache, ignore_errors=True)
    wall = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    with Library.open(cache, sources) as library:
        report = library.refresh()
        count = library.count()
    after = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter() - wall
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # the in-process share of the parse (the first chunk) is part of ``own`` too
    here = own - report.write_cpu - report.text_cpu
    print(json.dumps({
        "documents": report.parsed, "articles": count, "wall_s": round(wall, 3), "bulk": report.bulk,
        "parse_cpu_s": round(report.parse_cpu, 3), "write_cpu_s": round(report.write_cpu, 3),
        "text_cpu_s": round(report.text_cpu, 3), "main_process_cpu_s": round(own, 3),
        "other_cpu_s": round(max(here, 0.0), 3),
    }))
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

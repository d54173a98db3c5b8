"""feedreader at 10,000 and 100,000 articles, measured against newsboat (issue 6).

    .venv/bin/python benchmarks/run.py --sizes 10000 100000 --runs 5

Prints a table and writes ``benchmarks/out/results.json``. Every figure is the
median over ``--runs`` runs of the real program (see README.md for what each
one means and how it is measured):

* cold index     ``feedreader check CORPUS`` with no index: wall time of the process
* warm start     ``feedreader CORPUS`` in a pty, index up to date: spawn -> the
                 newest article's row painted
* cold start     ``feedreader CORPUS`` in a pty, no index: spawn -> first rows
                 painted; and spawn -> the header counts every article
* incremental    100 files added/changed/deleted, then ``feedreader CORPUS``:
                 spawn -> the list shows the changes (new newest row, new count)
* keys           ``benchmarks/keys.py``: key -> handled and the screen update
                 rendered, in the real app with Pilot (p50/p95)
* peak RSS       ru_maxrss of the ``feedreader`` process (warm start, scan, keys)
* newsboat       ``benchmarks/newsboat.py``: reload, start, open (if installed)

The corpus is generated once per size and seed (``gen_corpus.py``) under
``benchmarks/out/`` and reused. Before each timed run the runner waits (up to
``--quiet-wait`` seconds) for the machine to be idle, since other programs on
a 2-core machine change the figures; the CPU use it saw is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import gen_corpus  # noqa: E402
import newsboat as newsboat_bench  # noqa: E402
from terminal import Terminal  # noqa: E402

PYTHON = sys.executable
FEEDREADER = str(Path(PYTHON).with_name("feedreader"))
COLUMNS, ROWS = 200, 50

ALL_PARTS = ("cold", "warm", "coldstart", "incremental", "keys", "newsboat")
TARGETS = {
    "warm_start_s": 1.0,
    "cold_first_paint_s": 1.5,
    "incremental_s": 1.0,
    "key_p95_ms": 16.0,
    "switch_p95_ms": 150.0,
    "peak_rss_mb": 200.0,
}


# --------------------------------------------------------------------------
# helpers

def log(text: str) -> None:
    print(text, flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def cpu_busy(interval: float = 0.5) -> float:
    """Fraction of all CPUs busy over ``interval`` (from /proc/stat)."""
    def sample():
        with open("/proc/stat") as fh:
            parts = [int(x) for x in fh.readline().split()[1:]]
        idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
        return sum(parts), idle
    total0, idle0 = sample()
    time.sleep(interval)
    total1, idle1 = sample()
    dt = max(1, total1 - total0)
    return 1.0 - (idle1 - idle0) / dt


class Quiet:
    """Waits for an idle machine before a timed run; remembers what it saw."""

    def __init__(self, max_wait: float, threshold: float = 0.15) -> None:
        self.max_wait = max_wait
        self.threshold = threshold
        self.seen: list[float] = []

    def wait(self) -> float:
        busy = cpu_busy()
        end = time.monotonic() + self.max_wait
        while busy > self.threshold and time.monotonic() < end:
            busy = cpu_busy(1.0)
        self.seen.append(busy)
        return busy


def env_for(root: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDREADER_")}
    env.update({
        "FEEDREADER_CACHE_DIR": str(cache),
        "FEEDREADER_DATA_DIR": str(root / "data"),
        "FEEDREADER_CONFIG_DIR": str(root / "config"),
        "FEEDREADER_LOG_DIR": str(root / "log"),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
    })
    env.pop("TEXTUAL", None)
    env.pop("NO_COLOR", None)
    return env


def ensure_corpus(out: Path, count: int, seed: int) -> tuple[Path, dict]:
    corpus = out / f"corpus-{count}-s{seed}"
    stamp = out / f"corpus-{count}-s{seed}.json"
    if stamp.exists() and corpus.is_dir():
        manifest = json.loads(stamp.read_text())
        if manifest.get("count") == count and manifest.get("files") == sum(1 for _ in os.scandir(corpus)):
            return corpus, manifest
    for stale in (out / f"corpus-{count}-s{seed}.rss", out / f"corpus-{count}-s{seed}.rss.json"):
        stale.unlink(missing_ok=True)   # newsboat's copy of the corpus: rebuilt from the new one
    log(f"generating {count:,} articles (seed {seed}) in {corpus} …")
    manifest = gen_corpus.generate(str(corpus), count, seed)
    stamp.write_text(json.dumps(manifest))
    log(f"  {manifest['files']:,} files in {manifest['seconds']:.1f} s")
    return corpus, manifest


def index_facts(cache: Path, corpus: Path) -> dict:
    """Newest row (title, provider) and the article count, read from the index."""
    from feedreader.core.library.library import Library

    with Library.open(cache, [corpus]) as library:
        first = library.first_rows("newest", 1)
        db = library.index.db_path
        return {
            "count": library.count(),
            "newest_title": first[0].title if first else None,
            "newest_provider": first[0].provider if first else None,
            "db": str(db),
            "db_mb": round(sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal")
                               if Path(f"{db}{s}").exists()) / 1e6, 1),
        }


def row_needle(title: str, provider: str) -> str:
    """What the list row shows for an article: provider column (16 cells, cut
    with an ellipsis: ui/list_columns.py), then the title."""
    shown = provider or "—"
    shown = shown.ljust(16) if len(shown) <= 16 else shown[:15] + "…"
    return f"{shown} {title[:24]}"


COUNT_RE = re.compile(r"unread / ([\d,]+) articles")
ROW_RE = re.compile(r"\d{4}-\d\d-\d\d {2,}(?:\d{1,3}| --) \S")


def counts_in(text: str) -> list[int]:
    return [int(m.replace(",", "")) for m in COUNT_RE.findall(text)]


def launch(corpus: Path, env: dict) -> Terminal:
    return Terminal([FEEDREADER, str(corpus)], env=env, cwd=str(ROOT), columns=COLUMNS, rows=ROWS).start()


# --------------------------------------------------------------------------
# the measurements

def cold_index(corpus: Path, root: Path, run: int, quiet: Quiet) -> dict:
    cache = root / f"cache-cold-{run}"
    shutil.rmtree(cache, ignore_errors=True)
    env = env_for(root, cache)
    busy = quiet.wait()
    t0 = time.perf_counter()
    proc = subprocess.Popen([FEEDREADER, "check", str(corpus)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    _pid, status, rusage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    return {"seconds": seconds, "exit": code, "peak_rss_mb": rusage.ru_maxrss / 1024,
            "cpu_s": rusage.ru_utime + rusage.ru_stime, "busy": busy, "cache": str(cache)}


def warm_start(corpus: Path, root: Path, cache: Path, facts: dict, quiet: Quiet) -> dict:
    env = env_for(root, cache)
    needle = row_needle(facts["newest_title"], facts["newest_provider"])
    busy = quiet.wait()
    term = launch(corpus, env)
    try:
        first_paint = term.wait_for(needle, 60)
        # let the background scan finish, then use it a little (move, page, sort)
        term.drain(3.0)
        for key in ("j", "j", "j", " ", "s"):
            term.send(key)
            term.drain(0.3)
        term.drain(1.5)
        term.finish(b"q")
    finally:
        term.kill()
    return {"first_paint_s": first_paint, "peak_rss_mb": term.peak_rss_mb, "exit": term.returncode,
            "busy": busy}


def cold_start(corpus: Path, root: Path, run: int, count: int, quiet: Quiet) -> dict:
    cache = root / f"cache-coldstart-{run}"
    shutil.rmtree(cache, ignore_errors=True)
    env = env_for(root, cache)
    busy = quiet.wait()
    term = launch(corpus, env)
    try:
        first = term.wait_for(lambda t: ROW_RE.search(t) is not None and any(c > 0 for c in counts_in(t)), 60)
        complete = term.wait_for(lambda t: count in counts_in(t), 600)
        term.drain(0.5)
        term.finish(b"q")
    finally:
        term.kill()
    shutil.rmtree(cache, ignore_errors=True)
    return {"first_paint_s": first, "complete_s": complete, "peak_rss_mb": term.peak_rss_mb,
            "exit": term.returncode, "busy": busy}


class Changes:
    """Add, change and delete files in the corpus; undo() puts everything back."""

    def __init__(self, corpus: Path, n_add: int, n_change: int, n_delete: int, seed: int) -> None:
        self.corpus = corpus
        rng = random.Random(f"changes:{seed}")
        names = sorted(e.name for e in os.scandir(corpus) if e.name.endswith(".txt"))
        picked = rng.sample(names, n_change + n_delete + n_add)
        self.changed = picked[:n_change]
        self.deleted = picked[n_change:n_change + n_delete]
        self.sources = picked[n_change + n_delete:]
        self.added: list[str] = []
        self.saved: dict[str, bytes] = {}
        self.newest_title = ""
        self.newest_provider = ""

    def apply(self) -> None:
        for name in self.changed + self.deleted:
            self.saved[name] = (self.corpus / name).read_bytes()
        for i, name in enumerate(self.changed):
            text = self.saved[name].decode()
            text = re.sub(r'^title: "', 'title: "(revised) ', text, count=1, flags=re.M)
            (self.corpus / name).write_text(text, encoding="utf-8")
        for name in self.deleted:
            (self.corpus / name).unlink()
        for i, name in enumerate(self.sources):
            text = (self.corpus / name).read_text(encoding="utf-8")
            title = f"Late news {i:03d}: " + re.search(r'^title: "(.*)"$', text, re.M).group(1)[:50]
            text = re.sub(r"^title: .*$", f'title: "{title}"', text, count=1, flags=re.M)
            text = re.sub(r'^(originalUrl|webUrl): "https://', rf'\1: "https://late{i}.', text, flags=re.M)
            text = re.sub(r"^publishedDateTime: .*$", f"publishedDateTime: 2023-01-01T{i // 60:02d}:{i % 60:02d}:00Z",
                          text, count=1, flags=re.M)
            added = f"zz_added_{i:03d}.txt"
            (self.corpus / added).write_text(text, encoding="utf-8")
            self.added.append(added)
            if i == len(self.sources) - 1:
                self.newest_title = title
                self.newest_provider = re.search(r"^  name: (.*)$", text, re.M).group(1).strip('"')

    def undo(self) -> None:
        for name in self.added:
            (self.corpus / name).unlink(missing_ok=True)
        for name, data in self.saved.items():
            (self.corpus / name).write_bytes(data)
        self.added, self.saved = [], {}


def refresh_index(corpus: Path, root: Path, cache: Path) -> None:
    env = env_for(root, cache)
    subprocess.run([FEEDREADER, "check", str(corpus)], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)


def incremental(corpus: Path, root: Path, cache: Path, count: int, run: int, seed: int, quiet: Quiet) -> dict:
    changes = Changes(corpus, 34, 33, 33, seed + run)
    changes.apply()
    try:
        env = env_for(root, cache)
        needle = row_needle(changes.newest_title, changes.newest_provider)
        expected = count + len(changes.added) - len(changes.deleted)
        busy = quiet.wait()
        term = launch(corpus, env)
        try:
            first = term.wait_for(ROW_RE, 60)
            shown = term.wait_for(lambda t: needle in t and expected in counts_in(t), 120)
            term.drain(0.3)
            term.finish(b"q")
        finally:
            term.kill()
    finally:
        changes.undo()
    refresh_index(corpus, root, cache)   # back in step with the restored files (not timed)
    return {"first_paint_s": first, "changes_shown_s": shown, "busy": busy, "exit": term.returncode}


def parse_cost(corpus: Path, count: int = 2000) -> dict:
    """CPU ms per document on one core: the parser (documents.load_document;
    of it, the YAML loader safeyaml.load_mapping) and the index's own work
    per article (article_row: the row of the list and the search index)."""
    from feedreader.core.documents import parse as documents
    from feedreader.core.library import pool
    from feedreader.core.documents.safeyaml import load_mapping

    paths = sorted(str(p) for p in corpus.iterdir())[:count]
    fronts = []
    for path in paths:
        text = documents._decode(Path(path).read_bytes())
        fronts.append(documents._split(text)[0])

    def per_doc(fn, items) -> float:
        t = time.process_time()
        out = [fn(x) for x in items]
        return round((time.process_time() - t) / len(items) * 1000, 4), out

    load, parsed = per_doc(documents.load_document, paths)
    articles = [a for a, _ in parsed if a is not None]
    yaml_ms, _ = per_doc(lambda f: load_mapping(f, first_line=2), fronts)
    row_ms, _ = per_doc(lambda a: pool.article_row(a, 0), articles)
    return {"documents": len(paths), "load_document_ms": load, "yaml_load_mapping_ms": yaml_ms,
            "article_row_ms": row_ms, "per_document_ms": round(load + row_ms, 4)}


def keys(corpus: Path, root: Path, cache: Path, samples: int, quiet: Quiet) -> dict:
    data = root / "data-keys"
    shutil.rmtree(data, ignore_errors=True)
    env = env_for(root, cache)
    env["FEEDREADER_DATA_DIR"] = str(data)
    busy = quiet.wait()
    out = subprocess.run([PYTHON, str(HERE / "keys.py"), str(corpus), "--samples", str(samples)],
                         env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"keys.py failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["busy"] = busy
    return result


# --------------------------------------------------------------------------
# one size

def measure_size(count: int, args, out: Path) -> dict:
    corpus, manifest = ensure_corpus(out, count, args.seed)
    root = out / "tmp" / str(count)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    quiet = Quiet(args.quiet_wait)
    only = set(args.only)
    result: dict = {"articles": count, "corpus": str(corpus), "files": manifest["files"]}

    # a warm-up (bytecode caches, the page cache holding the corpus): not counted
    log(f"[{count:,}] warm-up")
    warm_cache = root / "cache-warm"
    refresh_index(corpus, root, warm_cache)

    if "cold" in only:
        quiet.wait()
        result["parse_cost"] = cost = parse_cost(corpus)
        log(f"[{count:,}] parse cost per document (one core): {cost['per_document_ms']:.3f} ms "
            f"(YAML {cost['yaml_load_mapping_ms']:.3f}, whole parser {cost['load_document_ms']:.3f}, "
            f"index row {cost['article_row_ms']:.3f})")
        runs = []
        for run in range(args.runs):
            r = cold_index(corpus, root, run, quiet)
            log(f"[{count:,}] cold index {run + 1}/{args.runs}: {r['seconds']:.2f} s "
                f"(cpu busy before {r['busy']:.0%})")
            runs.append(r)
            shutil.rmtree(r["cache"], ignore_errors=True)
        result["cold_index"] = {"seconds": median(r["seconds"] for r in runs),
                                "peak_rss_mb": median(r["peak_rss_mb"] for r in runs), "runs": runs}

    facts = index_facts(warm_cache, corpus)
    result["index"] = facts

    if "warm" in only:
        runs = []
        for run in range(args.runs):
            r = warm_start(corpus, root, warm_cache, facts, quiet)
            log(f"[{count:,}] warm start {run + 1}/{args.runs}: first paint {fmt_s(r['first_paint_s'])}, "
                f"peak RSS {r['peak_rss_mb'] or 0:.0f} MB")
            runs.append(r)
        result["warm_start"] = {"first_paint_s": median(r["first_paint_s"] for r in runs),
                                "peak_rss_mb": median(r["peak_rss_mb"] for r in runs),
                                "peak_rss_max_mb": max((r["peak_rss_mb"] or 0) for r in runs), "runs": runs}

    if "coldstart" in only:
        runs = []
        for run in range(args.runs):
            r = cold_start(corpus, root, run, count, quiet)
            log(f"[{count:,}] cold start {run + 1}/{args.runs}: first rows {fmt_s(r['first_paint_s'])}, "
                f"all {fmt_s(r['complete_s'])}, peak RSS {r['peak_rss_mb'] or 0:.0f} MB")
            runs.append(r)
        result["cold_start"] = {"first_paint_s": median(r["first_paint_s"] for r in runs),
                                "complete_s": median(r["complete_s"] for r in runs),
                                "peak_rss_mb": median(r["peak_rss_mb"] for r in runs), "runs": runs}

    if "incremental" in only:
        runs = []
        for run in range(args.runs):
            r = incremental(corpus, root, warm_cache, count, run, args.seed, quiet)
            log(f"[{count:,}] incremental {run + 1}/{args.runs}: first paint {fmt_s(r['first_paint_s'])}, "
                f"changes shown {fmt_s(r['changes_shown_s'])}")
            runs.append(r)
        result["incremental"] = {"first_paint_s": median(r["first_paint_s"] for r in runs),
                                 "changes_shown_s": median(r["changes_shown_s"] for r in runs), "runs": runs}

    if "keys" in only:
        log(f"[{count:,}] keys ({args.key_samples} samples per key) …")
        r = keys(corpus, root, warm_cache, args.key_samples, quiet)
        result["keys"] = r
        log(f"[{count:,}] keys: " + ", ".join(
            f"{k} p95 {v['p95']:.1f} ms" for k, v in r.items() if isinstance(v, dict)))

    if "newsboat" in only:
        log(f"[{count:,}] newsboat …")
        rss = out / f"corpus-{count}-s{args.seed}.rss"
        result["newsboat"] = newsboat_bench.measure(Path(facts["db"]), rss, args.newsboat_runs, root, log=log)
    shutil.rmtree(root, ignore_errors=True)
    result["busy_before"] = median(quiet.seen)
    return result


# --------------------------------------------------------------------------
# the table

def fmt_s(value) -> str:
    return "—" if value is None else f"{value:.2f} s"


def fmt_ms(value) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def ratio(ours, theirs) -> str:
    if ours is None or not theirs:
        return ""
    return f"{ours / theirs:.2f}×"


def table(results: dict) -> str:
    sizes = list(results["sizes"])
    head = ["figure"] + [f"{int(s):,}" for s in sizes] + ["target"]
    lines: list[list[str]] = []

    def row(label, getter, target="", fmt=fmt_s):
        cells = [label]
        for s in sizes:
            r = results["sizes"][s]
            try:
                value = getter(r)
            except (KeyError, TypeError):
                value = None
            cells.append(value if isinstance(value, str) else fmt(value))
        cells.append(target)
        lines.append(cells)

    def nb(r, key):
        n = r.get("newsboat") or {}
        return n.get(key)

    row("cold index (feedreader check)", lambda r: r["cold_index"]["seconds"], "≤ newsboat reload")
    row("  CPU per document, one core (parse+row)", lambda r: r["parse_cost"]["per_document_ms"], "",
        fmt=lambda v: "—" if v is None else f"{v:.3f} ms")
    row("  newsboat reload (fetch+store)", lambda r: nb(r, "reload_s"))
    row("  ratio feedreader/newsboat", lambda r: ratio(r["cold_index"]["seconds"], nb(r, "reload_s")), "≤ 1 (aim 0.5)")
    row("warm start → newest rows painted", lambda r: r["warm_start"]["first_paint_s"], "≤ 1.0 s")
    row("  newsboat start → feed list", lambda r: nb(r, "start_s"))
    row("  newsboat open feed → articles", lambda r: nb(r, "open_s"))
    row("  ratio to newsboat start+open", lambda r: ratio(r["warm_start"]["first_paint_s"], nb(r, "start_plus_open_s")),
        "≤ 0.2")
    row("cold start → first rows painted", lambda r: r["cold_start"]["first_paint_s"], "≤ 1.5 s")
    row("cold start → every article listed", lambda r: r["cold_start"]["complete_s"], "≤ newsboat reload")
    row("incremental (100 files) → changes shown", lambda r: r["incremental"]["changes_shown_s"], "≤ 1.0 s")
    row("  incremental → first rows painted", lambda r: r["incremental"]["first_paint_s"])
    for key, label, target in (
        ("move", "key: cursor move", "≤ 16 ms"),
        ("move_middle", "key: cursor move (mid-list)", "≤ 16 ms"),
        ("mark", "key: mark read", "≤ 16 ms"),
        ("page", "key: page down", "≤ 16 ms"),
        ("sort", "key: sort switch", "≤ 150 ms"),
        ("unread_filter", "key: unread filter toggle", "≤ 150 ms"),
        ("noop", "  (harness floor: unbound key)", ""),
    ):
        row(f"{label} p50 / p95", lambda r, key=key: f"{r['keys'][key]['p50']:.1f} / {r['keys'][key]['p95']:.1f} ms",
            target)
        if key in ("move", "page"):
            row("  … with the detail pane p50 / p95", lambda r, key=key: (
                f"{r['keys'][key]['settled']['p50']:.1f} / {r['keys'][key]['settled']['p95']:.1f} ms"))
    row("peak RSS, app (warm start + keys)", lambda r: r["warm_start"]["peak_rss_mb"], "≤ 200 MB",
        fmt=lambda v: "—" if v is None else f"{v:.0f} MB")
    row("peak RSS, app (cold start, main process)", lambda r: r["cold_start"]["peak_rss_mb"], "",
        fmt=lambda v: "—" if v is None else f"{v:.0f} MB")
    row("  newsboat peak RSS (reload)", lambda r: nb(r, "reload_peak_rss_mb"), "",
        fmt=lambda v: "—" if v is None else f"{v:.0f} MB")
    row("index size on disk", lambda r: r["index"]["db_mb"], "", fmt=lambda v: "—" if v is None else f"{v:.0f} MB")
    row("CPU busy before timed runs (median)", lambda r: r.get("busy_before"), "",
        fmt=lambda v: "—" if v is None else f"{v:.0%}")

    widths = [max(len(str(c)) for c in col) for col in zip(head, *lines)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for cells in lines:
        out.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |")
    return "\n".join(out)


def machine() -> dict:
    info = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            info["mem_gb"] = round(int(fh.readline().split()[1]) / 1e6, 1)
    except OSError:
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True).stdout.strip()
        info["dirty"] = bool(subprocess.run(["git", "status", "--porcelain", "--", "feedreader"], cwd=ROOT,
                                            capture_output=True, text=True).stdout.strip())
    except OSError:
        pass
    return info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--runs", type=int, default=5, help="runs per figure (medians)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=HERE / "out")
    p.add_argument("--key-samples", type=int, default=60)
    p.add_argument("--newsboat-runs", type=int, default=3)
    p.add_argument("--quiet-wait", type=float, default=60.0,
                   help="seconds to wait for an idle machine before each timed run (0: don't)")
    p.add_argument("--only", nargs="+", default=list(ALL_PARTS), choices=ALL_PARTS)
    p.add_argument("--json", type=Path, default=None,
                   help="where to write the figures (default: OUT/results.json; with --only, OUT/results-only.json)")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    results = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "machine": machine(),
        "targets": TARGETS,
        "sizes": {},
    }
    path = args.json or args.out / ("results.json" if set(args.only) == set(ALL_PARTS) else "results-only.json")
    for count in args.sizes:
        results["sizes"][str(count)] = measure_size(count, args, args.out)
        path.write_text(json.dumps(results, indent=2))
    results["minutes"] = round((time.time() - started) / 60, 1)
    path.write_text(json.dumps(results, indent=2))
    log("")
    log(table(results))
    log(f"\nwritten to {path} ({results['minutes']} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

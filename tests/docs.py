"""Writing small article documents for tests."""

from __future__ import annotations

from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_17b63d52bf50f52a.txt"


def doc(
    title: str = "A title",
    url: str | None = "https://news.example.com/a",
    published: str | None = "2021-12-15T12:20:00Z",
    quality: int | None = 50,
    provider: str = "Example News",
    topics: tuple[str, ...] = ("AI",),
    related: list[dict] | None = None,
    extra: str = "",
) -> str:
    import json

    lines = ["---", f"title: {json.dumps(title)}"]
    if url is not None:
        lines.append(f"originalUrl: {json.dumps(url)}")
    if published is not None:
        lines.append(f"publishedDateTime: {published}")
    if quality is not None:
        lines.append(f"quality: {quality}")
    lines.append("provider:")
    lines.append(f"  name: {json.dumps(provider)}")
    lines.append("  domain: news.example.com")
    if topics:
        lines.append("topics:")
        lines += [f"  - {json.dumps(t)}" for t in topics]
    if related:
        lines.append("related:")
        for item in related:
            first = True
            for key, value in item.items():
                lines.append(f"  {'- ' if first else '  '}{key}: {json.dumps(value)}")
                first = False
    if extra:
        lines.append(extra)
    lines.append("---")
    return "\n".join(lines) + "\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

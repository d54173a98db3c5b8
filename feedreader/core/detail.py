"""How an article's fields read as text: shared by ``show`` and the detail pane.

Pure formatting; the clock is passed in so output is reproducible.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone

from feedreader.core.model import Article, Related
from feedreader.core.text import clean_text


def local_time(when: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    if when is None:
        return "unknown date"
    return when.astimezone().strftime(fmt).strip()


def when_text(when: datetime | None, now: float) -> str:
    """'2021-12-15 12:20 UTC (3 d ago)'."""
    if when is None:
        return "unknown date"
    return f"{local_time(when)} ({relative_age(int(when.timestamp()), now)})"


def quality_text(quality: int | None) -> str:
    return "unknown" if quality is None else f"{quality}/100"


def heat_text(heat: int | None) -> str:
    return "unknown" if heat is None else str(heat)


def flag_text(flag: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[flag]


def url_text(checked: str | None, raw: str) -> str:
    """The URL to show: the checked one, or the raw value marked as refused."""
    if checked:
        return checked
    if raw:
        return f"{raw}  (not opened: not a safe http(s) URL)"
    return "none"


def provider_text(name: str, domain: str) -> str:
    if name and domain:
        return f"{name} ({domain})"
    return name or domain or "unknown provider"


def related_heading(item: Related) -> str:
    provider = provider_text(item.provider.name, item.provider.domain) if item.provider else "unknown provider"
    return f"{provider} · {local_time(item.published, '%Y-%m-%d')} · quality {quality_text(item.quality)}"


def score_line(explanation: str | None) -> str | None:
    """The detail pane's score line: how the score is made ("39 from the document,
    +25 ai policy, −10 summary only = 54"), one line of plain text (rule names are
    the user's own words: cleaned, bounded); None when there is nothing to say."""
    text = clean_text(explanation or "", limit=400)
    return text or None


def story_member_heading(provider: str, published: int | None, score: int | None) -> str:
    """'Provider · 2021-12-15 · score 54 · same story, in this library' (a story's other article)."""
    when = local_time(datetime.fromtimestamp(published, timezone.utc), "%Y-%m-%d") if published is not None \
        else "unknown date"
    return (f"{provider or 'unknown provider'} · {when} · score {quality_text(score).removesuffix('/100')}"
            " · same story, in this library")


def detail_lines(article: Article, now: float | None = None) -> list[str]:
    """The article as plain text lines (``feedreader show``)."""
    now = time.time() if now is None else now
    lines = [
        article.title or "(untitled)",
        "",
        f"id:        {article.id}",
        f"provider:  {provider_text(article.provider.name, article.provider.domain)}",
        f"published: {when_text(article.published, now)}",
        f"quality:   {quality_text(article.quality)}    heat: {heat_text(article.heat)}",
        f"topics:    {', '.join(article.topics) or 'none'}",
        f"flag:      published={flag_text(article.published_flag)}  category={article.category or '-'}  type={article.type or '-'}",
        f"url:       {url_text(article.url, article.original_url or article.web_url)}",
        f"file:      {clean_text(article.path, limit=4096)}",
    ]
    if article.excerpt:
        lines += ["", article.excerpt]
    if article.body:
        lines += ["", article.body]
    if article.images:
        lines += ["", "Images:"]
        for image in article.images:
            size = f" ({image.width}x{image.height})" if image.width and image.height else ""
            lines.append(f"  {url_text(image.url, image.raw_url)}{size}")
    if article.related:
        lines += ["", "Related coverage:"]
        for item in article.related:
            lines.append(f"  * {item.title or '(untitled)'}")
            lines.append(f"    {related_heading(item)}")
            lines.append(f"    {url_text(item.url, item.raw_url)}")
            if item.excerpt:
                lines.append(f"    {item.excerpt}")
    if article.warnings:
        lines += ["", "Problems in this file:"]
        lines += [f"  - {w}" for w in article.warnings]
    return lines


def relative_age(published: int | None, now: float) -> str:
    """'3 h ago', '2 d ago', 'in 5 min'… for the detail pane (clock injected)."""
    if published is None:
        return "unknown"
    delta = now - published
    future = delta < 0
    delta = abs(delta)
    for limit, unit, size in (
        (60, "s", 1),
        (3600, "min", 60),
        (86400, "h", 3600),
        (86400 * 60, "d", 86400),
        (86400 * 730, "mo", 86400 * 30.44),
        (math.inf, "y", 86400 * 365.25),
    ):
        if delta < limit:
            n = int(delta // size)
            return f"in {n} {unit}" if future else f"{n} {unit} ago"
    return "unknown"  # pragma: no cover

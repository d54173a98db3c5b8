"""What an article says, in the forms that tell whether two articles cover
the same event: normalised terms, named entities, numbers with their units,
links, and a sketch of its word shingles for near-copies.

``StoryInput`` is what grouping needs of an article (built from an Article or
from the library's index row); ``extract`` turns it into ``Features``. Both
are plain frozen data: features are computed once per article version and
kept packed (``records.py``, in the story file); the weights that depend on the whole collection (how
rare a term is) are applied when two articles are compared (``score.py``).

Named entities are approximated by capitalised words (a sentence's first
word counts unless it is a common word; a Title Case headline lends only the
words the text also capitalises). Numbers are read with their scale ("$1.2bn",
"1.2 billion dollars" and "$1,200 million" are one number), percentages apart;
years and small bare numbers are left out. Shingles are word 3-grams, hashed
with CRC-32 (stable across runs, unlike ``hash``); the sketch keeps the
smallest ``SKETCH_SIZE`` of them (a bottom-k MinHash).
"""

from __future__ import annotations

import re
import sys
import zlib
from functools import lru_cache
from dataclasses import dataclass
from datetime import datetime

from feedreader.core.model import Article
from feedreader.core.text import canonical_url

SKETCH_SIZE = 24
BODY_WORDS = 400          # of the body, only the start counts (it says what the story is)
MAX_TERMS = 80

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
said says say told new one two three after amid says according its it's s t per cent percent
""".split())
# capitalised at the start of a sentence but not a name
_COMMON_STARTERS = STOPWORDS | frozenset("""
shares investors analysts customers drivers owners patients workers people staff dealers directors
researchers regulators officials lawyers critics organisers prices revenue profit production development
record early first last next why how what breaking exclusive report update corrected analysis watch
""".split())

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’&-]*|\d[\d,.]*")
# a capitalised word; group 1 is set when it starts a sentence
_CAPITALISED = re.compile(r"(^\W*|[.!?:;\"“”]\W*)?(?<![\w'’&-])([A-Z][A-Za-z0-9'’&-]*)")
_TEXT_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NUMBER = re.compile(
    r"(?<![\w.])(?P<cur>[$€£])?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>bn|billion|mn|m|million|k|thousand|trillion|tn)\b)?"
    r"\s?(?P<unit>%|percent\b|per cent\b|dollars?\b|euros?\b|pounds?\b|yuan\b)?",
    re.IGNORECASE,
)
_SCALES = {"bn": 1e9, "billion": 1e9, "mn": 1e6, "m": 1e6, "million": 1e6, "k": 1e3, "thousand": 1e3,
           "trillion": 1e12, "tn": 1e12}


@dataclass(frozen=True, slots=True)
class StoryInput:
    """What grouping needs of one article (any source: a document, a feed entry)."""

    aid: int
    identity: str
    title: str
    excerpt: str = ""
    body: str = ""
    provider: str = ""                 # the provider's domain, else its name
    published: float | None = None     # unix seconds UTC
    url: str | None = None             # the checked URL, if any
    related: tuple[str, ...] = ()      # the aggregator's related coverage: checked URLs
    version: int = 0                   # changes when the article does (the file's mtime_ns)


@dataclass(frozen=True, slots=True)
class Features:
    aid: int
    identity: str
    provider: str
    published: float | None
    terms: tuple[str, ...]          # distinct normalised terms (title, excerpt, body start)
    title_terms: tuple[str, ...]    # the title's, a subset of terms
    entities: tuple[str, ...]       # lower-cased capitalised words
    numbers: tuple[str, ...]        # "n:1200000000", "p:12"
    links: tuple[str, ...]          # canonical URLs of the related coverage
    url: str                        # its own canonical URL ("" when none)
    sketch: tuple[int, ...]         # the smallest shingle hashes, ascending
    version: int = 0


def input_from_article(article: Article, version: int = 0) -> StoryInput:
    """A ``model.Article`` as grouping input (its related coverage included)."""
    from feedreader.core.ids import aid_from_id

    related = tuple(r.url for r in article.related if r.url)
    return StoryInput(
        aid=aid_from_id(article.id), identity=article.identity, title=article.title,
        excerpt=article.excerpt, body=article.body,
        provider=(article.provider.domain or article.provider.name).lower(),
        published=article.published.timestamp() if isinstance(article.published, datetime) else None,
        url=article.url, related=related, version=version,
    )


# --------------------------------------------------------------------------
# words

def stem(word: str) -> str:
    """A light suffix stripper: recall/recalls/recalling/recalled -> recall."""
    if len(word) <= 4:
        return word
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ied", "y"), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + repl
    return word


@lru_cache(maxsize=1 << 16)
def _term(word: str) -> str:
    """The term of a lower-cased word, "" for a stopword or a number."""
    if word.endswith("'s"):
        word = word[:-2]
    if word in STOPWORDS or word.isdigit() or len(word) < 2:
        return ""
    return stem(word)


def words(text: str) -> list[str]:
    """Lower-cased words of ``text`` (no stemming, stopwords kept): shingles are made of these."""
    return _TEXT_WORD.findall(text.lower().replace("’", "'"))


def terms_of(text: str) -> list[str]:
    return _terms(words(text))


def _terms(tokens: list[str]) -> list[str]:
    term = _term
    return [t for t in map(term, tokens) if t]


def entities_of(text: str, *, title_case: bool = False) -> list[str]:
    """Capitalised words that look like names, lower-cased."""
    out: list[str] = []
    for m in _CAPITALISED.finditer(text):
        word = m.group(2)
        if title_case and not (word.isupper() and len(word) > 1):
            continue
        key = _entity_key(word)
        if not key or (m.group(1) is not None and key in _COMMON_STARTERS):
            continue
        out.append(key)
    return out


@lru_cache(maxsize=1 << 16)
def _entity_key(word: str) -> str:
    key = word.lower().replace("’", "'").removesuffix("'s").rstrip("'")
    return "" if key in STOPWORDS or len(key) < 2 else key


def _is_title_case(title: str) -> bool:
    long_words = [w for w in _WORD.findall(title) if len(w) > 3 and not w[0].isdigit()]
    if len(long_words) < 3:
        return False
    return sum(1 for w in long_words if w[0].isupper()) / len(long_words) >= 0.7


def numbers_of(text: str) -> list[str]:
    out = []
    for m in _NUMBER.finditer(text):
        raw = m.group("num").replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        scale = (m.group("scale") or "").lower()
        unit = (m.group("unit") or "").lower()
        if scale == "m" and not (m.group("cur") or unit.startswith(("dollar", "euro", "pound"))):
            scale = ""        # "5 m" is five metres as often as five million
        value *= _SCALES.get(scale, 1.0)
        if unit in ("%", "percent", "per cent"):
            out.append(f"p:{value:g}")
            continue
        if not scale and not m.group("cur"):
            if value < 10 or (1900 <= value <= 2100 and raw.isdigit()):
                continue
        out.append(f"n:{value:.6g}")
    return out


def shingle_sketch(tokens: list[str], size: int = SKETCH_SIZE) -> tuple[int, ...]:
    if len(tokens) < 3:
        grams = {" ".join(tokens)} if tokens else set()
    else:
        grams = {f"{tokens[i]} {tokens[i + 1]} {tokens[i + 2]}" for i in range(len(tokens) - 2)}
    hashes = sorted({zlib.crc32(g.encode()) for g in grams})
    return tuple(hashes[:size])


def extract(item: StoryInput) -> Features:
    intern = sys.intern
    body = item.body
    if body:
        body = " ".join(body.split()[:BODY_WORDS])
    text = f"{item.excerpt}\n{body}" if body else item.excerpt
    title_words = words(item.title)
    text_words = words(text)
    title_terms = _terms(title_words)
    seen = dict.fromkeys(title_terms)
    for term in _terms(text_words):
        if len(seen) >= MAX_TERMS:
            break
        seen.setdefault(term)
    text_entities = entities_of(text)
    if _is_title_case(item.title):
        known = set(text_entities)
        title_entities = [e for e in entities_of(item.title) if e in known]
        title_entities += [e for e in (w.lower() for w in _WORD.findall(item.title)) if e in known]
    else:
        title_entities = entities_of(item.title)
    entities = dict.fromkeys(stem(e) for e in title_entities + text_entities)
    numbers = dict.fromkeys(numbers_of(item.title) + numbers_of(text))
    links = dict.fromkeys(canonical_url(u) for u in item.related if u)
    url = canonical_url(item.url) if item.url else ""
    links.pop(url, None)
    return Features(
        aid=item.aid, identity=item.identity, provider=intern(item.provider), published=item.published,
        terms=tuple(intern(t) for t in seen), title_terms=tuple(intern(t) for t in dict.fromkeys(title_terms)),
        entities=tuple(intern(e) for e in entities), numbers=tuple(intern(n) for n in numbers),
        links=tuple(links), url=url,
        sketch=shingle_sketch(title_words + text_words), version=item.version,
    )


def sketch_similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two shingle sets: the Jaccard of their
    bottom-k sketches (exact for texts of fewer than k shingles, a slight
    underestimate otherwise, which only makes near-copies stricter)."""
    if not a or not b:
        return 0.0
    common = len(set(a).intersection(b))
    return common / (len(a) + len(b) - common) if common else 0.0

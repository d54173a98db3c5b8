"""A fast path for the plain, well-formed RSS 2.0 that most feeds are.

``parse._parse_xml`` hands feed bytes to feedparser, whose SAX handlers and
sgmllib-based HTML sanitizer cost about 1.5 ms per entry. :func:`read_simple`
reads the common case with lxml instead and builds the same feedparser-shaped
dictionaries (only the keys :mod:`feedreader.core.feeds.parse` reads), so the
rest of the parser is shared. It gives up (returns None) at the first thing
outside what it knows, and feedparser reads the feed instead, reporting any
damage with its own words. It never raises and never decides a feed is
broken.

Whatever it accepts it must give exactly what feedparser gives: the same
strings (stripped, the same UTF-8/cp1252 repairs, HTML resolved and
sanitized by feedparser's own functions unless the fragment is one whose
resolving and sanitizing change nothing), the same dates (feedparser's own
date parser), the same precedence between elements.
``tests/core/feeds/test_fastfeed.py`` checks that on every sample feed and on
generated ones.

The XML parser is safe: no entities resolved, no DTD loaded, nothing fetched,
no huge trees; a DOCTYPE, an ``<!ENTITY``, a BOM, an encoding other than
UTF-8, a Content-Type that is not an XML one (feedparser then reports it) and
any XML error give up.

Given up on (feedparser reads these): RSS 0.9x/1.0 and Atom; an element or
attribute outside the lists below, or in another namespace; ``xml:base``;
markup (child elements or comments) inside a text element; a repeated
title, link, guid, description, date, author or content in one item; a
channel ``<image>`` or ``<textInput>`` with more than plain children.
"""

from __future__ import annotations

import re
from typing import Any

from feedreader.core.feeds.entries import UNCHANGED_BY_URLJOIN

__all__ = ["read_simple"]

_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_MEDIA = "{http://search.yahoo.com/mrss/}"
_ATOM = "{http://www.w3.org/2005/Atom}"
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"

_XML_TYPES = frozenset({"application/rss+xml", "application/xml", "application/atom+xml", "application/rdf+xml"})
_DECL = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
# channel children that change nothing parse.py reads (their text is not needed)
_CHANNEL_IGNORED = frozenset({
    "description", "language", "lastbuilddate", "pubdate", "generator", "copyright", "managingeditor",
    "webmaster", "docs", "category", "cloud", "rating", "skiphours", "skipdays",
})
_IMAGE_CHILDREN = frozenset({"url", "title", "link", "width", "height", "description"})
# item children that are single text elements
_SINGLE = frozenset({"title", "link", "guid", "pubdate", "author", "description", "comments"})

# HTML whose resolving and sanitizing by feedparser are the identity: these
# tags without attributes, <a href="absolute URL">, text without < > or
# CR, and only these character references; and <img> with the attributes of
# _IMG_VALUES, which the sanitizer only reorders (tests/core/feeds/test_fastfeed.py)
_PLAIN_TAGS = (
    r"p|em|strong|b|i|u|code|blockquote|ul|ol|li|h[1-6]|span|sub|sup|small"
)
_URL = r"https?://(?:[A-Za-z0-9._~:/?#@!$()*+,;=%-]|&amp;)+"
_HTML_TOKEN = re.compile(
    rf"</?(?:{_PLAIN_TAGS})>|</a>|<a href=\"({_URL})\">"
    r"|&(?:amp|lt|gt|quot|#[0-9]{1,6});|[^<>&\r]+"
    r'|<img((?: [a-z]{1,6}="[^"<>]*"){1,5}) ?/?>'
)
# an <img>, which feedparser's sanitizer writes back with its attributes sorted
# and " />": these attributes, these values (absolute http(s) src, plain alt/title)
_IMG_ATTR = re.compile(r' ([a-z]+)="([^"]*)"')
_IMG_VALUES = {
    "src": re.compile(_URL),
    "alt": re.compile(r"[A-Za-z0-9 .,:;!?()_-]{0,300}"),
    "title": re.compile(r"[A-Za-z0-9 .,:;!?()_-]{0,300}"),
    "width": re.compile(r"[0-9]{1,5}"),
    "height": re.compile(r"[0-9]{1,5}"),
}


class _GiveUp(Exception):
    pass


def read_simple(data: bytes, url: str, content_type: str | None) -> tuple[dict[str, Any], list[dict[str, Any]], str] | None:
    """``(feed, entries, version)`` as feedparser would give them, or None (use feedparser)."""
    try:
        return _Reader(url).read(data, content_type)
    except _GiveUp:
        return None
    except Exception:  # noqa: BLE001 - the fast path never decides anything: feedparser will
        return None


class _Reader:
    def __init__(self, url: str) -> None:
        from feedparser.html import _cp1252
        from feedparser.urls import _urljoin, make_safe_absolute_uri

        self._cp1252 = _cp1252
        self._urljoin = _urljoin
        base = make_safe_absolute_uri("", url) or ""
        for _ in range(3):   # what feedparser's every start tag does to its base
            nxt = make_safe_absolute_uri(base, base) or base
            if nxt == base:
                break
            base = nxt
        else:
            raise _GiveUp
        if not base.startswith(("http://", "https://")):
            raise _GiveUp
        self.base = base

    # -- the document

    def read(self, data: bytes, content_type: str | None) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
        mime, _, params = (content_type or "application/xml").partition(";")
        if mime.strip().lower() not in _XML_TYPES:
            raise _GiveUp
        charset = re.search(r"charset\s*=\s*\"?([A-Za-z0-9._-]+)", params, re.I)
        if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
            raise _GiveUp
        head = data[:1024]
        if not head.startswith(b"<") or b"\x00" in head:
            raise _GiveUp     # a BOM, UTF-16/32, leading space: feedparser's business
        decl = _DECL.match(head)
        if decl and decl.group(1).lower() not in (b"utf-8", b"utf8"):
            raise _GiveUp
        if b"<!DOCTYPE" in data or b"<!doctype" in data or b"<!ENTITY" in data:
            raise _GiveUp
        data.decode("utf-8")   # strict: feedparser would note a wrong encoding

        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 remove_blank_text=False, strip_cdata=True)
        root = etree.fromstring(data, parser)
        if root.getroottree().docinfo.doctype:
            raise _GiveUp
        if root.tag != "rss" or root.attrib.get("version", "").strip() not in ("2.0", "2.0.1", "2.01"):
            raise _GiveUp
        self._plain_attrs(root, ("version",))
        channels = [c for c in root if isinstance(c.tag, str)]
        if len(channels) != 1 or channels[0].tag != "channel":
            raise _GiveUp
        self._no_text(root)
        channel = channels[0]
        self._plain_attrs(channel, ())
        feed: dict[str, Any] = {}
        entries: list[dict[str, Any]] = []
        seen: set[str] = set()
        for child in channel:
            tag = child.tag
            if not isinstance(tag, str):
                continue   # comments and processing instructions between elements
            if tag == "item":
                entries.append(self._item(child))
                continue
            if tag.startswith(_ATOM):
                self._atom_link(child)
                continue
            name = tag.lower()
            if tag.startswith("{"):
                raise _GiveUp
            if name in ("title", "link", "ttl"):
                if name in seen:
                    raise _GiveUp
                seen.add(name)
                self._plain_attrs(child, ())
                text = self._text(child)
                if name == "title":
                    value, kind = self._title(text)
                    feed["title"] = value
                    feed["title_detail"] = {"type": kind, "base": self.base, "value": value}
                elif name == "link":
                    value = self._join(text) if text else text
                    feed["link"] = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", self._finish(value))
                else:
                    feed["ttl"] = self._finish(text)
            elif name == "image":
                self._image(child)
            elif name not in _CHANNEL_IGNORED or (len(child) and name not in ("skiphours", "skipdays")):
                raise _GiveUp
        return feed, entries, "rss20"

    # -- checks

    @staticmethod
    def _plain_attrs(el: Any, allowed: tuple[str, ...]) -> None:
        for key in el.attrib:
            if key.startswith(_XML_NS):
                if key == _XML_NS + "lang":
                    continue
                raise _GiveUp   # xml:base and the like
            if key.lower() not in allowed:
                raise _GiveUp

    @staticmethod
    def _no_text(el: Any) -> None:
        if (el.text or "").strip():
            raise _GiveUp
        for child in el:
            if (child.tail or "").strip():
                raise _GiveUp

    def _text(self, el: Any) -> str:
        """The stripped text of an element without children (as pop() strips it)."""
        if len(el):
            raise _GiveUp   # markup or a comment inside
        return (el.text or "").strip()

    def _finish(self, value: str) -> str:
        """The end of feedparser's pop(): text mis-decoded as Latin-1 repaired, cp1252 mapped."""
        if value.isascii():
            return value
        try:
            value = value.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        return value.translate(self._cp1252)

    def _html(self, value: str) -> str:
        """An HTML fragment resolved and sanitized as feedparser does it."""
        simple = self._simple_html(value) if value else value
        if simple is None:
            from feedparser.sanitizer import _sanitize_html
            from feedparser.urls import resolve_relative_uris

            value = resolve_relative_uris(value, self.base, "utf-8", "text/html")
            simple = _sanitize_html(value, "utf-8", "text/html")
        return self._finish(simple)

    def _absolute(self, url: str) -> bool:
        plain = url.replace("&amp;", "&")
        return UNCHANGED_BY_URLJOIN.fullmatch(plain) is not None or self._urljoin(self.base, plain) == plain

    def _join(self, text: str) -> str:
        """feedparser's ``_urljoin(base, text)`` (without its work when it changes nothing)."""
        return text if UNCHANGED_BY_URLJOIN.fullmatch(text) is not None else self._urljoin(self.base, text)

    def _simple_html(self, value: str) -> str | None:
        """What resolving and sanitizing ``value`` give, when it is made of the
        tokens above (the identity but for <img>); None for anything else."""
        pos, end = 0, len(value)
        match = _HTML_TOKEN.match
        out: list[str] | None = None
        while pos < end:
            m = match(value, pos)
            if m is None:
                return None
            href, img = m.group(1), m.group(2)
            if href is not None and not self._absolute(href):
                return None
            if img is not None:
                attrs = _IMG_ATTR.findall(img)
                names = {name for name, _ in attrs}
                if len(names) != len(attrs) or "src" not in names:
                    return None
                for name, attr in attrs:
                    check = _IMG_VALUES.get(name)
                    if check is None or not check.fullmatch(attr) or (name == "src" and not self._absolute(attr)):
                        return None
                if out is None:
                    out = [value[:pos]]
                out.append("<img " + " ".join(f'{n}="{v}"' for n, v in sorted(attrs)) + " />")
            elif out is not None:
                out.append(m.group())
            pos = m.end()
        return value if out is None else "".join(out)

    def _title(self, text: str) -> tuple[str, str]:
        from feedparser.mixin import _FeedParserMixin

        if text and _FeedParserMixin.looks_like_html(text):
            return self._html(text), "text/html"
        return self._finish(text), "text/plain"

    def _atom_link(self, el: Any) -> None:
        if el.tag != _ATOM + "link" or len(el) or (el.text or "").strip():
            raise _GiveUp
        self._plain_attrs(el, ("href", "rel", "type", "title", "hreflang", "length"))
        if el.attrib.get("rel", "alternate").lower() != "self":
            raise _GiveUp   # an alternate link would set the feed's link

    def _image(self, el: Any) -> None:
        self._plain_attrs(el, ())
        self._no_text(el)
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag not in _IMAGE_CHILDREN or len(child) or child.attrib:
                raise _GiveUp

    # -- one item

    def _item(self, item: Any) -> dict[str, Any]:
        self._plain_attrs(item, ())
        self._no_text(item)
        raw: dict[str, Any] = {}
        seen: set[str] = set()
        links: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        description: str | None = None
        content: str | None = None
        for child in item:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag.startswith("{"):
                if tag == _CONTENT + "encoded":
                    name = "content"
                elif tag == _DC + "creator":
                    name = "author"
                elif tag in (_MEDIA + "content", _MEDIA + "thumbnail"):
                    self._media(child, raw, tag == _MEDIA + "thumbnail")
                    continue
                else:
                    raise _GiveUp
            else:
                name = tag.lower()
            if name in _SINGLE or name == "content":
                if name in seen:
                    raise _GiveUp
                seen.add(name)
            if name == "guid":
                self._plain_attrs(child, ("ispermalink",))
                if len(child.attrib) > 1:
                    raise _GiveUp
                permalink = next(iter(child.attrib.values()), "true") == "true"
                text = self._text(child)
                if text and permalink:
                    text = self._join(text)
                raw["id"] = self._finish(text)
                if "guidislink" not in raw:
                    raw["guidislink"] = permalink and "link" not in raw
                if permalink and "link" not in raw:
                    raw["link"] = raw["id"]
            elif name == "link":
                self._plain_attrs(child, ())
                text = self._text(child)
                value = self._join(text) if text else text
                value = self._finish(value).replace("&amp;", "&")
                value = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", value)
                raw["link"] = value
                links.append({"rel": "alternate", "type": "text/html", **({"href": value} if value else {})})
            elif name == "title":
                self._plain_attrs(child, ())
                value, kind = self._title(self._text(child))
                raw["title"] = value
                raw["title_detail"] = {"type": kind, "base": self.base, "value": value}
            elif name == "description":
                self._plain_attrs(child, ())
                description = self._html(self._text(child))
            elif name == "content":
                self._plain_attrs(child, ())
                content = self._html(self._text(child))
            elif name == "pubdate":
                from feedparser.datetimes import _parse_date

                self._plain_attrs(child, ())
                value = self._finish(self._text(child))
                raw["published"] = value
                raw["published_parsed"] = _parse_date(value)
            elif name == "author":
                self._plain_attrs(child, ())
                raw["author"] = self._finish(self._text(child))
            elif name == "comments":
                self._plain_attrs(child, ())
                self._text(child)
            elif name == "category":
                self._category(child, tags)
            elif name == "enclosure":
                self._plain_attrs(child, ("url", "length", "type"))
                if len(child) or (child.text or "").strip():
                    raise _GiveUp
                attrs = {k.lower(): v for k, v in child.attrib.items()}
                if len(attrs) != len(child.attrib):
                    raise _GiveUp
                if "type" in attrs:
                    attrs["type"] = attrs["type"].lower()
                href = attrs.pop("url", None)
                if href:
                    attrs["href"] = href
                elif href is not None:
                    attrs["url"] = href
                attrs["rel"] = "enclosure"
                links.append(attrs)
            else:
                raise _GiveUp
        if content is not None:
            raw["content"] = [{"type": "text/html", "base": self.base, "value": content}]
        if description is not None:
            raw["summary"] = description
            raw["summary_detail"] = {"type": "text/html", "base": self.base, "value": description}
        elif content is not None:
            raw["summary"] = content   # feedparser copies the content (without a summary_detail)
        if links:
            raw["links"] = links
        if tags:
            raw["tags"] = tags
        return raw

    def _category(self, el: Any, tags: list[dict[str, Any]]) -> None:
        self._plain_attrs(el, ("domain",))
        domain = el.attrib.get("domain")
        if len(el.attrib) != (domain is not None):
            raise _GiveUp
        if domain:
            _add_tag(tags, None, domain, None)
        value = self._finish(self._text(el))
        if not value:
            return
        if tags and not tags[-1]["term"]:
            tags[-1]["term"] = value
        else:
            _add_tag(tags, value, None, None)

    def _media(self, el: Any, raw: dict[str, Any], thumbnail: bool) -> None:
        if len(el) or (el.text or "").strip():
            raise _GiveUp
        attrs: dict[str, str] = {}
        for key, value in el.attrib.items():
            if key.startswith("{"):
                raise _GiveUp
            lower = key.lower()
            if lower in attrs:
                raise _GiveUp
            attrs[lower] = value.lower() if lower in ("rel", "type") else value
        raw.setdefault("media_thumbnail" if thumbnail else "media_content", []).append(attrs)


def _add_tag(tags: list[dict[str, Any]], term: str | None, scheme: str | None, label: str | None) -> None:
    if not term and not scheme and not label:
        return
    value = {"term": term, "scheme": scheme, "label": label}
    if value not in tags:
        tags.append(value)

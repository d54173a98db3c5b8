# What tests/data/feeds/rss2.xml must give (parsed with url=URL, now=NOW).
URL = "https://news.example.com/feed.xml"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(
    title="Example News & Views",
    site_url="https://news.example.com/",
    ttl_minutes=45,
    kind="rss",
)
entries = [
    dict(
        key="tag:news.example.com,2024:full",
        title="Full item",
        link="https://news.example.com/2024/05/full?utm_source=rss&id=7",
        summary="The short version & more.",
        content="First paragraph with a link.\n\nSecond paragraph.\n\n• one\n\n• two",
        published=datetime(2024, 5, 31, 12, 20, tzinfo=timezone.utc),
        updated=None,
        author="Ann Author",
        categories=("World", "Science"),
        images=(
            EntryImage("https://news.example.com/img/lead.jpg"),
            EntryImage("https://cdn.example.com/thumb.jpg", 120, 90),
            EntryImage("https://news.example.com/img/inline.png", 640, 480),
        ),
    ),
    dict(
        key="https://news.example.com/2024/05/second?page=2",
        title="No guid, tracking link",
        link="https://news.example.com/2024/05/second?utm_medium=feed&fbclid=abc&page=2#comments",
        summary="Plain summary.",
        content="",
        content_html="",
        published=datetime(2024, 5, 30, 6, 0, tzinfo=timezone.utc),
        images=(),
    ),
    dict(
        title="Neither guid nor link",
        link=None,
        summary="Only words.",
        published=None,
    ),
    dict(
        key="future-1",
        title="From the future",
        published=None,
    ),
]
# substrings that must each appear in some problem line
problems = ["more than a day in the future"]

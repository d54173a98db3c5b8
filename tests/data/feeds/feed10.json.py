URL = "https://v1.example.com/feed.json"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="Version One", site_url="https://v1.example.com", ttl_minutes=None, kind="json")
entries = [
    dict(
        key="https://v1.example.com/p/1",
        title="Linked elsewhere",
        link="https://elsewhere.example.org/story",
        content="Text only.",
        published=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        author="Item Author",
        images=(EntryImage("https://v1.example.com/banner.png"),),
    ),
]
problems = []

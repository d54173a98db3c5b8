URL = "http://old.example.net/rss.xml"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="Café Old School", site_url="http://old.example.net/", ttl_minutes=None, kind="rss")
entries = [
    dict(
        key="http://old.example.net/creme.html",
        title="Crème brûlée — tested",
        link="http://old.example.net/creme.html",
        summary="Sweet.",
    ),
    # the key is the canonical link: host lowercased, default port dropped
    dict(key="http://old.example.net/second.html", link="http://OLD.example.net:80/second.html"),
]
problems = []

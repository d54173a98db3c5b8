URL = "https://dups.example.com/rss"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="Dups", kind="rss")
entries = [
    dict(key="a", title="First A"),
    dict(key="b", title="First B"),
    dict(key="https://dups.example.com/x", title="Link one"),
]
problems = ["entry 3 ('Second A'): duplicate id 'a' (first at entry 1); dropped", "entry 5 ('Link two'): duplicate id"]

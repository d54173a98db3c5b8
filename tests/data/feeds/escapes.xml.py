URL = "https://esc.example.com/rss"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="Esc feed", kind="rss")
entries = [dict(key="esc", title="Red title", summary="Clear screen")]
problems = ["not well-formed XML"]

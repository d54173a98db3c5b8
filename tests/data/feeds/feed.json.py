URL = "https://json.example.com/feed.json"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="JSON Journal", site_url="https://json.example.com/", ttl_minutes=None, kind="json")
entries = [
    dict(
        key="2",
        title="Hello JSON & friends",
        link="https://json.example.com/2024/05/hello",
        summary="Short summary.",
        content="Hello world.\n\nBye.",
        published=datetime(2024, 5, 31, 12, 0, tzinfo=timezone.utc),
        updated=datetime(2024, 5, 31, 13, 0, tzinfo=timezone.utc),
        author="Dee, Eve",
        categories=("json", "feeds"),
        images=(
            EntryImage("https://json.example.com/lead.jpg"),
            EntryImage("https://json.example.com/a.png"),
            EntryImage("https://json.example.com/i/first.png", 300, 200),
        ),
    ),
    dict(
        key="1",
        title="",
        link=None,
        content="A note without a title.\n\nSecond paragraph.",
        content_html="",
        published=None,
    ),
    dict(title="", link=None, categories=(), content="Wrong types everywhere."),
]
problems = [
    "item 1: authors[2] must be an object",
    "item 1: tags[2] must be a string",
    "item 2: date_published 'yesterday' is not an RFC 3339 date",
    "item 3: id must be a string, got a list",
    "item 3: url 'data:text/html,<script>alert(1)</script>' dropped",
    "item 3: title must be a string, got a number",
    "item 3: tags must be a list",
    "item 4: must be an object",
    "item 5: duplicate id '2'",
]

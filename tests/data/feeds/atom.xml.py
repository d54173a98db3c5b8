URL = "https://blog.example.com/atom.xml"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="A Blog", site_url="https://blog.example.com/", ttl_minutes=None, kind="atom")
entries = [
    dict(
        key="urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
        title="Atom entry one",
        link="https://blog.example.com/posts/2024/one.html",
        summary="A summary with markup.",
        content="Heading\n\nBody text\nnext line.",
        published=datetime(2024, 5, 30, 7, 0, tzinfo=timezone.utc),
        updated=datetime(2024, 5, 31, 10, 0, tzinfo=timezone.utc),
        author="Cy Writer",
        categories=("python", "feeds"),
        images=(
            EntryImage("https://blog.example.com/posts/2024/one-lead.png"),
            EntryImage("https://blog.example.com/posts/2024/pic.jpg"),
        ),
    ),
    dict(
        key="tag:blog.example.com,2024:two",
        title="XHTML title",
        link="https://blog.example.com/two",
        content="Para one.\n\nPara two.",
        published=None,
        updated=datetime(2024, 5, 29, tzinfo=timezone.utc),
    ),
    dict(
        key="tag:blog.example.com,2024:three",
        title="Plain text content",
        link=None,
        content="Line one <not a tag>\nLine two",
        content_html="Line one &lt;not a tag&gt;\nLine two",
    ),
]
problems = []

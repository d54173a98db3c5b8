URL = "https://links.example.com/rss"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="Links", site_url=None, kind="rss")
entries = [
    dict(key="js", title="Script link", link=None, images=()),
    dict(key="data", title="Data link", link=None, images=(), summary="click"),
    dict(key="file", title="Ftp and file", link=None),
    dict(key="fine", title="Fine", link="https://links.example.com/fine"),
]
problems = [
    "the feed's link 'javascript:alert(document.cookie)' dropped: scheme 'javascript' is not http or https",
    "entry 1 ('Script link'): link 'javascript:alert(1)' dropped: scheme 'javascript' is not http or https",
    "entry 2 ('Data link'): link 'data:text/html;base64,",
    "entry 3 ('Ftp and file'): link 'file://",
]

URL = "https://titles.example.com/rss"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="Titles gnp.exe", kind="rss")
entries = [
    dict(key="markup", title="Bold & italic done", summary="Para two <3"),
    # feedparser reads C1 character references as windows-1252 (&#x9b; is "›",
    # &#x85; is "…"), so no C1 control (CSI, NEL) reaches the title
    dict(key="c1", title="Red\u203a31m alert\u203a0m and \u2026next"),
    dict(key="bidi", title="invoicefdp.exe zerowidth"),
    dict(key="whitespace", title="Multi line title"),
]
problems = []

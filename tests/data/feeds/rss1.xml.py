URL = "https://rdf.example.org/index.rdf"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

feed = dict(title="RDF Site", site_url="https://rdf.example.org/", ttl_minutes=15, kind="rss")
entries = [
    dict(
        key="https://rdf.example.org/one",
        title="First RDF item",
        link="https://rdf.example.org/one",
        summary="One & only.",
        author="Bo",
        categories=("Semantic Web",),
        updated=datetime(2024, 5, 20, 10, 0, tzinfo=timezone.utc),
    ),
    dict(key="https://rdf.example.org/two", title="Second RDF item", summary="", published=None),
]
problems = []

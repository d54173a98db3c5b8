"""feedreader: a keyboard-driven terminal reader for curated news."""

__version__ = "0.1.0"

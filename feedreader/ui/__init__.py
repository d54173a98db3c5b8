"""The Textual user interface: thin widgets over feedreader.core."""

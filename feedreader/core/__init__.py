"""Pure logic of feedreader. Nothing in this package imports Textual."""

"""Khulasa: an Arabic news article in, a bilingual digest per topical section out."""

__version__ = "0.1.0"

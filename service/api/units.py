"""What of a LibreTranslate `q` goes to the translator, and how its translations are put back together.

Each text of `q` becomes units: itself for `format: "text"`, its text runs for `format: "html"` (markup kept as
it came, see service/text/markup.py). A unit without letters (a number, an emoji, punctuation) is given back as it
is, as LibreTranslate does; a blank one becomes "". Only the rest reach the model.
"""

from collections.abc import Callable
from dataclasses import dataclass

from service.engines.base import combine_alternatives
from service.text import markup
from service.text.script import count_letters


@dataclass
class Item:
    """One text of `q`: the units to translate and how to join their translations into its answer."""

    units: list[str]
    join: Callable[[list[str]], str]
    readable: str  # what a reader sees: the text, or an HTML text's runs; the Arabic check and detection read it


def _plain(text: str) -> Item:
    return Item([text], lambda parts: parts[0], text)


def _html(source: str) -> Item:
    pieces = markup.cut(source)
    runs = markup.texts_of(source, pieces)
    return Item(runs, lambda parts: markup.reassemble(source, pieces, parts), " ".join(runs))


def items_of(texts: list[str], html: bool) -> list[Item]:
    """The items of `texts`, read as HTML when `html`."""
    return [_html(text) if html else _plain(text) for text in texts]


def needs_model(unit: str) -> bool:
    """Whether a unit goes to the translator: it has letters. Others are answered as they are (blank: "")."""
    return count_letters(unit).letters > 0


def as_is(unit: str) -> str:
    return unit if unit.strip() else ""


def assemble(item: Item, best: list[str], runners_up: list[list[str]]) -> tuple[str, list[str]]:
    """The item's translation from its units' translations, and its alternatives (see `combine_alternatives`)."""
    return item.join(best), combine_alternatives(best, runners_up, item.join)

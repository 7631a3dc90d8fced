"""Which script a text is written in, counted over its letters: the models read Arabic and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

# Below this share of Arabic letters a text is taken as written in another language. Arabic news quotes Latin
# names, acronyms and URLs; even a paragraph heavy with them stays far above one letter in five.
MIN_ARABIC_SHARE = 0.2

# Arabic, Arabic Supplement, Arabic Extended-A/B, and the two presentation-form blocks.
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


@dataclass(frozen=True, slots=True)
class LetterCount:
    """Letters (Unicode category L*) in a text, and how many of them are Arabic."""

    letters: int
    arabic: int

    @property
    def arabic_share(self) -> float:
        """Arabic letters over all letters; 0.0 for a text without letters."""
        return self.arabic / self.letters if self.letters else 0.0

    @property
    def reads_as_arabic(self) -> bool:
        """True when there is at least one Arabic letter and they make up MIN_ARABIC_SHARE of the letters."""
        return self.arabic > 0 and self.arabic_share >= MIN_ARABIC_SHARE


def _is_arabic(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _ARABIC_BLOCKS)


def count_letters(text: str) -> LetterCount:
    """Count the letters of `text` and the Arabic ones among them. Digits, marks, punctuation, emoji and
    invisible characters (bidi controls, zero-width joiners) are not letters and do not count either way."""
    letters = arabic = 0
    for char in text:
        if char.isalpha():
            letters += 1
            arabic += _is_arabic(char)
    return LetterCount(letters=letters, arabic=arabic)

"""Arabic normalisation for matching words and phrases; its output is never shown to users."""

from __future__ import annotations

# Code points removed outright: harakat, tanween, shadda, sukun and the other combining marks of
# U+064B..U+065F, superscript alef, Quranic annotation marks, tatweel, and the zero-width or bidi controls
# that scraped text carries.
_DROPPED = (
    [*range(0x064B, 0x0660)]
    + [0x0670, 0x0640]
    + [*range(0x0610, 0x061B)]
    + [*range(0x06D6, 0x06DD)]
    + [*range(0x06DF, 0x06E9)]
    + [*range(0x06EA, 0x06EE)]
    + [0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF]
    + [*range(0x202A, 0x202F)]
    + [*range(0x2066, 0x206A)]
)

_FOLDED = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
}

_TABLE: dict[int, str | None] = {
    **dict.fromkeys(_DROPPED),
    **{ord(letter): folded for letter, folded in _FOLDED.items()},
    **{0x0660 + digit: str(digit) for digit in range(10)},
    **{0x06F0 + digit: str(digit) for digit in range(10)},
}


def normalize(text: str) -> str:
    """Fold `text` to a matching form: no diacritics or tatweel, one alef, ي for ى, ه for ة, ASCII digits.

    Also drops zero-width and bidi control characters and casefolds Latin letters. The result is for
    matching only: it can be shorter than the input, so its offsets do not index the original text.
    """
    return text.translate(_TABLE).casefold()

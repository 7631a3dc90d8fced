"""What the API accepts as text to work on: at most KHULASA_MAX_TEXT_CHARS characters, written in Arabic."""

from service.errors import NotArabic, TextTooLong
from service.text.script import MIN_ARABIC_SHARE, count_letters


def _check_length(characters: int, limit: int, what: str) -> None:
    if characters > limit:
        raise TextTooLong(f"{what} is {characters:,} characters; the limit is {limit:,} (KHULASA_MAX_TEXT_CHARS)")


def _check_arabic(text: str, what: str, *, letterless_ok: bool) -> None:
    letters = count_letters(text)
    if letters.reads_as_arabic or (letterless_ok and not letters.letters):
        return
    if not letters.letters:
        raise NotArabic(f"Arabic text expected: {what} has no letters")
    raise NotArabic(
        f"Arabic text expected: {letters.arabic_share:.0%} of the letters of {what} are Arabic "
        f"(at least {MIN_ARABIC_SHARE:.0%} needed)"
    )


def check_article(text: str, max_chars: int) -> None:
    """Raise TextTooLong when `text` is over `max_chars` characters, NotArabic when it does not read as Arabic
    (no Arabic letter, or fewer than MIN_ARABIC_SHARE of its letters); both are HTTP 422."""
    _check_length(len(text), max_chars, "text")
    _check_arabic(text, "text", letterless_ok=False)


def check_translation(q: str | list[str], max_chars: int, *, arabic: bool = True) -> None:
    """Like check_article for /translate's `q`, a text or a list of them: `max_chars` bounds all of them
    together, and (with `arabic`) each one that has letters must read as Arabic. Texts without letters (numbers,
    punctuation, emoji, blank) pass."""
    texts = [q] if isinstance(q, str) else q
    _check_length(sum(len(text) for text in texts), max_chars, "q")
    if not arabic:
        return
    for index, text in enumerate(texts):
        _check_arabic(text, "q" if isinstance(q, str) else f"q[{index}]", letterless_ok=True)

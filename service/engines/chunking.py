"""Split input that is longer than a model accepts into pieces that fit: at sentences, then words, never dropped."""

from collections.abc import Callable

from service.text.sentences import split_sentences

# Counts tokens (without special tokens) for a batch of strings.
TokenCounter = Callable[[list[str]], list[int]]


def fit_to_budget(text: str, count: TokenCounter, budget: int) -> list[str]:
    """Consecutive pieces of `text`, each at most `budget` tokens, that together hold all of its words.

    Pieces end at sentence boundaries; a single sentence over the budget is cut between words, and a single word
    over the budget between characters. Returns [] for blank text.
    """
    sentences = [span.text for span in split_sentences(text)]
    if not sentences:
        return []
    units: list[str] = []
    for sentence, length in zip(sentences, count(sentences), strict=True):
        units.extend([sentence] if length <= budget else _split_long(sentence, count, budget))
    chunks = _pack(units, count(units), budget)
    # Token counts of joined text can exceed the sum of the parts by a token or two; re-check and split again.
    checked: list[str] = []
    for chunk, length in zip(chunks, count(chunks), strict=True):
        checked.extend([chunk] if length <= budget else _halve(chunk, count, budget))
    return checked


def _pack(units: list[str], lengths: list[int], budget: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for unit, length in zip(units, lengths, strict=True):
        if current and used + length > budget:
            chunks.append(" ".join(current))
            current, used = [], 0
        current.append(unit)
        used += length
    if current:
        chunks.append(" ".join(current))
    return chunks


def _split_long(sentence: str, count: TokenCounter, budget: int) -> list[str]:
    words = sentence.split()
    pieces: list[str] = []
    for word, length in zip(words, count(words), strict=True):
        if length <= budget:
            pieces.append(word)
        else:
            # A "word" this long is not language (a URL, a base64 blob); cut it evenly.
            step = max(1, len(word) * budget // (2 * length))
            pieces.extend(word[i : i + step] for i in range(0, len(word), step))
    return _pack(pieces, count(pieces), budget)


def _halve(chunk: str, count: TokenCounter, budget: int) -> list[str]:
    words = chunk.split()
    if len(words) < 2:
        return _split_long(chunk, count, budget)
    middle = len(words) // 2
    halves = [" ".join(words[:middle]), " ".join(words[middle:])]
    result: list[str] = []
    for half, length in zip(halves, count(halves), strict=True):
        result.extend([half] if length <= budget else _halve(half, count, budget))
    return result

import pytest

from service.engines.chunking import fit_to_budget


def count_words(texts: list[str]) -> list[int]:
    return [len(text.split()) for text in texts]


def words(texts: list[str]) -> list[str]:
    return [word for text in texts for word in text.split()]


def test_text_that_fits_stays_one_piece() -> None:
    text = "وصل الوفد إلى القاهرة. وبدأ الاجتماع ظهرا."
    assert fit_to_budget(text, count_words, 50) == ["وصل الوفد إلى القاهرة. وبدأ الاجتماع ظهرا."]


def test_pieces_end_at_sentence_boundaries() -> None:
    sentences = ["الجملة الأولى قصيرة.", "والجملة الثانية أطول قليلا منها.", "والثالثة تختم الفقرة."]
    pieces = fit_to_budget(" ".join(sentences), count_words, 8)
    assert pieces == [sentences[0] + " " + sentences[1], sentences[2]]


@pytest.mark.parametrize("budget", [3, 5, 7, 20])
def test_no_word_is_lost_and_every_piece_fits(budget: int) -> None:
    text = "قال المسؤول إن الاجتماع سيعقد غدا. " * 6 + "وأضاف أن الوفود ستصل تباعا إلى العاصمة خلال اليوم"
    pieces = fit_to_budget(text, count_words, budget)
    assert words(pieces) == text.split()
    assert all(length <= budget for length in count_words(pieces))


def test_a_sentence_over_budget_is_cut_between_words() -> None:
    text = " ".join(f"كلمة{i}" for i in range(25))
    pieces = fit_to_budget(text, count_words, 10)
    assert [len(piece.split()) for piece in pieces] == [10, 10, 5]
    assert words(pieces) == text.split()


def test_a_word_over_budget_is_cut_between_characters() -> None:
    def count_chars(texts: list[str]) -> list[int]:
        return [len(text) for text in texts]

    blob = "x" * 95
    pieces = fit_to_budget(blob, count_chars, 20)
    assert "".join(pieces).replace(" ", "") == blob
    assert all(len(piece) <= 20 for piece in pieces)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_blank_text_gives_no_pieces(text: str) -> None:
    assert fit_to_budget(text, count_words, 10) == []

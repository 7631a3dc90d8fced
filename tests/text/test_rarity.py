"""Word rarity from wordfreq's Arabic list, held as compact arrays that give the list's own frequencies."""

import random

import pytest

from service.text import rarity
from service.text.rarity import Frequencies


def test_a_word_gets_the_frequency_of_its_bucket_and_an_unknown_word_the_default() -> None:
    table = Frequencies([[], ["في"], [], ["ليبيا", "القاهرة"], ["كوبلر"]])
    assert table.get("في") == pytest.approx(10 ** (-1 / 100))
    assert table.get("القاهرة") == table.get("ليبيا") == pytest.approx(10 ** (-3 / 100))
    assert table.get("كوبلر") == pytest.approx(10 ** (-4 / 100))
    assert table.get("حفتر") == 0.0 and table.get("حفتر", 1.5) == 1.5
    assert table.get("") == 0.0


def test_a_word_listed_twice_keeps_its_later_rarer_bucket_as_wordfreqs_dict_does() -> None:
    assert Frequencies([["سرت"], [], ["سرت"]]).get("سرت") == pytest.approx(10 ** (-2 / 100))


def test_two_letter_words_whose_python_hashes_collide_keep_their_own_frequencies() -> None:
    # CPython hashes a string's internal bytes: "g0" and "で" (U+3067, stored as 67 30) have one hash in every process.
    table = Frequencies([["g0"], ["で"], ["a_"], ["彡"]])
    assert [table.get(word) for word in ("g0", "で", "a_", "彡")] == pytest.approx([10 ** (-k / 100) for k in range(4)])


def test_the_shipped_table_agrees_with_wordfreq_word_for_word() -> None:
    wordfreq = pytest.importorskip("wordfreq")
    full = wordfreq.get_frequency_dict("ar")
    words = random.Random(0).sample(sorted(full), 20_000) + ["حفتر", "ليبيا", "وزير", "كلمةغيرموجودة"]
    table = rarity._frequencies()
    assert isinstance(table, Frequencies)
    assert [table.get(word) for word in words] == [full.get(word, 0.0) for word in words]
    # The rarity the segmenter reads: names rare, everyday words not.
    assert rarity.is_actor("حفتر") and not rarity.is_actor("وزير")

"""The corpus statistics behind service/text/semantic.py: vocabulary, word vectors and what a story keeps.

Every step is deterministic: sorted inputs, a seeded generator, and one BLAS thread (set by the build script before
numpy loads), so the same corpus and seed give the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sparse

from benchmarks.semantic_corpus import Article
from service.text.corpus_terms import CLITIC_LETTERS, fold

# Terms seen fewer times than this across the corpus carry no reliable statistics.
MIN_COUNT = 3
# Dimensions of the word vectors; 128 float16 numbers a word keep the artifact near 10 MB.
DIMENSIONS = 128
# Smoothing of the context distribution in PPMI (Levy, Goldberg and Dagan 2015): rare contexts count less.
CONTEXT_POWER = 0.75
# Pseudo-counts that pull a rare word's keep-rates towards those of words of its frequency band.
PRIOR_STRENGTH = 20.0


def vocabulary(articles: Sequence[Article], size: int) -> list[str]:
    """The `size` most frequent terms (ties by spelling), clitic forms folded onto more frequent bare forms."""
    counts = Counter(term for article in articles for paragraph in article.paragraphs for term, _ in paragraph)
    for term in sorted(counts):
        bare = term[1:]
        if len(term) > 3 and term[0] in CLITIC_LETTERS and counts.get(bare, 0) > counts[term]:
            counts[bare] += counts.pop(term)
    ranked = sorted((term for term, count in counts.items() if count >= MIN_COUNT), key=lambda t: (-counts[t], t))
    return ranked[:size]


def encode(articles: Sequence[Article], words: list[str]) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Per article, per paragraph: (row ids, definite flags) of its terms found in the vocabulary."""
    index = {word: row for row, word in enumerate(words)}
    encoded = []
    for article in articles:
        paragraphs = []
        for paragraph in article.paragraphs:
            rows = [(fold(term, index), definite) for term, definite in paragraph]
            kept = [(row, definite) for row, definite in rows if row is not None]
            paragraphs.append(
                (np.array([r for r, _ in kept], dtype=np.int64), np.array([d for _, d in kept], dtype=np.bool_))
            )
        encoded.append(paragraphs)
    return encoded


def term_statistics(encoded: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], size: int) -> dict[str, np.ndarray]:
    """idf over articles, and the share of a term's occurrences written with ال ("definite")."""
    count = np.zeros(size)
    definite = np.zeros(size)
    documents = np.zeros(size)
    for article in encoded:
        rows = np.concatenate([r for r, _ in article]) if article else np.zeros(0, dtype=np.int64)
        flags = np.concatenate([d for _, d in article]) if article else np.zeros(0, dtype=np.bool_)
        np.add.at(count, rows, 1.0)
        np.add.at(definite, rows[flags], 1.0)
        documents[np.unique(rows)] += 1.0
    idf = np.log((len(encoded) + 1.0) / (documents + 1.0))
    return {"idf": idf, "definite": definite / np.maximum(count, 1.0)}


def paragraph_matrix(encoded: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], size: int) -> sparse.csr_matrix:
    """Binary paragraph x term matrix over every paragraph of every article, in order."""
    rows = [np.unique(r) for article in encoded for r, _ in article]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    indices = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    data = np.ones(len(indices), dtype=np.float64)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), size))


def word_vectors(paragraphs: sparse.csr_matrix, seed: int, dimensions: int = DIMENSIONS) -> np.ndarray:
    """Unit word vectors from PPMI over same-paragraph co-occurrence, reduced by a seeded randomized SVD.

    Co-occurring in a paragraph is topical: "حفتر" lands near "طرابلس", not near another country's general.
    """
    cooccurrence = (paragraphs.T @ paragraphs).tocsr()
    cooccurrence.setdiag(0)
    cooccurrence.eliminate_zeros()
    total = cooccurrence.sum()
    row_sums = np.asarray(cooccurrence.sum(axis=1)).ravel()
    context = np.asarray(cooccurrence.sum(axis=0)).ravel() ** CONTEXT_POWER
    context /= context.sum()
    coo = cooccurrence.tocoo()
    pmi = np.log(coo.data * (1.0 / total) / (row_sums[coo.row] / total) / context[coo.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=cooccurrence.shape)
    rank = min(dimensions, ppmi.shape[0] - 1)
    left, singular = _randomized_svd(ppmi, rank, np.random.default_rng(seed))
    vectors = left * np.sqrt(singular)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


def _randomized_svd(matrix: sparse.csr_matrix, rank: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Halko-Martinsson-Tropp range finder with four power iterations; signs fixed so the output is canonical."""
    sketch = matrix @ rng.standard_normal((matrix.shape[1], min(rank + 16, matrix.shape[1])))
    basis, _ = np.linalg.qr(sketch)
    for _ in range(4):
        basis, _ = np.linalg.qr(matrix.T @ basis)
        basis, _ = np.linalg.qr(matrix @ basis)
    small = (matrix.T @ basis).T
    left_small, singular, _ = np.linalg.svd(small, full_matrices=False)
    left = (basis @ left_small)[:, :rank]
    signs = np.sign(left[np.argmax(np.abs(left), axis=0), np.arange(rank)])
    return left * signs, singular[:rank]


def keep_rates(pairs: Sequence[tuple[np.ndarray, np.ndarray, bool]], idf: np.ndarray) -> dict[str, np.ndarray]:
    """Log-likelihood ratios, per term, of being kept or not across a (context, paragraph) pair, same vs other story.

    `pairs` are (context rows, paragraph rows, same story). For a term of the paragraph: `next_shared` is
    log P(in context | same) / P(in context | other), `next_unshared` the same for being absent; `context_*` the
    same for a term of the context and the paragraph. Rare terms are pulled towards their idf band's rates.
    """
    size = len(idf)
    tallies = {name: np.zeros(size) for name in ("n_same", "n_other", "k_same", "k_other")}
    ctx = {name: np.zeros(size) for name in ("n_same", "n_other", "k_same", "k_other")}
    for context, paragraph, same in pairs:
        side = "same" if same else "other"
        context_set, paragraph_set = np.unique(context), np.unique(paragraph)
        shared = np.intersect1d(context_set, paragraph_set, assume_unique=True)
        tallies[f"n_{side}"][paragraph_set] += 1
        tallies[f"k_{side}"][shared] += 1
        ctx[f"n_{side}"][context_set] += 1
        ctx[f"k_{side}"][shared] += 1
    bands = np.minimum((idf * 2).astype(np.int64), 40)
    result = {}
    for prefix, table in (("next", tallies), ("context", ctx)):
        same_rate = _smoothed(table["k_same"], table["n_same"], bands)
        other_rate = _smoothed(table["k_other"], table["n_other"], bands)
        result[f"{prefix}_shared"] = np.log(same_rate / other_rate)
        result[f"{prefix}_unshared"] = np.log((1 - same_rate) / (1 - other_rate))
    return result


def _smoothed(kept: np.ndarray, seen: np.ndarray, bands: np.ndarray) -> np.ndarray:
    band_kept = np.bincount(bands, weights=kept, minlength=41)
    band_seen = np.bincount(bands, weights=seen, minlength=41)
    prior = (band_kept + 1.0) / (band_seen + 2.0)
    rate = (kept + PRIOR_STRENGTH * prior[bands]) / (seen + PRIOR_STRENGTH)
    return np.clip(rate, 1e-4, 1 - 1e-4)

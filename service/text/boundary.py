"""The boundary model: gradient-boosted trees over evidence.FEATURES, evaluated with numpy, and its calibration.

The trees give the log-odds that a story changes at a boundary; segment() turns them into opening bonuses for its
dynamic programme, and reads the calibration to say how sure it is of each boundary it keeps. All of it is fitted by
benchmarks/train_segmenter.py (scikit-learn, a training-only dependency) and read here from boundary_model.json.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from service.text.evidence import FEATURES

MODEL_FILE = "boundary_model.json"


@dataclass(frozen=True, slots=True)
class Trees:
    """An additive ensemble of binary trees in flat arrays, one row per tree, padded to the widest.

    A node n of tree t tests features[t, n] <= thresholds[t, n] and goes to left[t, n] or right[t, n]; a leaf
    points to itself both ways and holds its contribution in values[t, n]. `depth` is the deepest path.
    """

    features: np.ndarray
    thresholds: np.ndarray
    left: np.ndarray
    right: np.ndarray
    values: np.ndarray
    depth: int

    @classmethod
    def from_json(cls, trees: Sequence[dict[str, Any]]) -> Trees:
        """Trees from their JSON form: per tree, lists `feature` (-1 at a leaf), `threshold`, `left`, `right`,
        `value`, and its `depth`."""
        width = max((len(tree["feature"]) for tree in trees), default=1)

        def table(key: str, dtype: type, fill: float) -> np.ndarray:
            rows = [list(tree[key]) + [fill] * (width - len(tree[key])) for tree in trees]
            return np.array(rows, dtype=dtype).reshape(len(trees), width)

        features, left, right = table("feature", np.int64, -1), table("left", np.int64, 0), table("right", np.int64, 0)
        # A leaf (and padding) points to itself, so walking a fixed number of steps stays on it.
        leaf = features < 0
        own = np.broadcast_to(np.arange(width), features.shape)
        left, right = np.where(leaf, own, left), np.where(leaf, own, right)
        depth = max((int(tree.get("depth", width)) for tree in trees), default=0)
        return cls(
            np.where(leaf, 0, features),
            table("threshold", np.float64, 0.0),
            left,
            right,
            table("value", np.float64, 0.0),
            depth,
        )

    def total(self, rows: np.ndarray) -> np.ndarray:
        """The sum over trees of each row's leaf value; `rows` is (m, len(FEATURES))."""
        count = rows.shape[0]
        if not count or not self.features.shape[0]:
            return np.zeros(count)
        trees = np.arange(self.features.shape[0])[:, None]
        node = np.zeros((self.features.shape[0], count), dtype=np.int64)
        columns = np.arange(count)[None, :]
        for _ in range(self.depth):
            feature = self.features[trees, node]
            goes_left = rows[columns, feature] <= self.thresholds[trees, node]
            node = np.where(goes_left, self.left[trees, node], self.right[trees, node])
        return self.values[trees, node].sum(axis=0)


@dataclass(frozen=True, slots=True)
class BoundaryModel:
    """Boosted trees over FEATURES, how their log-odds enter segment()'s score, and their calibration.

    log-odds = bias + rate * (sum of the trees' leaves). The opening bonus of segment() is
    scale * (log_odds - offset), in the units of cohesion.segment_scores. `calibration` maps a boundary's model
    probability to the share of such boundaries, among those segment() keeps, that an editor would keep too
    (isotonic, from cross-validated scores): two increasing lists, probabilities and calibrated probabilities.
    """

    trees: Trees
    bias: float
    rate: float
    scale: float
    offset: float
    calibration: tuple[tuple[float, ...], tuple[float, ...]] = ((0.0, 1.0), (0.0, 1.0))

    def log_odds(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        """Log-odds that a story changes at each boundary, one per row of FEATURES values."""
        table = np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES))
        return self.bias + self.rate * self.trees.total(table)

    def bonuses(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        """Opening bonus of each boundary for segment(): positive where a new story is likelier than the offset."""
        return self.scale * (self.log_odds(rows) - self.offset)

    def confidence(self, log_odds: float) -> float:
        """Calibrated probability that a boundary segment() keeps, with these log-odds, is a real story change."""
        probability = 1.0 / (1.0 + np.exp(-log_odds))
        xs, ys = self.calibration
        return float(np.interp(probability, xs, ys))


def model_from_json(data: dict[str, Any]) -> BoundaryModel:
    """A BoundaryModel from the JSON that benchmarks/train_segmenter.py writes.

    Raises ValueError when the file was made for other features than this code computes, so a stale model never
    loads.
    """
    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{MODEL_FILE} was trained on other features than evidence.FEATURES: retrain it")
    calibration = data.get("calibration", {"probability": [0.0, 1.0], "calibrated": [0.0, 1.0]})
    return BoundaryModel(
        trees=Trees.from_json(data["trees"]),
        bias=float(data["bias"]),
        rate=float(data["rate"]),
        scale=float(data["scale"]),
        offset=float(data["offset"]),
        calibration=(tuple(calibration["probability"]), tuple(calibration["calibrated"])),
    )


@functools.cache
def boundary_model() -> BoundaryModel:
    """The committed model (service/text/boundary_model.json), read once."""
    text = resources.files("service.text").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return model_from_json(json.loads(text))

"""The boundary model: a logistic model over evidence.FEATURES, and how its log-odds enter the segmenter's score."""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

from service.text.evidence import FEATURES


@dataclass(frozen=True, slots=True)
class BoundaryModel:
    """A logistic model over FEATURES and how its log-odds enter the segmenter's score.

    `scale` and `offset` turn log-odds into the opening bonus of segment(): scale * (log_odds - offset), in the
    units of cohesion.segment_scores. All of it is fitted by benchmarks/train_segmenter.py.
    """

    weights: dict[str, float]
    bias: float
    scale: float
    offset: float
    # The weights in FEATURES order (0.0 for a feature the model does not name), filled in on creation.
    coefficients: tuple[float, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "coefficients", tuple(self.weights.get(name, 0.0) for name in FEATURES))

    def log_odds(self, features: Sequence[float]) -> float:
        """Log-odds that a story changes at a boundary with these FEATURES values."""
        return self.bias + sum(map(operator.mul, self.coefficients, features))

    def bonus(self, features: Sequence[float]) -> float:
        """The opening bonus for segment(): positive where a new story is likelier than the decision point."""
        return self.scale * (self.log_odds(features) - self.offset)


MODEL_FILE = "boundary_model.json"


@functools.cache
def boundary_model() -> BoundaryModel:
    """The committed model (service/text/boundary_model.json), read once.

    Raises ValueError when the file names a feature this code does not compute, so a stale model never loads.
    """
    data = json.loads(resources.files("service.text").joinpath(MODEL_FILE).read_text(encoding="utf-8"))
    unknown = set(data["weights"]) - set(FEATURES)
    if unknown:
        raise ValueError(f"{MODEL_FILE} names features this code does not compute: {sorted(unknown)}")
    return BoundaryModel(data["weights"], data["bias"], data["scale"], data["offset"])

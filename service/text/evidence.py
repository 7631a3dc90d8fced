"""Evidence that a new story starts at a paragraph: how it opens, what it looks like, and whom it is about.

Each candidate boundary (before paragraph i, for i >= 1) gets a fixed-length vector of numbers, FEATURES in order.
A small logistic model (service/text/boundary_model.json, trained by benchmarks/train_segmenter.py on real
articles) turns them into the log-odds that a story changes there.
"""

from __future__ import annotations

import functools
import json
import math
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

from service.text import cues, rarity
from service.text.cohesion import cosine_of, dot_matrix, paragraph_vectors
from service.text.cues import Opener
from service.text.lexicon import ContentWord, stem
from service.text.normalize import normalize

# How many paragraphs on each side the windowed comparisons look at.
WINDOW = 2
# How far ahead a new actor must come back to count as the subject of what follows.
AHEAD = 3
_OPENING_CHARS = 120
# A paragraph's opening, in content words, where it names the event it is about.
_OPENING_WORDS = 12
# A line of at most this many words reads as a heading or a teaser question rather than a paragraph.
SHORT_WORDS = 12

FEATURES = (
    "opens_new_topic",
    "opens_generic",
    "opens_related",
    "opens_reaction",
    "opens_continuation",
    "opens_fresh",
    "fronted_phrase",
    "dateline",
    "weekday",
    "subheading",
    "furniture_before",
    "similarity_previous",
    "similarity_window",
    "similarity_lede",
    "similarity_best_before",
    "actors_seen_before",
    "actors_seen_recently",
    "new_actors_ahead",
    "recent_actors_ahead",
    "generic_and_shift",
    "first_position",
    "relative_position",
    "short_line",
    "novelty",
    "first_actor_new",
    "new_topic_and_novelty",
    "new_topic_and_first_actor_new",
    "generic_and_novelty",
    "fronted_and_novelty",
    "continuation_and_novelty",
    "recent_actors_dropped",
    "continuation_and_dropped",
    "topic_novelty",
    "topic_seen_recently",
    "recent_topics_dropped",
    "new_topic_and_topic_novelty",
    "says_also",
    "new_event",
    "event_seen_recently",
    "speech",
    "speech_by_known_actor",
    "place_new",
    "continuation_and_place_new",
    "fronted_and_place_new",
    "similarity_story",
)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """What the evidence needs of one article paragraph.

    `words` are its content words, those of a subheading that introduces it first; `subheading` says one does.
    `furniture_before` says page furniture was removed right before it; `dateline` that it opens with one.
    """

    text: str
    words: list[ContentWord]
    subheading: bool = False
    furniture_before: bool = False
    dateline: bool = False


def boundary_features(paragraphs: Sequence[Paragraph], dots: list[list[float]] | None = None) -> list[list[float]]:
    """One vector (FEATURES in order) per boundary candidate: before paragraph 1, 2, ..., n - 1.

    `dots` is cohesion.dot_matrix() of the paragraphs' cohesion.paragraph_vectors(), when the caller has it.
    """
    if dots is None:
        dots = dot_matrix(paragraph_vectors([paragraph.words for paragraph in paragraphs]))
    similarity = cosine_of(dots)
    actors = _actors(paragraphs, rare_only=True)
    topics = _actors(paragraphs, rare_only=False)
    openings = [normalize(paragraph.text[:_OPENING_CHARS]) for paragraph in paragraphs]
    n = len(paragraphs)
    event_stems = _event_stems()
    events = [{word.stem for word in paragraph.words if word.stem in event_stems} for paragraph in paragraphs]
    opening_events = [
        {word.stem for word in paragraph.words[:_OPENING_WORDS] if word.stem in event_stems} for paragraph in paragraphs
    ]
    stems = [{word.stem for word in paragraph.words} for paragraph in paragraphs]
    seen_stems: set[str] = set(stems[0]) if n else set()
    story = _StoryRun(dots)
    features: list[list[float]] = []
    seen: set[str] = set(actors[0]) if n else set()
    seen_topics: set[str] = set(topics[0]) if n else set()
    last, last_topic = _last_mentions(actors), _last_mentions(topics)
    for i in range(1, n):
        kind = cues.opener(openings[i])
        recent = set().union(*actors[max(0, i - WINDOW) : i])
        ahead = set().union(*actors[i + 1 : i + 1 + AHEAD])
        own = actors[i]
        new = own - seen
        shift = 1.0 - _window_cosine(dots, range(max(0, i - WINDOW), i), range(i, min(n, i + WINDOW)))
        novelty = 1.0 - _share(own, seen)
        first_new = _first_actor_new(paragraphs, actors, i, seen)
        # Whom the last paragraphs were about and the rest of the article never names again: their story is over.
        dropped = _dropped(recent, last, i)
        recent_topics = set().union(*topics[max(0, i - WINDOW) : i])
        own_topics = topics[i]
        topic_novelty = 1.0 - _share(own_topics, seen_topics)
        # An event the opening names and the last paragraphs do not: a visit after an attack, a meeting after a visit.
        recent_events = set().union(*events[max(0, i - WINDOW) : i])
        # Someone speaking whom the article already named: a reaction or a quote, most often within the story.
        speech = cues.attributes_speech(openings[i])
        # A place the opening names that the article has not: "وفي محافظة مأرب، ..." after a story elsewhere.
        place_new = float(bool(_opening_places(paragraphs[i], openings[i], kind) - seen_stems))
        hard = kind is Opener.NEW_TOPIC or paragraphs[i].subheading or paragraphs[i].dateline
        features.append(
            [
                float(kind is Opener.NEW_TOPIC),
                float(kind is Opener.GENERIC),
                float(kind is Opener.RELATED),
                float(kind is Opener.REACTION),
                float(kind is Opener.CONTINUATION),
                float(kind is Opener.FRESH),
                float(cues.opens_with_fronted_phrase(openings[i])),
                float(paragraphs[i].dateline),
                float(cues.dates_by_weekday(openings[i])),
                float(paragraphs[i].subheading),
                float(paragraphs[i].furniture_before),
                similarity[i - 1][i],
                1.0 - shift,
                similarity[0][i],
                max(similarity[i][:i]),
                _share(own, seen),
                _share(own, recent),
                math.log1p(len(new & ahead)),
                math.log1p(len(recent & (actors[i] | ahead))),
                float(kind is Opener.GENERIC) * shift,
                float(i == 1),
                i / n,
                float(len(paragraphs[i].text.split()) <= SHORT_WORDS),
                novelty,
                first_new,
                float(kind is Opener.NEW_TOPIC) * novelty,
                float(kind is Opener.NEW_TOPIC) * first_new,
                float(kind is Opener.GENERIC) * novelty,
                float(cues.opens_with_fronted_phrase(openings[i])) * novelty,
                float(kind is Opener.CONTINUATION) * novelty,
                dropped,
                float(kind in (Opener.CONTINUATION, Opener.REACTION)) * dropped,
                topic_novelty,
                _share(own_topics, recent_topics),
                _dropped(recent_topics, last_topic, i),
                float(kind is Opener.NEW_TOPIC) * topic_novelty,
                float(cues.says_also(openings[i])),
                float(bool(opening_events[i] - recent_events)),
                _share(opening_events[i], recent_events),
                float(speech),
                float(speech and first_new == 0.0),
                place_new,
                float(kind is Opener.CONTINUATION) * place_new,
                float(cues.opens_with_fronted_phrase(openings[i])) * place_new,
                story.similarity(i),
            ]
        )
        # The story under way runs from the last paragraph that announced one (a phrase, a subheading, a dateline).
        if hard:
            story.restart(i)
        else:
            story.extend(i)
        seen_stems |= stems[i]
        seen |= actors[i]
        seen_topics |= topics[i]
    return features


class _StoryRun:
    """A run of consecutive paragraphs, compared with the next as one summed vector (from the dot products).

    Call similarity(i), then extend(i) or restart(i), for i = 1, 2, ... in order.
    """

    def __init__(self, dots: list[list[float]]) -> None:
        self.dots = dots
        self.members = [0] if dots else []
        self.norm = dots[0][0] if dots else 0.0
        # The dot product of the run with the paragraph last compared, kept for extend().
        self.dot = 0.0

    def similarity(self, i: int) -> float:
        """Cosine between paragraph i and the run's summed vector."""
        self.dot = sum(self.dots[j][i] for j in self.members)
        if not self.dot:
            return 0.0
        return self.dot / math.sqrt(self.norm * self.dots[i][i])

    def extend(self, i: int) -> None:
        """Add paragraph i, just compared by similarity(i)."""
        self.norm += 2 * self.dot + self.dots[i][i]
        self.members.append(i)

    def restart(self, i: int) -> None:
        """Start the run again at paragraph i, just compared by similarity(i)."""
        self.members, self.norm = [i], self.dots[i][i]


@functools.cache
def _place_stems() -> frozenset[str]:
    """Light stems of cues.PLACE_NOUNS."""
    return frozenset(stem(noun) for noun in cues.PLACE_NOUNS)


def _opening_places(paragraph: Paragraph, opening: str, kind: Opener) -> set[str]:
    """Stems of the places a paragraph's opening names: a rare word after a place noun ("محافظة مأرب", "بمدينة
    حلب", "شمال بغداد", not "الولايات المتحدة") and the rare words of a fronted phrase ("وفي الغوطة،").
    """
    nouns = _place_stems()
    words = paragraph.words[:_OPENING_WORDS]
    found: set[str] = set()
    after_noun = False
    for word in words:
        noun = word.stem in nouns or (word.stem[:1] in "وبلف" and word.stem[1:] in nouns)
        if after_noun and not noun and rarity.is_actor(word.surface):
            found.add(word.stem)
        after_noun = noun
    # "وفي سياق منفصل،" and "من جهته،" are fronted too, but say how the paragraph attaches, not where it happens.
    fronted = cues.fronted_phrase(opening) if kind in (Opener.FRESH, Opener.CONTINUATION) else ""
    if fronted:
        tokens = set(fronted.rstrip("،,").split())
        found |= {word.stem for word in words if normalize(word.surface) in tokens and rarity.is_actor(word.surface)}
    return found


@functools.cache
def _event_stems() -> frozenset[str]:
    """Light stems of cues.EVENT_NOUNS, as lexicon.stem() gives them for the words of a paragraph."""
    return frozenset(stem(noun) for noun in cues.EVENT_NOUNS)


def _last_mentions(stems: Sequence[set[str]]) -> dict[str, int]:
    """The index of the last paragraph that names each stem."""
    return {stem: index for index, paragraph in enumerate(stems) for stem in paragraph}


def _dropped(recent: set[str], last: dict[str, int], i: int) -> float:
    """Share of `recent` that no paragraph from i on names again (0.0 when `recent` is empty)."""
    return sum(last[stem] < i for stem in recent) / len(recent) if recent else 0.0


def _first_actor_new(paragraphs: Sequence[Paragraph], actors: Sequence[set[str]], i: int, seen: set[str]) -> float:
    """1.0 when the first actor of paragraph i is new to the article.

    The first name a paragraph gives is usually whom it is about; 0.5 when it names no one.
    """
    for word in paragraphs[i].words:
        if word.stem in actors[i]:
            return float(word.stem not in seen)
    return 0.5


def _actors(paragraphs: Sequence[Paragraph], rare_only: bool) -> list[set[str]]:
    """Per paragraph, the stems of its actors: rare words (people, organisations, places, specific terms) that
    the article names in more than one paragraph. A rare word met once is more often an unusual inflection of a
    common one ("زميلها") than someone the story is about. With `rare_only` False, every content word the article
    uses in more than one paragraph: what the paragraph is about, not only whom.
    """
    rare = [
        {word.stem for word in paragraph.words if not rare_only or rarity.is_actor(word.surface)}
        for paragraph in paragraphs
    ]
    mentions = Counter(stem for stems in rare for stem in stems)
    return [{stem for stem in stems if mentions[stem] > 1} for stems in rare]


def _window_cosine(dots: list[list[float]], left: range, right: range) -> float:
    """Cosine between the summed vectors of two runs of paragraphs, from their dot products."""
    dot = sum(dots[i][j] for i in left for j in right)
    if not dot:
        return 0.0
    left_norm = sum(dots[i][j] for i in left for j in left)
    right_norm = sum(dots[i][j] for i in right for j in right)
    return dot / math.sqrt(left_norm * right_norm)


def _share(words: set[str], among: set[str]) -> float:
    """Share of `words` found in `among`; 1.0 for a paragraph with no rare words (it introduces no one)."""
    return len(words & among) / len(words) if words else 1.0


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

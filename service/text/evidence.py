"""Evidence that a new story starts at a paragraph: how it opens, what it looks like, and whom it is about.

Each candidate boundary (before paragraph i, for i >= 1) gets a fixed-length vector of numbers, FEATURES in order
(feature_names.py): how the paragraph opens and whom it names (here), the whole article around it (context.py), what
a large news corpus says of the pair (semantic.py), and the same few values at the boundaries either side. Boosted
trees (service/text/boundary.py, boundary_model.json, trained by benchmarks/train_segmenter.py on real articles)
turn them into the log-odds that a story changes there.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from service.text import cues, rarity
from service.text.cohesion import cosine_of, dot_matrix, paragraph_vectors, window_cosine
from service.text.context import RunSimilarity, context_features, with_neighbours
from service.text.cues import Opener
from service.text.feature_names import (
    CONTEXT_FEATURES,
    CORPUS_FEATURES,
    CORPUS_KEYS,
    NEIGHBOUR_FEATURES,
    OPENING_FEATURES,
)
from service.text.feature_names import FEATURES as FEATURES  # re-exported: callers read the list from here
from service.text.lexicon import ContentWord, stem
from service.text.normalize import normalize

# How many paragraphs on each side the windowed comparisons look at.
WINDOW = 2
# How far ahead a new actor must come back to count as the subject of what follows.
AHEAD = 3
# A paragraph's opening, in content words, where it names the event it is about.
_OPENING_WORDS = 12
# A line of at most this many words reads as a heading or a teaser question rather than a paragraph.
SHORT_WORDS = 12


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
    article = _Article(paragraphs, dots)
    features: list[list[float]] = []
    for i in range(1, len(paragraphs)):
        values = article.values(i)
        features.append([values[name] for name in OPENING_FEATURES])
        article.advance(i)
    texts = [paragraph.text for paragraph in paragraphs]
    rare = [[word.stem for word in paragraph.words if rarity.is_actor(word.surface)] for paragraph in paragraphs]
    whole = context_features(texts, article.actors, rare, RunSimilarity(dots))
    # The corpus model needs numpy: imported on the first article, so importing service.text stays light.
    from service.text.semantic import gap_evidence

    corpus = [[gap[key] for key in CORPUS_KEYS] for gap in gap_evidence(texts)] if len(texts) > 1 else []
    rows = [own + more + learned for own, more, learned in zip(features, whole, corpus, strict=True)]
    columns = [*OPENING_FEATURES, *CONTEXT_FEATURES, *CORPUS_FEATURES]
    return with_neighbours(rows, [columns.index(name) for name in NEIGHBOUR_FEATURES])


class _Article:
    """The tables the features of one article read, and what has been seen before the boundary under way.

    Call values(i), then advance(i), for i = 1, 2, ... in order.
    """

    def __init__(self, paragraphs: Sequence[Paragraph], dots: list[list[float]]) -> None:
        self.paragraphs, self.dots = paragraphs, dots
        self.similarity = cosine_of(dots)
        self.actors = _actors(paragraphs, rare_only=True)
        self.topics = _actors(paragraphs, rare_only=False)
        self.openings = [normalize(paragraph.text[: cues.OPENING_CHARS]) for paragraph in paragraphs]
        event_stems = _event_stems()
        self.events = [{word.stem for word in paragraph.words if word.stem in event_stems} for paragraph in paragraphs]
        self.opening_events = [
            {word.stem for word in paragraph.words[:_OPENING_WORDS] if word.stem in event_stems}
            for paragraph in paragraphs
        ]
        self.stems = [{word.stem for word in paragraph.words} for paragraph in paragraphs]
        # What paragraphs 0..i-1 named, for the boundary before paragraph i.
        self.seen_stems: set[str] = set(self.stems[0]) if paragraphs else set()
        self.seen: set[str] = set(self.actors[0]) if paragraphs else set()
        self.seen_topics: set[str] = set(self.topics[0]) if paragraphs else set()
        self.last, self.last_topic = _last_mentions(self.actors), _last_mentions(self.topics)
        self.story = _StoryRun(dots)
        self.kind = Opener.FRESH

    def values(self, i: int) -> dict[str, float]:
        """Every feature of the boundary before paragraph i, by name."""
        self.kind = cues.opener(self.openings[i])
        values = {**self._opening(i), **self._vocabulary(i), **self._actors(i), **self._topics(i), **self._events(i)}
        return {**values, **_interactions(values)}

    def advance(self, i: int) -> None:
        """Count paragraph i as seen, once values(i) is taken."""
        paragraph = self.paragraphs[i]
        # The story under way runs from the last paragraph that announced one (a phrase, a subheading, a dateline).
        if self.kind is Opener.NEW_TOPIC or paragraph.subheading or paragraph.dateline:
            self.story.restart(i)
        else:
            self.story.extend(i)
        self.seen_stems |= self.stems[i]
        self.seen |= self.actors[i]
        self.seen_topics |= self.topics[i]

    def _opening(self, i: int) -> dict[str, float]:
        paragraph, opening, kind = self.paragraphs[i], self.openings[i], self.kind
        return {
            "opens_new_topic": float(kind is Opener.NEW_TOPIC),
            "opens_generic": float(kind is Opener.GENERIC),
            "opens_related": float(kind is Opener.RELATED),
            "opens_reaction": float(kind is Opener.REACTION),
            "opens_continuation": float(kind is Opener.CONTINUATION),
            "opens_fresh": float(kind is Opener.FRESH),
            "fronted_phrase": float(cues.opens_with_fronted_phrase(opening)),
            "dateline": float(paragraph.dateline),
            "weekday": float(cues.dates_by_weekday(opening)),
            "subheading": float(paragraph.subheading),
            "furniture_before": float(paragraph.furniture_before),
            "first_position": float(i == 1),
            "relative_position": i / len(self.paragraphs),
            "short_line": float(len(paragraph.text.split()) <= SHORT_WORDS),
            "says_also": float(cues.says_also(opening)),
            # Someone speaking: with speech_by_known_actor, a reaction or a quote, most often within the story.
            "speech": float(cues.attributes_speech(opening)),
            # A place the opening names that the article has not: "وفي محافظة مأرب، ..." after a story elsewhere.
            "place_new": float(bool(_opening_places(paragraph, opening, kind) - self.seen_stems)),
        }

    def _vocabulary(self, i: int) -> dict[str, float]:
        n, similarity = len(self.paragraphs), self.similarity
        window = window_cosine(self.dots, range(max(0, i - WINDOW), i), range(i, min(n, i + WINDOW)))
        return {
            "similarity_previous": similarity[i - 1][i],
            "similarity_window": window,
            "similarity_lede": similarity[0][i],
            "similarity_best_before": max(similarity[i][:i]),
            "similarity_story": self.story.similarity(i),
        }

    def _actors(self, i: int) -> dict[str, float]:
        actors, own = self.actors, self.actors[i]
        recent = set().union(*actors[max(0, i - WINDOW) : i])
        ahead = set().union(*actors[i + 1 : i + 1 + AHEAD])
        return {
            "actors_seen_before": _share(own, self.seen),
            "actors_seen_recently": _share(own, recent),
            "new_actors_ahead": math.log1p(len((own - self.seen) & ahead)),
            "recent_actors_ahead": math.log1p(len(recent & (own | ahead))),
            "novelty": 1.0 - _share(own, self.seen),
            "first_actor_new": _first_actor_new(self.paragraphs, actors, i, self.seen),
            # Whom the last paragraphs were about and the rest of the article never names again: their story is over.
            "recent_actors_dropped": _dropped(recent, self.last, i),
        }

    def _topics(self, i: int) -> dict[str, float]:
        own, recent = self.topics[i], set().union(*self.topics[max(0, i - WINDOW) : i])
        return {
            "topic_novelty": 1.0 - _share(own, self.seen_topics),
            "topic_seen_recently": _share(own, recent),
            "recent_topics_dropped": _dropped(recent, self.last_topic, i),
        }

    def _events(self, i: int) -> dict[str, float]:
        # An event the opening names and the last paragraphs do not: a visit after an attack, a meeting after a visit.
        recent = set().union(*self.events[max(0, i - WINDOW) : i])
        return {
            "new_event": float(bool(self.opening_events[i] - recent)),
            "event_seen_recently": _share(self.opening_events[i], recent),
        }


def _interactions(values: dict[str, float]) -> dict[str, float]:
    """Evidence that only counts together: a connective with a shift of vocabulary, actors or place."""
    new_topic, generic = values["opens_new_topic"], values["opens_generic"]
    continuation, fronted = values["opens_continuation"], values["fronted_phrase"]
    novelty, place_new = values["novelty"], values["place_new"]
    return {
        "generic_and_shift": generic * (1.0 - values["similarity_window"]),
        "new_topic_and_novelty": new_topic * novelty,
        "new_topic_and_first_actor_new": new_topic * values["first_actor_new"],
        "generic_and_novelty": generic * novelty,
        "fronted_and_novelty": fronted * novelty,
        "continuation_and_novelty": continuation * novelty,
        "continuation_and_dropped": max(continuation, values["opens_reaction"]) * values["recent_actors_dropped"],
        "new_topic_and_topic_novelty": new_topic * values["topic_novelty"],
        "speech_by_known_actor": float(values["speech"] and values["first_actor_new"] == 0.0),
        "continuation_and_place_new": continuation * place_new,
        "fronted_and_place_new": fronted * place_new,
    }


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


def _share(words: set[str], among: set[str]) -> float:
    """Share of `words` found in `among`; 1.0 for a paragraph with no rare words (it introduces no one)."""
    return len(words & among) / len(words) if words else 1.0

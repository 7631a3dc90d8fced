"""The names of the boundary features, in the order evidence.boundary_features() gives them and the model reads them.

Kept apart from evidence.py so that the list, which the shipped boundary_model.json must match name for name, reads
in one place.
"""

from __future__ import annotations

from service.text.context import CONTEXT_FEATURES

OPENING_FEATURES = (
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
# Evidence learned from a large news corpus (service/text/semantic.py): the story so far, the previous paragraph and
# what follows against the paragraph, as the corpus's word vectors, kept terms and pair model read them.
CORPUS_KEYS = (
    "vector_cosine",
    "overlap",
    "kept_next",
    "kept_context",
    "pair_logit",
    "previous_vector_cosine",
    "previous_overlap",
    "previous_kept_next",
    "previous_kept_context",
    "previous_pair_logit",
    "ahead_cosine",
    "ahead_margin",
)
CORPUS_FEATURES = tuple(f"corpus_{key}" for key in CORPUS_KEYS)
# What the boundaries either side of this one read: the sequence view of the article (context.with_neighbours).
NEIGHBOUR_FEATURES = (
    "opens_new_topic",
    "opens_generic",
    "opens_continuation",
    "subheading",
    "similarity_previous",
    "similarity_window",
    "similarity_story",
    "similarity_ahead",
    "own_actors_ahead",
    "recent_actors_carried",
    "speech",
    "corpus_pair_logit",
    "corpus_previous_kept_next",
    "corpus_ahead_margin",
)
FEATURES = (
    *OPENING_FEATURES,
    *CONTEXT_FEATURES,
    *CORPUS_FEATURES,
    *(f"before_{name}" for name in NEIGHBOUR_FEATURES),
    *(f"after_{name}" for name in NEIGHBOUR_FEATURES),
)

__all__ = [
    "CONTEXT_FEATURES",
    "CORPUS_FEATURES",
    "CORPUS_KEYS",
    "FEATURES",
    "NEIGHBOUR_FEATURES",
    "OPENING_FEATURES",
]

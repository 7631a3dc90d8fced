"""Stray headlines: a lone headline of another story is removed as furniture, a subheading about what follows stays."""

import json
from pathlib import Path

import numpy as np
import pytest

from service.text import clean, segment, stray
from service.text.clean import clean_by_rules, stray_view

NATURAL_TRAIN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "segmentation" / "natural-train.jsonl"

OPENING = (
    "ارتفاع أسعار القمح في الأسواق المحلية\n\n"
    "أعلنت وزارة التموين المصرية، الأحد، عن زيادة جديدة في أسعار القمح المستورد بنسبة عشرة في المئة، بسبب ارتفاع "
    "تكاليف الشحن وتراجع قيمة الجنيه أمام الدولار.\n\n"
    "وقال المتحدث باسم الوزارة إن الحكومة ستواصل دعم رغيف الخبز للأسر المستحقة، وإن المخزون الحالي من القمح يكفي "
    "حاجة البلاد لأكثر من أربعة أشهر.\n\n"
)
CLOSING = (
    "\n\nوأضاف المتحدث أن الوزارة تتفاوض مع موردين من روسيا وأوكرانيا ورومانيا للحصول على شحنات جديدة من القمح "
    "بأسعار أقل خلال الأسابيع المقبلة.\n\n"
    "ويستورد البلد نحو اثني عشر مليون طن من القمح سنويا، ما يجعله من أكبر مستوردي القمح في العالم، وتتأثر أسعار "
    "الخبز فيه بتقلبات السوق العالمية."
)
STRAY = "فوز ريال مدريد على برشلونة بثلاثة أهداف في الدوري الإسباني"
SUBHEADING = "مفاوضات مع موردي القمح"


def test_a_headline_of_another_story_between_paragraphs_is_removed() -> None:
    text = OPENING + STRAY + CLOSING
    cleaned = clean(text)
    assert [span.text for span in cleaned.removed] == [STRAY]
    assert all(STRAY not in span.text for span in cleaned.paragraphs)
    assert cleaned.headings == []
    # Nothing else is lost: the four article paragraphs are all still there, in order.
    assert [span.text[:10] for span in cleaned.paragraphs] == [
        "أعلنت وزار",
        "وقال المتح",
        "وأضاف المت",
        "ويستورد ال",
    ]
    # The rules alone keep it (as a subheading): the model is what removes it.
    assert STRAY in [span.text for span in clean_by_rules(text).headings]


def test_a_subheading_about_the_paragraphs_after_it_is_kept() -> None:
    cleaned = clean(OPENING + SUBHEADING + CLOSING)
    assert cleaned.removed == []
    assert [span.text for span in cleaned.headings] == [SUBHEADING]
    sections = segment(cleaned)
    assert len(sections) == 1 and SUBHEADING in sections[0].text


def test_the_stray_line_scores_far_above_the_subheading() -> None:
    def probability(line: str) -> float:
        view = stray_view(clean_by_rules(OPENING + line + CLOSING))
        (index,) = stray.candidates(view.paragraphs)
        assert view.paragraphs[index] == line
        (value,) = stray.stray_model().probabilities(stray.features(view, [index]))
        return value

    model = stray.stray_model()
    assert probability(STRAY) >= model.threshold > probability(SUBHEADING)


def test_features_have_one_value_per_name_and_only_headline_shaped_lines_are_judged() -> None:
    view = stray_view(clean_by_rules(OPENING + STRAY + CLOSING))
    indices = stray.candidates(view.paragraphs)
    assert indices == [2]
    rows = stray.features(view, indices)
    assert len(rows) == 1 and len(rows[0]) == len(stray.FEATURES)
    assert all(np.isfinite(rows[0]))
    assert stray.candidates(["فوز ريال مدريد على برشلونة"]) == []


def test_a_text_of_headlines_only_is_never_emptied() -> None:
    headlines = "\n\n".join([STRAY, "انخفاض أسعار الذهب في الأسواق العالمية", "افتتاح معرض الكتاب في القاهرة"])
    cleaned = clean(headlines)
    assert cleaned.paragraphs, "every paragraph removed"


def test_a_list_of_many_headline_shaped_lines_is_left_to_the_rules_and_stays_fast() -> None:
    lines = [f"{STRAY} {number}" for number in range(5_000)]
    view = stray.Line(lines, None, [False] * len(lines), [False] * len(lines))
    assert len(stray.candidates(lines)) > stray.MAX_CANDIDATES
    assert stray.stray_lines(view) == []
    cleaned = clean("\n\n".join(lines))
    assert len(cleaned.paragraphs) + (cleaned.title is not None) == len(lines)


def test_a_text_of_thousands_of_paragraphs_is_left_to_the_rules() -> None:
    paragraphs = [f"{OPENING.splitlines()[2]} {number}." for number in range(stray.MAX_PARAGRAPHS)]
    lines = [*paragraphs[:200], STRAY, *paragraphs[200:]]
    view = stray.Line(lines, None, [False] * len(lines), [False] * len(lines))
    assert stray.candidates(lines) == [200]
    assert stray.stray_lines(view) == []


def test_a_model_for_other_features_is_refused() -> None:
    with pytest.raises(ValueError, match="retrain"):
        stray.model_from_json({"features": ["words"], "trees": [], "bias": 0.0, "rate": 0.1, "threshold": 0.5})


@pytest.fixture
def train_slice(tmp_path: Path) -> Path:
    """The first 200 articles of natural-train (../shared) as a file of their own."""
    pytest.importorskip("sklearn")
    if not NATURAL_TRAIN.is_file():
        pytest.skip(f"{NATURAL_TRAIN} not found (../shared is absent)")
    path = tmp_path / "slice.jsonl"
    path.write_text("\n".join(NATURAL_TRAIN.read_text(encoding="utf-8").splitlines()[:200]) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_training_is_deterministic_and_never_reads_natural_dev(train_slice: Path) -> None:
    """Same train file and seed -> the same JSON byte for byte (on a slice of natural-train, from ../shared)."""
    from benchmarks.train_stray import train

    first, second = (json.dumps(train(train_slice, seed=0), ensure_ascii=False) for _ in range(2))
    assert first == second
    model = json.loads(first)
    assert model["trained_on"]["articles"] == 200 and model["features"] == list(stray.FEATURES)
    assert model["cross_validated"]["stray_headlines"] > 0


@pytest.mark.slow
def test_the_fold_models_of_the_pipeline_table_never_saw_their_fold(train_slice: Path) -> None:
    """Each fold's model (what scores natural-train's whole pipeline) is the fit on the other folds' lines alone."""
    from benchmarks.segmentation_scoring import load
    from benchmarks.segmenter_cv import FOLDS, folds_of
    from benchmarks.train_stray import examples, fit, fold_models

    models = fold_models(train_slice, seed=0, threshold=0.7)
    assert len(models) == FOLDS and {model.threshold for model in models} == {0.7}
    documents = load(train_slice)
    x, y, owners = examples(documents)
    folds = folds_of(len(documents), 0)[owners]
    for fold, model in enumerate(models):
        held_out = x[folds == fold]
        if not len(held_out):
            continue
        expected = fit(x[folds != fold], y[folds != fold], 0).predict_proba(held_out)[:, 1]
        np.testing.assert_allclose(model.probabilities(held_out.tolist()), expected, atol=1e-6)

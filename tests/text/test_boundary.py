"""The boundary model: boosted trees read with numpy as scikit-learn fitted them, and the calibrated confidence."""

import json

import numpy as np
import pytest

from benchmarks.train_segmenter import export_trees
from service.text import clean, segment
from service.text.boundary import boundary_model, model_from_json
from service.text.evidence import FEATURES


def test_the_numpy_trees_give_the_log_odds_scikit_learn_gives() -> None:
    ensemble = pytest.importorskip("sklearn.ensemble")
    generator = np.random.RandomState(3)
    x = generator.normal(size=(400, len(FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 5] * x[:, 7] + generator.normal(scale=0.3, size=400) > 0).astype(int)
    fitted = ensemble.GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(x, y)
    trees, bias, rate = export_trees(fitted, x)
    data = {"features": list(FEATURES), "trees": trees, "bias": bias, "rate": rate, "scale": 1.0, "offset": 0.0}
    model = model_from_json(json.loads(json.dumps(data)))
    assert np.allclose(model.log_odds(x[:50]), fitted.decision_function(x[:50]), atol=1e-5)
    assert model.log_odds([]).shape == (0,)


def test_a_model_for_other_features_is_refused() -> None:
    data = {"features": ["opens_new_topic"], "trees": [], "bias": 0.0, "rate": 0.1, "scale": 1.0, "offset": 0.0}
    with pytest.raises(ValueError, match="retrain"):
        model_from_json(data)


def test_the_calibration_is_a_probability_that_rises_with_the_evidence() -> None:
    model = boundary_model()
    values = [model.confidence(odds) for odds in (-8.0, -2.0, 0.0, 2.0, 8.0)]
    assert all(0.0 <= value <= 1.0 for value in values)
    assert values == sorted(values) and values[-1] > values[0]


TWO_STORIES = (
    "أعلنت وزارة الصحة التونسية عن حملة تطعيم واسعة ضد الحصبة في ولايات الجنوب تبدأ الأسبوع المقبل.\n\n"
    "وقالت الوزارة إن الحملة تستهدف الأطفال دون سن الخامسة في قابس ومدنين وتطاوين.\n\n"
    "وأضافت أن فرقا متنقلة ستزور المدارس والقرى النائية في الولايات الثلاث.\n\n"
    "على صعيد آخر، فاز فريق الترجي على النجم الساحلي بهدفين مقابل هدف في ملعب رادس مساء الأحد.\n\n"
    "وسجل مهاجم الترجي الهدفين في الشوط الثاني قبل أن يقلص النجم الفارق في الوقت بدل الضائع."
)


def test_each_section_says_how_sure_its_opening_is_and_the_first_is_certain() -> None:
    sections = segment(clean(TWO_STORIES))
    assert len(sections) == 2
    assert sections[0].confidence == 1.0
    assert 0.0 <= sections[1].confidence <= 1.0
    assert sections[1].text.startswith("على صعيد آخر")

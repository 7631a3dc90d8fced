"""Tiny documents in both segmentation data-set formats, written for these tests, and sectioners of known output."""

from collections.abc import Sequence
from typing import Any

from benchmarks.segmentation_scoring import Sectioner, locate

# A hospital opening, a related-article link, then a separate story under its own subheading, then a teaser.
TWO_STORY_ROWS = [
    ("أعلنت وزارة الصحة صباح اليوم افتتاح مستشفى جديد في مدينة الزرقاء يضم مئتي سرير.", 0),
    ("وقال الوزير إن المستشفى سيخدم أكثر من نصف مليون نسمة في المحافظة وما حولها.", 0),
    ("اقرأ أيضا: ارتفاع أسعار الخبز في الأسواق", -1),
    ("ملعب جديد لشباب الحي", 1),
    ("وفي شأن منفصل، افتتحت البلدية ملعبا لكرة القدم في حي النزهة بحضور عدد من اللاعبين.", 1),
    ("وأكد رئيس البلدية أن الملعب مفتوح لجميع الأندية دون مقابل.", 1),
    ("شاهد الصور", -1),
]
ONE_STORY_ROWS = [
    ("ارتفعت درجات الحرارة في معظم مناطق البلاد اليوم لتتجاوز أربعين درجة مئوية.", 0),
    ("ودعت هيئة الأرصاد المواطنين إلى تجنب التعرض لأشعة الشمس في ساعات الظهيرة.", 0),
    ("وتوقعت الهيئة أن تنخفض الحرارة قليلا مع نهاية الأسبوع.", 0),
]


def natural_document(kind: str, rows: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """A document as natural-dev.jsonl holds it, from (paragraph, label) rows."""
    paragraphs = [paragraph for paragraph, _ in rows]
    return {
        "id": f"test/{kind}",
        "outlet": "test",
        "title": "",
        "kind": kind,
        "paragraphs": paragraphs,
        "labels": [label for _, label in rows],
        "text": "\n\n".join(paragraphs),
        "note": "",
    }


def synthetic_document() -> dict[str, Any]:
    """A dev.jsonl-style document: the two stories of TWO_STORY_ROWS without their furniture, labelled by source."""
    rows = [(paragraph, label) for paragraph, label in TWO_STORY_ROWS if label >= 0]
    return {**natural_document("mixed", rows), "id": "mixed-0001", "sources": ["a", "b"], "titles": ["", ""]}


def keeping(*groups: Sequence[int]) -> Sectioner:
    """A sectioner that makes one section of each group of paragraph indices and drops every other paragraph."""

    def sectioner(text: str) -> list[list[tuple[int, int]]]:
        spans = locate(text, text.split("\n\n"))
        return [[spans[index] for index in group] for group in groups]

    return sectioner


def every_paragraph(text: str) -> list[list[tuple[int, int]]]:
    """A sectioner that makes each paragraph a section of its own."""
    return [[span] for span in locate(text, text.split("\n\n"))]

"""normalize(): the matching form of Arabic text."""

import subprocess
import sys

import pytest

from service.text import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("كَتَبَ الطَّالِبُ", "كتب الطالب"),
        ("شُكْرًا جزيلاً", "شكرا جزيلا"),
        ("هٰذا", "هذا"),
        ("جمـــيل", "جميل"),
        ("أحمد إبراهيم آمن ٱلكتاب", "احمد ابراهيم امن الكتاب"),
        ("مستشفى", "مستشفي"),
        ("مدرسة", "مدرسه"),
        ("عام ٢٠١٩", "عام 2019"),
        ("رقم ۱۲۳۴", "رقم 1234"),
        ("Reuters AFP", "reuters afp"),
        ("\ufeffخبر\u200f عاجل\u200e", "خبر عاجل"),
        ("نص\u200c\u200dمتصل\u200b", "نصمتصل"),
        ("\u202bمن اليمين\u202c و\u2067عزل\u2069", "من اليمين وعزل"),
        ("", ""),
    ],
)
def test_normalize_folds_to_matching_form(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_keeps_hamza_seats_other_than_alef() -> None:
    assert normalize("مسؤول رئيس") == "مسؤول رئيس"


def test_normalize_is_idempotent() -> None:
    text = "أعلنت وزارةُ الصحّة عن ٣ إصاباتٍ جديدة في مدينة الإسكندرية"
    assert normalize(normalize(text)) == normalize(text)


def test_importing_the_text_package_loads_no_model_libraries() -> None:
    code = (
        "import sys, service.text\n"
        "heavy = [m for m in ('torch', 'transformers', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

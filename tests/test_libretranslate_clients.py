"""The LibreTranslate clients people already use, called as their READMEs show, against a real `khulasa serve`.

libretranslatepy posts forms (translate, detect) and GETs /languages; deep-translator posts the query string with
an empty body and an API key (any non-empty one is accepted when the server has no keys). deep-translator's README
passes `base_url=`, which its LibreTranslator silently ignores (1.11.4 reads `custom_url`, joined to the endpoint
name as a string, hence the trailing slash).
"""

import httpx
import pytest
from deep_translator import LibreTranslator
from libretranslatepy import LibreTranslateAPI

pytestmark = pytest.mark.slow  # the session's real uvicorn server (`khulasa serve`)

TEXTS = ["وصل الوفد إلى القاهرة صباح اليوم.", "بدأ الاجتماع بعد الظهر."]


def served(server: str, text: str) -> str:
    """What /translate answers for `text` as JSON: the translation every client must get."""
    answer: str = httpx.post(f"{server}/translate", json={"q": text}, timeout=60).json()["translatedText"]
    return answer


def test_libretranslatepy_translate_detect_and_languages(server: str) -> None:
    lt = LibreTranslateAPI(server)
    translated = lt.translate(TEXTS[0], "ar", "en")
    assert translated.strip() and translated == served(server, TEXTS[0])
    assert lt.detect(TEXTS[0]) == [{"confidence": 100.0, "language": "ar"}]
    assert {"code": "ar", "name": "Arabic", "targets": ["en"]} in lt.languages()


@pytest.mark.parametrize("source", ["auto", "ar", "Arabic"])
def test_deep_translator_translate_and_translate_batch(server: str, source: str) -> None:
    translator = LibreTranslator(source=source, target="en", custom_url=f"{server}/", api_key="your_api_key")
    assert translator.translate(text=TEXTS[0]) == served(server, TEXTS[0])
    assert translator.translate_batch(TEXTS) == [served(server, text) for text in TEXTS]

"""Text captured from pages: the control characters refused on the way in and escaped on the way
out (companion/text.py)."""

from __future__ import annotations

import pytest

from companion.text import no_controls, shown

# [text, shown]; text that needs no escape is also accepted as it is.
CASES = [
    ("A-1001", "A-1001"),
    ("https://shop.example/order?id=1&x=%1B", "https://shop.example/order?id=1&x=%1B"),
    ("Заказ №77 — ok", "Заказ №77 — ok"),
    ("M.Видео\u00a0Global", "M.Видео\u00a0Global"),  # a no-break space is text
    ("👩\u200d💻", "👩\u200d💻"),  # so is the joiner of an emoji
    ("A-1\x1b[2J", "A-1\\x1b[2J"),
    ("A-1\nExpected cashback: 99999 RUB", "A-1\\x0aExpected cashback: 99999 RUB"),
    ("\r\t\x00\x7f\x85\x9b", "\\x0d\\x09\\x00\\x7f\\x85\\x9b"),
    ("abc\u202edcba", "abc\\u202edcba"),
    ("\u2028\u2029\u2066\u2069\u200e\u061c", "\\u2028\\u2029\\u2066\\u2069\\u200e\\u061c"),
]


@pytest.mark.parametrize(("text", "escaped"), CASES)
def test_shown(text: str, escaped: str) -> None:
    assert shown(text) == escaped


@pytest.mark.parametrize(("text", "escaped"), CASES)
def test_no_controls(text: str, escaped: str) -> None:
    if text == escaped:
        assert no_controls(text) == text
    else:
        with pytest.raises(ValueError, match=r"must not hold control characters \(\\[xu]"):
            no_controls(text)

"""Text captured from pages: the control characters refused on the way in and escaped on the way
out (companion/text.py)."""

from __future__ import annotations

import json

import pytest

from companion.text import json_text, no_controls, shown

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


@pytest.mark.parametrize(("text", "escaped"), CASES)
def test_json_text_escapes_every_control_and_keeps_the_value(text: str, escaped: str) -> None:
    """Every case's controls come out as escapes, nothing else does, and JSON reads it back."""
    value = {"order_id": text, "rows": [1, text]}
    printed = json_text(value, indent=2)
    assert json.loads(printed) == value
    # Nothing a terminal would act on is left, but the line breaks between the values.
    assert all(shown(line) == line for line in printed.splitlines())
    assert (text in printed) == (text == escaped)

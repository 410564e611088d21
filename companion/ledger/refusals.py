"""Why the ledger refuses a change, in the shopper's words: English for the CLI and the API,
English or Russian for the dashboard, which shows the refusal on the page that asked.

A refusal is a code and its values; :class:`companion.ledger.orders.LedgerError` carries both,
with the English sentence as its message.
"""

# Russian text is Cyrillic on purpose: letters that look Latin are not lookalike tricks here.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Mapping

from companion.diagnostics.texts import Lang

WORDS: dict[str, dict[Lang, str]] = {
    "no_order": {
        "en": "this click has no order yet; add it with `cashback-companion order add`",
        "ru": "у этого перехода ещё нет заказа; добавьте его: `cashback-companion order add`",
    },
    "already_credited": {
        "en": "the cashback was already credited",
        "ru": "кешбэк уже начислен",
    },
    "confirm_first": {
        "en": "mark the order confirmed first: the cap and the payout count from then",
        "ru": "сначала отметьте заказ подтверждённым: лимит и выплата считаются с этого дня",
    },
    "in_future": {
        "en": "{day} is in the future",
        "ru": "{day} ещё не наступило",
    },
    "before_order": {
        "en": "{day} is before the order was placed ({ordered})",
        "ru": "{day} — раньше, чем был оформлен заказ ({ordered})",
    },
    "before_confirmation": {
        "en": "{day} is before the confirmation ({confirmed})",
        "ru": "{day} — раньше подтверждения ({confirmed})",
    },
    "amount_range": {
        "en": "must be an amount between 0 and 10^12",
        "ru": "сумма должна быть от 0 до 10^12",
    },
    "too_precise": {
        "en": "must have at most 20 decimal places",
        "ru": "не больше 20 знаков после запятой",
    },
    "say_credited": {
        "en": "say how much was credited",
        "ru": "укажите, сколько начислено",
    },
    "not_a_date": {
        "en": "{value} is not a date",
        "ru": "{value} — не дата (нужно ГГГГ-ММ-ДД)",
    },
    "ambiguous_amount": {
        "en": "{value}: write 1500 or 1.5, not 1,500",
        "ru": "{value}: напишите 1500 или 1,5, а не 1,500",
    },
    "not_an_amount": {
        "en": "{value} is not an amount",
        "ru": "{value} — не сумма",
    },
    "no_purchase": {
        "en": "no purchase {record} in the log",
        "ru": "в журнале нет покупки {record}",
    },
}


def worded(code: str, values: Mapping[str, str], lang: Lang = "en") -> str:
    return WORDS[code][lang].format_map(values)

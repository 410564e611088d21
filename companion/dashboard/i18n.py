"""The dashboard's words in English and Russian, and which language a visitor gets.

The choice: ``?lang=`` (remembered in a cookie), else that cookie, else the browser's
Accept-Language, else English. Every key exists in both languages
(``tests/unit/test_dashboard.py`` holds them to it).
"""

# Russian text is Cyrillic on purpose: letters that look Latin are not lookalike tricks here.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable

from companion.diagnostics.texts import Lang

# Each language by its tag: a lookup that also tells mypy the tag is a Lang.
LANGUAGES: dict[str, Lang] = {"en": "en", "ru": "ru"}
DEFAULT: Lang = "en"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "app": "Cashback Guard",
        "nav_log": "Purchases",
        "nav_totals": "Totals",
        "logout": "Log out",
        "log_title": "Your purchases",
        "filter_store": "Store",
        "filter_store_more": "the {count} with the newest records; search for the others by name",
        "filter_program": "Program",
        "filter_status": "Status",
        "filter_since": "From",
        "filter_until": "To",
        "filter_search": "Search",
        "filter_search_hint": "order number, store, address…",
        "filter_apply": "Show",
        "filter_reset": "Reset",
        "any": "any",
        "col_time": "Time",
        "col_store": "Store",
        "col_program": "Program",
        "col_status": "Status",
        "col_tracking": "Tracking",
        "col_order": "Order",
        "col_expected": "Expected cashback",
        "col_due": "Confirm by",
        "col_payout": "Payout by",
        "empty": "No purchases match these filters.",
        "empty_all": "No purchases yet. Activate cashback on a partner store from the browser "
        "extension, or add an order with “cashback-companion order add”.",
        "older": "Older →",
        "newest": "← Newest",
        "export_csv": "Export CSV",
        "export_json": "Back up (JSON)",
        "state_clicked": "clicked",
        "state_landed": "landed",
        "state_awaiting_confirmation": "awaiting confirmation",
        "state_overdue": "overdue",
        "state_confirmed": "confirmed",
        "state_credited": "credited",
        "state_declined": "declined",
        "tracking_tracked": "tracked",
        "tracking_at_risk": "at risk",
        "tracking_unknown": "unknown",
        "manual": "added by hand",
        "detail_title": "Purchase {id}",
        "timeline": "What happened",
        "step_clicked": "Cashback activated",
        "step_followed": "Sent through the program's link",
        "step_landed": "Landed on the store",
        "step_cart": "Cart",
        "step_checkout": "Checkout",
        "step_ordered": "Order placed",
        "step_due": "The program has until this day to confirm",
        "step_confirmed": "Confirmed by the program",
        "step_credited": "Cashback credited",
        "step_declined": "Declined by the program",
        "hops": "Redirect chain",
        "no_hops": "No redirect was recorded.",
        "landing": "Landing page",
        "evidence": "Tracking evidence",
        "cookies": "Cookies",
        "params": "URL parameters",
        "none": "none",
        "checks": "Checks at purchase",
        "no_checks": "No checks were recorded for this purchase.",
        "checks_verdict": "At the moment of purchase",
        "checks_verdict_now": "As they stand now",
        "order": "Order",
        "order_id": "Order number",
        "amount": "Amount",
        "ordered_at": "Placed",
        "order_page": "Order page",
        "recognised_by": "How it was recorded",
        "verdict_tracked": "tracked",
        "verdict_at_risk": "at risk",
        "verdict_untracked": "not tracked",
        "status_ok": "fine",
        "status_warn": "warning",
        "status_fail": "problem",
        "status_unknown": "unknown",
        "source_order_page": "from the order page's address",
        "source_ga4": "from the store's analytics data (GA4)",
        "source_ua": "from the store's analytics data (Universal Analytics)",
        "source_jsonld": "from the page's structured data",
        "source_wording": "from the page's wording",
        "source_manual": "added by hand",
        "no_order": "No order was seen after this click.",
        "cashback": "Cashback",
        "rate": "Rate",
        "up_to": "up to",
        "expected": "Expected",
        "over_cap": "Over the monthly cap, not paid",
        "due": "Confirmation due by",
        "payout": "Payout",
        "confirmed_cashback": "Confirmed amount",
        "credited_cashback": "Credited amount",
        "unknown_amount": "unknown: the order's amount was not seen",
        "timezone": "Days count in the program's time zone, {zone}; times are your computer's.",
        "advice_overdue": "The program had until {due} to confirm this order. Write to {program}'s "
        "support and give them the claim evidence below: the click time, the store, the order "
        "number and the amount.",
        "advice_at_risk": "No tracking mark was seen after the redirect: the store may not have "
        "counted this visit. Keep this page; if the order is not confirmed by {due}, write to "
        "support with the claim evidence below.",
        "advice_awaiting": "Nothing to do yet: the program may take until {due} to confirm.",
        "advice_at_risk_no_order": "No tracking mark was seen after the redirect: the store may "
        "not count this visit. Before you buy, activate cashback again on the store.",
        "unknown_currency": "unknown: the order is in {currency}, and the program pays in "
        "{cashback_currency}",
        "advice_manual": "Added by hand: the companion did not see this visit, so there is no "
        "tracking evidence.",
        "mark": "Mark this purchase",
        "mark_confirm": "Mark confirmed",
        "mark_credit": "Mark credited",
        "mark_decline": "Mark declined",
        "on_date": "On",
        "amount_confirmed": "Cashback confirmed (optional)",
        "amount_credited": "Cashback credited",
        "mark_refused": "Not marked: {reason}",
        "claim": "Claim evidence",
        "claim_help": "Paste this into your message to the program's support, or download it:",
        "claim_text": "as text",
        "claim_json": "as JSON",
        "totals_title": "Totals",
        "totals_note": "Expected cashback counts in the month the order was placed, confirmed "
        "cashback in the month of confirmation (the month whose cap it uses), credited cashback "
        "in the month it arrived.",
        "per_month": "{program}: per month, {currency}",
        "series_expected": "expected",
        "series_confirmed": "confirmed",
        "series_credited": "credited",
        "cap": "cap {cap}",
        "by_store": "By store",
        "by_category": "By category",
        "col_month": "Month",
        "col_orders": "Orders",
        "col_confirmed": "Confirmed",
        "col_over_cap": "Over the cap",
        "col_credited": "Credited",
        "col_currency": "Currency",
        "no_orders": "No orders yet.",
        "cat_online_stores": "online stores",
        "cat_travel": "travel",
        "cat_entertainment": "entertainment and leisure",
        "cat_services": "services",
        "cat_restaurants": "restaurant booking",
        "cat_offline": "offline retail",
        "cat_operator": "the operator's services",
        "cat_other": "other",
        "login_title": "Open the dashboard from the companion",
        "login_text": "The dashboard shows your purchases, so it opens only through a login "
        "link. Run “cashback-companion open” on this computer; the link it opens works once.",
        "not_found": "No such purchase",
        "not_found_text": "The log has no purchase with this id.",
        "no_page": "No such page",
        "no_page_text": "The dashboard has no page at this address. The log is on the first page.",
        "refused": "Refused",
        "refused_text": "This change did not come from the dashboard's own page, so it was "
        "refused. Reload the page and try again.",
        "bad_filter": "Bad filter",
        "bad_filter_text": "A filter in this address is not one the log knows. Reset the filters "
        "and choose again.",
        "logged_out": "You are logged out.",
    },
    "ru": {
        "app": "Cashback Guard",
        "nav_log": "Покупки",
        "nav_totals": "Итоги",
        "logout": "Выйти",
        "log_title": "Ваши покупки",
        "filter_store": "Магазин",
        "filter_store_more": "{count} с самыми новыми записями; остальные ищите по названию",
        "filter_program": "Программа",
        "filter_status": "Состояние",
        "filter_since": "С",
        "filter_until": "По",
        "filter_search": "Поиск",
        "filter_search_hint": "номер заказа, магазин, адрес…",
        "filter_apply": "Показать",
        "filter_reset": "Сбросить",
        "any": "любой",
        "col_time": "Время",
        "col_store": "Магазин",
        "col_program": "Программа",
        "col_status": "Состояние",
        "col_tracking": "Отслеживание",
        "col_order": "Заказ",
        "col_expected": "Ожидаемый кешбэк",
        "col_due": "Подтвердить до",
        "col_payout": "Выплата до",
        "empty": "Нет покупок, подходящих под эти условия.",
        "empty_all": "Покупок пока нет. Активируйте кешбэк в магазине-партнёре через "
        "расширение браузера или добавьте заказ командой «cashback-companion order add».",
        "older": "Раньше →",
        "newest": "← Последние",
        "export_csv": "Выгрузить CSV",
        "export_json": "Резервная копия (JSON)",
        "state_clicked": "переход",
        "state_landed": "в магазине",
        "state_awaiting_confirmation": "ждёт подтверждения",
        "state_overdue": "срок подтверждения прошёл",
        "state_confirmed": "подтверждён",
        "state_credited": "начислен",
        "state_declined": "отклонён",
        "tracking_tracked": "отслежен",
        "tracking_at_risk": "под угрозой",
        "tracking_unknown": "неизвестно",
        "manual": "добавлен вручную",
        "detail_title": "Покупка {id}",
        "timeline": "Что произошло",
        "step_clicked": "Кешбэк активирован",
        "step_followed": "Переход по ссылке программы",
        "step_landed": "Переход в магазин",
        "step_cart": "Корзина",
        "step_checkout": "Оформление заказа",
        "step_ordered": "Заказ оформлен",
        "step_due": "Программа должна подтвердить заказ до этого дня",
        "step_confirmed": "Подтверждён программой",
        "step_credited": "Кешбэк начислен",
        "step_declined": "Отклонён программой",
        "hops": "Цепочка переадресаций",
        "no_hops": "Переадресации не записаны.",
        "landing": "Страница после перехода",
        "evidence": "Признаки отслеживания",
        "cookies": "Cookie",
        "params": "Параметры адреса",
        "none": "нет",
        "checks": "Проверки при покупке",
        "no_checks": "Для этой покупки проверки не записаны.",
        "checks_verdict": "В момент покупки",
        "checks_verdict_now": "Сейчас",
        "order": "Заказ",
        "order_id": "Номер заказа",
        "amount": "Сумма",
        "ordered_at": "Оформлен",
        "order_page": "Страница заказа",
        "recognised_by": "Как записан",
        "verdict_tracked": "отслеживается",
        "verdict_at_risk": "под угрозой",
        "verdict_untracked": "не отслеживается",
        "status_ok": "в порядке",
        "status_warn": "внимание",
        "status_fail": "проблема",
        "status_unknown": "неизвестно",
        "source_order_page": "по адресу страницы заказа",
        "source_ga4": "по данным аналитики магазина (GA4)",
        "source_ua": "по данным аналитики магазина (Universal Analytics)",
        "source_jsonld": "по структурированным данным страницы",
        "source_wording": "по тексту страницы",
        "source_manual": "добавлен вручную",
        "no_order": "После этого перехода заказа не было.",
        "cashback": "Кешбэк",
        "rate": "Ставка",
        "up_to": "до",
        "expected": "Ожидается",
        "over_cap": "Сверх месячного лимита, не выплачивается",
        "due": "Срок подтверждения",
        "payout": "Выплата",
        "confirmed_cashback": "Подтверждённая сумма",
        "credited_cashback": "Начисленная сумма",
        "unknown_amount": "неизвестно: сумма заказа не видна",
        "timezone": "Дни считаются по часовому поясу программы ({zone}); время — по часам вашего компьютера.",
        "advice_overdue": "Программа должна была подтвердить заказ до {due}. Напишите в "
        "поддержку {program} и приложите доказательства ниже: время перехода, магазин, номер "
        "заказа и сумму.",
        "advice_at_risk": "После перехода метка отслеживания не появилась: магазин мог не "
        "засчитать визит. Сохраните эту страницу; если заказ не подтвердят до {due}, напишите в "
        "поддержку и приложите доказательства ниже.",
        "advice_awaiting": "Пока ничего делать не нужно: программа может подтверждать заказ до "
        "{due}.",
        "advice_at_risk_no_order": "После перехода метка отслеживания не появилась: магазин может "
        "не засчитать визит. Перед покупкой активируйте кешбэк в магазине снова.",
        "unknown_currency": "неизвестно: заказ в {currency}, а программа платит в "
        "{cashback_currency}",
        "advice_manual": "Заказ добавлен вручную: компаньон не видел этот визит, поэтому "
        "признаков отслеживания нет.",
        "mark": "Отметить покупку",
        "mark_confirm": "Подтверждён",
        "mark_credit": "Начислен",
        "mark_decline": "Отклонён",
        "on_date": "Дата",
        "amount_confirmed": "Подтверждённый кешбэк (необязательно)",
        "amount_credited": "Начисленный кешбэк",
        "mark_refused": "Не отмечено: {reason}",
        "claim": "Доказательства для претензии",
        "claim_help": "Вставьте это в письмо в поддержку программы или скачайте:",
        "claim_text": "текстом",
        "claim_json": "в JSON",
        "totals_title": "Итоги",
        "totals_note": "Ожидаемый кешбэк учитывается в месяце заказа, подтверждённый — в месяце "
        "подтверждения (его месячный лимит), начисленный — в месяце начисления.",
        "per_month": "{program}: по месяцам, {currency}",
        "series_expected": "ожидается",
        "series_confirmed": "подтверждено",
        "series_credited": "начислено",
        "cap": "лимит {cap}",
        "by_store": "По магазинам",
        "by_category": "По категориям",
        "col_month": "Месяц",
        "col_orders": "Заказы",
        "col_confirmed": "Подтверждено",
        "col_over_cap": "Сверх лимита",
        "col_credited": "Начислено",
        "col_currency": "Валюта",
        "no_orders": "Заказов пока нет.",
        "cat_online_stores": "интернет-магазины",
        "cat_travel": "путешествия",
        "cat_entertainment": "развлечения и досуг",
        "cat_services": "услуги",
        "cat_restaurants": "бронирование ресторанов",
        "cat_offline": "офлайн-магазины",
        "cat_operator": "услуги оператора",
        "cat_other": "другое",
        "login_title": "Откройте панель через компаньон",
        "login_text": "Панель показывает ваши покупки, поэтому открывается только по ссылке для "
        "входа. Выполните «cashback-companion open» на этом компьютере; ссылка действует один раз.",
        "not_found": "Такой покупки нет",
        "not_found_text": "В журнале нет покупки с таким идентификатором.",
        "no_page": "Такой страницы нет",
        "no_page_text": "По этому адресу в панели ничего нет. Журнал — на первой странице.",
        "refused": "Отклонено",
        "refused_text": "Это изменение пришло не со страницы самой панели, поэтому оно отклонено. "
        "Обновите страницу и попробуйте снова.",
        "bad_filter": "Неверный фильтр",
        "bad_filter_text": "В адресе фильтр, которого журнал не знает. Сбросьте фильтры и выберите "
        "снова.",
        "logged_out": "Вы вышли.",
    },
}


Translate = Callable[..., str]


def translator(lang: str) -> Translate:
    words = STRINGS[lang]

    def t(key: str, **values: object) -> str:
        text = words[key]
        return text.format(**values) if values else text

    return t


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return LANGUAGES[choice]
    return _from_accept_language(accept_language or "")


def _from_accept_language(header: str) -> Lang:
    """The listed language the browser prefers most, by its q weights (``ru-RU,ru;q=0.9``)."""
    best, best_weight = DEFAULT, 0.0
    for position, item in enumerate(header.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.split("-")[0].lower()
        # Earlier items win ties, as the header's order says.
        weight -= position * 1e-6
        if language in LANGUAGES and weight > best_weight:
            best, best_weight = LANGUAGES[language], weight
    return best

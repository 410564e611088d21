"""``cashback-companion``: a thin command line over the same functions the server uses.

Commands that read or change data open the database directly (SQLite lets them run beside a
running server); only ``serve`` starts the HTTP service.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from companion import __version__
from companion.catalog.store import ensure_catalog, save_catalog
from companion.catalog.validate import CatalogError, parse_catalog
from companion.config import DEFAULT_PORT, data_dir, db_path
from companion.diagnostics.doctor import doctor_report
from companion.security.pairing import new_code
from companion.security.token import load_or_create
from companion.storage.db import StorageError, connect
from companion.tracking.clicks import click_log
from companion.tracking.matcher import PartnerIndex

LOG_COLUMNS = [
    "click_id",
    "created_at",
    "partner",
    "program",
    "target_url",
    "status",
    "tracking",
    "order_id",
    "order_amount",
    "order_currency",
]


class CliError(Exception):
    """A refusal to print on stderr, exiting 1; never a traceback."""


def _open(home: Path) -> Any:
    return connect(db_path(home))


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def cmd_serve(args: argparse.Namespace, home: Path) -> None:
    from companion.server import serve  # aiohttp is only imported where it is used

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(serve(home, args.port))


def cmd_catalog_import(args: argparse.Namespace, home: Path) -> None:
    path = Path(args.file)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc
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
    index = PartnerIndex(stored.catalog, stored.version)
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
    for partner in stored.catalog.partners:
        best = index.offers[partner.id][0]
        print(
            f"  {partner.id:<20} {partner.name:<24} {_rate(best.to_json()):<10} {', '.join(partner.domains)}"
        )


def _rate(offer: dict[str, Any]) -> str:
    prefix = "up to " if offer["up_to"] else ""
    if offer["rate_percent"] is not None:
        return f"{prefix}{offer['rate_percent']} %"
    return f"{prefix}{offer['fixed_amount']} {offer['currency']}"


def cmd_match(args: argparse.Namespace, home: Path) -> None:
    stored = ensure_catalog(_open(home))
    found = PartnerIndex(stored.catalog, stored.version).match_url(args.url)
    answer = {
        "url": args.url,
        "partner": found.partner_json() if found else None,
        "offers": [view.to_json() for view in found.offers] if found else [],
    }
    if args.json:
        _print_json(answer)
    elif found is None:
        print(f"{args.url}: not a partner store")
    else:
        print(f"{args.url}: {found.partner.name} ({found.partner.id}, via {found.domain})")
        for offer in answer["offers"]:
            print(f"  {offer['program_name']:<20} {_rate(offer)}")


def cmd_log(args: argparse.Namespace, home: Path) -> None:
    records, _ = click_log(_open(home), limit=args.limit)
    if args.json:
        _print_json(records)
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=LOG_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    elif not records:
        print("No clicks yet. Activate cashback on a partner store from the browser extension.")
    else:
        for r in records:
            order = (
                f" order {r['order_id']} {r['order_amount'] or ''} {r['order_currency'] or ''}"
                if r["order_id"]
                else ""
            )
            print(
                f"{r['created_at']}  {r['partner_name']:<20} {r['program']:<12} {r['status']:<13} {r['tracking']:<8}{order}"
            )


def cmd_pair(args: argparse.Namespace, home: Path) -> None:
    code, expires = new_code(_open(home))
    if args.json:
        _print_json({"code": code, "expires_at": expires})
    else:
        print(f"Pairing code: {code}")
        print(
            "Type it into Cashback Guard's options page in your browser. It works once, for 5 minutes."
        )


def cmd_token(args: argparse.Namespace, home: Path) -> None:
    print(load_or_create(home).value)


def cmd_doctor(args: argparse.Namespace, home: Path) -> None:
    report = doctor_report(home, args.port)
    if args.json:
        _print_json(report)
    else:
        for key, value in report.items():
            print(f"{key:<14} {value}")


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

    match = command("match", cmd_match, "which partner store a URL opens, with its offers")
    match.add_argument("url")
    match.add_argument("--json", action="store_true")

    log_cmd = command("log", cmd_log, "the click log, newest first")
    form = log_cmd.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true")
    form.add_argument("--csv", action="store_true")
    log_cmd.add_argument("--limit", type=int, default=1000)

    pair = command("pair", cmd_pair, "print a one-time code to pair the browser extension")
    pair.add_argument("--json", action="store_true")
    command("token", cmd_token, "print the API token, for local scripts")
    doctor = command(
        "doctor", cmd_doctor, "say where data and the token are kept and whether the companion runs"
    )
    doctor.add_argument("--port", type=int, default=DEFAULT_PORT)
    doctor.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args, data_dir())
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

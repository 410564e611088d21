"""Matching: how fast a URL is told to be a partner store or not.

1. The companion's ``GET /api/v1/match`` at a steady rate, beside a bare aiohttp handler.
2. The Python matcher in-process on the 50,000-domain catalog, beside tldextract once per URL.
3. The extension's JavaScript matcher (``extension/lib/match.js``) under node, same catalog.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import tldextract

from benchmarks.catalog import browsing_urls, build_catalog, write_catalog
from benchmarks.load import LoadResult, get_request, run_open_loop
from benchmarks.processes import ROOT, BareServer, TimedCompanion
from benchmarks.report import Row, ms, rate, table, times
from companion.catalog.model import Catalog
from companion.catalog.validate import parse_catalog
from companion.tracking.hosts import parse_http_url
from companion.tracking.hostwalk import COMPILED, PyHostTable
from companion.tracking.matcher import PartnerIndex, export_index, host_table
from tests.conftest import free_port

URLS = 100_000
# Node processes timed apart for match.js (see javascript()).
JS_PROCESSES = 3
# The least a lookup of a URL can cost in Python: one expression that cuts out the host's last
# two labels and one probe of a dict of hosts with them. It is no matcher (it misses subdomain
# keys, carve-outs, two-label suffixes and every URL the expression does not take); it is timed
# to show why the host table is compiled: the 10x goal lies below it (docs/reliability.md).
_LAST_TWO_LABELS = re.compile(r"https?://(?:[a-z0-9-]+\.)*?([a-z0-9-]+\.[a-z0-9-]+)(?=[/?#]|\Z)")
HTTP_RATE = 500
HTTP_URLS = 5_000
HTTP_SLICES = 6
GENERATOR_LAG_LIMIT = 0.005


def _best_rates(
    works: dict[str, Callable[[], object]], count: int, passes: int = 5
) -> dict[str, float]:
    """Lookups a second for each piece of work: the best of ``passes`` timed passes, the pieces
    taking turns, so a disturbed moment on the machine costs every side a pass, not one side all."""
    best = dict.fromkeys(works, float("inf"))
    for _ in range(passes):
        for name, work in works.items():
            began = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - began)
    return {name: count / seconds for name, seconds in best.items()}


def in_process(catalog: Catalog, urls: list[str]) -> list[Row]:
    index = PartnerIndex.from_catalog(catalog, "bench")
    hosts = [parse_http_url(url).host for url in urls]
    # The companion's own Public Suffix List snapshot, configured as companion/tracking/hosts.py does.
    extract = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False
    )
    # The baseline's own dict of the same hosts: tldextract cuts the domain, one probe finds it.
    by_domain = host_table(catalog.partners)

    def tld_lookups() -> list[object]:
        return [by_domain.get(extract(url).top_domain_under_public_suffix) for url in urls]

    def floor() -> list[object]:
        cut, probe = _LAST_TWO_LABELS.match, by_domain.get
        return [probe(tail[1]) if (tail := cut(url)) else None for url in urls]

    python = PyHostTable(by_domain.items())

    rates = _best_rates(
        {
            "url": lambda: [index.locate(url) for url in urls],
            "python": lambda: [python.locate_url(url) for url in urls],
            "host": lambda: [index.locate_host(host) for host in hosts],
            "match": lambda: [index.match_url(url) for url in urls],
            "tldextract": tld_lookups,
            "floor": floor,
        },
        len(urls),
    )
    baseline = rates["tldextract"]
    beside = f"tldextract per URL: {rate(baseline, 'lookups')}"

    def row(measure: str, work: str, goal: str = "(context)") -> Row:
        ratio = rates[work] / baseline
        met = ratio >= 10 if goal != "(context)" else None
        return Row(measure, rate(rates[work], "lookups"), beside, times(ratio), goal, met)

    table = "compiled" if COMPILED else "Python"
    return [
        row(f"locate (URL -> partner), 50k domains, {table} table", "url", ">= 10x faster"),
        row("locate_host (parsed host -> partner)", "host"),
        row("the Python twin's locate_url (no extension built)", "python"),
        row("floor in Python: one expression and one probe per URL (no matcher)", "floor"),
        row("match_url (URL -> partner record and ranked offers)", "match"),
    ]


def javascript(catalog: Catalog, urls: list[str], workdir: Path) -> list[Row]:
    node = shutil.which("node")
    if node is None:
        return [Row("match.js matchPartner under node", "skipped: node is not installed")]
    index_file = workdir / "index.json"
    urls_file = workdir / "urls.json"
    index_file.write_text(json.dumps(export_index(catalog, "bench")), encoding="utf-8")
    urls_file.write_text(json.dumps(urls), encoding="utf-8")
    # Node processes of the same code settle at one of two speeds on this machine, about 0.7 and
    # 1.2 million a second, whichever pass is timed (docs/reliability.md): the best of a few
    # processes is the code's, the slowest is shown beside it.
    answers = []
    for _ in range(JS_PROCESSES):
        done = subprocess.run(  # noqa: S603 (node, on our own script and files)
            [node, str(ROOT / "benchmarks" / "match_js.mjs"), str(index_file), str(urls_file)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        answers.append(json.loads(done.stdout))
    answer = max(answers, key=lambda found: float(found["per_second"]))
    slowest = min(float(found["per_second"]) for found in answers)
    index = PartnerIndex.from_catalog(catalog, "bench")
    python_hits = sum(index.locate(url) is not None for url in urls)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)  # noqa: S603
    return [
        Row(
            f"match.js matchPartner, node {version.stdout.strip()}, 50k domains",
            rate(answer["per_second"], "lookups"),
            f"slowest of {JS_PROCESSES} processes {rate(slowest, 'lookups')}; as many matches"
            f" as the Python matcher: {all(found['hits'] == python_hits for found in answers)}",
            "",
            ">= 1,000,000/s",
            answer["per_second"] >= 1_000_000,
        )
    ]


def _latency_rows(name: str, result: LoadResult) -> dict[str, float]:
    bad = sum(count for status, count in result.statuses.items() if status != 200)
    if bad or result.errors:
        raise RuntimeError(f"{name}: {bad} non-200 answers, {result.errors} errors")
    return {
        "p50": result.percentile(50),
        "p99": result.percentile(99),
        "queued_p99": result.percentile(99, result.queued),
        "count": len(result.latencies),
    }


def _one_url_per_partner(catalog: dict[str, Any], asked: list[str]) -> list[str]:
    """A URL on each partner that none of ``asked`` is on, in a fixed random order."""
    hosts = {url.split("/")[2] for url in asked}
    parents = {host.split(".", cut)[-1] for host in hosts for cut in range(host.count(".") + 1)}
    urls = [
        f"https://www.{partner['domains'][0]}/item/{number}.html"
        for number, partner in enumerate(catalog["partners"])
        if parents.isdisjoint(partner["domains"])
    ]
    random.Random(4).shuffle(urls)  # noqa: S311 (a reproducible order, not a secret)
    return urls


def http(catalog: dict[str, Any], urls: list[str], duration: float, workdir: Path) -> list[Row]:
    home = workdir / "match-home"
    home.mkdir()
    companion = TimedCompanion(home, free_port())
    companion.cli("catalog", "import", str(write_catalog(workdir / "catalog.json", catalog)))
    bare = BareServer(free_port())
    sample = urls[:HTTP_URLS]
    try:
        companion.start()
        auth = {"Authorization": f"Bearer {companion.token()}"}
        ours_requests = [
            get_request(companion.port, f"/api/v1/match?url={quote(url, safe='')}", auth)
            for url in sample
        ]
        bare_requests = [
            get_request(bare.port, f"/match?url={quote(url, safe='')}", auth) for url in sample
        ]
        bare.start()
        # Interleaved slices, bare then companion, so that whatever else the machine does
        # during the run falls on both sides alike instead of on whichever ran second.
        bare_load = LoadResult(HTTP_RATE, 0)
        ours_load = LoadResult(HTTP_RATE, 0)
        piece = duration / HTTP_SLICES
        for _ in range(HTTP_SLICES):
            for port, requests, load in (
                (bare.port, bare_requests, bare_load),
                (companion.port, ours_requests, ours_load),
            ):
                load.add(asyncio.run(run_open_loop(port, requests, HTTP_RATE, piece, warmup=1.0)))
        base = _latency_rows("bare", bare_load)
        ours = _latency_rows("companion", ours_load)
        # The same companion asked once about each of the partners it has not answered for, so
        # every answer is read from the database: what a working set beyond ANSWERS_KEPT costs.
        unseen_requests = [
            get_request(companion.port, f"/api/v1/match?url={quote(url, safe='')}", auth)
            for url in _one_url_per_partner(catalog, sample)
        ]
        unseen = _latency_rows(
            "companion, unseen partners",
            asyncio.run(
                run_open_loop(companion.port, unseen_requests, HTTP_RATE, piece, warmup=1.0)
            ),
        )
    finally:
        bare.stop()
        companion.stop()
    where = (
        f"{HTTP_RATE}/s for {duration:g} s in {HTTP_SLICES} slices, {ours['count']:,.0f} requests"
    )
    # The generator runs on the same two cores: if it fell behind, something else was running
    # and the latencies say more about the machine than about the companion.
    steady = max(ours["queued_p99"], base["queued_p99"]) < GENERATOR_LAG_LIMIT
    return [
        Row(
            f"GET /api/v1/match p50 ({where})",
            ms(ours["p50"]),
            f"bare aiohttp p50: {ms(base['p50'])}",
            times(ours["p50"] / base["p50"]),
            "<= 1.5x bare",
            ours["p50"] / base["p50"] <= 1.5 if steady else None,
        ),
        Row(
            "GET /api/v1/match p99",
            ms(ours["p99"]),
            f"bare aiohttp p99: {ms(base['p99'])}",
            times(ours["p99"] / base["p99"]),
            "< 5 ms",
            ours["p99"] < 0.005 if steady else None,
        ),
        Row(
            f"GET /api/v1/match p50, each URL on a partner not asked about before ({piece:g} s)",
            ms(unseen["p50"]),
            f"bare aiohttp p50: {ms(base['p50'])}",
            times(unseen["p50"] / base["p50"]),
            "(context)",
        ),
        Row(
            "request sent behind schedule, p99",
            ms(ours["queued_p99"]),
            f"bare: {ms(base['queued_p99'])}",
            "",
            f"< {ms(GENERATOR_LAG_LIMIT)}, else the run was disturbed: rerun",
            steady,
        ),
    ]


def run(duration: float) -> str:
    catalog = build_catalog()
    urls = browsing_urls(catalog, URLS)
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as temp:
        workdir = Path(temp)
        parsed = parse_catalog(json.dumps(catalog))
        rows = in_process(parsed, urls)
        rows += javascript(parsed, urls, workdir)
        rows += http(catalog, urls, duration, workdir)
    return table("Matching", rows)

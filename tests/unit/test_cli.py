"""The command line: exit codes, JSON shapes, and refusals without tracebacks."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from companion.cli import main
from companion.diagnostics.doctor import probe
from companion.tracking import hostwalk


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_catalog_list_starts_with_the_bundled_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "list", "--json")
    listing = json.loads(out)
    assert code == 0
    assert listing["source"] == "bundled"
    assert {p["id"] for p in listing["catalog"]["programs"]} >= {"mts", "letyshops"}


@pytest.mark.parametrize(
    ("url", "partner", "best"),
    [
        ("https://www.letu.ru/product/1", "letoile", "mts"),
        ("https://travel.ozon.ru/flights", "ozon_travel", "mts"),
        ("https://ozon.ru.evil.example/", None, None),
    ],
)
def test_match(
    capsys: pytest.CaptureFixture[str], url: str, partner: str | None, best: str | None
) -> None:
    code, out, _ = run(capsys, "match", url, "--json")
    answer = json.loads(out)
    assert code == 0
    assert (answer["partner"] or {}).get("id") == partner
    assert (answer["offers"][0]["program"] if answer["offers"] else None) == best


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_match_reads_a_history_from_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One address a line. An address of another kind is no partner store; a line that is no
    address (no scheme, or one no parser reads) is named and skipped, the others are still
    matched, and the exit code says something was skipped."""
    _stdin(
        monkeypatch,
        b"https://www.letu.ru/product/1\nfile:///home/me/a.html\n\nhttp://[\n"
        b"https://news.example/\x1b[2Jx\n  https://travel.ozon.ru/  \n\xff\n",
    )
    code, out, err = run(capsys, "match", "-")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "https://www.letu.ru/product/1: L'Etoile (letoile, via letu.ru)"
    assert "file:///home/me/a.html: not a partner store" in lines
    # A history's addresses are anyone's text: no escape sequence reaches the terminal.
    assert "https://news.example/\\x1b[2Jx: not a partner store" in lines
    assert "https://travel.ozon.ru/: Ozon Travel (ozon_travel, via travel.ozon.ru)" in lines
    assert "line 4: 'http://[' is not an address" in err
    assert "line 7: '\ufffd' is not an address" in err
    assert err.rstrip().endswith("not an address, and skipped: 2 (each said above)")


def test_match_several_as_json_lines_partners_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, "https://example.com/\nhttps://m.ozon.ru/cart?\u202eq\n".encode())
    code, out, _ = run(capsys, "match", "https://www.letu.ru/", "-", "--json", "--partners-only")
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert [(a["url"], a["partner"]["id"]) for a in answers] == [
        ("https://www.letu.ru/", "letoile"),
        ("https://m.ozon.ru/cart?\u202eq", "ozon"),
    ]
    assert "\u202e" not in out  # a history's override is escaped in JSON too


def test_match_refuses_one_text_that_is_no_address(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "match", "ozon.ru")
    assert (code, out) == (1, "")
    assert "'ozon.ru' is not an address: give it whole, such as https://ozon.ru/" in err
    # One no parser reads: said in a line, not a traceback.
    code, out, err = run(capsys, "match", "http://[")
    assert (code, out, err) == (1, "", "cashback-companion: 'http://[' is not an address\n")


def test_pair_prints_a_short_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pair", "--json")
    assert code == 0
    assert len(json.loads(out)["code"]) == 9  # XXXX-XXXX


def test_token_is_stable(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "token")[1] == run(capsys, "token")[1]


def test_doctor_says_where_the_token_is(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "doctor", "--json", "--port", "1")
    report = json.loads(out)
    assert code == 0
    assert report["token store"].startswith("file: ")
    assert report["companion"].startswith("not running")
    # The compiled host table where it is built (make test builds it: test_hostwalk.py).
    compiled = "compiled (companion.tracking._hostwalk)"
    assert (report["matcher"] == compiled) == hostwalk.COMPILED


def test_doctor_says_when_the_python_table_matches(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("companion.tracking.hostwalk.COMPILED", False)
    report = json.loads(run(capsys, "doctor", "--json", "--port", "1")[1])
    assert report["matcher"].startswith("Python (the compiled table was not built")


def test_doctor_asks_the_port_the_running_companion_wrote(
    capsys: pytest.CaptureFixture[str], companion_home: Path
) -> None:
    """As `open` and `service status` do: a companion started with --port is found."""
    companion_home.mkdir(parents=True, exist_ok=True)
    (companion_home / "port").write_text("1\n", encoding="ascii")
    report = json.loads(run(capsys, "doctor", "--json")[1])
    assert report["companion"].startswith("not running on 127.0.0.1:1;"), report


def test_doctor_on_a_port_held_by_something_else_says_not_running() -> None:
    """A stale port file can name a port another program took since: no traceback."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def banner() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")

        thread = threading.Thread(target=banner, daemon=True)
        thread.start()
        assert probe(port).startswith(f"not running on 127.0.0.1:{port};")
        thread.join(5)


def test_the_data_is_the_owners_alone_in_a_directory_open_to_others(
    capsys: pytest.CaptureFixture[str], companion_home: Path
) -> None:
    """A CASHBACK_COMPANION_HOME made before, readable by all: the database and the token are
    still created owner-only, and doctor names the directory."""
    companion_home.mkdir(mode=0o755)
    companion_home.chmod(0o755)  # whatever the umask
    previous = os.umask(0o022)
    try:
        code, out, _ = run(capsys, "doctor", "--json", "--port", "1")
    finally:
        os.umask(previous)
    assert code == 0
    made = [companion_home / name for name in ("companion.sqlite3", "api-token")]
    made += companion_home.glob("companion.sqlite3-*")  # the WAL, while a connection is open
    for path in made:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert json.loads(out)["permissions"] == (
        f"readable by other users: {companion_home} (drwxr-xr-x); chmod go-rwx on each"
    )
    companion_home.chmod(0o700)
    assert json.loads(run(capsys, "doctor", "--json", "--port", "1")[1])["permissions"] == (
        "owner only"
    )


def test_empty_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert json.loads(run(capsys, "log", "--json")[1]) == []
    assert run(capsys, "log", "--csv")[1].startswith("id,click_id,")


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["frobnicate"])
    assert usage.value.code == 2

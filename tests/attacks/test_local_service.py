"""A real companion process under attack from this machine: DNS-rebinding Host headers over a
raw socket, guessed and forged ``/go/`` ids, and whether click ids can be predicted.

The unit tests (tests/unit/test_api_security.py, test_clicks.py) check the same defences
in-process through aiohttp's test client; these send the bytes a browser or a script would.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import secrets
import socket
from urllib.parse import quote

import pytest

from tests.attacks.conftest import counts, token_of
from tests.e2e.harness import Companion


def raw(companion: Companion, request: bytes) -> tuple[int, bytes]:
    """Send exactly these bytes; return the status and the whole answer."""
    with socket.create_connection(("127.0.0.1", companion.port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


def http_request(host: str, method: str, path: str, extra: str = "", body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


@pytest.mark.parametrize(
    "host",
    [
        "rebind.test:{port}",  # the attacker's name, now resolving to 127.0.0.1
        "rebind.test",
        "127.0.0.1.rebind.test:{port}",
        "localhost.rebind.test:{port}",
        "127.1:{port}",  # another spelling of loopback is still not one of ours
        "2130706433:{port}",
        "[::ffff:127.0.0.1]:{port}",
        "127.0.0.1:{port}@rebind.test",
    ],
)
def test_rebinding_hosts_are_refused_before_anything_runs(companion: Companion, host: str) -> None:
    token = token_of(companion)
    before = counts(companion.home)
    for method, path, body in [
        ("GET", "/api/v1/health", b""),
        ("GET", "/api/v1/clicks", b""),
        ("POST", "/api/v1/clicks", b'{"url": "http://shop.test/"}'),
        ("GET", "/go/c_whatever", b""),
    ]:
        request = http_request(
            host.format(port=companion.port),
            method,
            path,
            f"Authorization: Bearer {token}\r\n",
            body,
        )
        status, answer = raw(companion, request)
        assert status == 421, answer
        assert b'"bad_host"' in answer
        assert token.encode() not in answer
    assert counts(companion.home) == before


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /api/v1/health HTTP/1.0\r\n\r\n", 421),  # no Host at all
        (b"GET /api/v1/health HTTP/1.1\r\n\r\n", 400),
        (
            b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: rebind.test\r\n\r\n",
            400,
        ),
        (
            b"GET /api/v1/health HTTP/1.1\r\nHost: rebind.test\r\nHost: 127.0.0.1:{port}\r\n\r\n",
            400,
        ),
    ],
)
def test_missing_and_doubled_hosts(companion: Companion, request_bytes: bytes, status: int) -> None:
    sent = request_bytes.replace(b"{port}", str(companion.port).encode())
    assert raw(companion, sent)[0] == status


def test_requests_that_cannot_be_parsed_cost_one_short_log_line(companion: Companion) -> None:
    """A page can make the browser send an address of 100 kB as often as it likes: aiohttp
    refuses it before any middleware, and used to log nine lines of traceback each time."""
    log = companion.home / "companion.log"
    before = log.read_bytes()
    bad = [
        http_request(f"127.0.0.1:{companion.port}", "GET", "/" + "a" * 100_000),
        http_request(f"127.0.0.1:{companion.port}", "GET", "/x", "X: a\x01<script>\r\n"),
    ]
    for request in bad * 5:
        assert raw(companion, request)[0] == 400
    status, _ = raw(companion, http_request(f"127.0.0.1:{companion.port}", "GET", "/api/v1/health"))
    assert status == 200
    added = log.read_bytes()[len(before) :].decode("utf-8", "replace").splitlines()
    assert len(added) == len(bad) * 5, added[:12]
    assert all("refused a request it could not parse" in line for line in added), added[:3]
    assert max(len(line) for line in added) < 400
    assert "Traceback" not in "\n".join(added)


def test_the_honest_request_answers(companion: Companion) -> None:
    """The refusals above are the Host's doing: the same bytes with our Host get through."""
    status, _ = raw(companion, http_request(f"127.0.0.1:{companion.port}", "GET", "/api/v1/health"))
    assert status == 200


def new_click(companion: Companion, connection: http.client.HTTPConnection, token: str) -> str:
    connection.request(
        "POST",
        "/api/v1/clicks",
        body=b'{"url": "http://shop.test/item/1"}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    answer = connection.getresponse()
    body = answer.read()
    assert answer.status == 200, body
    click_id: str = json.loads(body)["click_id"]
    return click_id


def forgeries(real: str) -> list[str]:
    tail = real[2:]
    flipped = tail[:-1] + ("A" if tail[-1] != "A" else "B")
    return [
        "c_" + flipped,
        "c_" + tail.swapcase(),
        "c_" + tail[:-1],
        real + "A",
        real + "%00",
        real + "%20",
        real + "%2F",
        real.upper(),
        "C_" + tail,
        tail,
        "c_%25",
        "c_' OR '1'='1",
        "c_*",
        "c_" + "A" * 22,
        "%63_" + tail[1:] + "x",
    ]


def test_go_with_forged_and_guessed_ids(companion: Companion) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", companion.port, timeout=10)
    real = new_click(companion, connection, token_of(companion))
    before = counts(companion.home)
    guesses = forgeries(real) + [
        "c_" + base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
        for _ in range(1000)
    ]
    for guess in guesses:
        connection.request("GET", f"/go/{quote(guess, safe='%')}")
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 404, guess
        assert answer.getheader("Location") is None, guess
    assert counts(companion.home) == before, "a guess was recorded as a followed click"
    # The real id still works: the 404s above are not a broken /go/.
    connection.request("GET", f"/go/{real}")
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 302
    connection.close()


CLICK_ID = re.compile(r"c_[A-Za-z0-9_-]{22}")


def test_click_ids_cannot_be_predicted(companion: Companion) -> None:
    """Ids from the API carry 128 random bits: no counter, clock or fixed field shows through."""
    connection = http.client.HTTPConnection("127.0.0.1", companion.port, timeout=10)
    token = token_of(companion)
    ids = [new_click(companion, connection, token) for _ in range(256)]
    connection.close()
    assert all(CLICK_ID.fullmatch(click_id) for click_id in ids), ids[:3]
    raw_ids = [base64.urlsafe_b64decode(click_id[2:] + "==") for click_id in ids]
    assert all(len(value) == 16 for value in raw_ids)
    bits = ["".join(f"{byte:08b}" for byte in value) for value in raw_ids]
    ones = sum(row.count("1") for row in bits) / (128 * len(bits))
    assert 0.48 < ones < 0.52, f"{ones:.3f} of the bits are set"
    for position in range(128):
        set_in = sum(row[position] == "1" for row in bits)
        # A clock or counter field keeps its high bits fixed across ids made a second apart.
        assert 0.2 * len(bits) < set_in < 0.8 * len(bits), f"bit {position} set in {set_in}"
    assert len({value[:4] for value in raw_ids}) == len(raw_ids), "ids share a 32-bit prefix"
    assert ids != sorted(ids), "ids come out in order"

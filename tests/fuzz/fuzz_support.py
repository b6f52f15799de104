"""The fuzz suite's machinery (issue 12 section 4): a raw HTTP/1.1 client, the verdict on each answer, the
server log's traceback for a 5xx, and the failure report.

Requests go over loopback TCP to a real `sochat serve` as bytes we write ourselves, so that nothing between
the strategy and the server tidies them: httpx and http.client refuse or normalise control characters,
``..`` segments and odd header values, which is exactly what the suite must send.

A verdict is None for an acceptable answer, else the name of a failure class. Acceptable: any status below
500 whose 4xx carries SuperOffice's error body. A 400 from the HTTP layer (uvicorn/h11, recognisable by the
missing x-request-id) is acceptable only for a request that is not valid HTTP/1.1 in the first place.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from lxml import etree

SAVE = "/api/v1/Agents/Chat/SaveChatSessionEntity"
GET = "/api/v1/Agents/Chat/GetChatSessionEntity"
REST = "/api/v1/ChatSession"

# Demo users (sochat.demo), one per role: name -> password.
ROLES = {"admin": ("tje0", "Tje0"), "agent": ("agent1", "Agent1"), "readonly": ("viewer", "Viewer1")}

ERROR_KEYS = {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
# uvicorn's HTTP/1.1 parser (h11) refuses a request head it cannot read in 16 KiB with its own plain 400: a limit
# of the HTTP layer in front of sochat's code, like a proxy's. Past it, that 400 is acceptable.
HTTP_LAYER_HEAD_LIMIT = 16 * 1024
ANSWER_TIMEOUT = 20.0  # a request that takes longer is a failure of its own ("no answer"), not a hang

# SOCHAT_FUZZ_SCALE=N runs every fuzz test with N times CI's examples and a fresh random seed each run (pin
# one with pytest's --hypothesis-seed=S); unset, CI's counts apply and the inputs are derandomised (the same
# every run, so CI is reproducible).
_SCALE = os.environ.get("SOCHAT_FUZZ_SCALE")


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for one fuzz test: ``examples`` in CI (derandomised), scaled by SOCHAT_FUZZ_SCALE."""
    return settings(
        max_examples=max(1, round(examples * float(_SCALE))) if _SCALE else examples,
        deadline=None,
        database=None,
        derandomize=not _SCALE,
        phases=[Phase.explicit, Phase.generate],  # every failure is collected; nothing is shrunk or replayed
        suppress_health_check=list(HealthCheck),
    )


# -- requests ---------------------------------------------------------------------------------------


@dataclass
class RawRequest:
    """One request exactly as it goes on the wire (the client adds Host, Content-Length and Connection)."""

    method: str
    target: bytes  # path and query, raw
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    valid_http: bool = True  # False: the request line or a header breaks RFC 9112/9110 (the HTTP layer may refuse)
    send_host: bool = True

    def describe(self, limit: int = 400) -> str:
        """The request for a report: method, target, headers and body, long values cut with their length."""

        def cut(data: bytes) -> str:
            text = repr(data)
            return text if len(text) <= limit else f"{text[:limit]}... ({len(data)} bytes)"

        lines = [f"{self.method} {cut(self.target)}"]
        lines += [f"  {name.decode('latin-1')}: {cut(value)}" for name, value in self.headers]
        if self.body:
            lines.append(f"  body: {cut(self.body)}")
        return "\n".join(lines)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def basic(user: str, password: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


def send(port: int, request: RawRequest, timeout: float = ANSWER_TIMEOUT) -> Answer | None:
    """Send ``request`` on a new connection and read the answer (None: no complete answer within ``timeout``)."""
    head = [f"{request.method} ".encode("latin-1") + request.target + b" HTTP/1.1"]
    names = {name.lower() for name, _ in request.headers}
    if request.send_host and b"host" not in names:
        head.append(f"Host: 127.0.0.1:{port}".encode())
    head += [name + b": " + value for name, value in request.headers]
    if b"content-length" not in names and (request.body or request.method in ("POST", "PUT", "PATCH")):
        head.append(b"Content-Length: " + str(len(request.body)).encode())
    head.append(b"Connection: close")
    data = b"\r\n".join(head) + b"\r\n\r\n" + request.body
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)  # may fail when the server answered early (e.g. 413) and closed: read what it said
        received = bytearray()
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            return None
        except ConnectionResetError:
            if not received:
                return None
    return _parse(bytes(received), head_only=request.method == "HEAD")


def _parse(raw: bytes, head_only: bool = False) -> Answer | None:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    if not head_only and length is not None and length.isdigit():
        if len(body) < int(length):
            return None  # cut short
        body = body[: int(length)]  # a request with CR/LF inside a header may have been read as two
    return Answer(int(parts[1]), headers, body)


# -- verdicts ---------------------------------------------------------------------------------------


def verdict(request: RawRequest, answer: Answer | None) -> str | None:
    """None when the answer is acceptable, else the failure class (see the module's docstring)."""
    if answer is None:
        return f"no complete answer within {ANSWER_TIMEOUT:.0f} s"
    if answer.status >= 500 and not _planned_operation(answer):
        return f"{answer.status}"
    if answer.status < 400 or request.method == "HEAD":
        return None  # a HEAD answer has no body to judge
    if "x-request-id" not in answer.headers:
        if request.valid_http and answer.status != 431:
            return f"{answer.status} from the HTTP layer for a valid HTTP request: {answer.body[:80]!r}"
        return None
    problem = error_body_problem(answer)
    return None if problem is None else f"{answer.status} without SuperOffice's error body: {problem}"


def _planned_operation(answer: Answer) -> bool:
    """A SuperOffice operation sochat does not serve yet answers 501 on purpose (docs/api.md), with the error
    body naming the method; that is the only 5xx the suite accepts."""
    return (
        answer.status == 501
        and "x-request-id" in answer.headers
        and error_body_problem(answer) is None
        and b"SoNotImplementedException" in answer.body
    )


def error_body_problem(answer: Answer) -> str | None:
    """What is wrong with a 4xx's body (None: it is SuperOffice's error body, in JSON or XML)."""
    media = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media in ("application/xml", "text/xml"):
            root = etree.fromstring(answer.body, etree.XMLParser(resolve_entities=False, no_network=True))
            members: dict[str, Any] = {etree.QName(child).localname: child.text for child in root}
            flag = members.get("Error") == "true"
        elif media in ("application/json", "text/json"):
            members = json.loads(answer.body)
            flag = isinstance(members, dict) and members.get("Error") is True
        else:
            return f"content type {media!r}"
    except (ValueError, etree.XMLSyntaxError) as exc:
        return f"unreadable {media}: {exc}"
    if not isinstance(members, dict) or not set(members) >= ERROR_KEYS:
        return f"members {sorted(members) if isinstance(members, dict) else type(members).__name__}"
    if not flag or not all(isinstance(members[key], str) and members[key] for key in ERROR_KEYS - {"Error"}):
        return f"empty or wrong members: {members}"
    return None


# -- the server log ---------------------------------------------------------------------------------

_FRAME = re.compile(r'File "([^"]*)", line (\d+), in (\S+)')
# An exception's own line: its CamelCase class, perhaps module-qualified (psycopg.errors.UndefinedFunction: ...),
# unlike the DETAIL:, HINT: and CONTEXT: lines psycopg adds after it.
_EXCEPTION_LINE = re.compile(r"(?:[a-z_]\w*\.)*[A-Z]\w*[a-z]\w*(?::|$)")


def traceback_for(log_text: str, request_id: str | None) -> tuple[str, str] | None:
    """The logged exception of the request with this id as (class, detail): its innermost sochat frame with the
    exception's type, e.g. ``sochat/i18n/zones.py:92 parse_time_zone: OSError``, and the exception's own line.
    None when the server logged no exception for it (a 503 it chose to answer, say)."""
    for line in log_text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not (isinstance(entry, dict) and entry.get("exception") and request_id):
            continue
        if request_id not in str(entry.get("message", "")):
            continue
        text: str = entry["exception"]
        frames = [m for m in _FRAME.finditer(text) if "/sochat/" in m.group(1)]
        where = ""
        if frames:
            path, line_number, function = frames[-1].groups()
            where = f"{path[path.rindex('/sochat/') + 1 :]}:{line_number} {function}"
            # The store runs every query through one job function: name the store method that called it.
            callers = [m.group(3) for m in frames if not m.group(3).startswith(("_", "<")) and m.group(3) != "job"]
            where += f" (in {callers[-1]}): " if function in ("job", "<lambda>") and callers else ": "
        lines = text.strip().splitlines()
        # The exception's own line (psycopg adds DETAIL/HINT/CONTEXT lines after it).
        last = next((line for line in reversed(lines) if _EXCEPTION_LINE.match(line)), lines[-1])
        return where + last.split(":", 1)[0], last[:300]
    return None


def _answered_error(answer: Answer) -> tuple[str, str]:
    """(class, detail) of a 5xx that the server logged no exception for: its ErrorType and ErrorMessage."""
    try:
        body = json.loads(answer.body)
        return str(body["ErrorType"]), str(body["ErrorMessage"])[:300]
    except (ValueError, KeyError, TypeError):
        return "no error body", repr(answer.body[:200])


# -- collecting failures ----------------------------------------------------------------------------


@dataclass
class Findings:
    """Failures by class, each with its shortest reproducer, for one report at the end of a test."""

    port: int
    log: Callable[[], str]
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)
    sent: int = 0

    def check(self, request: RawRequest) -> Answer | None:
        """Send ``request``, judge the answer, and file a failure under its class (keeping the shortest case)."""
        answer = send(self.port, request)
        self.sent += 1
        problem = verdict(request, answer)
        if problem is None:
            return answer
        case = request.describe()
        if answer is not None and answer.status >= 500:
            logged = traceback_for(self.log(), answer.headers.get("x-request-id"))
            where, detail = logged if logged is not None else _answered_error(answer)
            problem, case = f"{problem}: {where}", f"{case}\n  server log: {detail}"
        self.file(problem, request, case)
        return answer

    def file(self, problem: str, request: RawRequest, case: str | None = None) -> None:
        """Record a failure of class ``problem``, keeping the shortest request of each class."""
        problem = _generalise(problem)
        size = len(request.target) + len(request.body) + sum(len(n) + len(v) for n, v in request.headers)
        known = self.failures.get(problem)
        if known is None or size < known[0]:
            self.failures[problem] = (size, case or request.describe())

    def report(self) -> str:
        return "\n\n".join(f"[{problem}]\n{case}" for problem, (_, case) in sorted(self.failures.items()))

    def assert_none(self, label: str) -> None:
        assert self.sent > 0
        assert not self.failures, (
            f"{label}: {len(self.failures)} failure class(es) in {self.sent} requests:\n\n{self.report()}"
        )


_VOLATILE = re.compile(r"request id [0-9a-f]+|0x[0-9a-f]+|'[^']{40,}'|\"[^\"]{40,}\"")


def _generalise(problem: str) -> str:
    """The class of a failure: request ids, addresses and long quoted values left out, so that one cause
    with many inputs is one class."""
    return _VOLATILE.sub("…", problem)


# -- small helpers ----------------------------------------------------------------------------------

_counter = itertools.count(1)


def unique(core: str) -> str:
    """``core`` made unique per request: hostile user names must never repeat often enough to be slowed or
    locked by the failed-login tracking, and never name a demo user."""
    return f"{core}~fz{next(_counter)}"


def header_pairs(headers: Iterable[tuple[str, str | bytes]]) -> list[tuple[bytes, bytes]]:
    """Header (name, value) pairs as wire bytes: text as UTF-8 (what clients send for non-ASCII)."""
    return [
        (name.encode("latin-1"), value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass"))
        for name, value in headers
    ]


_FIELD_VALUE = re.compile(rb"[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*|")
_NOT_IN_TARGET = re.compile(rb"[\x00-\x20\x7f-\xff]")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def valid_http(target: bytes, headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request line and headers are well-formed HTTP/1.1 (RFC 9112/3986: a request-target of
    visible ASCII; RFC 9110: field names are tokens and values visible characters; framing left to the client)."""
    if not target or _NOT_IN_TARGET.search(target):
        return False
    names = [name.lower() for name, _ in headers]
    if names.count(b"host") > 1:
        return False
    for name, value in headers:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            return False  # the client sets the framing itself: the HTTP layer may refuse it
        if not _TOKEN.fullmatch(name) or not _FIELD_VALUE.fullmatch(value.strip(b" \t")):
            return False
    return True


def run_fuzz(
    findings: Findings,
    examples: int,
    build: Callable[[Any], RawRequest | Iterable[RawRequest]],
    explicit: Iterable[RawRequest] = (),
) -> None:
    """Send ``explicit`` requests (the known hostile classes, every run), then ``examples`` requests that
    ``build`` makes with hypothesis' ``draw``; every answer is judged and filed in ``findings``.

    ``build`` runs inside st.composite rather than st.data(): st.data() keeps a printable record of every draw,
    and printing hostile values of hundreds of kilobytes would cost more than sending them."""
    from hypothesis import given
    from hypothesis import strategies as st

    for request in explicit:
        findings.check(request)

    requests = st.composite(lambda draw: build(draw))()

    @fuzz_settings(examples)
    @given(built=requests)
    def draw_and_send(built: RawRequest | Iterable[RawRequest]) -> None:
        for request in [built] if isinstance(built, RawRequest) else built:
            findings.check(request)

    draw_and_send()


def make(
    method: str,
    target: str | bytes,
    headers: Iterable[tuple[str, str | bytes]] = (),
    body: bytes = b"",
    *,
    role: str | None = "admin",
) -> RawRequest:
    """A request as the fuzz tests send it: ``role``'s Basic credentials first (None: none), then ``headers``."""
    pairs = header_pairs(headers)
    if role is not None:
        pairs.insert(0, (b"Authorization", basic(*ROLES[role])))
    raw_target = target.encode("utf-8") if isinstance(target, str) else target
    head_size = len(raw_target) + sum(len(name) + len(value) + 4 for name, value in pairs)
    wire_ok = valid_http(raw_target, pairs) and head_size <= HTTP_LAYER_HEAD_LIMIT
    return RawRequest(method, raw_target, pairs, body, valid_http=wire_ok)

"""Issue 3: hostile XML bodies are a cheap 400: no entity expansion, no file or network access, bounded depth."""

from __future__ import annotations

import resource
import socket
import statistics
import time
import tracemalloc
from pathlib import Path

import pytest

from sochat.domain.errors import MalformedBody
from sochat.http.formats import decode_body

pytestmark = pytest.mark.anyio

TIME_LIMIT_S = 0.100  # the bound for refusing a hostile body
TRIES = 5
PEAK_LIMIT_BYTES = 4 * 1024 * 1024  # tracemalloc peak while refusing one body
RSS_GROWTH_LIMIT_KB = 64 * 1024  # a single expansion of any of these bodies would need far more
SECRET_MARKER = "sochat-xxe-secret-3f9a1c"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ChatSessionEntity><CustomerName>&lol9;</CustomerName></ChatSessionEntity>"""

# One 100 kB entity referenced 50,000 times: 150 kB of references that would expand to 5 GB.
QUADRATIC_BLOWUP = (
    '<?xml version="1.0"?><!DOCTYPE kaboom [<!ENTITY a "'
    + "A" * 100_000
    + '">]><ChatSessionEntity><CustomerName>'
    + "&a;" * 50_000
    + "</CustomerName></ChatSessionEntity>"
)

XXE_FILE = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ChatSessionEntity><CustomerName>&xxe;</CustomerName></ChatSessionEntity>"""

XXE_NETWORK = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>
<ChatSessionEntity><CustomerName>&xxe;</CustomerName></ChatSessionEntity>"""

XXE_PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]>
<ChatSessionEntity><CustomerName>x</CustomerName></ChatSessionEntity>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE ChatSessionEntity SYSTEM "http://127.0.0.1:9/evil.dtd">
<ChatSessionEntity><CustomerName>x</CustomerName></ChatSessionEntity>"""

DOCTYPE_AFTER_COMMENT = """<?xml version="1.0"?><!-- hello --><?pi data?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ChatSessionEntity><CustomerName>&xxe;</CustomerName></ChatSessionEntity>"""

DEEP_NESTING = "<ChatSessionEntity>" + "<a>" * 10_000 + "x" + "</a>" * 10_000 + "</ChatSessionEntity>"

HOSTILE = {
    "billion-laughs": BILLION_LAUGHS,
    "quadratic-blowup": QUADRATIC_BLOWUP,
    "xxe-file": XXE_FILE,
    "xxe-network": XXE_NETWORK,
    "xxe-parameter-entity": XXE_PARAMETER_ENTITY,
    "external-dtd": EXTERNAL_DTD,
    "doctype-after-comment": DOCTYPE_AFTER_COMMENT,
    "deep-nesting-10000": DEEP_NESTING,
}


def _passwd_lines() -> list[str]:
    """Distinctive lines of /etc/passwd, which must never appear in an answer."""
    path = Path("/etc/passwd")
    if not path.exists():
        return ["root:x:0:0"]
    return [line for line in path.read_text(errors="replace").splitlines() if line.count(":") >= 5][:5] or [
        "root:x:0:0"
    ]


def _assert_no_leak(text: str) -> None:
    for line in _passwd_lines():
        assert line not in text
        assert line.split(":", 1)[0] + ":x:" not in text
    assert SECRET_MARKER not in text


async def _timed_refusals(chat, body: bytes, content_type: str) -> list[float]:
    durations = []
    for _ in range(TRIES):
        started = time.perf_counter()
        response = await chat.save(body, content_type, accept="application/json")
        durations.append(time.perf_counter() - started)
        assert response.status_code == 400, response.text[:500]
        error = response.json()
        assert set(error) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
        assert error["ErrorType"] == "SoMalformedRequestException"
        _assert_no_leak(response.text)
    return durations


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=utf-8"])
async def test_hostile_xml_is_a_fast_400(chat, name, content_type):
    """Each hostile body is refused with a 400 SoMalformedRequestException, median < 100 ms, leaking nothing."""
    await chat.save("{}", "application/json")  # warm up: the login is verified once and cached
    durations = await _timed_refusals(chat, HOSTILE[name].encode("utf-8"), content_type)
    assert statistics.median(durations) < TIME_LIMIT_S, durations


@pytest.mark.parametrize("name", ["billion-laughs", "xxe-file", "deep-nesting-10000"])
async def test_hostile_xml_in_utf16_is_refused_too(chat, name):
    """Declaring UTF-16 does not slip a DTD or deep nesting past the checks."""
    body = HOSTILE[name].replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>').encode("utf-16")
    durations = await _timed_refusals(chat, body, "application/xml; charset=utf-16")
    assert statistics.median(durations) < TIME_LIMIT_S, durations


@pytest.mark.parametrize("name", list(HOSTILE))
def test_refusing_hostile_xml_needs_little_memory(name):
    """Refusing each hostile body peaks under a few MB (tracemalloc) and barely moves max RSS: nothing expands."""
    body = HOSTILE[name].encode("utf-8")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        for _ in range(3):
            with pytest.raises(MalformedBody):
                decode_body(body, "application/xml", "ChatSessionEntity")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert peak < PEAK_LIMIT_BYTES, peak
    assert rss_growth < RSS_GROWTH_LIMIT_KB, rss_growth


async def test_xxe_never_reads_a_local_file(chat, tmp_path):
    """An external entity naming a local file is refused and the file's content never reaches the answer."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_MARKER)
    body = (
        f'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        "<ChatSessionEntity><CustomerName>&xxe;</CustomerName></ChatSessionEntity>"
    )
    response = await chat.save(body, "application/xml", accept="application/xml")
    assert response.status_code == 400
    _assert_no_leak(response.text)


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "{url}">]><ChatSessionEntity><CustomerName>&xxe;</CustomerName>'
        "</ChatSessionEntity>",
        '<!DOCTYPE foo [<!ENTITY % p SYSTEM "{url}"> %p;]><ChatSessionEntity/>',
        '<!DOCTYPE ChatSessionEntity SYSTEM "{url}"><ChatSessionEntity/>',
        '<ChatSessionEntity xmlns:xi="http://www.w3.org/2001/XInclude"><CustomerName>'
        '<xi:include href="{url}" parse="text"/></CustomerName></ChatSessionEntity>',
    ],
)
async def test_xml_never_touches_the_network(chat, template):
    """No external entity, external DTD or XInclude makes sochat connect out: a listening socket sees nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/evil"
        response = await chat.save(template.format(url=url), "application/xml")
        assert response.status_code == 400, response.text
        with pytest.raises(BlockingIOError):
            listener.accept()


async def test_xinclude_is_not_processed(chat):
    """An XInclude of /etc/passwd is just an unknown element: CustomerName is not a string, so 400, and no leak."""
    body = (
        '<ChatSessionEntity xmlns:xi="http://www.w3.org/2001/XInclude"><CustomerName>'
        '<xi:include href="file:///etc/passwd" parse="text"/></CustomerName></ChatSessionEntity>'
    )
    response = await chat.save(body, "application/xml")
    assert response.status_code == 400, response.text
    _assert_no_leak(response.text)


@pytest.mark.parametrize("depth", [17, 40, 300])
async def test_nesting_beyond_sixteen_levels_is_refused(chat, depth):
    """Nesting deeper than sochat reads (16 levels, a session needs 4) is a 400, also below libxml2's own limit."""
    body = "<ChatSessionEntity><User>" + "<a>" * depth + "1" + "</a>" * depth + "</User></ChatSessionEntity>"
    response = await chat.save(body, "application/xml")
    assert response.status_code == 400, response.text
    assert response.json()["ErrorType"] == "SoMalformedRequestException"


async def test_deep_json_is_a_fast_400_too(chat):
    """The JSON reader bounds nesting as well: 10,000 nested arrays are a quick 400, not a crash."""
    body = "[" * 10_000 + "]" * 10_000
    await chat.save("{}", "application/json")
    durations = []
    for _ in range(TRIES):
        started = time.perf_counter()
        response = await chat.save(body, "application/json")
        durations.append(time.perf_counter() - started)
        assert response.status_code == 400, response.text[:300]
    assert statistics.median(durations) < TIME_LIMIT_S, durations


async def test_ordinary_xml_still_works_after_hostile_bodies(chat):
    """Refusing hostile bodies leaves the parser usable: a normal XML save right after succeeds."""
    for body in HOSTILE.values():
        assert (await chat.save(body, "application/xml")).status_code == 400
    response = await chat.save("<ChatSessionEntity><CustomerName>fine</CustomerName></ChatSessionEntity>", "text/xml")
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == "fine"

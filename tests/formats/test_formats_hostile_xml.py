"""Issue 3: hostile XML bodies are a cheap 400: no entity expansion, no file or network access, bounded depth.

"Cheap" is checked here by what the refusal does (a 400 with SuperOffice's error body, nothing leaked, a few MB
at most); how long it takes is measured by bench/hostile_input.py (the issue's bound: 100 ms)."""

from __future__ import annotations

import resource
import socket
import tracemalloc
from pathlib import Path

import pytest

from sochat.domain.errors import MalformedBody
from sochat.http.formats import decode_body
from support.hostile import DEEP_JSON, HOSTILE

pytestmark = pytest.mark.anyio

TRIES = 5
PEAK_LIMIT_BYTES = 4 * 1024 * 1024  # tracemalloc peak while refusing one body
RSS_GROWTH_LIMIT_KB = 64 * 1024  # a single expansion of any of these bodies would need far more
SECRET_MARKER = "sochat-xxe-secret-3f9a1c"


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


async def _assert_refusals(chat, body: bytes, content_type: str) -> None:
    """TRIES times: a 400 SoMalformedRequestException that leaks nothing, and no session stored."""
    count = chat.row_count()
    for _ in range(TRIES):
        response = await chat.save(body, content_type, accept="application/json")
        assert response.status_code == 400, response.text[:500]
        error = response.json()
        assert set(error) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
        assert error["ErrorType"] == "SoMalformedRequestException"
        _assert_no_leak(response.text)
    assert chat.row_count() == count


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=utf-8"])
async def test_hostile_xml_is_a_400(chat, name, content_type):
    """Each hostile body is refused with a 400 SoMalformedRequestException, leaking nothing, storing nothing."""
    await _assert_refusals(chat, HOSTILE[name].encode("utf-8"), content_type)


@pytest.mark.parametrize("name", ["billion-laughs", "xxe-file", "deep-nesting-10000"])
async def test_hostile_xml_in_utf16_is_refused_too(chat, name):
    """Declaring UTF-16 does not slip a DTD or deep nesting past the checks."""
    body = HOSTILE[name].replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>').encode("utf-16")
    await _assert_refusals(chat, body, "application/xml; charset=utf-16")


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


async def test_deep_json_is_a_400_too(chat):
    """The JSON reader bounds nesting as well: 10,000 nested arrays are a 400, not a crash."""
    body = DEEP_JSON
    await _assert_refusals(chat, body.encode("ascii"), "application/json")


async def test_ordinary_xml_still_works_after_hostile_bodies(chat):
    """Refusing hostile bodies leaves the parser usable: a normal XML save right after succeeds."""
    for body in HOSTILE.values():
        assert (await chat.save(body, "application/xml")).status_code == 400
    response = await chat.save("<ChatSessionEntity><CustomerName>fine</CustomerName></ChatSessionEntity>", "text/xml")
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == "fine"

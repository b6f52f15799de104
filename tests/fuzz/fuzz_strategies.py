"""Hypothesis strategies for hostile input to sochat: values, bodies in all seven request types, headers,
query strings and paths. Each strategy draws mostly from the shapes that have broken servers like ours
(sizes at and past integer limits, NUL and control characters, calendar ends, deep nesting, path-like
names) and partly from hypothesis' free generation."""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from fuzz_support import unique
from hypothesis import strategies as st

from sochat.http.routes import ROUTES

ENTITY_PROPERTIES = (
    "ChatSessionId",
    "TopicId",
    "User",
    "Person",
    "CustomerAlias",
    "CustomerHost",
    "CustomerName",
    "CustomerEmail",
    "CustomerPhone",
    "CustomerConsented",
    "CustomerCompanyName",
    "Status",
    "FirstMessage",
    "LastMessage",
    "WhenRequested",
    "WhenStarted",
    "WhenEnded",
    "WhenIdle",
    "WhenFetched",
    "SessionKey",
    "InitialQueuePos",
    "AlertLevel",
    "Rank",
    "Flags",
    "Contact",
    "Project",
    "Sale",
    "Ticket",
    "TransferTo",
    "ChatbotIsActive",
    "Rating",
)
LINKS = {
    "User": "AssociateId",
    "Person": "PersonId",
    "Contact": "ContactId",
    "Project": "ProjectId",
    "Sale": "SaleId",
    "Ticket": "TicketId",
    "TransferTo": "AssociateId",
}
# Fields of the other bodies: the login call and the OAuth token endpoint.
CREDENTIAL_FIELDS = ("Username", "Password", "username", "password", "grant_type", "client_id", "client_secret")
SEVEN_REQUEST_TYPES = (
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/x-www-form-urlencoded",
    "application/json-patch+json",
    "application/merge-patch+json",
)
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Every (path, method) of the route table.
OPERATIONS = tuple((route.path, method) for route in ROUTES for method in route.methods)
WRITES = tuple((path, method) for path, method in OPERATIONS if method in ("POST", "PUT", "PATCH"))
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND")


@dataclass(frozen=True)
class Raw:
    """Text put into a JSON document as it is: numbers Python will not print, NaN, broken syntax."""

    text: str


@dataclass(frozen=True)
class UserName:
    """A user name that the client makes unique per request (fuzz_support.unique) before sending."""

    core: str


# -- values -----------------------------------------------------------------------------------------

DIGITS_PAST_LIMIT = (
    "9" * 4301
)  # Python refuses int() of more than 4300 digits (sys.int_info.str_digits_check_threshold)
EDGE_INTEGERS = (
    0,
    -1,
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**53 + 1,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**30,
)
EDGE_DATES = (
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01",
    "9999-12-31T23:59:59.9999999",
    "9999-12-31T23:59:59.9999999-12:00",
    "9999-12-31",
    "10000-01-01T00:00:00",
    "0000-01-01T00:00:00",
    "2024-02-30T00:00:00",
    "2024-12-15T25:61:61",
    "2024-12-15T09:22:45.12345678901234567890Z",
    "2024-12-15T09:22:45+99:99",
    "-2024-01-01",
    "/Date(253402300800000)/",
    "/Date(-62135596800001)/",
)
HOSTILE_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x7f",
    "\ud800",
    "\ufeff",
    "\u202e",
    "😀",
    "'",
    "''",
    "\\",
    "%00",
    "%",
    "../../etc/passwd",
    "/dev/zero",
    "Europe/../../../../etc/passwd",
    "<x/>",
    "]]>",
    "&amp;",
    "null",
    "true",
    "NaN",
    "Closed,UserIsTyping",
    "CustomerIsTyping, 999",
    "Infinity",
    "1e999",
    DIGITS_PAST_LIMIT,
    "-" + "9" * 25,
)
ENUM_TEXT = ("Invalid", "InQueue", "Chatting", "Closed", "CustomerLast", "UserIsTyping", "CustomerIsTyping", "Bogus")


@functools.cache
def integers() -> st.SearchStrategy[int]:
    return st.sampled_from(EDGE_INTEGERS) | st.integers()


@functools.cache
def texts() -> st.SearchStrategy[str]:
    return (
        st.sampled_from(HOSTILE_TEXT)
        | st.sampled_from(EDGE_DATES)
        | st.sampled_from(ENUM_TEXT)
        | st.builds(str, integers())
        | st.text(max_size=40)
        | st.builds(lambda c, n: c * n, st.sampled_from("x\x00é😀"), st.sampled_from((256, 4096, 70_000)))
    )


@functools.cache
def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        integers(),
        texts(),
        st.none(),
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(
            (Raw(DIGITS_PAST_LIMIT), Raw("-" + DIGITS_PAST_LIMIT), Raw("1e999"), Raw("NaN"), Raw("1.5e-400"))
        ),
    )


@functools.cache
def deep(depth_strategy: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[Raw]:
    """Arrays or objects nested hundreds to thousands deep, as JSON text."""
    depths = depth_strategy or st.sampled_from((64, 200, 600, 3000, 20_000))
    return st.builds(
        lambda depth, kind: Raw("[" * depth + "]" * depth) if kind else Raw('{"a":' * depth + "1" + "}" * depth),
        depths,
        st.booleans(),
    )


@functools.cache
def values() -> st.SearchStrategy[Any]:
    """Any JSON value, hostile scalars at the leaves, sometimes nested deep."""
    return (
        st.recursive(
            scalars(),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.sampled_from(ENTITY_PROPERTIES) | st.text(max_size=8), inner, max_size=4)
            ),
            max_leaves=8,
        )
        | deep()
    )


@functools.cache
def entity_values() -> st.SearchStrategy[dict[str, Any]]:
    """Entity-shaped objects: real property names (some in another case), hostile values, links by hostile id."""
    names = (
        st.sampled_from(ENTITY_PROPERTIES) | st.sampled_from(ENTITY_PROPERTIES).map(str.lower) | st.text(max_size=10)
    )
    link = st.sampled_from(tuple(LINKS.items())).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), st.fixed_dictionaries({pair[1]: scalars()}))
    )
    member = st.tuples(names, values()) | link
    return st.lists(member, max_size=6).map(dict)


# -- bodies -----------------------------------------------------------------------------------------


def to_json(value: Any) -> str:
    """JSON text of ``value``; Raw inserted as is, UserName made unique, any int printed (past the digit limit)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, UserName):
        return json.dumps(unique(value.core))
    if isinstance(value, bool) or value is None or isinstance(value, float | str):
        return json.dumps(value)
    if isinstance(value, int):
        return _int_text(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    return "[" + ",".join(to_json(item) for item in value) + "]"


_PRINTABLE_INT = 10**4000  # Python prints ints up to 4300 digits; past that, DIGITS_PAST_LIMIT stands in


def _int_text(value: int) -> str:
    return str(value) if abs(value) < _PRINTABLE_INT else DIGITS_PAST_LIMIT


def _plain(value: Any) -> str:
    if isinstance(value, UserName):
        return unique(value.core)
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int):
        return _int_text(value)
    if isinstance(value, dict | list):
        return to_json(value)
    return str(value)


@functools.cache
def credentials() -> st.SearchStrategy[dict[str, Any]]:
    """Login and token bodies: hostile user names (never a demo user's), passwords and grants."""
    name = st.builds(UserName, texts())
    return st.fixed_dictionaries(
        {},
        optional={
            "Username": name,
            "Password": texts(),
            "username": name,
            "password": texts(),
            "grant_type": st.sampled_from(("password", "client_credentials", "refresh_token", "")) | texts(),
            "client_id": texts(),
            "client_secret": texts(),
        },
    )


@functools.cache
def patch_paths() -> st.SearchStrategy[str]:
    prop = st.sampled_from(ENTITY_PROPERTIES)
    return st.one_of(
        prop.map(lambda p: "/" + p),
        prop,
        st.sampled_from(tuple(f"/{k}/{v}" for k, v in LINKS.items())),
        st.sampled_from(("", "/", "/-", "/0", "/-1", "/~", "/~2", "/a~1b", "/User/-", "/User/0")),
        integers().map(lambda n: f"/User/{_int_text(n)}"),
        integers().map(lambda n: f"/{_int_text(n)}"),
        st.integers(2, 400).map(lambda n: "/User" * n),
        st.just("/" + DIGITS_PAST_LIMIT),
        texts(),
    )


@functools.cache
def patch_operation() -> st.SearchStrategy[dict[str, Any]]:
    ops = st.sampled_from(("add", "remove", "replace", "move", "copy", "test", "ADD", "junk", ""))
    return st.fixed_dictionaries(
        {"op": ops | scalars(), "path": patch_paths()}, optional={"value": values(), "from": patch_paths()}
    )


@functools.cache
def doubling_patch() -> st.SearchStrategy[list[dict[str, Any]]]:
    """copy operations that double the document each time (bounded here to at most 2**14 copies)."""
    return st.integers(1, 14).map(
        lambda n: (
            [{"op": "add", "path": "/FirstMessage", "value": "x" * 64}]
            + [{"op": "copy", "from": "", "path": f"/Level{i}"} for i in range(n)]
        )
    )


@functools.cache
def json_patches() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(patch_operation(), max_size=5),
        doubling_patch(),
        st.sampled_from((1000, 5000)).map(
            lambda n: Raw("[" + ",".join(['{"op":"test","path":"/Rank","value":0}'] * n) + "]")
        ),
        values(),
    )


@functools.cache
def json_documents(content_type: str) -> st.SearchStrategy[Any]:
    if content_type == "application/json-patch+json":
        return json_patches()
    return st.one_of(entity_values(), credentials(), json_patches(), values())


def xml_text(value: Any) -> str:
    """Element text: XML 1.0 cannot carry C0 controls, so those go as character references (which a
    strict parser must still refuse)."""
    text = _plain(value)
    return "".join(f"&#{ord(c)};" if ord(c) < 0x20 and c not in "\t\n\r" else c for c in escape(text))


def xml_element(name: str, value: Any) -> str:
    if value is None:
        return f'<{name} i:nil="true"/>'
    if isinstance(value, dict):
        inner = "".join(xml_element(_xml_name(k), v) for k, v in value.items())
        return f"<{name}>{inner}</{name}>"
    return f"<{name}>{xml_text(value)}</{name}>"


def _xml_name(key: str) -> str:
    return key if key.isidentifier() and key.isascii() else "Junk"


@functools.cache
def xml_documents() -> st.SearchStrategy[bytes]:
    root = st.sampled_from(("ChatSessionEntity", "chatsessionentity", "ChatTopicEntity", "Other", "ErrorInfo"))
    declared = st.builds(
        lambda r, members: (
            f'<?xml version="1.0" encoding="utf-8"?><{r} xmlns:i="{XSI}">'
            + "".join(xml_element(k, v) for k, v in members.items())
            + f"</{r}>"
        ).encode("utf-8", "surrogatepass"),
        root,
        entity_values() | credentials(),
    )
    broken = st.sampled_from(
        (
            b"",
            b"<",
            b"<ChatSessionEntity>",
            b"<ChatSessionEntity><Rank>1</Rank>",
            b"<ChatSessionEntity/><ChatSessionEntity/>",
            b'<?xml version="1.0" encoding="x-unknown"?><ChatSessionEntity/>',
            b'<?xml version="1.0" encoding="utf-16"?><ChatSessionEntity/>',
            b"<ChatSessionEntity>\xff\xfe</ChatSessionEntity>",
            b"<ChatSessionEntity><Rank>\x00</Rank></ChatSessionEntity>",
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ChatSessionEntity><CustomerName>&e;'
            b"</CustomerName></ChatSessionEntity>",
            b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><ChatSessionEntity><CustomerName>&c;'
            b"</CustomerName></ChatSessionEntity>",
            b'<ChatSessionEntity xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><User i:nil="maybe"/>'
            b"</ChatSessionEntity>",
            b"<ChatSessionEntity><User><AssociateId><x/></AssociateId></User></ChatSessionEntity>",
            # ChatTopicEntity's nested settings: a wrong enum name, a time span past a day, an object as text.
            b"<ChatTopicEntity><Widget><Size>Huge</Size><RequiredFields>Email Nope</RequiredFields></Widget>"
            b"</ChatTopicEntity>",
            b"<ChatTopicEntity><OpeningHours><MonStart>PT99999999999H</MonStart><TzLocation><TZLocationID>x"
            b"</TZLocationID></TzLocation></OpeningHours></ChatTopicEntity>",
            b"<ChatTopicEntity><BotSettings>robot</BotSettings><Widget><Widget/></Widget></ChatTopicEntity>",
        )
    )
    nested = st.sampled_from((100, 1000, 5000)).map(
        lambda depth: b"<ChatSessionEntity>" + b"<User>" * depth + b"1" + b"</User>" * depth + b"</ChatSessionEntity>"
    ) | st.sampled_from((100, 5000)).map(
        lambda depth: b"<ChatTopicEntity>" + b"<Widget>" * depth + b"1" + b"</Widget>" * depth + b"</ChatTopicEntity>"
    )
    return declared | broken | nested


@functools.cache
def form_documents() -> st.SearchStrategy[bytes]:
    keys = st.one_of(
        st.sampled_from(ENTITY_PROPERTIES),
        st.sampled_from(tuple(f"{k}.{v}" for k, v in LINKS.items())),
        st.sampled_from(tuple(f"{k}[{v}]" for k, v in LINKS.items())),
        st.sampled_from(CREDENTIAL_FIELDS),
        st.sampled_from(("", ".", "a..b", "User.", "a.b.c.d.e", "User[", "[]", "a" * 300)),
        st.text(max_size=10),
    )
    value = st.one_of(scalars(), st.builds(UserName, texts()))
    pairs = st.lists(st.tuples(keys, value), max_size=6).map(
        lambda items: "&".join(f"{_form_quote(k)}={_form_quote(_form_value(k, v))}" for k, v in items).encode("ascii")
    )
    raw = st.sampled_from(
        (b"%", b"%zz", b"=", b"&&&", b"a=%ff", b"Rank=%00", b"a=b=c", b"\xff\xfe=1", b"x" * 5000, b"&" * 5000)
    )
    many = st.sampled_from((999, 1001, 20_000)).map(lambda n: "&".join(f"f{i}=1" for i in range(n)).encode())
    return pairs | raw | many


def _form_value(key: str, value: Any) -> str:
    """A form value as text; a user name is made unique (fuzz_support.unique) like every hostile user name."""
    if key.lower() == "username" and not isinstance(value, UserName):
        value = UserName(_plain(value))
    return _plain(value)


def _form_quote(text: str) -> str:
    return quote(text, safe="", errors="surrogatepass")


def _encode_text(text: str, charset: str | None) -> bytes:
    codec = {"utf-16": "utf-16", "utf-16le": "utf-16-le", "iso-8859-1": "latin-1", "latin1": "latin-1"}.get(
        charset or "", "utf-8"
    )
    return text.encode(codec, errors="surrogatepass" if codec.startswith("utf") else "replace")


@functools.cache
def json_bodies(content_type: str, charset: str | None) -> st.SearchStrategy[bytes]:
    documents = json_documents(content_type).map(lambda v: _encode_text(to_json(v), charset))
    broken = st.sampled_from(
        (
            b"",
            b"{",
            b'{"Rank":',
            b"[",
            b"\xef\xbb\xbf{}",
            b"\xff\xfe{\x00}\x00",
            b'{"CustomerName":"\xff"}',
            b'{"CustomerName":"\\ud800"}',
            b'{"CustomerName":"\\u0000"}',
            b'{"a":1,"a":2}',
            b"null",
            b"0",
            b'"text"',
            b"{}" * 1000,
        )
    )
    return documents | broken | st.binary(max_size=64)


@functools.cache
def content_types() -> st.SearchStrategy[tuple[str, str | None, str]]:
    """(media type, charset, Content-Type header value): mostly the seven, with odd parameters and spellings."""
    media = st.sampled_from(SEVEN_REQUEST_TYPES)
    charset = st.sampled_from(
        (None, None, "utf-8", "UTF-8", "utf-16", "utf-16le", "iso-8859-1", "latin1", "x-junk", "")
    )
    extra = st.sampled_from(("", "", "; boundary=x", ";;;", '; q="a;b"', "; charset", "; charset=" + "x" * 5000))
    return st.builds(
        lambda m, c, e, upper: (
            m,
            c.lower() if c else None,
            (m.upper() if upper else m) + (f"; charset={c}" if c is not None else "") + e,
        ),
        media,
        charset,
        extra,
        st.booleans(),
    ) | st.sampled_from(
        (
            ("application/json", None, ""),
            ("application/json", None, "text/plain"),
            ("application/json", None, "multipart/form-data; boundary=x"),
            ("application/json", None, "application/json-patch+json+xml"),
            ("application/json", None, "*/*"),
            ("application/json", None, "application/"),
            ("application/json", None, ";"),
        )
    )


@functools.cache
def bodies(media: str, charset: str | None) -> st.SearchStrategy[bytes]:
    if media in ("application/xml", "text/xml"):
        return xml_documents()
    if media == "application/x-www-form-urlencoded":
        return form_documents()
    return json_bodies(media, charset)


# -- identifiers, headers, queries, paths ----------------------------------------------------------


@functools.cache
def ids(stored: tuple[int, ...]) -> st.SearchStrategy[str]:
    """Path and query ids: stored ones, and the texts around every integer limit."""
    return st.one_of(
        st.sampled_from(stored).map(str),
        integers().map(_int_text),
        st.sampled_from(
            ("", "-0", "+1", " 1", "1.0", "1e3", "0x10", "\u0663", "\uff11", DIGITS_PAST_LIMIT, "%00", "null")
        ),
    )


@functools.cache
def authorization(role: tuple[str, str] | None) -> st.SearchStrategy[list[tuple[str, str | bytes]]]:
    """The Authorization header of a demo role, or a hostile one (never a demo user's name: no lockout)."""
    if role is not None:
        user, password = role
        good = base64.b64encode(f"{user}:{password}".encode()).decode()
        return st.just([("Authorization", f"Basic {good}")])
    name = st.builds(UserName, texts())
    basic = st.builds(
        lambda n, p: "Basic " + base64.b64encode(f"{_plain(n)}:{p}".encode("utf-8", "surrogatepass")).decode(),
        name,
        texts(),
    )
    junk = st.sampled_from(
        (
            "Basic",
            "Basic ",
            "Basic !!!!",
            "Basic " + base64.b64encode(b"no-colon").decode(),
            "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
            "Basic " + "A" * 20_000,
            "Bearer",
            "Bearer x.y.z",
            "Bearer "
            + ".".join(
                base64.urlsafe_b64encode(json.dumps(p).encode()).decode().rstrip("=")
                for p in ({"alg": "none"}, {"sub": "tje0", "exp": "never", "nbf": [1]}, {})
            ),
            "Bearer eyJhbGciOiJSUzI1NiJ9." + "A" * 5000 + ".sig",
            "SOTicket",
            "SOTicket 7T:" + "A" * 600,
            "SOTicket 7T:\u00e9",
            "Negotiate abc",
        )
    )
    spaced = st.builds(
        lambda n: "basic   " + base64.b64encode(f"{_plain(n)}:y".encode("utf-8", "surrogatepass")).decode(), name
    )
    return st.lists(st.tuples(st.just("Authorization"), basic | spaced | junk | texts()), min_size=1, max_size=2)


HOSTILE_HEADER_VALUES = (
    "",
    "../../../../etc/passwd",
    "/etc/passwd",
    "Europe/../../../../../etc/passwd",
    "Europe/Oslo/../../zoneinfo",
    ".",
    "..",
    "/",
    "UTC\x00",
    "\x00",
    "\x01",
    "a\rb",
    "é",
    "😀",
    "*",
    "x" * 300,
    "x" * 20_000,
    "9" * 40,
    DIGITS_PAST_LIMIT,
    "-1",
    "+99:99",
    "UTC+14",
    "Etc/GMT-14",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
    "NO",
    "261",
    "2147483648",
)
ZONE_VALUES = (
    *HOSTILE_HEADER_VALUES,
    "Europe",
    "America/Argentina",
    "Etc",
    "posixrules",
    "zone.tab",
    "tzdata.zi",
    "leap-seconds.list",
    "Factory",
    "/dev/zero",
)
LANGUAGE_VALUES = (
    *HOSTILE_HEADER_VALUES,
    "en;q=nan",
    "en;q=1e999",
    "en;q=-1",
    "fr,de,ru,zh",
    "nb-NO",
    "x",
    "*;q=0",
    "," * 5000,
    "en-" + "a" * 500,
    "de-DE-u-nu-arab",
    "ar-SA",
    "zz-ZZ",
)
ETAG_VALUES = (
    "*",
    '"1"',
    'W/"1"',
    '"' + "9" * 40 + '"',
    '"' + DIGITS_PAST_LIMIT + '"',
    '"-1"',
    '"1", W/"2", *',
    '"',
    '""',
    "junk",
    '"\u00e9"',
    '"' + "x" * 5000 + '"',
)
DATE_HEADER_VALUES = (
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Thu, 01 Jan 1970 00:00:00 +9999",
    "99999999999",
    "junk",
    "",
)


@functools.cache
def _header(name: str, choices: tuple[str, ...]) -> st.SearchStrategy[tuple[str, str | bytes]]:
    return st.tuples(st.just(name), st.sampled_from(choices) | texts())


@functools.cache
def hostile_headers() -> st.SearchStrategy[list[tuple[str, str | bytes]]]:
    """One to four hostile headers from the ones sochat reads, and a few it should not care about."""
    one = st.one_of(
        _header("SO-TimeZone", ZONE_VALUES),
        _header("SO-Language", LANGUAGE_VALUES),
        _header("SO-Culture", LANGUAGE_VALUES),
        _header("Accept-Language", LANGUAGE_VALUES),
        _header("If-Match", ETAG_VALUES),
        _header("If-None-Match", ETAG_VALUES),
        _header("If-Unmodified-Since", DATE_HEADER_VALUES),
        _header("If-Modified-Since", DATE_HEADER_VALUES),
        _header("Idempotency-Key", HOSTILE_HEADER_VALUES),
        _header("SO-AppToken", HOSTILE_HEADER_VALUES),
        _header("X-XSRF-TOKEN", HOSTILE_HEADER_VALUES),
        _header("Cookie", ("SOCHAT_SESSION=x", "SOCHAT_SESSION=" + "x" * 5000, '="', "a=b; c", "\x00=1")),
        _header(
            "Accept",
            ("application/xml;q=nan", "*/*;q=1e999", "text/xml, application/json;q=0", "application/*", '";,'),
        ),
        _header("Host", ("", "[::1", "a" * 300, "127.0.0.1:99999", "evil.example", "127.0.0.1:0")),
        _header("X-Forwarded-For", ("junk", "1.2.3.4, 5.6.7.8", "::1")),
        _header("X-Forwarded-Proto", ("junk", "https, http")),
        # framing junk only: a well-formed Content-Length larger than the body would just make the server wait
        st.tuples(st.just("Content-Length"), st.sampled_from(("-1", "1e3", "0x10", "99999999999999999999"))),
        st.tuples(st.just("Transfer-Encoding"), st.sampled_from(("chunked, gzip", "junk"))),
        st.tuples(st.text(alphabet="abcXYZ-", min_size=1, max_size=20), st.sampled_from(HOSTILE_HEADER_VALUES)),
    )
    return st.lists(one, min_size=1, max_size=4)


# $filter: columns by type, and the operators of sochat/http/odata.py's grammar.
NUMBER_COLUMNS = ("chatSessionId", "topicId", "rank", "rating", "alertLevel", "initialQueuePos", "flags", "status")
TEXT_COLUMNS = ("customerName", "customerEmail", "sessionKey", "firstMessage")
DATE_COLUMNS = ("whenRequested", "whenStarted", "whenEnded", "whenIdle", "whenFetched")
LINK_COLUMNS = ("userId", "transferToId", "personId", "contactId", "ticketId")
BOOL_COLUMNS = ("customerConsented", "chatbotIsActive")
COLUMNS = NUMBER_COLUMNS + TEXT_COLUMNS + DATE_COLUMNS + LINK_COLUMNS + BOOL_COLUMNS
COMPARE = ("eq", "ne", "lt", "le", "gt", "ge", "=", "equals", "unequals", "greater", "less", "is", "isNot")
TEXT_OPS = ("contains", "begins", "notBegins", "notContains")
DATE_OPS = ("before", "after", "date")
PERIODS = (
    "today",
    "beforeToday",
    "afterToday",
    "thisWeek",
    "lastWeek",
    "nextWeek",
    "thisMonth",
    "lastMonth",
    "thisYear",
)


@functools.cache
def _literal() -> st.SearchStrategy[str]:
    quoted = texts().map(lambda t: "'" + t.replace("'", "''") + "'")
    return st.one_of(
        integers().map(_int_text),
        st.just(DIGITS_PAST_LIMIT),
        st.sampled_from(EDGE_DATES).map(lambda d: f"'{d}'"),
        st.sampled_from(EDGE_DATES),
        quoted,
        st.sampled_from(("true", "false", "null", "'", "''", "(", ")", ",")),
    )


@functools.cache
def _comparison() -> st.SearchStrategy[str]:
    column = st.sampled_from(COLUMNS) | st.sampled_from(("User/AssociateId", "Person/PersonId", "unknown", "$x"))
    plain = st.builds(
        lambda c, op, v: f"{c} {op} {v}", column, st.sampled_from(COMPARE + TEXT_OPS + DATE_OPS), _literal()
    )
    lists = st.builds(
        lambda c, op, vs: f"{c} {op}({', '.join(vs)})",
        column,
        st.sampled_from(("oneOf", "NotOneOf", "between", "dateBetween", "associateIsOneOf", "set")),
        st.lists(_literal(), max_size=3),
    )
    period = st.builds(lambda c, p: f"{c} {p}", column, st.sampled_from(PERIODS))
    function = st.builds(
        lambda f, c, v, tail: f"{f}({c}, {v}){tail}",
        st.sampled_from(("startswith", "endswith", "substringof")),
        column,
        _literal(),
        st.sampled_from(("", " eq true", " eq false", " eq 1")),
    )
    return plain | lists | period | function | st.sampled_from(("currentAssociate", "userId currentAssociate"))


@functools.cache
def filters() -> st.SearchStrategy[str]:
    """$filter texts: combinations of comparisons, wrapped in brackets up to thousands deep."""
    combined = st.recursive(
        _comparison(),
        lambda inner: (
            st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(("and", "or", "AND")), inner)
            | inner.map(lambda f: f"({f})")
            | inner.map(lambda f: f"not {f}")
        ),
        max_leaves=4,
    )
    nested = st.builds(
        lambda depth, inner: "(" * depth + inner + ")" * depth, st.sampled_from((100, 500, 2000, 10_000)), _comparison()
    )
    chained = st.builds(
        lambda n, inner, op: f" {op} ".join([inner] * n),
        st.sampled_from((100, 1000, 5000)),
        _comparison(),
        st.sampled_from(("and", "or")),
    )
    return combined | nested | chained | texts()


@functools.cache
def order_by() -> st.SearchStrategy[str]:
    item = st.builds(
        lambda c, d: f"{c}{d}", st.sampled_from(COLUMNS) | texts(), st.sampled_from(("", " asc", " desc", " sideways"))
    )
    return st.lists(item, max_size=3).map(",".join)


@functools.lru_cache(maxsize=256)
def skip_tokens(order_text: str) -> st.SearchStrategy[str]:
    """Tokens shaped like the ones sochat issues for ``order_text`` (right width, hostile keys), and junk."""
    width = (len(order_text.split(",")) if order_text else 0) + 1
    key = st.one_of(
        integers(), texts(), st.sampled_from(EDGE_DATES), st.none(), st.floats(allow_nan=False), st.booleans()
    )

    def token(keys: list[Any], order: str) -> str:
        raw = json.dumps({"o": order, "k": keys}, separators=(",", ":")).encode("utf-8", "surrogatepass")
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    shaped = st.builds(token, st.lists(key, min_size=width, max_size=width), st.sampled_from((order_text, "", "x")))
    huge = st.builds(lambda n: token([10**n, 1][:width], order_text), st.sampled_from((19, 30, 300)))
    return shaped | huge | texts() | st.sampled_from(("=", "====", "A" * 100_000, "eyJvIjoiIn0"))


@functools.cache
def list_queries() -> st.SearchStrategy[dict[str, str]]:
    """Query parameters of GET /api/v1/ChatSession, each one hostile or absent."""
    return order_by().flatmap(
        lambda order: st.fixed_dictionaries(
            {"$orderBy": st.just(order)},
            optional={
                "$filter": filters(),
                "$select": st.lists(st.sampled_from(COLUMNS) | texts(), max_size=4).map(",".join),
                "$top": integers().map(_int_text) | texts(),
                "$skip": integers().map(_int_text) | texts(),
                "$skiptoken": skip_tokens(order),
                "$format": st.sampled_from(("json", "xml", "JSON", "atom", "")) | texts(),
                "$output": st.sampled_from(("Display", "Logical", "display", "")) | texts(),
                "$mode": st.sampled_from(("Slim", "Wide", "Full", "")) | texts(),
                "$entities": texts(),
            },
        )
    )


def query_text(params: list[tuple[str, str]]) -> bytes:
    """A query string with every byte percent-encoded that must be (NUL as %00, non-ASCII as UTF-8)."""
    return "&".join(
        f"{quote(name, safe='$', errors='surrogatepass')}={quote(value, safe='$,()/', errors='surrogatepass')}"
        for name, value in params
    ).encode("ascii")


@functools.cache
def hostile_segments() -> st.SearchStrategy[bytes]:
    """Path segments that are not plain identifiers, raw on the wire."""
    return st.sampled_from(
        (
            b"..",
            b".",
            b"%2e%2e",
            b"%2E%2e",
            b".%2e",
            b"%2e",
            b"%00",
            b"a%00b",
            b"%0d%0a",
            b"a%2fb",
            b"%5c..",
            b"..%5c..",
            b"%c0%ae%c0%ae",
            b"%ff",
            b"%",
            b"%zz",
            b"\xc3\xa9",
            b"<script>",
            b"%3Cscript%3E",
            b"a\x01b",
            b"a\x7fb",
            b"a b",
            b"x" * 5000,
            b"'",
        )
    )


# -- whole requests ---------------------------------------------------------------------------------


def draw_target(draw: Any, path: str, stored: tuple[int, ...], query: list[tuple[str, str]] | None = None) -> bytes:
    """``path`` with {id} filled from ids(), sometimes behind a plain tenant segment or with a trailing slash,
    and the query string (for the agents' Get and Delete: the id, unless ``query`` is given)."""
    filled = path.replace("{id}", quote(draw(ids(stored)), safe=""))
    prefix = draw(st.sampled_from(("", "", "/Cust12345")))
    suffix = draw(st.sampled_from(("", "", "/")))
    if query is None:
        query = []
        if path.endswith(("GetChatSessionEntity", "DeleteChatSessionEntity")):
            name = draw(st.sampled_from(("chatSessionEntityId", "ChatSessionEntityId", "CHATSESSIONENTITYID")))
            query.append((name, draw(ids(stored))))
    text = query_text(query)
    return (prefix + filled + suffix).encode("utf-8") + (b"?" + text if text else b"")


def draw_auth(draw: Any, roles: dict[str, tuple[str, str]]) -> list[tuple[str, str | bytes]]:
    """A demo user of each role most of the time; otherwise hostile credentials (never a demo user's name)."""
    role = draw(st.sampled_from((*roles, "hostile")))
    return draw(authorization(roles.get(role)))

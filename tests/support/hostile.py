"""Hostile request bodies: XML that expands, reaches for files or the network, or nests deep, and JSON that
nests deep. Shared by tests/formats (which checks that each is a 400 leaking nothing) and bench/hostile_input.py
(which measures how fast each is refused)."""

from __future__ import annotations

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

DEEP_JSON = "[" * 10_000 + "]" * 10_000  # 10,000 nested arrays

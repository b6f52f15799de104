"""Which language an answer uses, and how SuperOffice's multi-language values and string references
resolve in it.

A multi-language value is ``XX:"text";YY:"text"`` with SuperOffice's upper-case keys (``US``, ``NO``, ``GE``);
a string reference is ``[SR_NAME]``. We map ISO 639-1 codes to those keys with the table below (SuperOffice
does not publish it; it is ours and configurable in code).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

# ISO 639-1 code -> SuperOffice's multi-language keys, preferred first.
SUPEROFFICE_KEYS: dict[str, tuple[str, ...]] = {
    "en": ("US", "GB", "EN"),
    "nb": ("NO",),
    "no": ("NO",),
    "nn": ("NO",),
    "sv": ("SE", "SV"),
    "da": ("DK", "DA"),
    "de": ("GE", "DE"),
    "nl": ("NL",),
    "fr": ("FR",),
    "fi": ("FI",),
    "es": ("ES",),
    "it": ("IT",),
    "pl": ("PL",),
}
# Languages we ship resource texts for (sochat/i18n/resources/<code>.json).
RESOURCE_LANGUAGES = ("en", "nb", "sv", "da", "de", "nl")
_RESOURCE_FILE = {"no": "nb", "nn": "nb"}

_MULTI = re.compile(r'([A-Z]{2})\s*:\s*"((?:[^"\\]|\\.)*)"\s*;?')
_REFERENCE = re.compile(r"\[(SR_[A-Z0-9_]+)\]")


@dataclass(frozen=True, slots=True)
class Language:
    """The answer's language: an ISO 639-1 code, or None for "leave texts untouched"."""

    code: str | None

    @property
    def resolves(self) -> bool:
        return self.code is not None


NO_LANGUAGE = Language(None)


def choose(so_language: str | None, accept_language: str | None, default: str | None) -> Language:
    """SO-Language wins over Accept-Language (q-values honoured); ``*`` or ``x`` turns resolution off.

    The first language (by q, then order) that sochat has texts for wins, so ``fr,de`` answers German;
    a header naming none of them falls back to ``default`` (None: no resolution).
    """
    for header in (so_language, accept_language):
        if header is None or not header.strip():
            continue
        for _, _, tag in _ranked(header):
            if tag in ("*", "x"):
                return NO_LANGUAGE
            code = tag.split("-", 1)[0]
            code = _RESOURCE_FILE.get(code, code)
            if code in RESOURCE_LANGUAGES:
                return Language(code)
        return Language(default) if default else NO_LANGUAGE
    return NO_LANGUAGE  # no language header at all: texts stay as stored, as SuperOffice answers


def _ranked(header: str) -> list[tuple[float, int, str]]:
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    ranked.sort()
    return ranked


def resolve_text(text: str, language: Language) -> str:
    """A string with multi-language values and [SR_...] references resolved; unchanged without a language."""
    if language.code is None or ("[SR_" not in text and ':"' not in text and ': "' not in text):
        return text
    if _MULTI.match(text.strip()):
        picked = _pick_multi(text.strip(), language.code)
        if picked is not None:
            text = picked
    if "[SR_" in text:
        texts = resource_texts(language.code)
        text = _REFERENCE.sub(lambda m: texts.get(m.group(1), m.group(0)), text)
    return text


def _pick_multi(text: str, code: str) -> str | None:
    values: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _MULTI.match(text, position)
        if match is None:
            return None  # not entirely a multi-language value: leave it alone
        values.setdefault(match.group(1), match.group(2).replace('\\"', '"'))
        position = match.end()
        while position < len(text) and text[position] == " ":
            position += 1
    for key in SUPEROFFICE_KEYS.get(code, (code.upper(),)):
        if key in values:
            return values[key]
    return next(iter(values.values()), None)


@cache
def resource_texts(code: str) -> dict[str, str]:
    """Our resource texts for a language, English for names the language lacks."""
    english = _load("en")
    if code == "en":
        return english
    file_code = _RESOURCE_FILE.get(code, code)
    if file_code not in RESOURCE_LANGUAGES:
        return english
    return {**english, **_load(file_code)}


def _load(code: str) -> dict[str, str]:
    raw = resources.files("sochat.i18n").joinpath("resources", f"{code}.json").read_text("utf-8")
    data = json.loads(raw)
    return {str(k): str(v) for k, v in data.items()}


def resolve_all(value: object, language: Language) -> object:
    """Every string inside a plain value (dicts, lists) resolved for ``language``."""
    if language.code is None:
        return value
    if isinstance(value, str):
        return resolve_text(value, language)
    if isinstance(value, dict):
        return {key: resolve_all(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_all(item, language) for item in value]
    return value

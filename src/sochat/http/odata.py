"""SuperOffice's archive query language for GET /api/v1/ChatSession: $select, $filter, $orderBy, $top,
$skip, and our keyset $skiptoken.

Over 400 lines on purpose: the grammar below, the bounds that keep it cheap and the one recursive-descent parser
that enforces both are read together when either changes; split apart, a bound would sit away from the rule it
limits.

Grammar of $filter (keywords are case-insensitive; strings in single quotes, '' for a quote):

    filter     := conjunct ("or" conjunct)*
    conjunct   := term ("and" term)*
    term       := "(" filter ")" | function | column operator [operand]
    function   := startswith(column, 'text') | endswith(column, 'text') | substringof('text', column)
                  [eq true | eq false]
    operand    := value | "(" value ("," value)* ")"

Operators by column type:
    numbers    eq = ne lt le gt ge equals unequals greater less between(a, b) oneOf(...) NotOneOf(...) set
    strings    eq ne contains begins notBegins notContains is isNot oneOf NotOneOf
    dates      eq ne lt le gt ge before after date dateBetween(a, b)
               today beforeToday afterToday thisWeek lastWeek nextWeek thisMonth lastMonth nextMonth thisYear
    associates (user, transferTo) also currentAssociate, associateIsOneOf(...), associateIsNotOneOf(...)

Bounds (a 400 naming the parameter and the limit, before any SQL is built): $filter at most
MAX_FILTER_LENGTH characters, MAX_FILTER_DEPTH levels of parentheses, MAX_FILTER_CONDITIONS conditions and
MAX_FILTER_VALUES values in lists, no NUL character (PostgreSQL cannot store one, so no row holds one);
numbers are int32, read only after their digits are counted; $orderBy at most MAX_ORDER_LENGTH characters
(a column named twice sorts as once); $skiptoken at most MAX_SKIPTOKEN_LENGTH characters, holding one value
of its sort column's type per sort key.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sochat.domain import datetimes
from sochat.domain.chat_session import FIELDS
from sochat.domain.errors import InvalidInput
from sochat.domain.fields import INT32_MAX, INT32_MIN, NESTED_KINDS, Field, Kind
from sochat.domain.query import And, Compare, CompareOp, Expr, InList, ListQuery, Or, Text, TextMatch

DEFAULT_TOP = 100
MAX_TOP = 1000
ENTITY_NAME = "chat"

MAX_FILTER_LENGTH = 16_384  # characters: room for a oneOf list of a thousand ids
MAX_FILTER_DEPTH = 32  # levels of parentheses (the parser recurses per level)
MAX_FILTER_CONDITIONS = 200  # column conditions: SQLite refuses expressions deeper than 1000
MAX_FILTER_VALUES = 1000  # values in oneOf/NotOneOf lists, all lists together (each is a bound parameter)
MAX_ORDER_LENGTH = 2048  # characters of $orderBy: every column, each with "desc", fits in half of it
MAX_SKIPTOKEN_LENGTH = 65_536  # characters: more than any token sochat issues (it holds the sort values)


def column_name(field: Field) -> str:
    """The archive column of a property: camelCase, links as their id (User -> userId)."""
    base = field.name[0].lower() + field.name[1:]
    return f"{base}Id" if field.kind is Kind.LINK else base


# Archive columns hold scalars and link ids; nested objects and arrays have none.
_COLUMN_FIELDS = tuple(field for field in FIELDS if field.kind not in NESTED_KINDS)
COLUMNS: dict[str, Field] = {column_name(field): field for field in _COLUMN_FIELDS}
_LOOKUP: dict[str, Field] = {}
for _field in _COLUMN_FIELDS:
    for _alias in (column_name(_field), _field.name, f"{_field.name}/{_field.carrier}Id", f"{_field.name}/AssociateId"):
        _LOOKUP.setdefault(_alias.lower(), _field)
_ASSOCIATE_COLUMNS = {"user_id", "transfer_to_id"}
_BY_ATTR = {field.attr: field for field in FIELDS}


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "number", "string", "(", ")", ","
    text: str
    position: int


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?[0-9]+)|(?P<name>[A-Za-z_$][\w./$]*)|(?P<punct>[(),=])|(?P<bad>\S))"
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        kind = match.lastgroup or "bad"
        value = match.group(kind)
        start = match.start(kind)
        if kind == "bad":
            raise _error(f"unexpected character '{value}'", start)
        if kind == "string":
            value = value[1:-1].replace("''", "'")
        elif kind == "punct":
            kind = value
        tokens.append(Token(kind, value, start))
    return tokens


def _error(message: str, position: int) -> InvalidInput:
    return InvalidInput(f"$filter: {message} at position {position}", property_name="$filter")


_COMPARE: dict[str, CompareOp] = {
    "eq": "=",
    "=": "=",
    "equals": "=",
    "is": "=",
    "date": "=",
    "ne": "!=",
    "unequals": "!=",
    "isnot": "!=",
    "lt": "<",
    "less": "<",
    "before": "<",
    "le": "<=",
    "gt": ">",
    "greater": ">",
    "after": ">",
    "ge": ">=",
}
_TEXT: dict[str, tuple[TextMatch, bool]] = {
    "contains": ("contains", False),
    "begins": ("begins", False),
    "notbegins": ("begins", True),
    "notcontains": ("contains", True),
}
_LISTS = {"oneof": False, "notoneof": True, "associateisoneof": False, "associateisnotoneof": True}
_RANGES = {"between", "datebetween"}
_PERIODS = {
    "today",
    "beforetoday",
    "aftertoday",
    "thisweek",
    "lastweek",
    "nextweek",
    "thismonth",
    "lastmonth",
    "nextmonth",
    "thisyear",
}


class FilterParser:
    """Recursive descent over the tokens; every error names the token and its position."""

    def __init__(self, text: str, *, zone: tzinfo, now: datetime, associate_id: int) -> None:
        _check_filter_text(text)
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0  # parentheses open around the current term
        self.conditions = 0
        self.values = 0
        self.zone = zone
        self.now = now.astimezone(zone)
        self.associate_id = associate_id

    def parse(self) -> Expr:
        if not self.tokens:
            raise _error("the filter is empty", 0)
        expr = self._or()
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise _error(f"unexpected '{token.text}' (expected 'and', 'or' or the end)", token.position)
        return expr

    # -- grammar ---------------------------------------------------------------------------------

    def _or(self) -> Expr:
        parts = [self._and()]
        while self._keyword("or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def _and(self) -> Expr:
        parts = [self._term()]
        while self._keyword("and"):
            parts.append(self._term())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _term(self) -> Expr:
        token = self._next("a column, a function or '('")
        if token.kind == "(":
            if self.depth == MAX_FILTER_DEPTH:
                raise _error(f"parentheses nest deeper than the limit of {MAX_FILTER_DEPTH} levels", token.position)
            self.depth += 1
            expr = self._or()
            self._expect(")")
            self.depth -= 1
            return expr
        if token.kind != "name":
            raise _error(f"unexpected '{token.text}' (expected a column name)", token.position)
        self.conditions += 1
        if self.conditions > MAX_FILTER_CONDITIONS:
            raise _error(f"more than the limit of {MAX_FILTER_CONDITIONS} conditions", token.position)
        lowered = token.text.lower()
        if lowered in ("startswith", "endswith", "substringof") and self._peek_kind() == "(":
            return self._function(lowered)
        field = self._field(token)
        op_token = self._next("an operator")
        op = op_token.text.lower()
        if op in _PERIODS:
            return self._period(field, op, op_token)
        if op == "currentassociate":
            if field.attr not in _ASSOCIATE_COLUMNS:
                raise _error(f"'currentAssociate' applies to user or transferTo, not '{token.text}'", op_token.position)
            return Compare(field.attr, "=", self.associate_id)
        if op == "set":
            if field.kind in (Kind.INT32, Kind.ENUM):
                return Compare(field.attr, "!=", 0)
            if field.kind is Kind.BOOL:
                return Compare(field.attr, "=", True)
            return Compare(field.attr, "!=", None)
        if op in _LISTS:
            values = tuple(self._value(field, item) for item in self._list())
            return InList(field.attr, tuple(v for v in values if isinstance(v, int | str)), negate=_LISTS[op])
        if op in _RANGES:
            items = self._list()
            if len(items) != 2:
                raise _error(f"'{op_token.text}' takes two values", op_token.position)
            low, high = (self._value(field, item) for item in items)
            if field.kind is Kind.DATETIME and isinstance(high, int) and _is_date_only(items[1].text):
                return And((Compare(field.attr, ">=", low), Compare(field.attr, "<", self._day_after(items[1]))))
            return And((Compare(field.attr, ">=", low), Compare(field.attr, "<=", high)))
        if op in _TEXT:
            self._require_string(field, op_token)
            match, negate = _TEXT[op]
            text_token = self._next("a 'text' value")
            return Text(field.attr, match, self._text(text_token), negate)
        compare = _COMPARE.get(op)
        if compare is None:
            raise _error(f"unknown operator '{op_token.text}'", op_token.position)
        value_token = self._next("a value")
        value = self._value(field, value_token)
        if field.kind is Kind.DATETIME and isinstance(value, int) and _is_date_only(value_token.text):
            return self._whole_day(field, compare, value, self._day_after(value_token))
        return Compare(field.attr, compare, value)

    def _function(self, name: str) -> Expr:
        self._expect("(")
        if name == "substringof":
            text_token = self._next("a 'text' value")
            self._expect(",")
            field = self._field(self._next("a column"))
            match: TextMatch = "contains"
        else:
            field = self._field(self._next("a column"))
            self._expect(",")
            text_token = self._next("a 'text' value")
            match = "begins" if name == "startswith" else "ends"
        self._expect(")")
        self._require_string(field, text_token)
        negate = False
        if self._peek_text() in ("eq", "ne"):
            op = self._next("eq").text.lower()
            flag = self._next("true or false").text.lower()
            if flag not in ("true", "false"):
                raise _error(f"expected true or false after '{op}'", self.tokens[self.index - 1].position)
            negate = (flag == "false") == (op == "eq")
        return Text(field.attr, match, self._text(text_token), negate)

    def _period(self, field: Field, op: str, token: Token) -> Expr:
        if field.kind is not Kind.DATETIME:
            raise _error(f"'{token.text}' applies to date columns only", token.position)
        today = self.now.date()
        start_of = {
            "today": (today, today + timedelta(days=1)),
            "thisweek": (today - timedelta(days=today.weekday()), today - timedelta(days=today.weekday() - 7)),
            "lastweek": (today - timedelta(days=today.weekday() + 7), today - timedelta(days=today.weekday())),
            "nextweek": (today - timedelta(days=today.weekday() - 7), today - timedelta(days=today.weekday() - 14)),
            "thismonth": (today.replace(day=1), _add_months(today, 1)),
            "lastmonth": (_add_months(today, -1), today.replace(day=1)),
            "nextmonth": (_add_months(today, 1), _add_months(today, 2)),
            "thisyear": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        }
        if op == "beforetoday":
            return Compare(field.attr, "<", self._midnight(today))
        if op == "aftertoday":
            return Compare(field.attr, ">=", self._midnight(today + timedelta(days=1)))
        low, high = start_of[op]
        return And((Compare(field.attr, ">=", self._midnight(low)), Compare(field.attr, "<", self._midnight(high))))

    def _day_after(self, token: Token) -> int:
        """Midnight after the day a date-only value names, in the request's zone (days with a DST change
        are 23 or 25 hours long, so this is not start + 24 h)."""
        day = date.fromisoformat(token.text.strip())
        return self._midnight_of(day.toordinal() + 1)

    def _whole_day(self, field: Field, op: CompareOp, start: int, end: int) -> Expr:
        if op == "=":
            return And((Compare(field.attr, ">=", start), Compare(field.attr, "<", end)))
        if op == "!=":
            return Or((Compare(field.attr, "<", start), Compare(field.attr, ">=", end), Compare(field.attr, "=", None)))
        if op == ">":
            return Compare(field.attr, ">=", end)
        if op == "<=":
            return Compare(field.attr, "<", end)
        return Compare(field.attr, op, start)

    # -- values ----------------------------------------------------------------------------------

    def _value(self, field: Field, token: Token) -> int | str | bool | None:
        if token.kind == "name" and token.text.lower() == "null":
            return None
        kind = field.kind
        try:
            if kind is Kind.STRING:
                return self._text(token)
            if kind is Kind.BOOL:
                if token.text.lower() in ("true", "1"):
                    return True
                if token.text.lower() in ("false", "0"):
                    return False
                raise ValueError("expected true or false")
            if kind is Kind.DATETIME:
                if token.kind != "string":
                    raise ValueError("expected a date in quotes, e.g. '2024-12-31'")
                ticks = datetimes.parse(token.text, self.zone)
                if ticks is None:
                    return None
                return ticks
            if field.enum is not None:
                return field.enum.parse(token.text, field.name)
            number = _int32_literal(token)
            if field.kind is Kind.LINK and number <= 0:
                return None  # 0 and -1 mean "no link", as on input
            return number
        except (ValueError, InvalidInput) as exc:
            raise _error(f"'{_clip(token.text)}' is not a value for {field.name} ({exc})", token.position) from None

    def _text(self, token: Token) -> str:
        if token.kind != "string":
            raise _error(f"expected a 'quoted' text, got '{token.text}'", token.position)
        return token.text

    def _require_string(self, field: Field, token: Token) -> None:
        if field.kind is not Kind.STRING:
            raise _error(f"text operators apply to string columns, not {field.name}", token.position)

    def _midnight(self, day: date) -> int:
        return self._midnight_of(day.toordinal())

    def _midnight_of(self, ordinal: int) -> int:
        """Ticks of the local midnight that starts day ``ordinal`` (as date.toordinal() counts), clamped to the
        calendar: the day after 9999-12-31, or 0001-01-01 in a zone ahead of UTC, begins outside it."""
        known = date.fromordinal(min(ordinal, date.max.toordinal()))
        try:
            offset = datetime(known.year, known.month, known.day, tzinfo=self.zone).utcoffset() or timedelta(0)
        except OverflowError:
            offset = timedelta(0)
        ticks = (ordinal - 1) * datetimes.TICKS_PER_DAY - offset // timedelta(microseconds=1) * 10
        return min(max(ticks, 0), datetimes.MAX_TICKS + 1)

    def _list(self) -> list[Token]:
        self._expect("(")
        items = [self._next("a value")]
        while self._peek_kind() == ",":
            self.index += 1
            items.append(self._next("a value"))
        self._expect(")")
        self.values += len(items)
        if self.values > MAX_FILTER_VALUES:
            raise _error(f"more than the limit of {MAX_FILTER_VALUES} values in lists", items[-1].position)
        return items

    # -- token helpers ---------------------------------------------------------------------------

    def _field(self, token: Token) -> Field:
        field = _LOOKUP.get(token.text.lower())
        if field is None:
            raise _error(f"unknown column '{token.text}'", token.position)
        return field

    def _next(self, expected: str) -> Token:
        if self.index >= len(self.tokens):
            raise _error(f"the filter ends where {expected} was expected", len(self.text))
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _expect(self, kind: str) -> None:
        token = self._next(f"'{kind}'")
        if token.kind != kind:
            raise _error(f"expected '{kind}' but found '{token.text}'", token.position)

    def _keyword(self, word: str) -> bool:
        if self._peek_text() == word:
            self.index += 1
            return True
        return False

    def _peek_text(self) -> str | None:
        token = self.tokens[self.index] if self.index < len(self.tokens) else None
        return token.text.lower() if token is not None and token.kind == "name" else None

    def _peek_kind(self) -> str | None:
        return self.tokens[self.index].kind if self.index < len(self.tokens) else None


def _check_filter_text(text: str) -> None:
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidInput(
            f"$filter is {len(text)} characters long; the limit is {MAX_FILTER_LENGTH}", property_name="$filter"
        )
    nul = text.find("\x00")
    if nul >= 0:
        # PostgreSQL cannot hold NUL in text (and no stored value has one): refused alike on every database.
        raise _error("the character U+0000 (NUL) is not allowed", nul)


def _int32_literal(token: Token) -> int:
    """A number token as an int32; its digits are counted before int() reads them (Python refuses more than
    4300 digits, and slowly)."""
    if token.kind != "number":
        raise ValueError("expected a number")
    digits = token.text.removeprefix("-")
    if len(digits) > 10 or not INT32_MIN <= int(token.text) <= INT32_MAX:
        raise ValueError(f"outside the int32 range {INT32_MIN}..{INT32_MAX}")
    return int(token.text)


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."


def _is_date_only(text: str) -> bool:
    return len(text.strip()) == 10


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)


# -- the whole query string ----------------------------------------------------------------------


def parse_order(text: str | None) -> tuple[tuple[str, bool], ...]:
    """(column, descending) pairs; a column named again is dropped, as it cannot change the order."""
    if text is None or not text.strip():
        return ()
    if len(text) > MAX_ORDER_LENGTH:
        raise InvalidInput(
            f"$orderBy is {len(text)} characters long; the limit is {MAX_ORDER_LENGTH}", property_name="$orderBy"
        )
    order: list[tuple[str, bool]] = []
    for item in text.split(","):
        words = item.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise InvalidInput(f"$orderBy: '{item.strip()[:60]}' is not 'column [asc|desc]'", property_name="$orderBy")
        field = _LOOKUP.get(words[0].lower())
        if field is None:
            raise InvalidInput(f"$orderBy: unknown column '{words[0][:60]}'", property_name="$orderBy")
        if all(column != field.attr for column, _ in order):
            order.append((field.attr, len(words) == 2 and words[1].lower() == "desc"))
    return tuple(order)


def parse_columns(text: str | None) -> tuple[Field, ...]:
    if text is None or not text.strip():
        return _COLUMN_FIELDS
    chosen: list[Field] = []
    for item in text.split(","):
        field = _LOOKUP.get(item.strip().lower())
        if field is None:
            raise InvalidInput(f"$select: unknown column '{item.strip()[:60]}'", property_name="$select")
        if field not in chosen:
            chosen.append(field)
    return tuple(chosen)


def parse_bounded_int(text: str | None, name: str, default: int, low: int, high: int) -> int:
    if text is None or not text.strip():
        return default
    clean = text.strip()
    if not (clean.isascii() and clean.isdigit() and len(clean) <= 10) or not low <= int(clean) <= high:
        raise InvalidInput(f"{name}: '{clean[:20]}' must be a whole number from {low} to {high}", property_name=name)
    return int(clean)


def encode_cursor(order_text: str, values: tuple[object, ...]) -> str:
    raw = json.dumps({"o": order_text, "k": list(values)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, order_text: str, order: tuple[tuple[str, bool], ...]) -> tuple[object, ...]:
    """The sort values a $skiptoken carries: one per sort column and the id, each of its column's type."""
    if len(token) > MAX_SKIPTOKEN_LENGTH:
        raise InvalidInput(
            f"$skiptoken is {len(token)} characters long; the limit is {MAX_SKIPTOKEN_LENGTH}",
            property_name="$skiptoken",
        )
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        raise InvalidInput("$skiptoken is not a token sochat issued", property_name="$skiptoken") from None
    keys = data.get("k") if isinstance(data, dict) else None
    columns = [column for column, _ in order] + ["chat_session_id"]
    if not isinstance(keys, list) or len(keys) != len(columns) or data.get("o") != order_text:
        raise _foreign_cursor()
    return tuple(_cursor_value(_BY_ATTR[column], key) for column, key in zip(columns, keys, strict=True))


def _cursor_value(field: Field, key: object) -> object:
    """A cursor's sort value checked against its column: what the store's sort key for it can hold."""
    if field.kind is Kind.STRING:
        if isinstance(key, str) and len(key) <= field.length and _storable(key):
            return key
    elif field.kind is Kind.BOOL:
        if isinstance(key, bool) or key in (0, 1):  # PostgreSQL answers booleans, SQLite 0 and 1
            return bool(key)
    elif isinstance(key, int) and not isinstance(key, bool):
        low, high = (-1, datetimes.MAX_TICKS) if field.kind is Kind.DATETIME else (INT32_MIN, INT32_MAX)
        if low <= key <= high:
            return key
    raise _foreign_cursor()


def _storable(text: str) -> bool:
    """No NUL (PostgreSQL refuses it) and no lone surrogate (UTF-8 cannot carry it): no stored value has either."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _foreign_cursor() -> InvalidInput:
    return InvalidInput(
        "$skiptoken does not belong to this $orderBy; start again from the first page", property_name="$skiptoken"
    )


def build_query(params: dict[str, str], *, zone: tzinfo, now: datetime, associate_id: int) -> ListQuery:
    """A ListQuery from the query string (names already lower-cased)."""
    filter_text = params.get("$filter")
    where = None
    if filter_text is not None and filter_text.strip():
        where = FilterParser(filter_text, zone=zone, now=now, associate_id=associate_id).parse()
    order_text = params.get("$orderby", "")
    order = parse_order(order_text)
    limit = parse_bounded_int(params.get("$top"), "$top", DEFAULT_TOP, 1, MAX_TOP)
    token = params.get("$skiptoken")
    after = decode_cursor(token, order_text, order) if token else None
    offset = 0 if after is not None else parse_bounded_int(params.get("$skip"), "$skip", 0, 0, 2**31 - 1)
    columns = tuple(field.attr for field in parse_columns(params.get("$select")))
    return ListQuery(where, order, limit, offset, after, columns)

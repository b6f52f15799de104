"""Issue 3: JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7396): the RFCs' appendix examples, SuperOffice's
path rules, and the save handler's target rule, 409 on a failing test and null resetting to the default."""

from __future__ import annotations

import copy
import json

import pytest
from formats_support import stored_row

from sochat.domain.errors import Conflict, InvalidInput, SochatError
from sochat.http.codecs import json as json_codec
from sochat.http.codecs.patch import apply_json_patch, apply_merge_patch, target_id
from sochat.http.errors import status_and_type

# -- RFC 6902 appendix A, transcribed by us: (section, document, patch, expected result or an error class) ----------
RFC6902_APPENDIX_A = [
    (
        "A.1 Adding an Object Member",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
    ),
    (
        "A.2 Adding an Array Element",
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    (
        "A.3 Removing an Object Member",
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
    ),
    (
        "A.4 Removing an Array Element",
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    (
        "A.5 Replacing a Value",
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        "A.6 Moving a Value",
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        "A.7 Moving an Array Element",
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        "A.8 Testing a Value: Success",
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        "A.9 Testing a Value: Error",
        {"baz": "qux"},
        [{"op": "test", "path": "/baz", "value": "bar"}],
        Conflict,
    ),
    (
        "A.10 Adding a Nested Member Object",
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        "A.11 Ignoring Unrecognized Elements",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    (
        "A.12 Adding to a Nonexistent Target",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz/bat", "value": "qux"}],
        InvalidInput,
    ),
    (
        "A.14 ~ Escape Ordering",
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
    ),
    (
        "A.15 Comparing Strings and Numbers",
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": "10"}],
        Conflict,
    ),
    (
        "A.16 Adding an Array Value",
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
]

# Further cases from RFC 6902 sections 4 and 5 (errors, copy, whole-document paths), also our own transcription.
RFC6902_SECTION_4 = [
    ("4.1 add replaces an existing member", {"a": 1}, [{"op": "add", "path": "/a", "value": 2}], {"a": 2}),
    ("4.1 add at the array end index", {"a": [1]}, [{"op": "add", "path": "/a/1", "value": 2}], {"a": [1, 2]}),
    ("4.1 add past the array end", {"a": [1]}, [{"op": "add", "path": "/a/2", "value": 2}], InvalidInput),
    ("4.1 add with a leading-zero index", {"a": [1, 2]}, [{"op": "add", "path": "/a/01", "value": 0}], InvalidInput),
    ("4.1 add to the whole document", {"a": 1}, [{"op": "add", "path": "", "value": {"b": 2}}], {"b": 2}),
    ("4.2 remove a missing member", {"a": 1}, [{"op": "remove", "path": "/b"}], InvalidInput),
    ("4.3 replace a missing member", {"a": 1}, [{"op": "replace", "path": "/b", "value": 1}], InvalidInput),
    ("4.3 replace the whole document", {"a": 1}, [{"op": "replace", "path": "", "value": [1]}], [1]),
    ("4.4 move from a missing member", {"a": 1}, [{"op": "move", "from": "/b", "path": "/c"}], InvalidInput),
    (
        "4.4 move into its own child",
        {"a": {"b": 1}},
        [{"op": "move", "from": "/a", "path": "/a/c"}],
        InvalidInput,
    ),
    (
        "4.5 copy a member",
        {"a": {"b": [1, 2]}},
        [{"op": "copy", "from": "/a/b", "path": "/c"}],
        {"a": {"b": [1, 2]}, "c": [1, 2]},
    ),
    ("4.5 copy from a missing member", {"a": 1}, [{"op": "copy", "from": "/x", "path": "/c"}], InvalidInput),
    ("4.6 test a missing member", {"a": 1}, [{"op": "test", "path": "/b", "value": 1}], InvalidInput),
    (
        "4.6 test objects regardless of order",
        {"a": {"x": 1, "y": [True, None]}},
        [{"op": "test", "path": "/a", "value": {"y": [True, None], "x": 1}}],
        {"a": {"x": 1, "y": [True, None]}},
    ),
    ("4.6 test: 1 is not true", {"a": True}, [{"op": "test", "path": "/a", "value": 1}], Conflict),
    ("4.6 test: 1 equals 1.0", {"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}], {"a": 1}),
    ("4.6 test: null", {"a": None}, [{"op": "test", "path": "/a", "value": None}], {"a": None}),
    ("4 an unknown op", {"a": 1}, [{"op": "frobnicate", "path": "/a"}], InvalidInput),
    ("4.1 add without a value", {"a": 1}, [{"op": "add", "path": "/b"}], InvalidInput),
    ("4 an op without a path", {"a": 1}, [{"op": "remove"}], InvalidInput),
    (
        "5 errors leave the document untouched (later op fails)",
        {"a": 1},
        [{"op": "replace", "path": "/a", "value": 2}, {"op": "remove", "path": "/zzz"}],
        InvalidInput,
    ),
]

# -- RFC 7396 appendix A (and the section 3 example), transcribed by us: (target, patch, result) -----------------
RFC7396_APPENDIX_A = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]
RFC7396_SECTION_3 = (
    {
        "title": "Goodbye!",
        "author": {"givenName": "John", "familyName": "Doe"},
        "tags": ["example", "sample"],
        "content": "This will be unchanged",
    },
    {"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": None}, "tags": ["example"]},
    {
        "title": "Hello!",
        "author": {"givenName": "John"},
        "tags": ["example"],
        "content": "This will be unchanged",
        "phoneNumber": "+01-123-456-7890",
    },
)


def _check_json_patch(document, patch, expected):
    original = copy.deepcopy(document)
    if isinstance(expected, type) and issubclass(expected, SochatError):
        with pytest.raises(expected):
            apply_json_patch(document, patch)
    else:
        assert apply_json_patch(document, patch) == expected
    assert document == original, "the input document must not be modified"


@pytest.mark.parametrize(("section", "document", "patch", "expected"), RFC6902_APPENDIX_A, ids=lambda v: str(v)[:40])
def test_rfc6902_appendix_a(section, document, patch, expected):
    """Each RFC 6902 appendix A example gives the RFC's result (or its error) and leaves the input untouched."""
    _check_json_patch(document, patch, expected)


@pytest.mark.parametrize(("section", "document", "patch", "expected"), RFC6902_SECTION_4, ids=lambda v: str(v)[:40])
def test_rfc6902_operation_rules(section, document, patch, expected):
    """The operation rules of RFC 6902 sections 4 and 5 (copy, errors, whole document, all-or-nothing)."""
    _check_json_patch(document, patch, expected)


def test_rfc6902_a13_duplicate_op_member_is_an_error():
    """A.13: a patch whose operation repeats "op" is invalid; through our JSON reader it is refused, not applied."""
    text = b'[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]'
    with pytest.raises(InvalidInput):
        apply_json_patch({"foo": "bar"}, json_codec.decode(text))


def test_rfc6902_a9_is_a_409_conflict():
    """A failing test op is a Conflict, which the HTTP edge answers 409 as SuperOffice does."""
    with pytest.raises(Conflict) as raised:
        apply_json_patch({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}])
    assert status_and_type(raised.value)[0] == 409


@pytest.mark.parametrize(("target", "patch", "expected"), [*RFC7396_APPENDIX_A, RFC7396_SECTION_3])
def test_rfc7396_appendix_a(target, patch, expected):
    """Each RFC 7396 appendix A example (and the section 3 example) gives the RFC's result; the target is untouched."""
    original = copy.deepcopy(target)
    assert apply_merge_patch(target, patch) == expected
    assert target == original


# -- SuperOffice's path rules --------------------------------------------------------------------------------------
ENTITY = {"ChatSessionId": 7, "CustomerName": "old", "User": {"AssociateId": 1, "Name": "TJ"}, "Rank": 0}


@pytest.mark.parametrize("path", ["/CustomerName", "CustomerName", "/customername", "customerNAME", "/CUSTOMERNAME"])
@pytest.mark.parametrize("op", ["replace", "add"])
def test_paths_are_case_insensitive_and_the_slash_optional(path, op):
    """'/department' and 'Department' are the same path: the existing member is changed, no new key appears."""
    result = apply_json_patch(ENTITY, [{"op": op, "path": path, "value": "new"}])
    assert result == {**ENTITY, "CustomerName": "new"}
    assert list(result) == list(ENTITY)


@pytest.mark.parametrize("path", ["/User/AssociateId", "user/associateid", "USER/AssociateID"])
def test_nested_paths_follow_the_same_rules(path):
    """Case-insensitive matching applies at every level of a path."""
    result = apply_json_patch(ENTITY, [{"op": "replace", "path": path, "value": 2}])
    assert result["User"] == {"AssociateId": 2, "Name": "TJ"}


@pytest.mark.parametrize("op", ["test", "remove", "copy", "move"])
def test_other_ops_follow_the_path_rules(op):
    """test, remove, copy and move accept the same case-insensitive, slash-optional paths."""
    operation = {"op": op, "path": "rank"}
    if op == "test":
        operation["value"] = 0
    if op in ("copy", "move"):
        operation = {"op": op, "from": "customername", "path": "rank"}
    result = apply_json_patch(ENTITY, [operation])
    expected = {
        "test": ENTITY,
        "remove": {k: v for k, v in ENTITY.items() if k != "Rank"},
        "copy": {**ENTITY, "Rank": "old"},
        "move": {"ChatSessionId": 7, "User": ENTITY["User"], "Rank": "old"},
    }[op]
    assert result == expected


def test_op_names_and_members_are_case_insensitive():
    """SuperOffice clients send "Op"/"Path"/"Value" and "Replace"; they are read like the lower-case forms."""
    result = apply_json_patch(ENTITY, [{"Op": "Replace", "Path": "customername", "Value": "x"}])
    assert result["CustomerName"] == "x"


def test_merge_patch_members_are_case_insensitive():
    """A merge patch member matches an existing property whatever its case, and null removes it."""
    result = apply_merge_patch(ENTITY, {"customername": "new", "user": {"associateid": 3}, "RANK": None})
    assert result == {"ChatSessionId": 7, "CustomerName": "new", "User": {"AssociateId": 3, "Name": "TJ"}}


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ([{"op": "test", "path": "/ChatSessionId", "value": 12}], 12),
        ([{"op": "replace", "path": "chatsessionid", "value": 12}], 12),
        ([{"op": "Test", "path": "CHATSESSIONID", "value": "12"}], 12),
        ([{"op": "add", "path": "/ChatSessionId", "value": 12}], None),  # only test and replace name the target
        ([{"op": "test", "path": "/ChatSessionId", "value": 0}], None),
        ([{"op": "replace", "path": "/CustomerName", "value": 12}], None),
        ({"ChatSessionId": 12, "CustomerName": "x"}, 12),
        ({"chatsessionid": 12}, 12),
        ({"ChatSessionId": None}, None),
        ({"CustomerName": "x"}, None),
    ],
)
def test_target_id_rule(patch, expected):
    """The documented target rule: /ChatSessionId in a test or replace op, or the merge patch's member."""
    assert target_id("ChatSessionId", patch) == expected


# -- through the API -----------------------------------------------------------------------------------------------
pytest_anyio = pytest.mark.anyio


@pytest_anyio
async def test_json_patch_updates_the_session_it_names(chat, full_session):
    """A JSON Patch that tests /ChatSessionId patches that stored session; the rest of it is unchanged."""
    saved = await chat.save_ok(full_session)
    chat_session_id = saved["ChatSessionId"]
    before = await chat.stored(chat_session_id)
    patch = [
        {"op": "test", "path": "/ChatSessionId", "value": chat_session_id},
        {"op": "replace", "path": "customername", "value": "Patched"},
        {"op": "replace", "path": "/Status", "value": "Finished"},
        {"op": "remove", "path": "Rank"},
        {"op": "copy", "from": "/CustomerAlias", "path": "/SessionKey"},
        {"op": "replace", "path": "/User/AssociateId", "value": 2},
    ]
    response = await chat.save(json.dumps(patch), "application/json-patch+json")

    assert response.status_code == 200, response.text
    assert response.json()["ChatSessionId"] == chat_session_id
    after = await chat.stored(chat_session_id)
    changed = {"CustomerName": "Patched", "Status": "Finished", "Rank": 0, "SessionKey": "jsmith"}
    assert {name: after[name] for name in changed} == changed
    assert after["User"]["AssociateId"] == 2
    unchanged = set(before) - set(changed) - {"User", "FieldProperties", "TableRight"}
    assert {name: after[name] for name in unchanged} == {name: before[name] for name in unchanged}


@pytest_anyio
async def test_json_patch_without_a_target_creates_from_the_default_entity(chat):
    """A JSON Patch that names no stored session applies to the default new entity and creates a session."""
    before = chat.row_count()
    patch = [{"op": "replace", "path": "CustomerName", "value": "Fresh"}]
    response = await chat.save(json.dumps(patch), "application/json-patch+json")
    assert response.status_code == 200, response.text
    assert chat.row_count() == before + 1
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert stored["CustomerName"] == "Fresh"
    assert (stored["Rank"], stored["Status"], stored["User"], stored["CustomerAlias"]) == (0, "Invalid", None, "")


@pytest_anyio
async def test_json_patch_naming_an_unknown_id_patches_the_default_entity(chat):
    """/ChatSessionId naming no stored session: the patch applies to the default entity (compatibility mode)."""
    patch = [
        {"op": "replace", "path": "/ChatSessionId", "value": 987654},
        {"op": "replace", "path": "/CustomerAlias", "value": "ghost"},
    ]
    response = await chat.save(json.dumps(patch), "application/json-patch+json")
    assert response.status_code == 200, response.text
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert stored["CustomerAlias"] == "ghost"
    assert stored["CustomerName"] == ""  # the default entity's strings are empty (docs/api.md)


@pytest_anyio
async def test_failing_test_op_is_409_and_nothing_is_saved(chat, full_session):
    """A failing test op answers 409 in SuperOffice's error body and the earlier ops of the patch are not saved."""
    saved = await chat.save_ok(full_session)
    chat_session_id = saved["ChatSessionId"]
    row_before = stored_row(chat, chat_session_id)
    count_before = chat.row_count()
    patch = [
        {"op": "test", "path": "/ChatSessionId", "value": chat_session_id},
        {"op": "replace", "path": "/CustomerName", "value": "must not be saved"},
        {"op": "test", "path": "/CustomerAlias", "value": "not-jsmith"},
    ]
    response = await chat.save(json.dumps(patch), "application/json-patch+json")

    assert response.status_code == 409, response.text
    error = response.json()
    assert set(error) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
    assert error["ErrorType"] == "SoConflictException"
    assert stored_row(chat, chat_session_id) == row_before
    assert chat.row_count() == count_before


@pytest_anyio
async def test_failing_test_op_on_a_new_entity_creates_nothing(chat):
    """A failing test op in a patch for a new entity is 409 and no row is created."""
    count_before = chat.row_count()
    patch = [
        {"op": "replace", "path": "/CustomerName", "value": "must not be saved"},
        {"op": "test", "path": "/Rank", "value": 99},
    ]
    response = await chat.save(json.dumps(patch), "application/json-patch+json")
    assert response.status_code == 409, response.text
    assert chat.row_count() == count_before


@pytest_anyio
async def test_invalid_patch_is_400_and_nothing_is_saved(chat):
    """A patch op on a path that does not exist is a 400 and creates nothing."""
    count_before = chat.row_count()
    patch = [{"op": "replace", "path": "/NoSuchProperty", "value": 1}]
    response = await chat.save(json.dumps(patch), "application/json-patch+json")
    assert response.status_code == 400, response.text
    assert chat.row_count() == count_before


@pytest_anyio
async def test_merge_patch_null_resets_to_defaults(chat, full_session):
    """Merge patch null resets to the default: strings "" (decision 18), numbers 0, enums zero, false, no link,
    unset date."""
    saved = await chat.save_ok(full_session)
    chat_session_id = saved["ChatSessionId"]
    patch = {
        "ChatSessionId": chat_session_id,
        "CustomerName": None,
        "Rank": None,
        "Status": None,
        "Flags": None,
        "CustomerConsented": None,
        "User": None,
        "WhenStarted": None,
        "TopicId": None,
    }
    response = await chat.save(json.dumps(patch), "application/merge-patch+json")

    assert response.status_code == 200, response.text
    assert response.json()["ChatSessionId"] == chat_session_id
    after = await chat.stored(chat_session_id)
    assert after["CustomerName"] == ""
    assert after["Rank"] == 0
    assert after["Status"] == "Invalid"
    assert after["Flags"] == "CustomerIsTyping"
    assert after["CustomerConsented"] is False
    assert after["User"] is None
    assert after["WhenStarted"] == "0001-01-01T00:00:00"
    assert after["TopicId"] == 0
    assert after["CustomerAlias"] == "jsmith"  # untouched members keep their values
    assert after["TransferTo"]["AssociateId"] == 2


@pytest_anyio
async def test_merge_patch_objects_merge_and_members_are_kept(chat, full_session):
    """A merge patch object merges into the stored carrier; properties it does not name are kept."""
    saved = await chat.save_ok(full_session)
    chat_session_id = saved["ChatSessionId"]
    before = await chat.stored(chat_session_id)
    patch = {"chatsessionid": chat_session_id, "transferto": {"associateid": 1}, "rank": 42}
    response = await chat.save(json.dumps(patch), "application/merge-patch+json")
    assert response.status_code == 200, response.text
    after = await chat.stored(chat_session_id)
    assert after["TransferTo"]["AssociateId"] == 1
    assert after["Rank"] == 42
    kept = set(before) - {"TransferTo", "Rank"}
    assert {name: after[name] for name in kept} == {name: before[name] for name in kept}


@pytest_anyio
async def test_merge_patch_without_id_creates_from_defaults(chat):
    """A merge patch naming no stored session is applied to the default new entity."""
    before = chat.row_count()
    response = await chat.save(json.dumps({"CustomerName": "merge-new"}), "application/merge-patch+json")
    assert response.status_code == 200, response.text
    assert chat.row_count() == before + 1
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert (stored["CustomerName"], stored["CustomerAlias"], stored["Rating"]) == ("merge-new", "", 0)
    assert stored["WhenRequested"] != "0001-01-01T00:00:00"  # the default entity's WhenRequested is now


@pytest_anyio
async def test_merge_patch_and_equivalent_json_patch_agree(chat, full_session):
    """SuperOffice turns a merge patch into JSON Patch operations: both routes give the same stored row."""
    first = (await chat.save_ok(full_session))["ChatSessionId"]
    second = (await chat.save_ok(full_session))["ChatSessionId"]
    merge = {"ChatSessionId": first, "CustomerName": None, "Rank": 11, "User": {"AssociateId": 2}}
    json_patch = [
        {"op": "test", "path": "/ChatSessionId", "value": second},
        {"op": "remove", "path": "/CustomerName"},
        {"op": "replace", "path": "/Rank", "value": 11},
        {"op": "replace", "path": "/User/AssociateId", "value": 2},
    ]
    merged = await chat.save(json.dumps(merge), "application/merge-patch+json")
    patched = await chat.save(json.dumps(json_patch), "application/json-patch+json")
    assert merged.status_code == patched.status_code == 200, (merged.text, patched.text)
    assert stored_row(chat, first) == stored_row(chat, second)

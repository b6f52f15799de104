"""Issue 12: a JSON Patch or Merge Patch costs no more than its size allows (sochat.http.codecs.patch).

An 870-byte patch of ``copy`` operations used to double the document per operation (minutes of work and
gigabytes of memory); every bound is now checked before a value is built, and a patch beyond one is refused
with 413 or 400 naming the limit. Memory is measured with tracemalloc on the codec itself; no test measures
time (the bench script bench/hostile_patch.py does, against a real server).
"""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import msgspec
import pytest

from sochat.domain.errors import Conflict, InvalidInput, PayloadTooLarge
from sochat.http.codecs.patch import (
    MAX_DEPTH,
    MAX_OPERATIONS,
    MAX_STEPS,
    apply_json_patch,
    apply_merge_patch,
    target_id,
)
from sochat.http.errors import status_and_type

LIMIT = 1024 * 1024  # the default body limit


def entity() -> dict[str, Any]:
    """A document shaped like a rendered ChatSessionEntity: 31 properties, one carrier."""
    document: dict[str, Any] = {f"Property{index}": "text " * 4 for index in range(30)}
    document["User"] = {"AssociateId": 1, "Name": "tje0", "FullName": "Tje Null"}
    return document


def hostile_copy_patch(size: int = 870) -> list[dict[str, str]]:
    """As many ``copy`` operations as fit in ``size`` bytes, each copying the whole document to a new member:
    each one doubles the document."""
    operations: list[dict[str, str]] = []
    while len(json.dumps([*operations, {"op": "copy", "from": "", "path": f"/{len(operations)}"}])) <= size:
        operations.append({"op": "copy", "from": "", "path": f"/{len(operations)}"})
    return operations


def hostile_append_patch(size: int = 870) -> list[dict[str, Any]]:
    """A value, then copies of its array appended to itself: doubling, one level deeper each time."""
    operations: list[dict[str, Any]] = [{"op": "add", "path": "/a", "value": ["x" * 40]}]
    while len(json.dumps([*operations, {"op": "copy", "from": "/a", "path": "/a/-"}])) <= size:
        operations.append({"op": "copy", "from": "/a", "path": "/a/-"})
    return operations


def peak_bytes(action: Any) -> tuple[BaseException | None, int]:
    """(what ``action`` raised, the peak of memory allocated while it ran), traced by tracemalloc."""
    tracemalloc.start()
    try:
        action()
    except (PayloadTooLarge, InvalidInput) as exc:
        raised: BaseException | None = exc
    else:
        raised = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return raised, peak


@pytest.mark.parametrize("build", [hostile_copy_patch, hostile_append_patch])
def test_the_870_byte_doubling_patch_is_refused_with_little_memory(build):
    """The patch fits in 870 bytes and would build gigabytes; it is a 413 naming the body limit, and the
    codec's peak memory stays a few times the limit (tracemalloc), far from what the patch asks for."""
    operations = build()
    body = json.dumps(operations).encode()
    assert len(body) <= 870
    assert len(operations) >= 15  # 2**15 copies of the document: far beyond any limit
    raised, peak = peak_bytes(lambda: apply_json_patch(entity(), msgspec.json.decode(body), max_bytes=LIMIT))
    assert isinstance(raised, PayloadTooLarge), raised
    assert f"limit of {LIMIT} bytes" in raised.message
    assert status_and_type(raised)[0] == 413
    assert peak < 8 * LIMIT, f"peak {peak} bytes"


def test_the_document_size_is_counted_exactly_against_the_limit():
    """The running total is the JSON encoding's length: a patch that lands exactly on the limit is applied,
    one byte more is a 413 that names the operation."""
    limit = 100
    fits = [{"op": "add", "path": "/a", "value": "x" * (limit - len(b"{}") - len(b'""'))}]
    assert apply_json_patch({}, fits, max_bytes=limit) == {"a": "x" * 96}
    over = [{"op": "add", "path": "/a", "value": "x" * 97}]
    with pytest.raises(PayloadTooLarge, match=r"JSON Patch operation 0: .*limit of 100 bytes"):
        apply_json_patch({}, over, max_bytes=limit)


def test_removing_does_not_refund_what_copies_built():
    """Copy-then-remove cycles would otherwise repeat the same big copy forever: every copy counts."""
    value = ["y" * 50] * 100  # about 5 kB
    cycle = [{"op": "copy", "from": "/v", "path": "/w"}, {"op": "remove", "path": "/w"}]
    operations: list[dict[str, Any]] = [{"op": "add", "path": "/v", "value": value}, *cycle * 30]
    with pytest.raises(PayloadTooLarge):
        apply_json_patch({}, operations, max_bytes=50_000)
    assert apply_json_patch({}, operations[:7], max_bytes=50_000) == {"v": value}


def test_more_operations_than_the_limit_is_413_before_any_is_applied():
    operations = [{"op": "test", "path": "/a", "value": 1}] * (MAX_OPERATIONS + 1)
    with pytest.raises(PayloadTooLarge, match=f"{MAX_OPERATIONS + 1} operations; the limit is {MAX_OPERATIONS}"):
        apply_json_patch({"a": 1}, operations)
    assert apply_json_patch({"a": 1}, operations[:MAX_OPERATIONS]) == {"a": 1}


def nested(levels: int) -> Any:
    """A value ``levels`` arrays deep (0: a scalar), built through the JSON decoder as a body would be."""
    return msgspec.json.decode(b"[" * levels + b"1" + b"]" * levels)


@pytest.mark.parametrize("op", ["add", "replace", "test"])
def test_values_nested_hundreds_deep_are_400_naming_the_limit(op):
    """The JSON decoder takes nearly 1000 levels; copying or comparing that many recursed into a 500."""
    with pytest.raises(InvalidInput, match=f"limit of {MAX_DEPTH} levels") as caught:
        apply_json_patch({"a": 1}, [{"op": op, "path": "/a", "value": nested(900)}])
    assert caught.value.property_name == "body"


def test_depth_counts_the_path_and_the_value_together():
    """A value may be MAX_DEPTH levels deep at the root, one level less one member down."""
    assert apply_json_patch({}, [{"op": "add", "path": "", "value": nested(MAX_DEPTH)}]) == nested(MAX_DEPTH)
    assert apply_json_patch({}, [{"op": "add", "path": "/a", "value": nested(MAX_DEPTH - 1)}])
    with pytest.raises(InvalidInput, match="levels"):
        apply_json_patch({}, [{"op": "add", "path": "/a", "value": nested(MAX_DEPTH)}])


def test_copies_and_moves_cannot_nest_the_document_past_the_limit():
    """Each copy of the document into itself adds a level; so would moving a deep value deeper."""
    copies = [{"op": "copy", "from": "", "path": f"/{'x/' * index}x"} for index in range(MAX_DEPTH + 1)]
    with pytest.raises(InvalidInput, match="levels"):
        apply_json_patch({"a": 1}, copies, max_bytes=LIMIT)
    deep = {"d": nested(MAX_DEPTH - 1), "m": {}}
    path = "/m" + "/k" * 3
    with pytest.raises(InvalidInput, match="levels"):
        apply_json_patch(
            deep, [{"op": "add", "path": "/m/k", "value": {"k": {}}}, {"op": "move", "from": "/d", "path": path}]
        )


def test_paths_deeper_than_the_limit_are_400():
    path = "/a" * (MAX_DEPTH + 1)
    with pytest.raises(InvalidInput, match=f"more than {MAX_DEPTH} levels"):
        apply_json_patch({"a": 1}, [{"op": "remove", "path": path}])


def test_name_lookups_in_objects_with_many_members_are_bounded():
    """Each wrong-case name scans the object's members; many such lookups in a huge object are a 413."""
    members = {f"k{index}": 0 for index in range(50_000)}
    operations = [{"op": "add", "path": "/big", "value": members}]
    operations += [{"op": "add", "path": f"/BIG/n{index}", "value": 0} for index in range(MAX_STEPS // 50_000 + 2)]
    with pytest.raises(PayloadTooLarge, match=f"limit of {MAX_STEPS} steps"):
        apply_json_patch({}, operations)
    assert apply_json_patch({}, operations[:3])["big"]["n1"] == 0  # within the bound the lookups still work


def test_merge_patch_nested_hundreds_deep_is_400():
    patch = msgspec.json.decode(b'{"a":' * 900 + b"1" + b"}" * 900)
    with pytest.raises(InvalidInput, match=f"limit of {MAX_DEPTH} levels"):
        apply_merge_patch({"a": {}}, patch)


def test_merge_patch_result_is_bounded_by_the_limit():
    with pytest.raises(PayloadTooLarge, match="limit of 100 bytes"):
        apply_merge_patch({"a": "x" * 50}, {"b": "y" * 50}, max_bytes=100)
    assert apply_merge_patch({"a": "x"}, {"b": "y"}, max_bytes=100) == {"a": "x", "b": "y"}


def test_merge_patch_name_lookups_are_bounded():
    """Case-insensitive matching of many new names against a target with many members is a 413."""
    target = {f"n{index}": 1 for index in range(3000)}
    patch = {f"N{index}x": 1 for index in range(3000)}
    with pytest.raises(PayloadTooLarge, match="steps"):
        apply_merge_patch(target, patch)


def test_merge_patch_works_on_its_own_copies():
    """The target and the patch are left as they were (the merge mutates only copies)."""
    target = {"a": {"b": 1}, "c": [1]}
    patch = {"A": {"B": None, "d": [2]}, "e": {"f": 1}}
    result = apply_merge_patch(target, patch)
    assert result == {"a": {"d": [2]}, "c": [1], "e": {"f": 1}}
    assert target == {"a": {"b": 1}, "c": [1]}
    assert patch == {"A": {"B": None, "d": [2]}, "e": {"f": 1}}
    result["e"]["f"] = 2
    assert patch["e"] == {"f": 1}


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ("9" * 5000, "past the end"),  # int() refuses more than 4300 digits: it is never called on it
        ("999999999999999999999", "past the end"),
        ("2", "past the end"),
        ("01", "not an array index"),
        ("\u00b2", "not an array index"),  # "²".isdigit() is true; int() refuses it
        ("\u0661", "not an array index"),  # Arabic-Indic one
        ("-1", "not an array index"),
        ("1e3", "not an array index"),
    ],
)
def test_bad_array_indexes_are_400(index, message):
    for op in ({"op": "add", "path": f"/a/{index}", "value": 0}, {"op": "remove", "path": f"/a/{index}"}):
        with pytest.raises(InvalidInput, match=message) as caught:
            apply_json_patch({"a": [0]}, [op])
        assert len(caught.value.message) < 200


def test_end_of_array_dash_only_for_add():
    assert apply_json_patch({"a": [0]}, [{"op": "add", "path": "/a/-", "value": 1}]) == {"a": [0, 1]}
    for op in ({"op": "replace", "path": "/a/-", "value": 1}, {"op": "remove", "path": "/a/-"}):
        with pytest.raises(InvalidInput, match="not an array index"):
            apply_json_patch({"a": [0]}, [op])


@pytest.mark.parametrize(
    "value", ["\u00b2", "9" * 5000, 10**30, 2**31, "2147483648", " 12345678901 ", True, 0, -5, "0"]
)
def test_a_target_id_beyond_int32_names_no_session(value):
    """The id a patch names is looked up only when it is a stored id's shape (1..int32 max); otherwise the
    patch applies to the default entity and converting ChatSessionId says what is wrong."""
    assert target_id("ChatSessionId", [{"op": "test", "path": "/ChatSessionId", "value": value}]) is None
    assert target_id("ChatSessionId", {"ChatSessionId": value}) is None


def test_target_id_reads_int32_ids():
    assert target_id("ChatSessionId", [{"op": "replace", "path": "ChatSessionId", "value": "2147483647"}]) == 2**31 - 1
    assert target_id("ChatSessionId", {"chatsessionid": 7}) == 7


def test_a_failing_test_is_still_409_after_the_bounds():
    with pytest.raises(Conflict):
        apply_json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 2}])

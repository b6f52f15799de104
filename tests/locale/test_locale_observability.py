"""Issue 6: NsApiSlow (log and metric), injected faults, /metrics in Prometheus' format, and a request id on
every answer that the access log carries too."""

from __future__ import annotations

import json
import logging

import pytest
from locale_support import AUTH, GET, PASSWORD, SAVE, error_message
from prometheus_client.parser import text_string_to_metric_families

from sochat.logs import JsonLineFormatter

pytestmark = pytest.mark.anyio

SLOW = {"slow_thresholds": "SaveChatSessionEntity=50", "faults": "SaveChatSessionEntity=delay:80"}
SECRETS = (PASSWORD, AUTH, AUTH.split()[1], "Authorization")
STATUSES = (
    "Invalid",
    "PreChatForm",
    "Faq",
    "OfflineForm",
    "InQueue",
    "CustomerLast",
    "UserLast",
    "Finished",
    "Deleted",
    "Closed",
    "RequestPosted",
    "ClosedFromQueue",
)


def _record_text(record: logging.LogRecord) -> str:
    """Everything a log handler could write from a record: its message and every attribute."""
    return record.getMessage() + " " + " ".join(f"{key}={value!r}" for key, value in vars(record).items())


def _metrics(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Samples by name, then by sorted label pairs, parsed with prometheus-client's own parser."""
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


async def _scrape(api) -> tuple[dict[str, str], dict[str, dict[tuple[tuple[str, str], ...], float]]]:
    response = await api.client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    families = {family.name: family.type for family in text_string_to_metric_families(response.text)}
    return families, _metrics(response.text)


def _labels(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


async def test_slow_call_is_logged_with_structured_fields_and_counted(open_api, caplog):
    """A save delayed 80 ms over a 50 ms threshold logs NsApiSlow at WARNING and counts one slow call."""
    caplog.set_level(logging.WARNING, logger="sochat.slow")
    async with open_api(**SLOW) as api:
        response = await api.save({"ChatSessionId": 0, "CustomerName": "slow but fine"})
        assert response.status_code == 200, response.text  # the answer is not changed
        assert response.json()["CustomerName"] == "slow but fine"
        request_id = response.headers["x-request-id"]

        records = [r for r in caplog.records if r.name == "sochat.slow"]
        assert len(records) == 1, [r.getMessage() for r in records]
        [record] = records
        assert record.levelno == logging.WARNING
        assert record.getMessage().startswith("NsApiSlow")
        fields = vars(record)
        assert fields["route"] == SAVE
        assert fields["method"] == "POST"
        assert fields["status"] == 200
        assert fields["duration_ms"] >= 80
        assert fields["threshold_ms"] == 50
        assert fields["request_id"] == request_id
        assert fields["user"] == "tje0"
        assert request_id in record.getMessage()
        for secret in SECRETS:
            assert secret not in _record_text(record)
            assert secret not in caplog.text

        line = json.loads(JsonLineFormatter().format(record))
        assert line["level"] == "WARNING"
        assert line["logger"] == "sochat.slow"
        assert (line["route"], line["status"], line["request_id"], line["user"]) == (SAVE, 200, request_id, "tje0")
        assert line["duration_ms"] >= 80

        _, samples = await _scrape(api)
        assert samples["sochat_slow_calls_total"] == {_labels(route=SAVE, method="POST"): 1.0}


async def test_slow_call_log_names_the_app(open_api, caplog):
    """The NsApiSlow record carries the calling application ('-' without SO-AppToken), as issue 6 asks."""
    caplog.set_level(logging.WARNING, logger="sochat.slow")
    async with open_api(**SLOW) as api:
        response = await api.save({"ChatSessionId": 0})
        assert response.status_code == 200, response.text
        [record] = [r for r in caplog.records if r.name == "sochat.slow"]
        assert vars(record).get("app") == "-"


async def test_fast_calls_are_not_logged_or_counted(open_api, caplog):
    """A fast call under the default threshold, next to the slow save, neither logs NsApiSlow nor counts."""
    caplog.set_level(logging.WARNING, logger="sochat.slow")
    async with open_api(**SLOW) as api:
        saved = await api.save({"ChatSessionId": 0})
        assert saved.status_code == 200, saved.text
        fast = await api.get(saved.json()["ChatSessionId"])
        assert fast.status_code == 200, fast.text
        fast_id = fast.headers["x-request-id"]
        slow_ids = [r.__dict__.get("request_id") for r in caplog.records if r.name == "sochat.slow"]
        assert slow_ids == [saved.headers["x-request-id"]]
        assert fast_id not in caplog.text
        _, samples = await _scrape(api)
        assert samples["sochat_slow_calls_total"] == {_labels(route=SAVE, method="POST"): 1.0}
        assert samples["sochat_requests_total"][_labels(route=GET, method="POST", status="200")] == 1.0


async def test_threshold_override_is_per_route(open_api, caplog):
    """An 80 ms save is not slow when the 50 ms override names another route (default 5000 ms applies)."""
    caplog.set_level(logging.WARNING, logger="sochat.slow")
    async with open_api(slow_thresholds="GetChatSessionEntity=50", faults="SaveChatSessionEntity=delay:80") as api:
        response = await api.save({"ChatSessionId": 0})
        assert response.status_code == 200, response.text
        assert [r for r in caplog.records if r.name == "sochat.slow"] == []
        _, samples = await _scrape(api)
        assert sum(samples.get("sochat_slow_calls_total", {}).values()) == 0


async def test_global_threshold_setting(open_api, caplog):
    """slow_threshold_ms=50 with no override makes the delayed save slow."""
    caplog.set_level(logging.WARNING, logger="sochat.slow")
    async with open_api(slow_threshold_ms=50, faults="SaveChatSessionEntity=delay:80") as api:
        response = await api.save({"ChatSessionId": 0})
        assert response.status_code == 200, response.text
        [record] = [r for r in caplog.records if r.name == "sochat.slow"]
        assert vars(record)["request_id"] == response.headers["x-request-id"]
        assert vars(record)["threshold_ms"] == 50


async def test_error_fault_answers_503_and_stores_nothing(open_api):
    """faults='SaveChatSessionEntity=error:1.0' answers 503 with SuperOffice's error body; nothing is stored."""
    async with open_api(faults="SaveChatSessionEntity=error:1.0") as api:
        before = api.row_count()
        for _ in range(3):
            response = await api.save({"ChatSessionId": 0, "CustomerName": "must not be stored"})
            message = error_message(response, 503)
            assert "nothing" in message.lower()
            assert response.json()["ErrorType"] == "SoServiceUnavailableException"
            assert response.headers["x-request-id"]
        assert api.row_count() == before
        # Other routes are untouched: the REST resource still creates.
        created = await api.client.post(
            "/api/v1/ChatSession", json={"CustomerName": "via REST"}, headers={"Authorization": AUTH}
        )
        assert created.status_code == 200, created.text
        assert api.row_count() == before + 1
        _, samples = await _scrape(api)
        assert samples["sochat_requests_total"][_labels(route=SAVE, method="POST", status="503")] == 3.0


async def test_error_fault_still_needs_authentication(open_api):
    """The fault applies after authentication: an anonymous save is 401, not 503."""
    async with open_api(faults="SaveChatSessionEntity=error:1.0") as api:
        response = await api.client.post(SAVE, json={"ChatSessionId": 0})
        error_message(response, 401)


async def test_metrics_parse_and_match_what_was_done(api):
    """/metrics parses with prometheus-client and shows requests, latency, database time and sessions by status."""
    plan = {"InQueue": 2, "Closed": 1, "Finished": 3, "CustomerLast": 1}
    ids = []
    for status, count in plan.items():
        for _ in range(count):
            ids.append((await api.save_ok({"ChatSessionId": 0, "Status": status}))["ChatSessionId"])
    error_message(await api.client.post(SAVE, json={"ChatSessionId": 0}), 401)
    error_message(await api.save({"ChatSessionId": 0, "Status": "NoSuchStatus"}), 400)
    assert (await api.get(999_999)).json() is None
    error_message(await api.client.get("/api/v1/NoSuchThing", headers={"Authorization": AUTH}), 404)

    families, samples = await _scrape(api)
    assert families["sochat_requests"] == "counter"
    assert families["sochat_request_duration_seconds"] == "histogram"
    assert families["sochat_slow_calls"] == "counter"
    assert families["sochat_database_seconds"] == "histogram"
    assert families["sochat_chat_sessions"] == "gauge"

    requests = samples["sochat_requests_total"]
    assert requests[_labels(route=SAVE, method="POST", status="200")] == 7.0
    assert requests[_labels(route=SAVE, method="POST", status="401")] == 1.0
    assert requests[_labels(route=SAVE, method="POST", status="400")] == 1.0
    assert requests[_labels(route=GET, method="POST", status="200")] == 1.0
    assert requests[_labels(route="unmatched", method="GET", status="404")] == 1.0

    save_latency = _labels(route=SAVE, method="POST")
    buckets = sorted(
        (float(dict(labels)["le"]), value)
        for labels, value in samples["sochat_request_duration_seconds_bucket"].items()
        if (("method", "POST") in labels and ("route", SAVE) in labels)
    )
    counts = [value for _, value in buckets]
    assert counts == sorted(counts)  # cumulative
    assert buckets[-1] == (float("inf"), 9.0)
    assert samples["sochat_request_duration_seconds_count"][save_latency] == 9.0
    assert samples["sochat_request_duration_seconds_sum"][save_latency] > 0

    database = samples["sochat_database_seconds_count"]
    assert database[_labels(operation="save_chat_session")] == 7.0
    assert database[_labels(operation="get_chat_session")] >= 1.0
    assert samples["sochat_database_seconds_sum"][_labels(operation="save_chat_session")] > 0

    sessions = samples["sochat_chat_sessions"]
    assert sessions == {_labels(status=name): float(plan.get(name, 0)) for name in STATUSES}

    # The gauge follows the database at each scrape.
    deleted = await api.client.delete(f"/api/v1/ChatSession/{ids[0]}", headers={"Authorization": AUTH})
    assert deleted.status_code == 204, deleted.text
    await api.save_ok({"ChatSessionId": ids[-1], "Status": "Closed"})
    _, after = await _scrape(api)
    assert after["sochat_chat_sessions"][_labels(status="InQueue")] == 1.0
    assert after["sochat_chat_sessions"][_labels(status="CustomerLast")] == 0.0
    assert after["sochat_chat_sessions"][_labels(status="Closed")] == 2.0
    assert after["sochat_requests_total"][_labels(route="/metrics", method="GET", status="200")] == 1.0


async def test_every_answer_has_a_request_id_the_access_log_carries(open_api, caplog):
    """X-Request-Id on success, error and unauthenticated answers; the access log line has the same id."""
    caplog.set_level(logging.INFO, logger="sochat.access")
    async with open_api(faults="GetChatSessionEntity=error:1.0") as api:
        saved = await api.save({"ChatSessionId": 0})
        chat_session_id = saved.json()["ChatSessionId"]
        auth = {"Authorization": AUTH}
        responses = [
            saved,
            await api.get(chat_session_id),  # 503: injected fault
            await api.list({}),
            await api.list({"$top": "nope"}),  # 400
            await api.client.get(f"/api/v1/ChatSession/{chat_session_id}", headers=auth),
            await api.client.get("/api/v1/ChatSession/424242", headers=auth),  # 404
            await api.client.post(SAVE, json={}),  # 401
            await api.client.post(SAVE, json={}, headers={"Authorization": "Basic dGplMDp3cm9uZw=="}),  # 401
            await api.client.put(SAVE, json={}, headers=auth),  # 405
            await api.client.get("/nowhere"),  # 404
            await api.save({"ChatSessionId": 0}, headers={"Content-Type": "image/png"}),  # 415
            await api.client.get(SAVE, headers=auth),  # the method's description
            await api.client.get("/health/live"),
            await api.client.get("/health/ready"),
            await api.client.get("/api/openapi.json"),
            await api.client.get("/metrics"),
        ]
        statuses = [r.status_code for r in responses]
        assert statuses == [200, 503, 200, 400, 200, 404, 401, 401, 405, 404, 415, 200, 200, 200, 200, 200]
        ids = [r.headers.get("x-request-id") for r in responses]
        assert all(ids), ids
        assert len(set(ids)) == len(ids)

        access = [r for r in caplog.records if r.name == "sochat.access"]
        by_id = {vars(r)["request_id"]: r for r in access}
        assert len(access) == len(responses)
        for response in responses:
            record = by_id[response.headers["x-request-id"]]
            line = json.loads(JsonLineFormatter().format(record))
            assert line["logger"] == "sochat.access"
            assert line["request_id"] == response.headers["x-request-id"]
            assert line["status"] == response.status_code
            assert line["method"] == response.request.method
            assert line["path"] == response.request.url.path
        assert vars(by_id[saved.headers["x-request-id"]])["user"] == "tje0"
        assert vars(by_id[responses[6].headers["x-request-id"]])["user"] == "-"
        for record in access:
            for secret in (*SECRETS, "wrong", "dGplMDp3cm9uZw=="):
                assert secret not in _record_text(record)

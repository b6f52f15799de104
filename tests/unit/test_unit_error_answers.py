"""Issue 13: domain errors know nothing of HTTP; one table at the edge (sochat.http.errors.ANSWERS) gives each its
status and SuperOffice's ErrorType, and an InvalidInput names the path of the property it is about."""

from __future__ import annotations

import json

import pytest

from sochat.domain import errors
from sochat.domain.errors import ImportConflict, InvalidInput, OAuthError, SochatError
from sochat.http.codecs.patch import apply_json_patch
from sochat.http.errors import ANSWERS, error_response, status_and_type

DOMAIN_ERRORS = [value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, SochatError)]


@pytest.mark.parametrize("kind", DOMAIN_ERRORS, ids=lambda kind: kind.__name__)
def test_every_domain_error_has_a_status_and_an_error_type(kind: type[SochatError]) -> None:
    answer = next((ANSWERS[base] for base in kind.__mro__ if base in ANSWERS), None)
    assert answer is not None, kind
    status, error_type = answer
    assert 400 <= status <= 599 and error_type.startswith("So"), (kind, answer)


def test_a_subclass_answers_as_its_nearest_listed_base() -> None:
    assert ImportConflict not in ANSWERS
    assert status_and_type(ImportConflict("taken")) == (409, "SoConflictException")


def test_oauth_invalid_client_is_401_and_its_other_codes_400() -> None:
    assert status_and_type(OAuthError("invalid_client", "unknown client"))[0] == 401
    assert status_and_type(OAuthError("invalid_grant", "wrong password"))[0] == 400
    answer = error_response(OAuthError("invalid_request", "no grant_type"))
    assert answer.status == 400
    assert json.loads(answer.body)["error"] == "invalid_request"


def test_a_patch_naming_a_missing_nested_member_names_its_path() -> None:
    document = {"ChatSessionId": 1, "User": {"AssociateId": 5}}
    patch = [{"op": "replace", "path": "/User/Nickname", "value": "x"}]
    with pytest.raises(InvalidInput) as caught:
        apply_json_patch(document, patch, max_bytes=1024 * 1024)
    assert caught.value.property_name == "User.Nickname", caught.value.message

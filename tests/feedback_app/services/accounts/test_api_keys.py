"""API keys: shown once, stored hashed, revocable, scoped to one workspace."""
import pytest

from feedback_app.models import ApiKey
from feedback_app.services.accounts import api_keys
from feedback_app.services.exceptions import NotFound, Unauthorized
from tests.factories import create_workspace


def test_create_api_key_stores_only_a_hash(db):
    workspace = create_workspace()
    api_key, raw_key = api_keys.create_api_key(workspace)
    stored = db.session.get(ApiKey, api_key.id)
    assert raw_key not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == api_keys.hash_key(raw_key)


def test_authenticate_api_key_finds_its_workspace(db):
    workspace = create_workspace()
    _, raw_key = api_keys.create_api_key(workspace)
    assert api_keys.authenticate_api_key(raw_key).workspace_id == workspace.id


@pytest.mark.parametrize("raw_key", ["", None, "fl_unknown"])
def test_authenticate_api_key_refuses_bad_keys(db, raw_key):
    with pytest.raises(Unauthorized):
        api_keys.authenticate_api_key(raw_key)


def test_revoked_key_stops_working(db):
    workspace = create_workspace()
    api_key, raw_key = api_keys.create_api_key(workspace)
    api_keys.revoke_api_key(workspace, api_key.id)
    with pytest.raises(Unauthorized):
        api_keys.authenticate_api_key(raw_key)


def test_revoke_api_key_of_another_workspace_is_not_found(db):
    owner, other = create_workspace(), create_workspace()
    api_key, _ = api_keys.create_api_key(owner)
    with pytest.raises(NotFound):
        api_keys.revoke_api_key(other, api_key.id)

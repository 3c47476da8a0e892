"""`Storage.ensure_bucket` when the bucket appears between our HEAD and our CREATE."""

import pytest
from botocore.stub import Stubber

from reelhouse.config import Settings
from reelhouse.errors import StorageError
from reelhouse.storage import Storage


def _storage(tmp_path) -> Storage:
    settings = Settings(state_dir=tmp_path, s3_endpoint="http://127.0.0.1:1",
                        s3_access_key_id="k", s3_secret_access_key="s")
    return Storage(settings)


def _stub_after_create(stub: Stubber) -> None:
    stub.add_response("get_bucket_location", {"LocationConstraint": ""})
    stub.add_response("put_bucket_cors", {})
    stub.add_response("put_bucket_lifecycle_configuration", {})


def test_a_bucket_someone_just_made_for_us_is_fine(tmp_path):
    storage = _storage(tmp_path)
    with Stubber(storage.client) as stub:
        stub.add_client_error("head_bucket", "404", http_status_code=404)
        stub.add_client_error("create_bucket", "BucketAlreadyOwnedByYou", http_status_code=409)
        _stub_after_create(stub)
        storage.ensure_bucket()
        stub.assert_no_pending_responses()


def test_a_bucket_owned_by_someone_else_is_an_error(tmp_path):
    storage = _storage(tmp_path)
    with Stubber(storage.client) as stub:
        stub.add_client_error("head_bucket", "404", http_status_code=404)
        stub.add_client_error("create_bucket", "BucketAlreadyExists", http_status_code=409)
        with pytest.raises(StorageError, match="BucketAlreadyExists"):
            storage.ensure_bucket()

"""The test-session cache of cfn-lint's packaged JSON reads each file once and notices a changed object."""

from __future__ import annotations

import cfnlint.data.AdditionalSpecs
import cfnlint.helpers
import pytest

from tests import packaged_resources
from tests.conftest import RESOURCE_CACHE


@pytest.mark.skipif(not RESOURCE_CACHE, reason="the cache is switched off (CFNLINT_EKS_SG_NO_RESOURCE_CACHE)")
def test_each_file_is_read_once_and_a_changed_object_is_noticed() -> None:
    assert cfnlint.helpers.load_resource is packaged_resources.load_resource
    first = packaged_resources.load_resource(cfnlint.data.AdditionalSpecs, "StatefulResources.json")
    assert packaged_resources.load_resource("cfnlint.data.AdditionalSpecs", "StatefulResources.json") is first
    assert first == packaged_resources._ORIGINAL(cfnlint.data.AdditionalSpecs, "StatefulResources.json")
    assert "cfnlint.data.AdditionalSpecs/StatefulResources.json" not in packaged_resources.changed_resources()
    first["changed by a test"] = True
    try:
        assert "cfnlint.data.AdditionalSpecs/StatefulResources.json" in packaged_resources.changed_resources()
    finally:
        del first["changed by a test"]
    assert "cfnlint.data.AdditionalSpecs/StatefulResources.json" not in packaged_resources.changed_resources()

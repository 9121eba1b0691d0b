"""Schemathesis, every check on, against the hand-written document of /v1 (feedback_app.api_v1.openapi)."""
import base64
import json
import re

from feedback_app.api_v1.openapi import document
from tests.api.fuzzing import run_schemathesis, summary
from tests.api.test_openapi_contract import BOUNDS, fuzz_url, seed_workspace  # noqa: F401  (fuzz_url: a fixture)


def test_v1_document_lists_every_json_route(app):
    documented = {("/v1" + path, method.upper()) for path, item in document()["paths"].items() for method in item}
    served = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api_v1.") and rule.rule.endswith(".json")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served


def test_v1_honours_its_openapi_document(db, fuzz_url, tmp_path):  # noqa: F811
    raw_key = seed_workspace()
    location = tmp_path / "v1-openapi.json"
    location.write_text(json.dumps(document()))
    basic = base64.b64encode(f"{raw_key}:".encode()).decode()
    report = run_schemathesis(location, f"{fuzz_url}/v1", ["-H", f"Authorization: Basic {basic}"],
                              report_path=tmp_path / "v1.json", **BOUNDS)
    assert report["operations"]["tested"] == report["operations"]["total"]
    assert not report["failures"] and not report["errors"], "\n".join(summary("/v1", report)) + report["output"][
        -8000:]

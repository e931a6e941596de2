"""No two schema types of the API share a name.

django-ninja files every request and response type under ``#/components/schemas/<class name>``:
two different classes with one name (an app's ``Method`` enum and another's) silently become
one, and the document then describes one of them wrongly. Found by the fuzzer twice; this test
names the clash directly.
"""

from __future__ import annotations

import json
from collections import defaultdict

from pydantic import BaseModel

from phiward.api import api

REF = "#/components/schemas/{model}"


def _definitions() -> dict[str, set[str]]:
    """Each schema name -> the distinct JSON schemas that use it."""
    found: dict[str, set[str]] = defaultdict(set)
    models: list[type[BaseModel]] = []
    for bound in api._get_bound_routers():
        for view in bound.path_operations.values():
            for operation in view.operations:
                models.extend(operation.models)
                models.extend(m for m in operation.response_models.values() if isinstance(m, type))
    for model in models:
        document = model.model_json_schema(ref_template=REF)
        for name, definition in document.pop("$defs", {}).items():
            found[name].add(json.dumps(definition, sort_keys=True))
    return found


def test_every_schema_name_means_one_thing() -> None:
    clashes = {name: len(shapes) for name, shapes in _definitions().items() if len(shapes) > 1}
    assert not clashes, f"schema names used by different types (rename one): {clashes}"

"""What the OpenAPI document says about errors: the problem answers every operation can give.

Operations declare the errors of their own logic (403, 404, 422 from the model's rules). The
protocol errors django-ninja and Django give before an operation runs are the same everywhere
and are added here, so the document is complete for every operation, present and future:

- 400 when the request cannot be read (malformed JSON, a multipart body without boundary, NUL
  characters in the path, query or body);
- 401 when an operation needs authentication and the request has none;
- 413 when the request body is larger than the upload limit;
- 422 when a parameter or the body does not fit the operation's schema.

Every error answer is an RFC 9457 problem (``application/problem+json``).
"""

from __future__ import annotations

from collections.abc import MutableMapping

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ProblemOut"}

_PROTOCOL_ERRORS = {
    "400": "The request cannot be read",
    "401": "Authentication is required",
    "413": "The request body is larger than the upload limit",
    "422": "A parameter or the body does not fit the operation's schema",
}
_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

JsonObject = MutableMapping[str, object]


def _objects(value: object) -> list[tuple[str, JsonObject]]:
    """The (key, object) members of a JSON object; other values have none."""
    if not isinstance(value, MutableMapping):
        return []
    return [(str(k), v) for k, v in value.items() if isinstance(v, MutableMapping)]


def _applies(status: str, operation: JsonObject, secured: bool) -> bool:
    if status == "400":
        return True
    if status == "413":
        return "requestBody" in operation
    if status == "401":
        return secured
    return bool(operation.get("parameters")) or "requestBody" in operation


def describe_problems(document: JsonObject, json_media_type: str) -> None:
    """Document error answers as problem+json and add the protocol errors, in place."""
    default_security = bool(document.get("security"))
    for _path, path_item in _objects(document.get("paths")):
        for method, operation in _objects(path_item):
            if method not in _HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            assert isinstance(responses, MutableMapping)
            secured = bool(operation.get("security", default_security))
            for status, description in _PROTOCOL_ERRORS.items():
                if status not in responses and _applies(status, operation, secured):
                    responses[status] = {
                        "description": description,
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": dict(PROBLEM_SCHEMA)}},
                    }
            for status, response in _objects(responses):
                content = response.get("content")
                is_error = status.isdigit() and int(status) >= 400
                if is_error and isinstance(content, MutableMapping) and json_media_type in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop(json_media_type)

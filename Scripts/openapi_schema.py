"""OpenAPI 3.0 and Swagger 2.0 schema objects as JSON Schema, for jsonschema: shared by Scripts/craft-shapes.py
(Craft.io's document) and Scripts/check-contracts.py (the dev tools' documents)."""


def convert(node, strict=False, urn="", microsoft=False):
    """OpenAPI/Swagger schema objects to JSON Schema: `nullable: true` becomes a null alternative, local $refs become
    absolute (`urn`), `x-nullable` too. With `strict`, an inline object schema that declares properties allows no
    others (a request's misspelled field must fail).

    `microsoft`: Microsoft's specs are generated from .NET types, where `{"type": "object"}` alone stands for
    System.Object (any value: a work item field's value, a patch operation's value), and a type deriving from a list
    (JsonPatchDocument: List<JsonPatchOperation>) is an object whose allOf is that array: both read as they are meant."""
    if isinstance(node, list):
        return [convert(item, strict, urn, microsoft) for item in node]
    if not isinstance(node, dict):
        return node
    if microsoft:
        if node.get("type") == "object" and not node.get("properties") and "additionalProperties" not in node and "allOf" not in node \
                and "$ref" not in node:
            return {}
        arrays = [branch for branch in node.get("allOf", []) if isinstance(branch, dict) and branch.get("type") == "array"]
        if node.get("type") == "object" and len(arrays) == 1 and not node.get("properties"):
            return convert(arrays[0], strict, urn, microsoft)
    result = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith("#"):
            result[key] = urn + value
        elif key in ("properties", "patternProperties", "definitions") and isinstance(value, dict):
            result[key] = {name: convert(schema, strict, urn, microsoft) for name, schema in value.items()}
        elif key == "example" or key == "examples" or key.startswith("x-") and key != "x-nullable":
            continue
        else:
            result[key] = convert(value, strict, urn, microsoft)
    if strict and "properties" in result and "additionalProperties" not in result and "allOf" not in result:
        result["additionalProperties"] = False
    if result.pop("nullable", False) or result.pop("x-nullable", False):
        if "type" in result:
            result["type"] = [result["type"], "null"] if isinstance(result["type"], str) else result["type"] + ["null"]
            if "enum" in result:
                result["enum"] = result["enum"] + [None]
        else:
            result = {"anyOf": [result, {"type": "null"}]}
    return result

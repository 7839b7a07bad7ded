#!/usr/bin/env python3
"""Holds the dev-tool adapters and their simulators to the tools' published API documents.

The test suite records every exchange an adapter had with the simulators (Tests/DevToolsTests/ContractTests.swift)
and runs this on the record:

    check-contracts.py CONTRACTS_DIR EXCHANGES.json

Each exchange: {"tool", "method", "path", "query": [[name, value], ...], "headers": {lower-case name: value},
"body": JSON or null, "status": int, "response": JSON or null}. For each one:
- REST (GitHub, Jira: OpenAPI 3; Azure DevOps: Swagger 2): the operation exists for the method and path; every query
  parameter is declared and its value valid; the body validates against the request schema, with no property the
  schema does not declare (a misspelled field fails); Azure DevOps' api-version is the document's; the answer
  validates against the response schema of its status.
- GraphQL (GitHub, Linear): the document validates against the schema and its variables against their definitions;
  the answer's data is what executing the query over that data yields (every non-null field present, every value of
  its type).
- GitLab, which publishes no machine-readable description of its issues API, and the operations outside a document
  (Jira's admin webhooks): the table `UNDOCUMENTED_IN_MACHINE_FORM` below, each entry citing its documentation.
- Deliveries the simulators built (method `WEBHOOK`, path the event): GitHub's against octokit's webhook payload
  schemas (github/webhook-payload-schemas/<event>/<action>.schema.json). The other tools publish no payload schema.
Prints, per tool, the requests and responses checked; exits 1 on the first problems found (all listed).
"""
import glob
import json
import os
import re
import sys

import jsonschema
from graphql import build_ast_schema, execute, get_operation_ast, parse, validate
from graphql.execution.values import get_variable_values
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT7

from openapi_schema import convert

REST_DOCUMENTS = {
    "github": ["github/rest-subset.json"],
    "jira": ["jira/platform-subset.json"],
    "azure-devops": ["azure-devops/wit/7.1/workItemTracking.json", "azure-devops/hooks/7.1/serviceHooks.json",
                     "azure-devops/core/7.1/core.json"],
}
GRAPHQL_SCHEMAS = {"github": "github/schema.graphql", "linear": "linear/schema.graphql"}

# Operations no machine-readable document describes, with the documentation they follow. `query`: the parameters
# documented; `body`: the fields documented (a request using any other fails); `response`: fields an answer must have.
UNDOCUMENTED_IN_MACHINE_FORM = [
    # GitLab Issues API and Project webhooks (gitlab/api-docs-excerpts.md: "List project issues", "Single project issue",
    # "New issue", "List project hooks", "Add a project hook", "Edit a project hook"); per_page/page: "Pagination".
    {"tool": "gitlab", "method": "GET", "path": r"/api/v4/projects/[^/]+/issues",
     "query": {"state", "labels", "updated_after", "order_by", "sort", "per_page", "page", "iids[]"},
     "response": ["id", "iid", "project_id", "title", "state", "labels", "updated_at", "web_url"], "list": True,
     "cite": "https://docs.gitlab.com/ee/api/issues.html#list-project-issues"},
    {"tool": "gitlab", "method": "GET", "path": r"/api/v4/projects/[^/]+/issues/\d+",
     "response": ["id", "iid", "project_id", "title", "state", "labels", "updated_at", "web_url"],
     "cite": "https://docs.gitlab.com/ee/api/issues.html#single-project-issue"},
    {"tool": "gitlab", "method": "POST", "path": r"/api/v4/projects/[^/]+/issues",
     "body": {"title", "description", "labels", "issue_type", "confidential", "assignee_ids", "milestone_id", "due_date", "weight"},
     "required": ["title"], "response": ["id", "iid", "project_id", "title", "state", "labels", "web_url"],
     "cite": "https://docs.gitlab.com/ee/api/issues.html#new-issue"},
    {"tool": "gitlab", "method": "POST", "path": r"/api/v4/projects/[^/]+/issues/\d+/links",
     "body": {"target_project_id", "target_issue_iid", "link_type"}, "required": ["target_project_id", "target_issue_iid"],
     "cite": "https://docs.gitlab.com/ee/api/issue_links.html#create-an-issue-link"},
    {"tool": "gitlab", "method": "GET", "path": r"/api/v4/projects/[^/]+/hooks", "query": {"per_page", "page"},
     "response": ["id", "url"], "list": True, "cite": "https://docs.gitlab.com/ee/api/projects.html#list-project-hooks"},
    {"tool": "gitlab", "method": "POST", "path": r"/api/v4/projects/[^/]+/hooks",
     "body": {"url", "token", "issues_events", "confidential_issues_events", "push_events", "enable_ssl_verification"},
     "required": ["url"], "response": ["id", "url", "issues_events"],
     "cite": "https://docs.gitlab.com/ee/api/projects.html#add-project-hook"},
    {"tool": "gitlab", "method": "PUT", "path": r"/api/v4/projects/[^/]+/hooks/\d+",
     "body": {"url", "token", "issues_events", "confidential_issues_events", "push_events", "enable_ssl_verification"},
     "required": ["url"], "response": ["id", "url", "issues_events"],
     "cite": "https://docs.gitlab.com/ee/api/projects.html#edit-project-hook"},
    {"tool": "gitlab", "method": "GET", "path": r"/api/v4/projects/[^/]+", "response": ["id", "path_with_namespace"],
     "cite": "https://docs.gitlab.com/ee/api/projects.html#get-single-project"},
    # Jira's admin webhooks are outside the platform description: "Webhooks" (REST API for admins),
    # https://developer.atlassian.com/cloud/jira/platform/webhooks/#registering-a-webhook-using-the-jira-rest-api
    {"tool": "jira", "method": "GET", "path": r"/rest/webhooks/1\.0/webhook", "response": ["name", "url", "events"], "list": True,
     "cite": "https://developer.atlassian.com/cloud/jira/platform/webhooks/"},
    {"tool": "jira", "method": "POST", "path": r"/rest/webhooks/1\.0/webhook",
     "body": {"name", "description", "url", "events", "filters", "excludeBody", "secret"}, "required": ["name", "url", "events"],
     "response": ["self", "name", "url", "events"], "cite": "https://developer.atlassian.com/cloud/jira/platform/webhooks/"},
    {"tool": "jira", "method": "PUT", "path": r"/rest/webhooks/1\.0/webhook/\d+",
     "body": {"name", "description", "url", "events", "filters", "excludeBody", "secret"}, "required": ["name", "url", "events"],
     "response": ["self", "name", "url", "events"], "cite": "https://developer.atlassian.com/cloud/jira/platform/webhooks/"},
]

# Where the service is known to differ from its document, as its own examples show: checked against what they show.
KNOWN_DEVIATIONS = {
    # Azure DevOps' list operations are declared as bare arrays; the service and the published examples
    # (wit/7.1/httpExamples/workItems/GET__wit_work_items.json, hooks/7.1/httpExamples/subscriptions/GET__hooks_subscriptions_.json)
    # answer {"count": n, "value": [...]}.
    ("azure-devops", "list envelope"): "the answer is {count, value} around the declared array",
    # The WIQL operation is declared only under /{organization}/{project}/{team}/_apis/wit/wiql; Microsoft's
    # "Wiql - Query By Wiql" page documents {team} as optional ("Team ID or team name").
    ("azure-devops", "wiql without team"): "the {team} segment is optional",
}


class RestContract:
    """One OpenAPI 3 or Swagger 2 document: its operations by method and path, and validators over its schemas."""

    def __init__(self, path, index):
        with open(path, encoding="utf-8-sig") as handle:
            self.document = json.load(handle)
        self.name = os.path.basename(path)
        self.swagger = "swagger" in self.document
        self.version = self.document.get("info", {}).get("version")
        urn = f"urn:contract:{index}"
        self.urn = urn
        self.microsoft = self.swagger and self.document.get("host") == "dev.azure.com"
        self.registry = Registry().with_resource(
            urn, Resource(contents=convert(self.document, urn=urn, microsoft=self.microsoft), specification=DRAFT4))
        self.operations = []
        for template, item in self.document.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method, operation in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                pattern = "^" + re.sub(r"\\\{[^}]+\\\}|\\\$\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "/?$"
                self.operations.append((method.upper(), re.compile(pattern), template, operation, shared))

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            target = self.document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def find(self, method, path):
        for candidate_method, pattern, template, operation, shared in self.operations:
            if candidate_method == method and pattern.match(path):
                return template, operation, [self.resolve(p) for p in shared + operation.get("parameters", [])]
        return None

    def validate(self, schema, instance, strict):
        schema = convert(schema, strict=strict, urn=self.urn, microsoft=self.microsoft)
        validator = jsonschema.Draft4Validator(schema, registry=self.registry)
        return [f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:300]}"
                for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))[:5]]

    def request_schema(self, operation, parameters):
        if self.swagger:
            for parameter in parameters:
                if parameter.get("in") == "body":
                    return parameter.get("schema")
            return None
        body = self.resolve(operation.get("requestBody", {}))
        content = body.get("content", {})
        for media in ("application/json", "application/json-patch+json"):
            if media in content:
                return content[media].get("schema")
        return next(iter(content.values()), {}).get("schema") if content else None

    def response_schema(self, operation, status):
        responses = operation.get("responses", {})
        response = responses.get(str(status)) or responses.get("default")
        if response is None:
            return None, False
        response = self.resolve(response)
        if self.swagger:
            return response.get("schema"), True
        content = response.get("content", {})
        media = content.get("application/json") or next(iter(content.values()), None)
        return (media or {}).get("schema"), True


def check_query_value(parameter, value):
    """A query value against its declared type: integers parse, booleans are true/false, enums hold it."""
    schema = parameter.get("schema", parameter)
    kind = schema.get("type")
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        return f"'{value}' is not an integer"
    if kind == "boolean" and value not in ("true", "false"):
        return f"'{value}' is not true or false"
    if "enum" in schema and value not in [str(v) for v in schema["enum"]]:
        return f"'{value}' is not one of {schema['enum']}"
    return None


ADF_NODE_TYPES = {"doc", "paragraph", "text", "bulletList", "orderedList", "listItem", "heading", "hardBreak", "codeBlock",
                  "blockquote", "rule", "inlineCard", "mention", "emoji", "table", "tableRow", "tableCell", "tableHeader", "panel"}


def check_adf(node, where="fields.description"):
    """Atlassian Document Format's structure (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/):
    a `doc` of version 1 at the top, every node a known type, text nodes with text, content arrays of nodes."""
    problems = []
    if where == "fields.description" and (node.get("type") != "doc" or node.get("version") != 1):
        problems.append(f"{where}: an ADF document is {{type: doc, version: 1, content: [...]}}")
    if not isinstance(node, dict) or node.get("type") not in ADF_NODE_TYPES:
        return problems + [f"{where}: unknown ADF node {node.get('type') if isinstance(node, dict) else node!r}"]
    if node["type"] == "text" and not isinstance(node.get("text"), str):
        problems.append(f"{where}: a text node without text")
    for index, child in enumerate(node.get("content", [])):
        problems += check_adf(child, f"{where}/content/{index}")
    return problems


def check_rest(exchange, contracts, counts):
    tool, method, path = exchange["tool"], exchange["method"], exchange["path"]
    found = None
    for contract in contracts:
        found = contract.find(method, path)
        if found:
            break
    if found is None and tool == "azure-devops" and path.endswith("/_apis/wit/wiql"):
        # KNOWN_DEVIATIONS ("wiql without team"): matched as the operation with {team}.
        with_team = path.replace("/_apis/wit/wiql", "/team/_apis/wit/wiql")
        for contract in contracts:
            found = contract.find(method, with_team)
            if found:
                break
    if found is None:
        return [f"{method} {path}: no documented operation"]
    template, operation, parameters = found
    problems = []
    declared = {p["name"]: p for p in parameters if p.get("in") == "query"}
    for name, value in exchange.get("query", []):
        parameter = declared.get(name)
        if parameter is None:
            problems.append(f"{method} {template}: query parameter '{name}' is not declared")
            continue
        problem = check_query_value(parameter, value)
        if problem:
            problems.append(f"{method} {template}: query {name}: {problem}")
        if name == "api-version" and contract.version and value.split("-")[0] != contract.version:
            problems.append(f"{method} {template}: api-version {value}, the document is {contract.version}")
    for name, parameter in declared.items():
        if parameter.get("required") and name not in {n for n, _ in exchange.get("query", [])}:
            problems.append(f"{method} {template}: required query parameter '{name}' is missing")
    schema = contract.request_schema(operation, parameters)
    if exchange.get("body") is not None:
        if schema is None:
            problems.append(f"{method} {template}: sends a body the operation does not take")
        else:
            problems += [f"{method} {template} request {p}" for p in contract.validate(schema, exchange["body"], strict=True)]
        fields = exchange["body"].get("fields") if isinstance(exchange["body"], dict) else None
        description = fields.get("description") if isinstance(fields, dict) else None
        if tool == "jira" and description is not None:
            problems += [f"{method} {template} request {p}" for p in check_adf(description)]
    counts["requests"] += 1
    status, response = exchange.get("status"), exchange.get("response")
    if status and response is not None:
        response_schema, declared_status = contract.response_schema(operation, status)
        if not declared_status:
            problems.append(f"{method} {template}: status {status} is not a documented answer")
        elif response_schema is not None:
            instance = response
            if tool == "azure-devops" and isinstance(response, dict) and "value" in response and \
                    contract.resolve(response_schema).get("type") == "array":
                instance = response["value"]  # KNOWN_DEVIATIONS ("list envelope")
            problems += [f"{method} {template} answer {status} {p}" for p in contract.validate(response_schema, instance, strict=False)]
            counts["responses"] += 1
    return problems


def check_table(exchange, counts):
    method, path = exchange["method"], exchange["path"]
    for entry in UNDOCUMENTED_IN_MACHINE_FORM:
        if entry["tool"] == exchange["tool"] and entry["method"] == method and re.fullmatch(entry["path"], path):
            break
    else:
        return None
    problems = []
    where = f"{method} {entry['path']} ({entry['cite']})"
    for name, _ in exchange.get("query", []):
        if name not in entry.get("query", set()):
            problems.append(f"{where}: query parameter '{name}' is not documented")
    body = exchange.get("body")
    if body is not None:
        if not isinstance(body, dict) or "body" not in entry:
            problems.append(f"{where}: sends a body the operation does not take")
        else:
            problems += [f"{where}: body field '{field}' is not documented" for field in body if field not in entry["body"]]
            problems += [f"{where}: body field '{field}' is required" for field in entry.get("required", []) if field not in body]
    counts["requests"] += 1
    response = exchange.get("response")
    if response is not None and 200 <= (exchange.get("status") or 0) < 300 and "response" in entry:
        for item in (response if entry.get("list") else [response]):
            problems += [f"{where}: answer lacks '{field}'" for field in entry["response"] if not isinstance(item, dict) or field not in item]
        counts["responses"] += 1
    return problems


def resolve_type(value, info, abstract_type):
    """Which object type a value of an interface or union is: its __typename, else the first possible type whose
    fields include every key the value has."""
    if isinstance(value, dict) and "__typename" in value:
        return value["__typename"]
    keys = set(value) if isinstance(value, dict) else set()
    for candidate in info.schema.get_possible_types(abstract_type):
        if keys <= set(candidate.fields):
            return candidate.name
    return None


def check_graphql(exchange, schema, counts):
    body = exchange.get("body") or {}
    document_text, variables = body.get("query"), body.get("variables") or {}
    where = f"{exchange['tool']} GraphQL"
    if not isinstance(document_text, str):
        return [f"{where}: the body has no query"]
    try:
        document = parse(document_text)
    except Exception as error:  # noqa: BLE001 - graphql-core's syntax error
        return [f"{where}: does not parse: {error}"]
    problems = [f"{where}: {error.message}" for error in validate(schema, document)]
    operation = get_operation_ast(document, body.get("operationName"))
    name = operation.name.value if operation and operation.name else "(anonymous)"
    if not problems and operation is not None:
        coerced = get_variable_values(schema, operation.variable_definitions or [], variables)
        if isinstance(coerced, list):
            problems += [f"{where} {name} variables: {error.message}" for error in coerced]
    counts["requests"] += 1
    response = exchange.get("response")
    if not problems and isinstance(response, dict) and isinstance(response.get("data"), dict) and not response.get("errors"):
        result = execute(schema, document, root_value=response["data"], variable_values=variables,
                         operation_name=body.get("operationName"), type_resolver=resolve_type)
        problems += [f"{where} {name} answer: {error.message} at {'/'.join(str(p) for p in error.path or [])}" for error in result.errors or []]
        if not result.errors and json.loads(json.dumps(result.data)) != strip_extra(response["data"], result.data):
            problems.append(f"{where} {name} answer: values do not keep their types when read by the schema")
        counts["responses"] += 1
    return problems


class PayloadSchemas:
    """octokit's webhook payload schemas, each registered under its file's URI so their relative $refs resolve."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        # A $ref names a file relative to its own folder or to the schemas' root (`common/issue.schema.json` from
        # `issues/closed.schema.json`): a reference that is not a file below its folder is looked for below the root.
        def retrieve(uri):
            path = uri.removeprefix("file://")
            if not os.path.exists(path):
                relative = os.path.relpath(path, self.root).split(os.sep)
                path = os.path.join(self.root, *relative[1:])
            document = json.load(open(path))
            document["$id"] = uri
            return Resource(contents=document, specification=DRAFT7)

        self.registry = Registry(retrieve=retrieve)

    def check(self, exchange, counts):
        event, body = exchange["path"], exchange.get("body") or {}
        action = body.get("action") if isinstance(body, dict) else None
        path = os.path.join(self.root, event, f"{action}.schema.json")
        if not os.path.exists(path):
            return [f"delivery {event}.{action}: no published payload schema"]
        validator = jsonschema.Draft7Validator({"$ref": "file://" + path}, registry=self.registry)
        counts["deliveries"] = counts.get("deliveries", 0) + 1
        return [f"delivery {event}.{action} {'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:300]}"
                for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))[:8]]


def strip_extra(answer, shape):
    """`answer` without what the query did not ask for (a fake may say more, as long as what was asked is right)."""
    if isinstance(shape, dict) and isinstance(answer, dict):
        return {key: strip_extra(answer.get(key), value) for key, value in shape.items()}
    if isinstance(shape, list) and isinstance(answer, list):
        return [strip_extra(a, s) for a, s in zip(answer, shape)]
    return answer


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    root, record = sys.argv[1], sys.argv[2]
    exchanges = json.load(open(record))
    # Only the documents the record needs are read: a GraphQL schema of a megabyte takes seconds to build.
    tools = {exchange["tool"] for exchange in exchanges}
    graphql_tools = {e["tool"] for e in exchanges if e["method"] == "POST" and e["path"].endswith("/graphql")}
    rest = {tool: [RestContract(os.path.join(root, path), f"{tool}-{index}") for index, path in enumerate(paths)]
            for tool, paths in REST_DOCUMENTS.items() if tool in tools}
    graphql = {tool: build_ast_schema(parse(open(os.path.join(root, path)).read()), assume_valid_sdl=True)
               for tool, path in GRAPHQL_SCHEMAS.items() if tool in graphql_tools}
    payloads = PayloadSchemas(os.path.join(root, "github", "webhook-payload-schemas")) \
        if any(e["method"] == "WEBHOOK" for e in exchanges) else None
    counts, problems = {}, []
    for exchange in exchanges:
        tool = exchange["tool"]
        tally = counts.setdefault(tool, {"requests": 0, "responses": 0})
        if exchange["method"] == "WEBHOOK":
            found = payloads.check(exchange, tally) if tool == "github" else []
        elif exchange["method"] == "POST" and exchange["path"].endswith("/graphql") and tool in graphql:
            found = check_graphql(exchange, graphql[tool], tally)
        else:
            found = check_table(exchange, tally)
            if found is None:
                found = check_rest(exchange, rest[tool], tally) if tool in rest else [f"{exchange['method']} {exchange['path']}: no documented operation"]
        problems += [f"{tool}: {problem}" for problem in found]
    for tool, tally in sorted(counts.items()):
        deliveries = f", {tally['deliveries']} deliveries checked" if "deliveries" in tally else ""
        print(f"{tool}: {tally['requests']} requests checked, {tally['responses']} responses checked{deliveries}")
    seen = []
    for problem in problems:
        if problem not in seen:
            seen.append(problem)
    for problem in seen:
        print(f"FAIL {problem}")
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main())

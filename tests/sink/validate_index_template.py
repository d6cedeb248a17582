#!/usr/bin/env python3
"""Check an Elasticsearch 8 composable index template (PUT _index_template/<name> body).

    python3 validate_index_template.py schemas/es-index-template.json
    python3 validate_index_template.py --self-test [schemas/es-index-template.json]

Prints "ok" and exits 0 when the template is valid and maps the fields klaxon sink-es
relies on (@timestamp date, message text, tags/type/host keyword); otherwise prints each
problem and exits 1. --self-test feeds broken templates to the checker and fails if any is
accepted (and, given a file, checks that file too). Python 3 standard library only.
"""
import copy
import json
import re
import sys

# Body of PUT _index_template/<name> (Elasticsearch 8 "Create or update index template").
TOP_LEVEL_KEYS = {
    "index_patterns", "template", "composed_of", "priority", "version", "_meta",
    "data_stream", "allow_auto_create", "ignore_missing_component_templates", "deprecated",
}
TEMPLATE_KEYS = {"settings", "mappings", "aliases"}

# Field data types of Elasticsearch 8 (reference: "Field data types"), including the
# ones that come with the default distribution's modules.
FIELD_TYPES = {
    "aggregate_metric_double", "alias", "binary", "boolean", "byte", "completion",
    "constant_keyword", "counted_keyword", "date", "date_nanos", "date_range", "dense_vector",
    "double", "double_range", "flattened", "float", "float_range", "geo_point", "geo_shape",
    "half_float", "histogram", "integer", "integer_range", "ip", "ip_range", "join", "keyword",
    "long", "long_range", "match_only_text", "nested", "object", "passthrough", "percolator",
    "point", "rank_feature", "rank_features", "scaled_float", "search_as_you_type",
    "semantic_text", "shape", "short", "sparse_vector", "text", "token_count", "unsigned_long",
    "version", "wildcard",
    # plugins commonly installed
    "annotated_text", "icu_collation_keyword", "murmur3",
}
# Root-level mapping parameters (besides properties and dynamic_templates).
MAPPING_ROOT_KEYS = {
    "properties", "dynamic_templates", "dynamic", "_source", "_routing", "_meta",
    "date_detection", "numeric_detection", "dynamic_date_formats", "runtime", "_field_names",
    "enabled", "subobjects", "_data_stream_timestamp",
}
DYNAMIC_VALUES = {True, False, "true", "false", "strict", "runtime"}
# Dynamic template conditions and body.
DT_CONDITIONS = {
    "match", "unmatch", "path_match", "path_unmatch", "match_mapping_type",
    "unmatch_mapping_type",
}
DT_KEYS = DT_CONDITIONS | {"match_pattern", "mapping", "runtime"}
DT_MAPPING_TYPES = {"*", "string", "long", "double", "boolean", "date", "object", "binary"}

# What klaxon sink-es needs (schemas/es-index-template.json, /tmp design contract).
REQUIRED_FIELDS = {
    "@timestamp": "date",
    "message": "text",
    "tags": "keyword",
    "type": "keyword",
    "host": "keyword",
}

TIME_VALUE = re.compile(r"^(-1|0|\d+(nanos|micros|ms|s|m|h|d))$")
# Elasticsearch refuses these in index patterns ('*' is the wildcard and allowed).
PATTERN_FORBIDDEN = set(' ,"\\/?<>|#:')


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def flatten_settings(settings, prefix=""):
    """{"index": {"number_of_shards": 1}} -> {"index.number_of_shards": 1}"""
    out = {}
    for k, v in settings.items():
        key = prefix + k
        if isinstance(v, dict):
            out.update(flatten_settings(v, key + "."))
        else:
            out[key] = v
    return out


def as_int(v):
    if is_int(v):
        return v
    if isinstance(v, str) and re.fullmatch(r"\d+", v):
        return int(v)
    return None


def check_settings(settings, problems):
    if not isinstance(settings, dict):
        problems.append("template.settings: must be an object")
        return
    flat = flatten_settings(settings)
    for key, value in flat.items():
        name = key if key.startswith("index.") else "index." + key
        if name == "index.number_of_shards":
            n = as_int(value)
            if n is None or n < 1:
                problems.append(f"template.settings.{key}: must be a positive integer")
        elif name == "index.number_of_replicas":
            n = as_int(value)
            if n is None or n < 0:
                problems.append(f"template.settings.{key}: must be a non-negative integer")
        elif name == "index.refresh_interval":
            if not (isinstance(value, str) and TIME_VALUE.match(value)) and value != -1:
                problems.append(f"template.settings.{key}: must be a time value like 5s or -1")


def check_field(path, spec, problems, multi_field=False):
    if not isinstance(spec, dict):
        problems.append(f"{path}: must be an object")
        return
    ftype = spec.get("type")
    if ftype is None:
        if "properties" not in spec:
            problems.append(f"{path}: needs a type (or properties for an object)")
    elif not isinstance(ftype, str) or ftype not in FIELD_TYPES:
        problems.append(f"{path}.type: unknown field type {ftype!r}")
    if "properties" in spec:
        if multi_field:
            problems.append(f"{path}: a multi-field cannot have properties")
        elif ftype not in (None, "object", "nested"):
            problems.append(f"{path}: properties are only allowed on object or nested fields")
        check_properties(path + ".properties", spec["properties"], problems)
    if "fields" in spec:
        fields = spec["fields"]
        if multi_field:
            problems.append(f"{path}: a multi-field cannot have fields")
        elif not isinstance(fields, dict):
            problems.append(f"{path}.fields: must be an object")
        else:
            for name, sub in fields.items():
                check_field(f"{path}.fields.{name}", sub, problems, multi_field=True)
    if "dynamic" in spec and spec["dynamic"] not in DYNAMIC_VALUES:
        problems.append(f"{path}.dynamic: must be true, false, strict or runtime")


def check_properties(path, props, problems):
    if not isinstance(props, dict):
        problems.append(f"{path}: must be an object")
        return
    for name, spec in props.items():
        if not isinstance(name, str) or not name.strip() or name.startswith(".") \
                or name.endswith(".") or ".." in name:
            problems.append(f"{path}: invalid field name {name!r}")
            continue
        check_field(f"{path}.{name}", spec, problems)


def check_dynamic_templates(path, dts, problems):
    if not isinstance(dts, list):
        problems.append(f"{path}: must be a list")
        return
    for i, entry in enumerate(dts):
        where = f"{path}[{i}]"
        if not isinstance(entry, dict) or len(entry) != 1:
            problems.append(f"{where}: must be an object with exactly one key (the template's name)")
            continue
        (name, body), = entry.items()
        where = f"{path}[{i}] ({name})"
        if not isinstance(body, dict):
            problems.append(f"{where}: must be an object")
            continue
        for key in body:
            if key not in DT_KEYS:
                problems.append(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(DT_KEYS))})")
        if not DT_CONDITIONS & body.keys():
            problems.append(f"{where}: needs a match condition ({', '.join(sorted(DT_CONDITIONS))})")
        for key in ("match_mapping_type", "unmatch_mapping_type"):
            if key in body:
                values = body[key] if isinstance(body[key], list) else [body[key]]
                for v in values:
                    if v not in DT_MAPPING_TYPES:
                        problems.append(f"{where}.{key}: {v!r} is not a JSON type "
                                        f"({', '.join(sorted(DT_MAPPING_TYPES))})")
        if "match_pattern" in body and body["match_pattern"] not in ("simple", "regex"):
            problems.append(f"{where}.match_pattern: must be simple or regex")
        if ("mapping" in body) == ("runtime" in body):
            problems.append(f"{where}: needs exactly one of mapping or runtime")
        mapping = body.get("mapping")
        if mapping is not None:
            if not isinstance(mapping, dict):
                problems.append(f"{where}.mapping: must be an object")
            else:
                mtype = mapping.get("type")
                # {dynamic_type} is replaced by the detected type at mapping time.
                if mtype is not None and mtype not in FIELD_TYPES \
                        and mtype not in ("{dynamic_type}", "{dynamicType}"):
                    problems.append(f"{where}.mapping.type: unknown field type {mtype!r}")
                if "fields" in mapping:
                    if not isinstance(mapping["fields"], dict):
                        problems.append(f"{where}.mapping.fields: must be an object")
                    else:
                        for sub, spec in mapping["fields"].items():
                            check_field(f"{where}.mapping.fields.{sub}", spec, problems,
                                        multi_field=True)


def check_mappings(mappings, problems):
    if not isinstance(mappings, dict):
        problems.append("template.mappings: must be an object")
        return
    for key in mappings:
        if key not in MAPPING_ROOT_KEYS:
            problems.append(f"template.mappings: unknown key {key!r}")
    if "dynamic" in mappings and mappings["dynamic"] not in DYNAMIC_VALUES:
        problems.append("template.mappings.dynamic: must be true, false, strict or runtime")
    if "properties" in mappings:
        check_properties("template.mappings.properties", mappings["properties"], problems)
    if "dynamic_templates" in mappings:
        check_dynamic_templates("template.mappings.dynamic_templates",
                                mappings["dynamic_templates"], problems)


def field_type(mappings, dotted):
    """The type of a top-level or dotted field name in properties, or None."""
    props = mappings.get("properties") if isinstance(mappings, dict) else None
    if not isinstance(props, dict):
        return None
    if isinstance(props.get(dotted), dict):  # "@timestamp", or a dotted name as written
        return props[dotted].get("type", "object" if "properties" in props[dotted] else None)
    parts = dotted.split(".")
    spec = None
    for part in parts:
        if not isinstance(props, dict) or not isinstance(props.get(part), dict):
            return None
        spec = props[part]
        props = spec.get("properties")
    return spec.get("type", "object" if "properties" in spec else None)


def validate(t):
    problems = []
    if not isinstance(t, dict):
        return ["the template must be a JSON object"]
    for key in t:
        if key not in TOP_LEVEL_KEYS:
            problems.append(f"unknown top-level key {key!r} (allowed: {', '.join(sorted(TOP_LEVEL_KEYS))})")

    if "index_patterns" not in t:
        problems.append("index_patterns: required")
    else:
        pats = t["index_patterns"]
        if not isinstance(pats, list) or not pats:
            problems.append("index_patterns: must be a non-empty list of strings")
        else:
            for p in pats:
                if not isinstance(p, str) or not p:
                    problems.append(f"index_patterns: {p!r} is not a non-empty string")
                    continue
                bad = sorted(set(p) & PATTERN_FORBIDDEN)
                if bad:
                    problems.append(f"index_patterns: {p!r} contains {' '.join(repr(c) for c in bad)}")
                if p != p.lower():
                    problems.append(f"index_patterns: {p!r} must be lowercase")
                if p.startswith(("_", "-", "+")):
                    problems.append(f"index_patterns: {p!r} must not start with _, - or +")

    if "priority" in t and (not is_int(t["priority"]) or t["priority"] < 0):
        problems.append("priority: must be a non-negative integer")
    if "version" in t and (not is_int(t["version"]) or t["version"] < 0):
        problems.append("version: must be a non-negative integer")
    for key in ("composed_of", "ignore_missing_component_templates"):
        if key in t and (not isinstance(t[key], list)
                         or not all(isinstance(x, str) and x for x in t[key])):
            problems.append(f"{key}: must be a list of component template names")
    for key in ("_meta", "data_stream"):
        if key in t and not isinstance(t[key], dict):
            problems.append(f"{key}: must be an object")
    for key in ("allow_auto_create", "deprecated"):
        if key in t and not isinstance(t[key], bool):
            problems.append(f"{key}: must be true or false")

    template = t.get("template")
    mappings = {}
    if template is None:
        if not t.get("composed_of"):
            problems.append("template: required (this template composes no component template)")
    elif not isinstance(template, dict):
        problems.append("template: must be an object")
    else:
        for key in template:
            if key not in TEMPLATE_KEYS:
                problems.append(f"template: unknown key {key!r} (allowed: settings, mappings, aliases)")
        if "settings" in template:
            check_settings(template["settings"], problems)
        if "aliases" in template and not isinstance(template["aliases"], dict):
            problems.append("template.aliases: must be an object")
        if "mappings" in template:
            mappings = template["mappings"]
            check_mappings(mappings, problems)

    for field, want in REQUIRED_FIELDS.items():
        got = field_type(mappings, field)
        if got != want:
            problems.append(f"template.mappings.properties.{field}: must be mapped as {want}"
                            f" (found {got if got else 'nothing'})")
    return problems


def main_check(path):
    try:
        with open(path, encoding="utf-8") as f:
            template = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: {e}")
        return 1
    problems = validate(template)
    for p in problems:
        print(f"{path}: {p}")
    if problems:
        return 1
    print("ok")
    return 0


def self_test(path=None):
    good = {
        "index_patterns": ["logstash-*"],
        "priority": 210,
        "_meta": {"description": "test", "managed_by": "klaxon"},
        "template": {
            "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 1,
                                   "refresh_interval": "5s"}},
            "mappings": {
                "dynamic_templates": [{"strings": {
                    "match_mapping_type": "string",
                    "mapping": {"type": "keyword", "fields": {"text": {"type": "text"}}}}}],
                "properties": {
                    "@timestamp": {"type": "date"}, "message": {"type": "text"},
                    "tags": {"type": "keyword"}, "type": {"type": "keyword"},
                    "host": {"type": "keyword"},
                    "geo": {"properties": {"ip": {"type": "ip"}}},
                },
            },
        },
    }

    def broken(change):
        t = copy.deepcopy(good)
        change(t)
        return t

    def props(t):
        return t["template"]["mappings"]["properties"]

    dts = lambda t: t["template"]["mappings"]["dynamic_templates"]  # noqa: E731
    # name: (template, a text the problem list must contain)
    cases = {
        "unknown top-level key": (broken(lambda t: t.update(index_pattern=["x-*"])),
                                  "unknown top-level key 'index_pattern'"),
        "missing index_patterns": (broken(lambda t: t.pop("index_patterns")),
                                   "index_patterns: required"),
        "empty index_patterns": (broken(lambda t: t.update(index_patterns=[])),
                                 "non-empty list"),
        "index_patterns a string": (broken(lambda t: t.update(index_patterns="logstash-*")),
                                    "non-empty list"),
        "index pattern with a comma": (broken(lambda t: t.update(index_patterns=["a-*,b-*"])),
                                       "contains ','"),
        "uppercase index pattern": (broken(lambda t: t.update(index_patterns=["Logstash-*"])),
                                    "must be lowercase"),
        "index pattern with a space": (broken(lambda t: t.update(index_patterns=["logstash *"])),
                                       "contains ' '"),
        "negative priority": (broken(lambda t: t.update(priority=-1)), "priority:"),
        "priority as a string": (broken(lambda t: t.update(priority="200")), "priority:"),
        "unknown key in template": (broken(lambda t: t["template"].update(setting={})),
                                    "template: unknown key 'setting'"),
        "unknown field type": (broken(lambda t: props(t).update(path={"type": "string"})),
                               "properties.path.type: unknown field type 'string'"),
        "bad type in a nested object": (
            broken(lambda t: props(t)["geo"]["properties"].update(ip={"type": "ipv4"})),
            "geo.properties.ip.type: unknown field type 'ipv4'"),
        "bad multi-field type": (
            broken(lambda t: props(t).update(
                path={"type": "keyword", "fields": {"t": {"type": "txt"}}})),
            "path.fields.t.type: unknown field type 'txt'"),
        "@timestamp as text": (broken(lambda t: props(t).update({"@timestamp": {"type": "text"}})),
                               "@timestamp: must be mapped as date (found text)"),
        "message missing": (broken(lambda t: props(t).pop("message")),
                            "message: must be mapped as text (found nothing)"),
        "host as text": (broken(lambda t: props(t).update(host={"type": "text"})),
                         "host: must be mapped as keyword (found text)"),
        "dynamic template with two keys": (
            broken(lambda t: dts(t).append({"a": {"match": "*", "mapping": {}},
                                            "b": {"match": "*", "mapping": {}}})),
            "exactly one key"),
        "dynamic template without a condition": (
            broken(lambda t: dts(t).append({"a": {"mapping": {"type": "keyword"}}})),
            "needs a match condition"),
        "dynamic template without a mapping": (
            broken(lambda t: dts(t).append({"a": {"match": "*_id"}})),
            "needs exactly one of mapping or runtime"),
        "dynamic template mapping an unknown type": (
            broken(lambda t: dts(t).append({"a": {"match": "*", "mapping": {"type": "string"}}})),
            "mapping.type: unknown field type 'string'"),
        "dynamic_templates not a list": (
            broken(lambda t: t["template"]["mappings"].update(dynamic_templates={})),
            "dynamic_templates: must be a list"),
        "unknown mapping root key": (
            broken(lambda t: t["template"]["mappings"].update(propertis={})),
            "template.mappings: unknown key 'propertis'"),
        "zero shards": (
            broken(lambda t: t["template"]["settings"]["index"].update(number_of_shards=0)),
            "number_of_shards: must be a positive integer"),
        "not an object": (["logstash-*"], "must be a JSON object"),
    }
    failures = []
    got = validate(good)
    if got:
        failures.append(f"the valid template was rejected: {got}")
    for name, (t, expected) in cases.items():
        got = validate(t)
        if not got:
            failures.append(f"accepted a broken template: {name}")
        elif not any(expected in p for p in got):
            failures.append(f"{name}: rejected, but not with {expected!r}: {got}")
    if path is not None:
        with open(path, encoding="utf-8") as f:
            got = validate(json.load(f))
        if got:
            failures.append(f"{path} was rejected: {got}")
    for f in failures:
        print(f"self-test: {f}")
    if failures:
        return 1
    print(f"ok: self-test rejected {len(cases)} broken templates"
          + (f" and accepted {path}" if path else ""))
    return 0


def main(argv):
    args = argv[1:]
    if args and args[0] == "--self-test" and len(args) <= 2:
        return self_test(args[1] if len(args) == 2 else None)
    if len(args) != 1 or args[0].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return main_check(args[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv))

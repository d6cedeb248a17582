#!/usr/bin/env python3
"""An Elasticsearch 8.x stand-in on loopback for klaxon sink-es's integration tests and benchmark.

It answers the REST calls the sink makes with Elasticsearch's response shapes: GET / and
/_cluster/health, PUT/GET/DELETE /_index_template/<name> (validated like composable templates and
applied to new indices), POST /_bulk and /<index>/_bulk (index, create, delete, update; gzip
bodies; each index keeps its mapping, from the template or dynamic, so a value that does not fit
its field fails the item), and GET /<index>/_count, /<index>/_doc/<id>, /<index>/_mapping,
/_cat/indices. Documents live in memory. With --basic-auth and/or --api-key, requests without
matching credentials get a 401.

Faults, set by flags (--bulk-429-every 3) or at runtime by POST /_fault {"name": value, ...}
(merged into the current ones; null resets one), cleared by POST /_fault/reset, shown by GET /_fault:
  bulk_429_every N     every Nth bulk request answers a whole-request 429
  item_429_rate P      each item fails 429 es_rejected_execution_exception with probability P
  item_503_rate P      each item fails 503 unavailable_shards_exception with probability P
  reject_field NAME    documents with top-level field NAME fail 400 (a permanent mapping error)
  max_request_bytes N  bodies above N bytes (decompressed, as http.max_content_length) get 413
  delay_ms N           sleep N ms before answering each bulk request
  drop_every N         every Nth bulk request: body read, connection closed without a response
  health_status S      green|yellow|red for /_cluster/health
  seed N               seeds the random draws behind the item rates
Items failed by a fault are never stored. Test endpoints, without auth: GET /_test/docs (NDJSON
{"_index","_id","_version","source"}), GET /_test/stats, POST /_test/reset (drops indices,
templates and counters; faults stay).

--fast (benchmarks) reads only the action lines and keeps per index the ids and their versions:
sources are neither parsed nor mapped, so only reject_field (a byte search for "NAME":) and the
item rates can fail a document. --es-version sets the version reported; from 8.8 on,
Elasticsearch reports a document that does not fit the mapping as document_parsing_exception
with a "[line:column] " prefix, before as mapper_parsing_exception.

--tls-cert/--tls-key serve https (the handshake runs on the accepting thread).

Usage: es_server.py [--port P] [--port-file F] [--record FILE] [--fast] [--es-version V]
                    [--tls-cert PEM --tls-key PEM]
                    [--basic-auth USER:PASS] [--api-key KEY] [--verbose] [--<fault> VALUE]...
Prints "ready <port>" once listening, after writing the port file.
"""
import argparse
import base64
import calendar
import copy
import ctypes
import ipaddress
import json
import math
import os
import random
import re
import sys
import threading
import time
import traceback
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULT_DEFAULTS = {"bulk_429_every": 0, "item_429_rate": 0.0, "item_503_rate": 0.0,
                  "reject_field": "", "max_request_bytes": 0, "delay_ms": 0, "drop_every": 0,
                  "health_status": "green", "seed": None}
FAULT_TYPES = {"bulk_429_every": int, "item_429_rate": float, "item_503_rate": float,
               "reject_field": str, "max_request_bytes": int, "delay_ms": int, "drop_every": int,
               "health_status": str, "seed": int}
HEALTH_RANK = {"red": 0, "yellow": 1, "green": 2}
SHARDS = {"total": 2, "successful": 1, "failed": 0}  # one primary; its replica has no node
# Exceptions that are Java's or Jackson's, not Elasticsearch's own: root_cause stops above them.
JAVA_EXCEPTIONS = {"illegal_argument_exception", "illegal_state_exception", "exception",
                   "number_format_exception", "date_time_parse_exception", "json_parse_exception"}

# ---------------------------------------------------------------------------- errors


def err(type_, reason, caused_by=None, **extra):
    """An Elasticsearch error object; extra keys with __ stand for dotted ones."""
    e = {"type": type_, "reason": reason, **{k.replace("__", "."): v for k, v in extra.items()}}
    if caused_by:
        e["caused_by"] = caused_by
    return e


class EsError(Exception):
    """A whole-request failure, answered as {"error": {...}, "status": N}."""

    def __init__(self, status, type_, reason, caused_by=None, headers=None, **extra):
        super().__init__(reason)
        self.status, self.headers = status, headers or {}
        self.error = err(type_, reason, caused_by, **extra)

    @classmethod
    def of(cls, status, error):
        e = cls(status, error["type"], error["reason"])
        e.error = error
        return e

    def body(self):
        # ElasticsearchException.guessRootCauses: follow caused_by while it is one of
        # Elasticsearch's own exceptions.
        cause = self.error
        while cause["type"] not in JAVA_EXCEPTIONS and \
                cause.get("caused_by", {}).get("type", "exception") not in JAVA_EXCEPTIONS:
            cause = cause["caused_by"]
        root = {k: v for k, v in cause.items() if k != "caused_by"}
        return {"error": {"root_cause": [root], **self.error}, "status": self.status}


def index_not_found(name):
    return err("index_not_found_exception", f"no such index [{name}]",
               resource__type="index_expression", resource__id=name, index_uuid="_na_",
               index=name)


def java_str(v):
    """A value as Java's toString prints it, as in "Preview of field's value: '{a=1}'"."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={java_str(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return jlist(java_str(x) for x in v)
    return str(v)


def jlist(items):
    return "[" + ", ".join(items) + "]"


def json_token(v):
    """The Jackson token name Elasticsearch's messages give for a value."""
    for kind, name in ((bool, "VALUE_BOOLEAN"), (dict, "START_OBJECT"), (list, "START_ARRAY"),
                       (str, "VALUE_STRING"), (type(None), "VALUE_NULL")):
        if isinstance(v, kind):
            return name
    return "VALUE_NUMBER"


def glob_re(pattern):
    """Index and template patterns: only * is a wildcard."""
    return re.compile(".*".join(re.escape(p) for p in pattern.split("*")))


# ---------------------------------------------------------------------------- dates
# strict_date_optional_time is yyyy[-MM[-dd]][THH[:mm[:ss[.fraction]]][zone]]; the non-strict
# date_optional_time lets months, days and time fields have one digit.
_ISO = {strict: re.compile(r"(\d{4})(?:-(\d{%s})(?:-(\d{%s})(?:T(\d{%s})(?::(\d{%s})(?::(\d{%s})"
                           r"(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?" % ((n,) * 5))
        for strict, n in ((True, "2"), (False, "1,2"))}
_SLASH = re.compile(r"(\d{4})/(\d{2})/(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?")
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")
DEFAULT_DATE_FORMAT = "strict_date_optional_time||epoch_millis"


def _calendar_ok(y, mo, d, h, mi, s):
    mo = int(mo or 1)
    return (1 <= mo <= 12 and 1 <= int(d or 1) <= calendar.monthrange(int(y), mo)[1]
            and int(h or 0) <= 23 and int(mi or 0) <= 59 and int(s or 0) <= 59)


def parse_date(v, fmt):
    """True when v parses with one of the ||-separated formats. Formats this server does not
    know (custom java-time patterns) accept any string."""
    for f in fmt.split("||"):
        if f in ("epoch_millis", "epoch_second"):
            if isinstance(v, (int, float)) and not isinstance(v, bool) or \
                    isinstance(v, str) and _EPOCH.fullmatch(v):
                return True
        elif not isinstance(v, str):
            continue
        elif f in ("strict_date_optional_time", "strict_date_optional_time_nanos",
                   "date_optional_time", "strict_date", "date", "yyyy-MM-dd"):
            m = _ISO[not f.startswith("date_")].fullmatch(v)
            date_only = f in ("strict_date", "date", "yyyy-MM-dd")
            if m and _calendar_ok(*m.groups()[:6]) and \
                    (not date_only or m.group(3) and not m.group(4)):
                return True
        elif f in ("yyyy/MM/dd HH:mm:ss", "yyyy/MM/dd"):
            m = _SLASH.fullmatch(v)
            if m and _calendar_ok(*m.groups()) and bool(m.group(4)) == (" " in f):
                return True
        else:
            return True
    return False


def detect_date(s):
    """Dynamic date detection with the default dynamic_date_formats; Elasticsearch tries it only
    on strings with two or more ':', '-' or '/' ("1" would parse as a year)."""
    if not (s.count(":") > 1 or s.count("-") > 1 or s.count("/") > 1):
        return None
    if parse_date(s, "strict_date_optional_time"):
        return {"type": "date"}
    if parse_date(s, "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd"):
        return {"type": "date", "format": "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"}
    return None


# ---------------------------------------------------------------------------- mappings
INTEGERS = {"long": 2**63, "integer": 2**31, "short": 2**15, "byte": 2**7}
FLOATS = ("double", "float", "half_float", "scaled_float")
# The parameters each field type accepts: Elasticsearch rejects any other.
_BASE = {"meta", "copy_to", "fields", "index", "store", "doc_values", "null_value", "script",
         "on_script_error", "ignore_malformed"}
_NUM = _BASE | {"coerce", "time_series_dimension", "time_series_metric"}
FIELD_PARAMS = {
    "text": {"meta", "copy_to", "fields", "index", "store", "analyzer", "search_analyzer",
             "search_quote_analyzer", "index_options", "index_phrases", "index_prefixes",
             "norms", "position_increment_gap", "similarity", "term_vector", "fielddata",
             "fielddata_frequency_filter", "eager_global_ordinals"},
    "match_only_text": {"meta", "copy_to", "fields"},
    "keyword": _BASE - {"ignore_malformed"} | {"eager_global_ordinals", "ignore_above",
                                              "index_options", "norms", "similarity",
                                              "normalizer", "split_queries_on_whitespace",
                                              "time_series_dimension"},
    "constant_keyword": {"meta", "value"},
    "wildcard": {"meta", "copy_to", "fields", "null_value", "ignore_above"},
    "date": _BASE | {"format", "locale", "print_format"},
    "boolean": _BASE, "ip": _BASE | {"time_series_dimension"},
    "binary": {"meta", "copy_to", "doc_values", "store"},
    "geo_point": _BASE | {"ignore_z_value"}, "version": {"meta", "copy_to", "fields"},
    "flattened": {"meta", "depth_limit", "doc_values", "eager_global_ordinals", "ignore_above",
                  "index", "index_options", "null_value", "similarity",
                  "split_queries_on_whitespace", "time_series_dimensions"},
    "object": {"properties", "dynamic", "enabled", "subobjects"},
    "nested": {"properties", "dynamic", "enabled", "include_in_parent", "include_in_root"},
    "date_nanos": _BASE | {"format", "locale", "print_format"},
    "scaled_float": _NUM | {"scaling_factor"},
    **{t: _NUM for t in ("long", "integer", "short", "byte", "double", "float", "half_float")},
}
ROOT_MAPPING_KEYS = {"properties", "dynamic", "date_detection", "numeric_detection",
                     "dynamic_templates", "dynamic_date_formats", "_source", "_routing", "_meta",
                     "runtime", "enabled", "subobjects", "_data_stream_timestamp", "_field_names"}
INDEX_SETTINGS = re.compile(
    r"index\.(number_of_shards|number_of_replicas|number_of_routing_shards|refresh_interval|codec"
    r"|auto_expand_replicas|default_pipeline|final_pipeline|hidden|mode|priority|routing_path"
    r"|max_\w+|look_back_time|format|gc_deletes|(mapping|lifecycle|routing|blocks|analysis"
    r"|translog|sort|query|time_series|merge|search|indexing|shard|unassigned|write|highlight"
    r"|similarity|store|requests|soft_deletes|queries|fielddata)\..+)")


def mapping_error(msg):
    return EsError(400, "mapper_parsing_exception", f"Failed to parse mapping: {msg}",
                   err("mapper_parsing_exception", msg))


def flatten_mapping(props, prefix, out):
    """Checks field definitions as Elasticsearch does and flattens them to {"a.b": spec}."""
    if not isinstance(props, dict):
        raise mapping_error(f"Expected map for property [properties] on field [{prefix}]")
    for name, spec in props.items():
        path = prefix + name
        if not isinstance(spec, dict):
            raise mapping_error(f"Expected map for property [fields] on field [{name}] but got "
                                f"a class java.lang.String")
        ftype = spec.get("type", "object")
        if ftype not in FIELD_PARAMS:
            raise mapping_error(f"No handler for type [{ftype}] declared on field [{name}]")
        extra = sorted(set(spec) - FIELD_PARAMS[ftype] - {"type"})
        if extra and ftype in ("object", "nested"):
            raise mapping_error(f"Mapping definition for [{name}] has unsupported parameters: "
                                f" [{extra[0]} : {java_str(spec[extra[0]])}]")
        if extra:
            raise mapping_error(f"unknown parameter [{extra[0]}] on mapper [{name}] of type "
                                f"[{ftype}]")
        if ftype == "scaled_float" and "scaling_factor" not in spec:
            raise mapping_error("Field [scaling_factor] is required")
        for sub, subspec in (spec.get("fields") or {}).items():
            flatten_mapping({sub: subspec}, path + ".", {})  # checked; documents skip them
        out[path] = {k: v for k, v in spec.items() if k != "properties"}
        out[path]["type"] = ftype
        flatten_mapping(spec.get("properties", {}), path + ".", out)
    return out


def check_mappings(mappings):
    if not isinstance(mappings, dict):
        raise mapping_error("Root mapping definition must be an object")
    if list(mappings) == ["_doc"] and isinstance(mappings["_doc"], dict):
        mappings = mappings["_doc"]  # the type name wrapper is still accepted
    extra = sorted(set(mappings) - ROOT_MAPPING_KEYS)
    if extra:
        raise mapping_error("Root mapping definition has unsupported parameters:  "
                            + " ".join(f"[{k} : {java_str(mappings[k])}]" for k in extra))
    flatten_mapping(mappings.get("properties", {}), "", {})
    return mappings


def flat_settings(settings, prefix=""):
    """{"number_of_shards": 1} -> {"index.number_of_shards": "1"}, as Elasticsearch keeps them."""
    flat = {}
    for k, v in settings.items():
        key = prefix + k
        if isinstance(v, dict):
            flat.update(flat_settings(v, key + "."))
        else:
            key = key if key.startswith("index.") else "index." + key
            flat[key] = [java_str(x) for x in v] if isinstance(v, list) else java_str(v)
    return flat


def nest(flat):
    out = {}
    for key, v in sorted(flat.items()):
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = v
    return out


def invalid_index_name(name):
    why = ("must not be empty" if not name else
           "must be lowercase" if name != name.lower() else
           "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]"
           if re.search(r'[ "*\\<|,>/?]', name) else "must not contain '#'" if "#" in name
           else "must not contain ':'" if ":" in name
           else "must not start with '_', '-', or '+'" if name[0] in "_-+"
           else "must not be '.' or '..'" if name in (".", "..")
           else f"index name is too long, ({len(name.encode())} > 255)"
           if len(name.encode()) > 255 else None)
    return why and f"Invalid index name [{name}], {why}"


class Index:
    def __init__(self, name, mappings, settings):
        self.name, self.uuid = name, base64.urlsafe_b64encode(os.urandom(16))[:22].decode()
        self.root = mappings  # root parameters: dynamic, date_detection, dynamic_templates
        self.fields = flatten_mapping(mappings.get("properties", {}), "", {})
        self.field_limit = int(settings.get("index.mapping.total_fields.limit", 1000))
        self.docs = {}  # id -> [version, seq_no, source]; in --fast mode id -> version
        self.seq = 0

    def mapping_json(self):
        props = {}
        for path in sorted(self.fields, key=lambda p: p.count(".")):
            *parents, leaf = path.split(".")
            node = props
            for p in parents:
                node = node[p].setdefault("properties", {})
            node[leaf] = {k: v for k, v in self.fields[path].items()
                          if (k, v) != ("type", "object")}  # objects are shown without type
        return {**{k: v for k, v in self.root.items() if k != "properties"}, "properties": props}


# ---------------------------------------------------------------------------- documents


class DocError(Exception):
    def __init__(self, error):
        super().__init__(error["reason"])
        self.error = error


class DocParser:
    """Walks one document against its index's mapping like Elasticsearch's DocumentParser:
    values must fit their field's type, unmapped fields get a dynamic mapping, which the index
    keeps only when the whole document succeeds (commit)."""

    def __init__(self, server, index, doc_id, raw):
        self.s, self.idx, self.id, self.raw, self.new = server, index, doc_id, raw, {}

    def column(self, leaf):
        """Where the value of the field leaf starts in the source line (Jackson's location)."""
        m = leaf is not None and re.search(re.escape(json.dumps(leaf)) + r"\s*:\s*", self.raw)
        return m.end() + 1 if m else 1

    def fail(self, msg, leaf=None, caused_by=None, type_=None):
        if self.s.doc_error_type == "document_parsing_exception":
            msg = f"[1:{self.column(leaf)}] {msg}"
        raise DocError(err(type_ or self.s.doc_error_type, msg, caused_by))

    def lookup(self, path):
        return self.idx.fields.get(path) or self.new.get(path)

    def walk(self, obj, prefix):
        for key, val in obj.items():
            if not key.strip():
                self.fail(f"field name cannot contain only whitespace: ['{key}']" if key else
                          "field name cannot be an empty string", key)
            if key.startswith(".") or key.endswith(".") or ".." in key:
                self.fail(f"field name starting or ending with a [.] makes object resolution "
                          f"ambiguous: [{key}]", key)
            self.value(prefix + key, key, val)

    def value(self, path, leaf, val):
        if val is None:
            return
        if isinstance(val, list):
            for v in val:
                self.value(path, leaf, v)
            return
        spec = self.lookup(path) or self.dynamic(path, leaf, val)
        if spec is None:
            return  # dynamic false: kept in _source, not indexed
        ftype = spec["type"]
        if ftype in ("object", "nested"):
            if not isinstance(val, dict):
                self.fail(f"object mapping for [{path}] tried to parse field [{leaf}] as object,"
                          f" but found a concrete value", leaf)
            if spec.get("enabled", True) not in (False, "false"):
                self.walk(val, path + ".")
            return
        if isinstance(val, dict) and ftype not in ("flattened", "geo_point"):
            cause = err("illegal_state_exception",
                        f"Can't get text on a START_OBJECT at 1:{self.column(leaf)}")
        else:
            cause = self.check(ftype, spec, val)
        if cause:
            self.fail(f"failed to parse field [{path}] of type [{ftype}] in document with id "
                      f"'{self.id}'. Preview of field's value: '{java_str(val)}'", leaf, cause)

    @staticmethod
    def check(ftype, spec, v):
        """None when the scalar v fits the field, else the caused_by Elasticsearch gives."""
        if ftype in INTEGERS or ftype in FLOATS:
            if isinstance(v, bool):
                return err("illegal_argument_exception", f"Current token ({json_token(v)}) not "
                           f"numeric, can not use numeric value accessors")
            coerce = spec.get("coerce", True) not in (False, "false")  # on by default
            if isinstance(v, str):
                if not coerce:
                    return err("illegal_argument_exception", f"[{ftype}] is not coercible")
                if not re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*", v, re.I):
                    return err("number_format_exception", f'For input string: "{v}"')
                v = float(v)
            finite = not isinstance(v, float) or math.isfinite(v)
            if ftype in INTEGERS:
                if isinstance(v, float) and not coerce and v != int(v):
                    return err("illegal_argument_exception", f"Value [{v}] has a decimal part")
                if not finite or not -INTEGERS[ftype] <= math.trunc(v) < INTEGERS[ftype]:
                    art = "an" if ftype == "integer" else "a"
                    return err("illegal_argument_exception",
                               f"Value [{v}] is out of range for {art} {ftype}")
            elif not finite:
                return err("illegal_argument_exception",
                           f"[{ftype}] supports only finite values, but got [{v}]")
        elif ftype in ("date", "date_nanos"):
            fmt = spec.get("format", DEFAULT_DATE_FORMAT)
            if isinstance(v, bool) or not parse_date(v, fmt):
                inner = ("Failed to parse with all enclosed parsers" if "||" in fmt
                         else f"Text '{java_str(v)}' could not be parsed at index 0")
                return err("illegal_argument_exception", f"failed to parse date field "
                           f"[{java_str(v)}] with format [{fmt}]",
                           err("date_time_parse_exception", inner))
        elif ftype == "boolean":
            if not (isinstance(v, bool) or v in ("true", "false", "")):
                return err("illegal_argument_exception", f"Failed to parse value "
                           f"[{java_str(v)}] as only [true] or [false] are allowed.")
        elif ftype == "ip":
            try:
                ipaddress.ip_address(v if isinstance(v, str) else "-")
            except ValueError:
                return err("illegal_argument_exception",
                           f"'{java_str(v)}' is not an IP string literal.")
        elif ftype == "constant_keyword" and "value" in spec and v != spec["value"]:
            return err("illegal_argument_exception", f"[constant_keyword] field can only have "
                       f"a single value, but got [{java_str(v)}]")
        return None  # text, keyword and the like take any scalar

    def dynamic(self, path, leaf, val):
        parent = path.rpartition(".")[0]
        mode, p = self.idx.root.get("dynamic", True), parent
        while p:  # the nearest enclosing object's "dynamic" wins over the root's
            spec = self.lookup(p)
            if spec and "dynamic" in spec:
                mode = spec["dynamic"]
                break
            p = p.rpartition(".")[0]
        mode = str(mode).lower()
        if mode == "strict":
            self.fail(f"mapping set to strict, dynamic introduction of [{leaf}] within "
                      f"[{parent or '_doc'}] is not allowed", leaf,
                      type_="strict_dynamic_mapping_exception")
        if mode in ("false", "runtime"):
            return None
        parts = path.split(".")  # a dotted key ("a.b": 1) creates its parent objects
        for i in range(1, len(parts)):
            pp = ".".join(parts[:i])
            spec = self.lookup(pp)
            if spec is None:
                self.new[pp] = {"type": "object"}
            elif spec["type"] not in ("object", "nested"):
                self.fail(f"Could not dynamically add mapping for field [{path}]. Existing "
                          f"mapping for [{pp}] must be of type object but found "
                          f"[{spec['type']}].", leaf)
        self.new[path] = spec = self.infer(path, leaf, val)
        return spec

    def infer(self, path, leaf, val):
        """The dynamic mapping of a new field: dynamic_templates first, else the defaults."""
        if isinstance(val, bool):
            kind, spec = "boolean", {"type": "boolean"}
        elif isinstance(val, int):
            kind, spec = "long", {"type": "long" if -2**63 <= val < 2**63 else "float"}
        elif isinstance(val, float):
            kind, spec = "double", {"type": "float"}
        elif isinstance(val, dict):
            kind, spec = "object", {"type": "object"}
        else:
            detect = self.idx.root.get("date_detection", True) not in (False, "false")
            spec = detect and detect_date(val)
            kind = "date" if spec else "string"
            spec = spec or {"type": "text",
                            "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
        for entry in self.idx.root.get("dynamic_templates") or []:
            for cond in entry.values():
                if self.template_matches(cond, kind, path, leaf):
                    m = json.loads(json.dumps(cond.get("mapping", {}))
                                   .replace("{name}", leaf).replace("{dynamic_type}", kind))
                    m.setdefault("type", "text" if kind == "string" else spec["type"])
                    return m
        return spec

    @staticmethod
    def template_matches(c, kind, path, leaf):
        def matches(key, s):  # None when the template has no such condition
            pats = c.get(key)
            if pats is None:
                return None
            pats = pats if isinstance(pats, list) else [pats]
            regex = c.get("match_pattern") == "regex" and key in ("match", "unmatch")
            return any((re.compile(p) if regex else glob_re(p)).fullmatch(s) for p in pats)
        types = c.get("match_mapping_type", "*")
        types = types if isinstance(types, list) else [types]
        return (("*" in types or kind in types) and matches("match", leaf) is not False
                and not matches("unmatch", leaf) and matches("path_match", path) is not False
                and not matches("path_unmatch", path))

    def parse(self, src):
        if not isinstance(src, dict):
            self.fail("Malformed content, must start with an object")
        reject = self.s.faults["reject_field"]
        if reject and reject in src:
            self.fail(f"failed to parse field [{reject}] of type [keyword] in document with id "
                      f"'{self.id}'. Preview of field's value: '{java_str(src[reject])}'", reject,
                      err("illegal_argument_exception",
                          f"field [{reject}] rejected by the test server (reject_field)"))
        self.walk(src, "")
        if self.new:
            specs = list(self.idx.fields.values()) + list(self.new.values())
            if len(specs) + sum(len(s.get("fields", {})) for s in specs) > self.idx.field_limit:
                raise DocError(err("illegal_argument_exception", f"Limit of total fields "
                                   f"[{self.idx.field_limit}] has been exceeded while adding "
                                   f"new fields [{len(self.new)}]"))

    def commit(self):
        self.idx.fields.update(self.new)


def merge(dst, src):
    """A partial update: objects merge recursively, anything else replaces."""
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = v
    return dst


# ---------------------------------------------------------------------------- bulk parsing
# The sink's action lines look like this; other forms go through json.loads.
FAST_ACTION = re.compile(r'\{"(index|create)":\{"_index":"([^"\\\x00-\x1f]+)",'
                         r'"_id":"([^"\\\x00-\x1f]+)"\}\}\r?')
FAST_ACTIONS = re.compile("^" + FAST_ACTION.pattern + "$", re.M)
ACTION_PARAMS = {"_index", "_id", "routing", "op_type", "version", "version_type", "if_seq_no",
                 "if_primary_term", "retry_on_conflict", "pipeline", "require_alias",
                 "require_data_stream", "_source", "dynamic_templates",
                 "list_executed_pipelines"}
UPDATE_FIELDS = {"doc", "upsert", "doc_as_upsert", "script", "scripted_upsert", "detect_noop",
                 "_source"}
ITEM_FAST = ('{"%s":{"_index":"%s","_id":"%s","_version":%d,"result":"%s","_shards":'
             '{"total":2,"successful":1,"failed":0},"_seq_no":%d,"_primary_term":1,"status":%d}}')


def malformed(n, what):
    return EsError(400, "illegal_argument_exception", f"Malformed action/metadata line [{n}], "
                   + what)


def parse_json_line(line, n):
    try:
        return json.loads(line)
    except json.JSONDecodeError as e:
        raise EsError(400, "x_content_parse_exception", f"[{n}:{e.colno}] {e.msg}",
                      err("json_parse_exception", f"{e.msg} at line {n}, column {e.colno}"))


def parse_bulk(text, default_index):
    """Splits a bulk body into (action, index, id, source) tuples plus {position: metadata} for
    the action lines not in the sink's form, raising the whole-request errors of Elasticsearch's
    BulkRequestParser. Sources stay unparsed, except update bodies."""
    if not text:
        raise EsError(400, "parse_exception", "request body is required")
    if not text.endswith("\n"):
        raise EsError(400, "illegal_argument_exception",
                      "The bulk request must be terminated by a newline [\\n]")
    lines = text.split("\n")
    # The common body, index/create actions in the sink's form each followed by its source,
    # takes one regex pass over the even lines.
    actions = lines[0:-1:2]
    matched = FAST_ACTIONS.findall("\n".join(actions))
    if len(lines) % 2 and len(matched) == len(actions):
        return [m + (src,) for m, src in zip(matched, lines[1::2])], {}
    ops, metas, invalid, i, end = [], {}, [], 0, len(lines) - 1
    while i < end:
        line, n = lines[i], i + 1
        i += 1
        m = FAST_ACTION.fullmatch(line)
        if m:
            action, index, doc_id = m.groups()
        elif not line.strip():
            continue  # blank lines between items are skipped
        else:
            obj = parse_json_line(line, n)
            if not isinstance(obj, dict):
                raise malformed(n, f"expected START_OBJECT but found [{json_token(obj)}]")
            if not obj:
                raise malformed(n, "expected FIELD_NAME but found [END_OBJECT]")
            action, meta = next(iter(obj.items()))
            if action not in ("index", "create", "update", "delete"):
                raise malformed(n, f"expected field [create], [delete], [index] or [update] but "
                                   f"found [{action}]")
            if not isinstance(meta, dict):
                raise malformed(n, f"expected START_OBJECT but found [{json_token(meta)}]")
            if len(obj) > 1:
                raise malformed(n, "expected END_OBJECT but found [FIELD_NAME]")
            for k, v in meta.items():
                if k not in ACTION_PARAMS:
                    raise EsError(400, "illegal_argument_exception", f"Action/metadata line "
                                  f"[{n}] contains an unknown parameter [{k}]")
                if isinstance(v, (dict, list)) and k not in ("_source", "dynamic_templates"):
                    raise malformed(n, f"expected a simple value for field [{k}] but found "
                                       f"[{json_token(v)}]")
            if action == "index" and meta.get("op_type") == "create":
                action = "create"
            index, doc_id = meta.get("_index", default_index), meta.get("_id")
            index = index if index is None else java_str(index)
            doc_id = doc_id if doc_id is None else java_str(doc_id)
            metas[len(ops)] = meta
        source = None
        if action != "delete":
            if i >= end:
                break  # an action without its source line is ignored, as Elasticsearch does
            source, i = lines[i], i + 1
            if action == "update":  # parsed here, as Elasticsearch parses UpdateRequest
                source = parse_json_line(source, i)
                if not isinstance(source, dict):
                    raise EsError(400, "x_content_parse_exception", f"[1:1] [UpdateRequest] "
                                  f"Expected START_OBJECT but was: {json_token(source)}")
                for k in source:
                    if k not in UPDATE_FIELDS:
                        raise EsError(400, "x_content_parse_exception",
                                      f"[1:2] [UpdateRequest] unknown field [{k}]")
                if "doc" not in source and "script" not in source:
                    invalid.append("script or doc is missing")
        if index is None:
            invalid.append("index is missing")
        if doc_id is None and action == "update":
            invalid.append("id is missing")
        if doc_id == "":
            invalid.append("if _id is specified it must not be empty")
        elif doc_id is not None and len(doc_id.encode()) > 512:
            invalid.append(f"id [{doc_id}] is too long, must be no longer than 512 bytes but "
                           f"was: {len(doc_id.encode())}")
        ops.append((action, index, doc_id, source))
    if not ops:
        invalid.append("no requests added")
    if invalid:
        raise EsError(400, "action_request_validation_exception", "Validation Failed: " +
                      "".join(f"{k}: {msg};" for k, msg in enumerate(invalid, 1)))
    return ops, metas


def new_id():
    return base64.urlsafe_b64encode(os.urandom(15)).decode()  # 20 characters, as ES's are


# ---------------------------------------------------------------------------- the store


class EsServer:
    def __init__(self, args):
        self.args, self.fast, self.version = args, args.fast, args.es_version
        major_minor = tuple(int(x) for x in re.findall(r"\d+", self.version)[:2])
        self.doc_error_type = ("document_parsing_exception" if major_minor >= (8, 8)
                               else "mapper_parsing_exception")
        self.lock = threading.Lock()  # indices, templates, stats, faults
        self.record_lock = threading.Lock()
        self.faults, self.rng = dict(FAULT_DEFAULTS), random.Random()
        self.cluster_uuid = base64.urlsafe_b64encode(os.urandom(16))[:22].decode()
        self.reset()
        self.set_faults({k: getattr(args, k) for k in FAULT_DEFAULTS
                         if getattr(args, k) is not None})

    def reset(self):
        self.indices, self.templates, self.bulk_seq, self.in_flight = {}, {}, 0, 0
        self.stats = {"bulk_requests": 0, "items": 0, "item_failures": {}, "gzip_requests": 0,
                      "rejected_413": 0, "rejected_429": 0, "dropped": 0,
                      "max_concurrent_requests": 0}

    def count(self, stat):
        with self.lock:
            self.stats[stat] += 1

    def set_faults(self, changes):
        if not isinstance(changes, dict):
            raise EsError(400, "illegal_argument_exception", "expected a JSON object")
        new = {}
        for k, v in changes.items():  # all checked before any applies
            if k not in FAULT_DEFAULTS:
                raise EsError(400, "illegal_argument_exception",
                              f"unknown fault [{k}], known: {jlist(FAULT_DEFAULTS)}")
            try:
                new[k] = FAULT_DEFAULTS[k] if v is None else FAULT_TYPES[k](v)
            except (TypeError, ValueError):
                raise EsError(400, "illegal_argument_exception", f"bad value for [{k}]: {v!r}")
            if k == "health_status" and new[k] not in HEALTH_RANK:
                raise EsError(400, "illegal_argument_exception", "health_status: green|yellow|red")
        with self.lock:
            self.faults.update(new)
            if "seed" in new:
                self.rng.seed(new["seed"])

    # -- indices and templates

    def get_index(self, name, create):
        """The index, auto-created from the matching template of highest priority when create
        is set; else an error object for the bulk item."""
        idx = self.indices.get(name)
        if idx or not create:
            return idx or index_not_found(name)
        bad = invalid_index_name(name)
        if bad:
            return err("invalid_index_name_exception", bad, index_uuid="_na_", index=name)
        matching = [t for t in self.templates.values()
                    if any(glob_re(p).fullmatch(name) for p in t["index_patterns"])]
        tmpl = max(matching, key=lambda t: t.get("priority", 0))["template"] if matching else {}
        settings = flat_settings(tmpl.get("settings", {}))
        idx = self.indices[name] = Index(name, copy.deepcopy(tmpl.get("mappings", {})), settings)
        return idx

    def put_template(self, name, body, query):
        if not isinstance(body, dict):
            raise EsError(400, "x_content_parse_exception", f"[1:1] [index_template] Expected "
                          f"START_OBJECT but was: {json_token(body)}")
        typed = {"index_patterns": list, "template": dict, "composed_of": list, "priority": int,
                 "version": int, "_meta": dict, "data_stream": dict, "allow_auto_create": bool,
                 "ignore_missing_component_templates": list, "deprecated": bool}
        for k in body:
            if k not in typed:
                raise EsError(400, "x_content_parse_exception",
                              f"[1:2] [index_template] unknown field [{k}]")
        if "index_patterns" not in body:
            raise EsError(400, "illegal_argument_exception", "Required [index_patterns]")
        pats = body["index_patterns"]
        pats = [pats] if isinstance(pats, str) else pats
        for k, t in typed.items():
            v = pats if k == "index_patterns" else body.get(k)
            if v is not None and (not isinstance(v, t) or isinstance(v, bool) and t is int or
                                  t is list and not all(isinstance(x, str) for x in v)):
                raise EsError(400, "x_content_parse_exception",
                              f"[1:2] [index_template] failed to parse field [{k}]")
        # MetadataIndexTemplateService.validate
        problems = ["index patterns are missing"] if not pats else []
        for p in pats:
            problems += [f"index_pattern{'s' if c == ' ' else ''} [{p}] must not contain a "
                         f"{'space' if c == ' ' else repr(c)}" for c in " ,#:" if c in p]
            if p.startswith("_"):
                problems.append(f"index_pattern [{p}] must not start with '_'")
            if re.search(r'[\\/?"<>|]', p):
                problems.append(f"index_pattern [{p}] must not contain the following "
                                f"characters [ , \", *, \\, <, |, ,, >, /, ?]")
        if body.get("priority", 0) < 0:
            problems.append("index template priority must be >= 0")
        missing = [c for c in body.get("composed_of", [])  # there are no component templates
                   if c not in body.get("ignore_missing_component_templates", [])]
        if problems or missing:
            cause = ("Validation Failed: " + "".join(f"{i}: {p};" for i, p in
                                                     enumerate(problems, 1)) if problems else
                     f"index template [{name}] specifies component templates {jlist(missing)} "
                     f"that do not exist")
            raise EsError(400, "invalid_index_template_exception",
                          f"index_template [{name}] invalid, cause [{cause}]")
        tmpl = dict(body, index_patterns=pats, composed_of=body.get("composed_of", []))
        t = dict(body.get("template", {}))
        for k in t:
            if k not in ("settings", "mappings", "aliases", "lifecycle"):
                raise EsError(400, "x_content_parse_exception",
                              f"[1:2] [template] unknown field [{k}]")
        try:
            if "mappings" in t:
                t["mappings"] = check_mappings(t["mappings"])
        except EsError as e:
            raise EsError(400, "illegal_argument_exception", f"composable template [{name}] "
                          f"template after composition is invalid", e.error)
        settings = flat_settings(t.get("settings") or {})
        for key in settings:
            if not INDEX_SETTINGS.fullmatch(key):
                raise EsError(400, "illegal_argument_exception", f"unknown setting [{key}] please "
                              f"check that any required plugins are installed, or check the "
                              f"breaking changes documentation for removed settings")
        if "settings" in t:
            t["settings"] = nest(settings)
        tmpl["template"] = t
        with self.lock:
            if query.get("create") == "true" and name in self.templates:
                raise EsError(400, "illegal_argument_exception",
                              f"index template [{name}] already exists")
            # Two templates of one priority may not match the same index name.
            prio = tmpl.get("priority", 0)
            for other, o in self.templates.items():
                if other != name and o.get("priority", 0) == prio and any(
                        p == q or glob_re(q).fullmatch(p.replace("*", "x")) or
                        glob_re(p).fullmatch(q.replace("*", "x"))
                        for p in pats for q in o["index_patterns"]):
                    raise EsError(400, "illegal_argument_exception", f"index template [{name}] "
                                  f"has index patterns {jlist(pats)} matching patterns from "
                                  f"existing templates [{other}] with patterns ({other} => "
                                  f"{jlist(o['index_patterns'])}) that have the same priority "
                                  f"[{prio}], multiple index templates may not match during "
                                  f"index creation, please use a different priority")
            self.templates[name] = tmpl
        return {"acknowledged": True}

    # -- bulk

    def bulk(self, text, default_index):
        """The bulk response: a dict, or in --fast mode the JSON text."""
        t0 = time.monotonic()
        ops, metas = parse_bulk(text, default_index)
        with self.lock:
            p429, p503 = self.faults["item_429_rate"], self.faults["item_503_rate"]
            # Injected failures are drawn for every item before anything is stored.
            fails = [self.rng.random() for _ in ops] if p429 or p503 else None
            self.stats["items"] += len(ops)
            apply = self.apply_fast if self.fast else self.apply
            items, errors, recorded = apply(ops, metas, fails, p429, p503)
        if recorded:
            with self.record_lock, open(self.args.record, "a") as out:
                out.write("".join(recorded))
        took = int((time.monotonic() - t0) * 1000)
        if self.fast:
            return '{"took":%d,"errors":%s,"items":[%s]}' % (
                took, "true" if errors else "false", ",".join(items))
        return {"took": took, "errors": errors, "items": items}

    @staticmethod
    def injected(fails, k, p429, p503, index, n):
        if fails is None or fails[k] >= p429 + p503:
            return None
        if fails[k] < p429:
            return 429, err("es_rejected_execution_exception", "rejected execution of "
                            "org.elasticsearch.action.support.replication.TransportWriteAction"
                            "$1/WrappedActionListener on EsThreadPoolExecutor[name = node-1/"
                            "write, queue capacity = 10000, task execution EWMA = 1.2ms]")
        return 503, err("unavailable_shards_exception", f"[{index}][0] primary shard is not "
                        f"active Timeout: [1m], request: [BulkShardRequest [[{index}][0]] "
                        f"containing [{n}] requests]")

    def failed(self, action, index, doc_id, status, error):
        key = str(status)
        self.stats["item_failures"][key] = self.stats["item_failures"].get(key, 0) + 1
        return {action: {"_index": index, "_id": doc_id, "status": status, "error": error}}

    def apply(self, ops, metas, fails, p429, p503):
        items, errors, recorded = [], False, []
        for k, (action, name, doc_id, source) in enumerate(ops):
            idx = self.get_index(name, action != "delete")  # a delete creates no index
            if isinstance(idx, dict):
                errors = True
                items.append(self.failed(action, name, doc_id, 404 if idx["type"] ==
                                         "index_not_found_exception" else 400, idx))
                continue
            doc_id = new_id() if doc_id is None else doc_id
            res = self.injected(fails, k, p429, p503, name, len(ops)) or \
                self.apply_one(idx, action, doc_id, source)
            if isinstance(res[0], int):  # (status, error)
                errors = True
                items.append(self.failed(action, name, doc_id, *res))
                continue
            result, status, ver, seq = res
            items.append({action: {"_index": name, "_id": doc_id, "_version": ver,
                                   "result": result, "_shards": SHARDS, "_seq_no": seq,
                                   "_primary_term": 1, "status": status}})
            if self.args.record and result in ("created", "updated"):
                recorded.append(json.dumps({"_index": name, "_id": doc_id, "_version": ver,
                                            "source": idx.docs[doc_id][2]}) + "\n")
        return items, errors, recorded

    def apply_one(self, idx, action, doc_id, source):
        """(result, status, version, seq_no), or (status, error)."""
        doc = idx.docs.get(doc_id)
        if action == "delete":
            idx.seq += 1
            if doc is None:
                return "not_found", 404, 1, idx.seq - 1
            del idx.docs[doc_id]
            return "deleted", 200, doc[0] + 1, idx.seq - 1
        if action == "update":
            if doc is None and not (source.get("doc_as_upsert") or "upsert" in source):
                return 404, err("document_missing_exception", f"[{doc_id}]: document missing",
                                index_uuid=idx.uuid, shard="0", index=idx.name)
            if doc is None:
                new = source["upsert"] if "upsert" in source else source.get("doc", {})
            else:
                new = merge(copy.deepcopy(doc[2]), source.get("doc", {}))
                if new == doc[2] and source.get("detect_noop", True):
                    return "noop", 200, doc[0], doc[1]
            raw = json.dumps(new)
        else:
            raw = source
            try:
                new = json.loads(source)
            except json.JSONDecodeError as e:
                msg = f"{e.msg}: line 1 column {e.colno}"
                reason = ("failed to parse" if self.doc_error_type == "mapper_parsing_exception"
                          else f"[1:{e.colno}] failed to parse: {msg}")
                return 400, err(self.doc_error_type, reason, err("json_parse_exception", msg))
            if action == "create" and doc is not None:
                return 409, err("version_conflict_engine_exception", f"[{doc_id}]: version "
                                f"conflict, document already exists (current version "
                                f"[{doc[0]}])", index_uuid=idx.uuid, shard="0", index=idx.name)
        parser = DocParser(self, idx, doc_id, raw)
        try:
            parser.parse(new)
        except DocError as e:
            return 400, e.error
        parser.commit()
        ver = doc[0] + 1 if doc else 1
        idx.docs[doc_id] = [ver, idx.seq, new]
        idx.seq += 1
        return ("updated", 200, ver, idx.seq - 1) if doc else ("created", 201, 1, idx.seq - 1)

    def apply_fast(self, ops, metas, fails, p429, p503):
        """--fast: ids and versions only. The common item (index or create of a new id, in the
        sink's action form, nothing injected) is one string format; fast_item answers the rest
        with json.dumps."""
        items, errors, indices, recorded = [], False, self.indices, []
        append, record = items.append, bool(self.args.record)
        reject = self.faults["reject_field"]
        reject = f'"{reject}":' if reject else None
        for k, (action, name, doc_id, source) in enumerate(ops):
            idx = indices.get(name)
            ver = idx.docs.get(doc_id, 0) if idx is not None and k not in metas else None
            if ver is None or ver and action == "create" or \
                    fails is not None and fails[k] < p429 + p503 or reject and reject in source:
                item, failed, line = self.fast_item(k, action, name, doc_id, source, fails,
                                                    p429, p503, reject, len(ops))
                errors |= failed
                append(item)
                if record and line:
                    recorded.append(line)
                continue
            idx.docs[doc_id] = ver + 1
            append(ITEM_FAST % (action, name, doc_id, ver + 1, "updated" if ver else "created",
                                idx.seq, 200 if ver else 201))
            idx.seq += 1
            if record:  # the source as received: this mode does not check it is JSON
                recorded.append('{"_index":"%s","_id":"%s","_version":%d,"source":%s}\n'
                                % (name, doc_id, ver + 1, source))
        return items, errors, recorded

    def fast_item(self, k, action, name, doc_id, source, fails, p429, p503, reject, n):
        """An uncommon --fast item: (item JSON, failed, line for --record or None)."""
        idx = self.get_index(name, action != "delete")
        if isinstance(idx, dict):
            status = 404 if idx["type"] == "index_not_found_exception" else 400
            return json.dumps(self.failed(action, name, doc_id, status, idx)), True, None
        doc_id = new_id() if doc_id is None else doc_id
        ver = idx.docs.get(doc_id)
        fail = self.injected(fails, k, p429, p503, name, n)
        if fail is None and reject and isinstance(source, str) and reject in source:
            field = reject[1:-2]
            fail = 400, err(self.doc_error_type, f"failed to parse field [{field}] of type "
                            f"[keyword] in document with id '{doc_id}'", err(
                                "illegal_argument_exception",
                                f"field [{field}] rejected by the test server (reject_field)"))
        elif fail is None and action == "create" and ver is not None:
            fail = 409, err("version_conflict_engine_exception", f"[{doc_id}]: version "
                            f"conflict, document already exists (current version [{ver}])",
                            index_uuid=idx.uuid, shard="0", index=name)
        elif fail is None and action == "update" and ver is None and \
                not (source.get("doc_as_upsert") or "upsert" in source):
            fail = 404, err("document_missing_exception", f"[{doc_id}]: document missing",
                            index_uuid=idx.uuid, shard="0", index=name)
        if fail:
            return json.dumps(self.failed(action, name, doc_id, *fail)), True, None
        if action == "delete":
            idx.docs.pop(doc_id, None)
            result, status, ver = ("deleted", 200, ver + 1) if ver else ("not_found", 404, 1)
        else:
            result, status = ("updated", 200) if ver else ("created", 201)
            ver = idx.docs[doc_id] = (ver or 0) + 1
        idx.seq += 1
        line = None if action in ("delete", "update") else \
            '{"_index":%s,"_id":%s,"_version":%d,"source":%s}\n' % (
                json.dumps(name), json.dumps(doc_id), ver, source)
        return json.dumps({action: {"_index": name, "_id": doc_id, "_version": ver,
                                    "result": result, "_shards": SHARDS,
                                    "_seq_no": idx.seq - 1, "_primary_term": 1,
                                    "status": status}}), False, line

    # -- reading

    def docs_ndjson(self):
        with self.lock:
            out = []
            for name, idx in self.indices.items():
                for doc_id, d in idx.docs.items():
                    ver, src = (d, None) if isinstance(d, int) else (d[0], d[2])
                    out.append(json.dumps({"_index": name, "_id": doc_id, "_version": ver,
                                           "source": src}) + "\n")
            return "".join(out)

    def stats_json(self):
        with self.lock:
            vers = [d if isinstance(d, int) else d[0]
                    for idx in self.indices.values() for d in idx.docs.values()]
            return dict(self.stats, stored=len(vers), versions_total=sum(vers),
                        templates=sorted(self.templates), indices=sorted(self.indices),
                        item_failures=dict(self.stats["item_failures"]))

    def resolve(self, expr):
        """Comma-separated names and wildcards -> indices; a missing name is a 404."""
        names = []
        for part in (expr or "_all").split(","):
            if part == "_all" or "*" in part:
                rx = glob_re("*" if part == "_all" else part)
                names += [n for n in self.indices if rx.fullmatch(n)]
            elif part in self.indices:
                names.append(part)
            else:
                raise EsError.of(404, index_not_found(part))
        return [self.indices[n] for n in dict.fromkeys(names)]

    def health(self, query):
        want = query.get("wait_for_status")
        if want is not None and want not in HEALTH_RANK:
            raise EsError(400, "illegal_argument_exception",
                          f"unknown cluster health status [{want}]")
        deadline = time.monotonic() + parse_time(query.get("timeout", "30s"))
        while True:  # a runtime fault change can end the wait
            status = self.faults["health_status"]
            met = want is None or HEALTH_RANK[status] >= HEALTH_RANK[want]
            if met or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        n = len(self.indices)
        body = {"cluster_name": "klaxon-test", "status": status, "timed_out": not met,
                "number_of_nodes": 1, "number_of_data_nodes": 1, "active_primary_shards": n,
                "active_shards": n, "relocating_shards": 0, "initializing_shards": 0,
                "unassigned_shards": 0 if status == "green" else n,
                "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0,
                "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
                "active_shards_percent_as_number": 100.0 if status == "green" or not n else 50.0}
        return (200 if met else 408), body  # any status is a 200 unless a wait timed out


def parse_time(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(nanos|micros|ms|s|m|h|d)", str(s))
    if not m:
        raise EsError(400, "illegal_argument_exception", f"failed to parse setting [timeout] "
                      f"with value [{s}] as a time value: unit is missing or unrecognized")
    unit = {"nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}
    return float(m.group(1)) * unit[m.group(2)]


# ---------------------------------------------------------------------------- HTTP


def make_handler(es):
    args = es.args
    accepted = set()
    if args.basic_auth:
        accepted.add("Basic " + base64.b64encode(args.basic_auth.encode()).decode())
    if args.api_key:
        accepted.add("ApiKey " + args.api_key)
    challenges = (['Basic realm="security" charset="UTF-8"'] if args.basic_auth else []) + \
        (["ApiKey"] if args.api_key else [])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes: without this, Nagle holds the body
        # until the client's delayed ACK, 40 ms per request on a kept-alive connection.
        disable_nagle_algorithm = True

        def do_GET(self):
            self.dispatch()

        do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

        def handle_expect_100(self):
            # Netty answers an oversized Expect: 100-continue request with 413 at once; the
            # connection is closed in case the client sends the body anyway.
            limit = es.faults["max_request_bytes"]
            if limit and not self.path.startswith(("/_test", "/_fault")) and \
                    int(self.headers.get("Content-Length") or 0) > limit:
                es.count("rejected_413")
                self.close_connection = True
                self.reply(413, b"", headers={"Connection": "close"})
                return False
            return super().handle_expect_100()

        def read_body(self):
            if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()

        def dispatch(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            self.pretty = query.get("pretty", "false") != "false"
            try:
                raw = self.read_body()  # always read: the connection stays usable
                parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
                internal = parts[:1] in (["_test"], ["_fault"])
                limit = es.faults["max_request_bytes"]
                enc = self.headers.get("Content-Encoding", "").lower()
                if enc in ("gzip", "x-gzip", "deflate"):
                    if "gzip" in enc:
                        es.count("gzip_requests")
                    raw = self.decompress(raw, enc, limit)
                if limit and len(raw) > limit and not internal:
                    es.count("rejected_413")  # http.max_content_length: 413, empty body
                    return self.reply(413, b"")
                if accepted and not internal and self.headers.get("Authorization") not in accepted:
                    self.unauthorized()
                self.route(parts, query, raw)
            except EsError as e:
                self.send_json(e.status, e.body(), e.headers)
            except Exception as e:  # a bug here must not take the server down
                traceback.print_exc()
                self.send_json(500, EsError(500, "exception", f"test server bug: {e!r}").body())

        def unauthorized(self):
            given = self.headers.get("Authorization") or ""
            user = base64.b64decode(given[6:] + "==").decode(errors="replace").split(":")[0] \
                if given.startswith("Basic ") else None
            why = (f"missing authentication credentials for REST request [{self.path}]"
                   if not given else
                   f"unable to authenticate user [{user}] for REST request [{self.path}]"
                   if user else "unable to authenticate with provided credentials and "
                   "anonymous access is not allowed for this request")
            hdr = {"WWW-Authenticate": challenges}
            raise EsError(401, "security_exception", why, header=hdr, headers=hdr)

        @staticmethod
        def decompress(raw, enc, limit):
            d = zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in enc else zlib.MAX_WBITS)
            try:
                out = d.decompress(raw, limit + 1 if limit else 0)  # no more than needed
            except zlib.error as e:
                raise EsError(400, "illegal_argument_exception", f"bad {enc} body: {e}")
            if not d.eof and not (limit and len(out) > limit):
                raise EsError(400, "illegal_argument_exception", f"truncated {enc} body")
            return out

        def route(self, parts, query, raw):
            n, p0 = len(parts), (parts or [""])[0]
            index = parts[0] if n == 2 else None  # /<index>/_bulk, /<index>/_count
            routes = [  # (matches, methods, handler)
                (n == 0, ("GET", "HEAD"), lambda: self.send_json(200, self.root_info())),
                (p0 == "_cluster" and n in (2, 3) and parts[1] == "health", ("GET",),
                 lambda: self.send_json(*es.health(query))),
                (parts == ["_index_template"], ("GET",), lambda: self.get_templates("*")),
                (p0 == "_index_template" and n == 2, ("GET", "HEAD", "PUT", "POST", "DELETE"),
                 lambda: self.template(parts[1], query, raw)),
                (parts[-1:] == ["_bulk"] and n <= 2, ("POST", "PUT"),
                 lambda: self.bulk(index, raw)),
                (p0 == "_cat" and n in (2, 3) and parts[1] == "indices", ("GET",),
                 lambda: self.cat_indices(parts[2] if n == 3 else None, query)),
                (parts[-1:] == ["_count"] and n <= 2, ("GET", "POST"), lambda: self.count(index)),
                (parts[-1:] == ["_refresh"] and n <= 2, ("GET", "POST"), lambda: self.send_json(
                    200, {"_shards": dict(SHARDS, successful=len(es.resolve(index)),
                                          total=2 * len(es.resolve(index)))})),
                (n == 3 and parts[1] == "_doc", ("GET", "HEAD"), lambda: self.get_doc(*parts)),
                (n == 2 and parts[1] == "_mapping", ("GET",), lambda: self.send_json(200, {
                    i.name: {"mappings": i.mapping_json()} for i in es.resolve(parts[0])})),
                (parts == ["_fault"], ("GET", "POST"), lambda: self.fault(raw)),
                (parts == ["_fault", "reset"], ("POST",), self.fault_reset),
                (parts == ["_test", "docs"], ("GET",), lambda: self.reply(
                    200, es.docs_ndjson().encode(), "application/x-ndjson")),
                (parts == ["_test", "stats"], ("GET",),
                 lambda: self.send_json(200, es.stats_json())),
                (parts == ["_test", "reset"], ("POST",), self.test_reset),
            ]
            for matches, methods, handler in routes:
                if not matches:
                    continue
                if self.command not in methods:
                    return self.send_json(405, {
                        "error": f"Incorrect HTTP method for uri [{self.path}] and method "
                                 f"[{self.command}], allowed: [{', '.join(methods)}]",
                        "status": 405}, {"Allow": ",".join(methods)})
                return handler()
            self.send_json(400, {"error": f"no handler found for uri [{self.path}] and method "
                                          f"[{self.command}]", "status": 400})

        def content_type_ok(self, raw, ndjson=False):
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            ok = ("application/json", "application/vnd.elasticsearch+json") + (
                ("application/x-ndjson", "application/vnd.elasticsearch+x-ndjson")
                if ndjson else ())
            if raw and ctype not in ok:
                self.send_json(406, {"error": f"Content-Type header ["
                                              f"{self.headers.get('Content-Type', '')}] is not "
                                              f"supported", "status": 406})
                return False
            return True

        @staticmethod
        def json_body(raw):
            if not raw.strip():
                raise EsError(400, "parse_exception", "request body is required")
            try:
                return json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise EsError(400, "x_content_parse_exception", f"[1:1] {e}")

        # -- handlers

        @staticmethod
        def root_info():
            return {"name": "klaxon-es-test", "cluster_name": "klaxon-test",
                    "cluster_uuid": es.cluster_uuid,
                    "version": {"number": es.version, "build_flavor": "default",
                                "build_type": "tar", "build_hash": "0" * 40,
                                "build_date": "2023-11-04T10:04:57.184859352Z",
                                "build_snapshot": False, "lucene_version": "9.8.0",
                                "minimum_wire_compatibility_version": "7.17.0",
                                "minimum_index_compatibility_version": "7.0.0"},
                    "tagline": "You Know, for Search"}

        def template(self, name, query, raw):
            if self.command in ("PUT", "POST"):
                if self.content_type_ok(raw):
                    self.send_json(200, es.put_template(name, self.json_body(raw), query))
            elif self.command == "DELETE":
                with es.lock:
                    if es.templates.pop(name, None) is None:
                        raise EsError(404, "resource_not_found_exception",
                                      f"index_template [{name}] missing")
                self.send_json(200, {"acknowledged": True})
            else:
                self.get_templates(name)

        def get_templates(self, pattern):
            rx = glob_re(pattern)
            with es.lock:
                found = [{"name": n, "index_template": t} for n, t in sorted(es.templates.items())
                         if rx.fullmatch(n)]
            if not found and "*" not in pattern:
                raise EsError(404, "resource_not_found_exception",
                              f"index template matching [{pattern}] not found")
            self.send_json(200, {"index_templates": found})

        def bulk(self, default_index, raw):
            if not self.content_type_ok(raw, ndjson=True):
                return
            with es.lock:
                es.bulk_seq += 1
                seq, f = es.bulk_seq, dict(es.faults)
                es.stats["bulk_requests"] += 1
                es.in_flight += 1
                es.stats["max_concurrent_requests"] = max(es.stats["max_concurrent_requests"],
                                                          es.in_flight)
            try:
                if f["drop_every"] and seq % f["drop_every"] == 0:
                    es.count("dropped")
                    self.close_connection = True  # no response: the client sees the close
                    return
                if f["delay_ms"]:
                    time.sleep(f["delay_ms"] / 1000)
                if f["bulk_429_every"] and seq % f["bulk_429_every"] == 0:
                    es.count("rejected_429")  # indexing pressure's rejection
                    raise EsError(429, "es_rejected_execution_exception", "rejected execution "
                                  "of coordinating operation [coordinating_and_primary_bytes="
                                  f"107374182, replica_bytes=0, all_bytes=107374182, "
                                  f"coordinating_operation_bytes={len(raw)}, "
                                  f"max_coordinating_and_primary_bytes=107374182]")
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise EsError(400, "x_content_parse_exception", f"[1:1] Invalid UTF-8: {e}")
                result = es.bulk(text, default_index)
                if isinstance(result, str) and not self.pretty:
                    return self.reply(200, result.encode())
                self.send_json(200, json.loads(result) if isinstance(result, str) else result)
            finally:
                with es.lock:
                    es.in_flight -= 1

        def cat_indices(self, expr, query):
            with es.lock:
                health = "green" if es.faults["health_status"] == "green" else "yellow"
                rows = [{"health": health, "status": "open", "index": i.name, "uuid": i.uuid,
                         "pri": "1", "rep": "1", "docs.count": str(len(i.docs)),
                         "docs.deleted": "0", "store.size": f"{len(i.docs)}kb",
                         "pri.store.size": f"{len(i.docs)}kb"}
                        for i in sorted(es.resolve(expr), key=lambda i: i.name)]
            if query.get("format") == "json":
                return self.send_json(200, rows)
            text = "".join(" ".join(r.values()) + "\n" for r in rows)
            self.reply(200, text.encode(), "text/plain; charset=UTF-8")

        def count(self, expr):
            with es.lock:
                idxs = es.resolve(expr)
                body = {"count": sum(len(i.docs) for i in idxs), "_shards": {
                    "total": len(idxs), "successful": len(idxs), "skipped": 0, "failed": 0}}
            self.send_json(200, body)

        def get_doc(self, name, _, doc_id):
            with es.lock:
                idx = es.indices.get(name)
                if idx is None:
                    raise EsError.of(404, index_not_found(name))
                d = idx.docs.get(doc_id)
            if d is None:
                return self.send_json(404, {"_index": name, "_id": doc_id, "found": False})
            ver, seq, src = (d, 0, None) if isinstance(d, int) else d
            self.send_json(200, {"_index": name, "_id": doc_id, "_version": ver, "_seq_no": seq,
                                 "_primary_term": 1, "found": True, "_source": src})

        def fault(self, raw):
            if self.command == "POST":
                es.set_faults(self.json_body(raw))
            self.send_json(200, es.faults)

        def fault_reset(self):
            with es.lock:
                es.faults.update(FAULT_DEFAULTS)
                es.rng.seed(None)
            self.send_json(200, es.faults)

        def test_reset(self):
            with es.lock:
                es.reset()
            self.send_json(200, {"acknowledged": True})

        # -- output

        def send_json(self, status, body, headers=None):
            data = json.dumps(body, indent=2 if self.pretty else None, ensure_ascii=False,
                              separators=None if self.pretty else (",", ":"))
            self.reply(status, data.encode(), headers=headers)

        def reply(self, status, payload, ctype="application/json", headers=None):
            self.send_response_only(status)
            self.send_header("X-elastic-product", "Elasticsearch")  # 8.x clients check it
            self.send_header("content-type", ctype)
            for k, v in (headers or {}).items():
                for one in (v if isinstance(v, list) else [v]):
                    self.send_header(k, one)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.log_request(status, len(payload))
            if self.command != "HEAD":
                self.wfile.write(payload)

        def log_message(self, fmt, *a):
            if args.verbose:
                sys.stderr.write("es_server: %s\n" % (fmt % a))

    return Handler


def tune_malloc():
    """Keeps glibc from unmapping a large body's memory after each request and mapping it afresh
    for the next (M_TRIM_THRESHOLD, M_MMAP_THRESHOLD): the page faults cost more than decoding
    the body. Best effort; other libcs go without."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 256 << 20)
        libc.mallopt(-3, 32 << 20)
    except (OSError, AttributeError):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # several sink connections opening at once


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--port-file", default="", help="where to write the bound port")
    ap.add_argument("--record", default="", help="append stored documents here as NDJSON")
    ap.add_argument("--fast", action="store_true", help="benchmark mode: ids only")
    ap.add_argument("--es-version", default="8.11.0")
    ap.add_argument("--basic-auth", default="", metavar="USER:PASS")
    ap.add_argument("--api-key", default="", metavar="KEY")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    ap.add_argument("--tls-cert", default="", help="serve https with this certificate (PEM)")
    ap.add_argument("--tls-key", default="", help="the certificate's private key (PEM)")
    for name, kind in FAULT_TYPES.items():
        ap.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, default=None)
    args = ap.parse_args()

    tune_malloc()
    es = EsServer(args)
    server = Server(("127.0.0.1", args.port), make_handler(es))
    port = server.server_address[1]
    if args.tls_cert:  # https, as an Elasticsearch with xpack.security.http.ssl
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key or None)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if args.port_file:  # atomically: a reader never sees a partly written number
        tmp = f"{args.port_file}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"ready {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

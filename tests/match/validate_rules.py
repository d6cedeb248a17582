#!/usr/bin/env python3
"""Validates YAML rule files against schemas/rules.schema.json, as an editor would.

Usage: validate_rules.py SCHEMA [--expect-invalid] FILE...
Exit 0 when every file is valid (or, with --expect-invalid, when every file is invalid).
"""
import json
import sys

import jsonschema
import yaml

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
expect_invalid = sys.argv[2] == "--expect-invalid"
failures = 0
for path in sys.argv[3 if expect_invalid else 2:]:
    errors = list(validator.iter_errors(yaml.safe_load(open(path))))
    for e in errors:
        print(f"{path}: {e.json_path}: {e.message}", file=sys.stderr)
    if bool(errors) != expect_invalid:
        failures += 1
        print(f"{path}: expected {'invalid' if expect_invalid else 'valid'}", file=sys.stderr)
sys.exit(1 if failures else 0)

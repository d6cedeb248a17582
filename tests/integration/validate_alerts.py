#!/usr/bin/env python3
"""Validates alert documents (one JSON per line) against schemas/alert.schema.json."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
bad = 0
count = 0
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    count += 1
    for error in validator.iter_errors(json.loads(line)):
        bad += 1
        print(f"alert {count}: {error.json_path}: {error.message}", file=sys.stderr)
if count == 0:
    print("no alerts to validate", file=sys.stderr)
    sys.exit(1)
sys.exit(1 if bad else 0)

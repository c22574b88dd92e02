#!/usr/bin/env python3
"""Validates JSON documents against a JSON schema (draft 7) with the venv's jsonschema.

Usage: validate_json_schema.py SCHEMA DOCUMENT...
Prints "valid DOCUMENT" for each valid one and every error of the others; exits 1 if any is invalid.
"""
import json
import sys

import jsonschema


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    failed = False
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            failed = True
            for error in errors:
                where = "/".join(str(p) for p in error.absolute_path)
                print(f"invalid {path} at /{where}: {error.message[:500]}")
        else:
            print(f"valid {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

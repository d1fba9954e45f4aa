#!/usr/bin/env python3
"""Validates dist/'s scoop and winget manifests against JSON schemas (needs jsonschema, PyYAML).

Usage: validate_manifests.py DIST [--scoop-schema FILE] [--winget-schema-dir DIR]
Always uses scripts/release/schemas/; the options add the official schemas when available.
"""

import argparse
import glob
import json
import os
import sys

import jsonschema
import yaml

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")


def check(doc, schema_path, what):
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print(f"{what}: {'/'.join(map(str, e.path)) or '(top)'}: {e.message} [{schema_path}]")
    if not errors:
        print(f"ok {what} [{os.path.basename(schema_path)}]")
    return not errors


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dist")
    p.add_argument("--scoop-schema")
    p.add_argument("--winget-schema-dir")
    a = p.parse_args()
    ok = True
    scoop_path = os.path.join(a.dist, "scoop", "gomedic.json")
    with open(scoop_path) as f:
        scoop = json.load(f)
    for s in [os.path.join(HERE, "scoop.json")] + ([a.scoop_schema] if a.scoop_schema else []):
        ok &= check(scoop, s, "scoop/gomedic.json")
    found = glob.glob(os.path.join(a.dist, "winget", "manifests", "**", "*.yaml"), recursive=True)
    kinds = set()
    for path in found:
        with open(path) as f:
            text = f.read()
        # winget reads YAML 1.2; the manifests are plain scalars and quoted strings only.
        doc = yaml.safe_load(text)
        kind = doc.get("ManifestType")
        kinds.add(kind)
        schemas = [os.path.join(HERE, f"winget-{kind}.json")]
        if a.winget_schema_dir:
            schemas.append(os.path.join(a.winget_schema_dir, f"manifest.{kind}.{doc['ManifestVersion']}.json"))
        for s in schemas:
            ok &= check(doc, s, os.path.relpath(path, a.dist))
    if kinds != {"version", "installer", "defaultLocale"}:
        print(f"winget: expected version, installer and defaultLocale manifests, found {sorted(kinds)}")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

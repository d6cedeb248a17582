#!/usr/bin/python3
"""docker/k8s/configmap.yaml holds copies: the rule files of rules/ and a klaxon.yaml.
Checks that every rule file there is byte for byte the one in rules/, that none holding
rules is missing (examples.yaml, all comments, may be left out),
and that its klaxon.yaml passes `klaxon check` with those rules.

Usage: check_k8s_configmap.py KLAXON_BINARY REPO_ROOT
"""
import os
import subprocess
import sys
import tempfile

import yaml


def main():
    klaxon, root = sys.argv[1], sys.argv[2]
    with open(os.path.join(root, "docker", "k8s", "configmap.yaml")) as f:
        maps = {d["metadata"]["name"]: d.get("data", {}) for d in yaml.safe_load_all(f) if d}
    problems = []
    rules_dir = os.path.join(root, "rules")
    shipped = {n for n in os.listdir(rules_dir) if n.endswith((".yaml", ".yml"))}
    copied = maps.get("klaxon-rules", {})
    for name in sorted(shipped | set(copied)):
        if name not in copied:
            with open(os.path.join(rules_dir, name)) as f:
                if not (yaml.safe_load(f) or {}).get("rules"):
                    continue  # no rules in it: nothing is lost without it
            problems.append(f"klaxon-rules has no {name} (rules/ has it)")
        elif name not in shipped:
            problems.append(f"klaxon-rules has {name}, rules/ does not")
        elif copied[name] != open(os.path.join(rules_dir, name)).read():
            problems.append(f"klaxon-rules {name} differs from rules/{name}")
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "klaxon.yaml")
        with open(config, "w") as f:
            f.write(maps.get("klaxon-config", {}).get("klaxon.yaml", ""))
        r = subprocess.run([klaxon, "check", "--skip-host-checks", "--config", config, "--rules", rules_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            problems.append("klaxon-config klaxon.yaml: " + r.stdout.strip())
    for p in problems:
        print(p)
    if problems:
        print("copy them again: the kubectl create configmap command in the file says how")
        sys.exit(1)
    print("ok")


main()

#!/usr/bin/env python3
"""Checks docker/ against what the newcomer's-machine issue asks of it, with no Docker
engine (none runs on the development machines):
 - every FROM is pinned: a digest, or a dated or point-release tag (never 12, latest,
   bookworm-slim, which move);
 - packages are installed only through scripts/deps.sh (one list for the image and a fresh
   machine), never by an apt-get install of the Dockerfile's own;
 - .dockerignore keeps build trees and .git out of the build context;
 - every file a command in docker/README.md mounts (-v SRC:DST) or names with -f FILE.yml exists.

usage: check_docker_files.py REPO_ROOT"""
import os
import re
import sys

root = sys.argv[1]
problems = []


def read(path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


dockerfile = read("docker/Dockerfile")
for n, line in enumerate(dockerfile.splitlines(), 1):
    m = re.match(r"\s*FROM\s+(\S+)", line, re.I)
    if m:
        image = m.group(1)
        pinned = "@sha256:" in image or re.search(r":[a-z]*-?\d{8}(-slim)?$|:\d+\.\d+(-slim)?$",
                                                   image)
        if not pinned:
            problems.append(f"docker/Dockerfile:{n}: FROM {image} is not pinned "
                            "(use a digest or a dated tag such as bookworm-20260202-slim)")
    if re.search(r"apt-get\s+install", line):
        problems.append(f"docker/Dockerfile:{n}: installs packages itself; use scripts/deps.sh")
if "deps.sh build" not in dockerfile or "deps.sh runtime" not in dockerfile:
    problems.append("docker/Dockerfile: both stages must install through scripts/deps.sh")

ignore = read(".dockerignore").split()
for entry in ("build*/", ".git"):
    if entry not in ignore:
        problems.append(f".dockerignore: does not exclude {entry}")

readme = read("docker/README.md")
for n, line in enumerate(readme.splitlines(), 1):
    if not re.search(r"\bdocker(-compose)?\b", line):
        continue
    line = line.replace("$PWD/", "").replace("${PWD}/", "").replace('"', "")
    for m in re.finditer(r"(?:-v|--volume)\s+([^:\s]+):", line):
        src = m.group(1)
        if not os.path.exists(os.path.join(root, src)):
            problems.append(f"docker/README.md:{n}: mounts {src}, which does not exist "
                            "(paths are relative to the repository root)")
    for m in re.finditer(r"(?:^|\s)-f\s+(\S+\.ya?ml)\b", line):
        if not os.path.exists(os.path.join(root, m.group(1))):
            problems.append(f"docker/README.md:{n}: names {m.group(1)}, which does not exist")

for p in problems:
    print(p)
print(f"{len(problems)} problem(s)" if problems else "ok: docker/ is pinned, uses scripts/deps.sh")
sys.exit(1 if problems else 0)

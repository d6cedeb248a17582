#!/usr/bin/env python3
"""The runtime packages in scripts/deps.sh (docker/Dockerfile's runtime stage) are exactly
the packages of the shared libraries the klaxon binary names (readelf's NEEDED entries),
plus ca-certificates; libraries every Debian base image has are not listed.

usage: check_runtime_deps.py KLAXON_BINARY REPO_ROOT
Exit 0 when they agree; 1 with what to add or remove."""
import subprocess
import sys

IN_EVERY_BASE = {"libc6", "libgcc-s1", "libstdc++6"}
NOT_LIBRARIES = {"ca-certificates"}  # TLS trust for Kafka, Alertmanager, webhooks, ES


def needed_packages(binary):
    needed = set()
    for line in subprocess.run(["readelf", "-d", binary], check=True, capture_output=True,
                               text=True).stdout.splitlines():
        if "(NEEDED)" in line:
            needed.add(line.split("[", 1)[1].rstrip("]"))
    paths = {}
    for line in subprocess.run(["ldd", binary], check=True, capture_output=True,
                               text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=>":
            paths[parts[0]] = parts[2]
    packages = {}
    for soname in sorted(needed):
        if soname not in paths:
            sys.exit(f"{binary}: ldd does not resolve {soname}")
        real = subprocess.run(["readlink", "-f", paths[soname]], check=True, capture_output=True,
                              text=True).stdout.strip()
        owner = None
        for path in (paths[soname], real, "/usr" + real if not real.startswith("/usr") else real):
            r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
            if r.returncode == 0:
                owner = r.stdout.split(":", 1)[0]
                break
        if owner is None:
            sys.exit(f"{soname} ({real}) belongs to no Debian package")
        packages[soname] = owner
    return packages


def main():
    binary, root = sys.argv[1], sys.argv[2]
    listed = set(subprocess.run([f"{root}/scripts/deps.sh", "--list", "runtime"], check=True,
                                capture_output=True, text=True).stdout.split())
    packages = needed_packages(binary)
    if any(p.startswith(("libasan", "libubsan")) for p in packages.values()):
        print("sanitizer build: its runtime libraries are not the image's; skipped")
        return 0
    want = (set(packages.values()) - IN_EVERY_BASE) | NOT_LIBRARIES
    missing = sorted(want - listed)
    extra = sorted(listed - want)
    for p in missing:
        libs = ", ".join(s for s, o in packages.items() if o == p)
        print(f"missing from scripts/deps.sh runtime_pkgs: {p} (klaxon needs {libs})")
    for p in extra:
        print(f"in scripts/deps.sh runtime_pkgs but not needed by klaxon: {p}")
    if missing or extra:
        return 1
    print(f"ok: {len(want)} runtime packages match the binary's {len(packages)} libraries")
    return 0


if __name__ == "__main__":
    sys.exit(main())

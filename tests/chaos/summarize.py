#!/usr/bin/env python3
"""Turns the JSON lines `make chaos` collected into tests/chaos/RESULTS.md."""
import json
import platform
import subprocess
import sys
from datetime import datetime, timezone

try:
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
except OSError:
    runs = []
if not runs:
    sys.exit("no chaos run finished: nothing to summarize")
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                        text=True).stdout.strip()
total = {k: sum(r.get(k, 0) for r in runs) for k in
         ("blocks", "kills", "faults", "scalings", "late_blocks", "rule_edits", "bad_records",
          "crashes", "expected", "alerts", "duplicates", "lost", "twice", "dead_letters",
          "seconds")}
clean = sum(1 for r in runs if not (r["duplicates"] or r["lost"] or r["twice"] or r["crashes"])
            and r["committed"] and r["dead_letters"] == r["bad_records"])
cpu = ""
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    pass

print("# Chaos campaign results\n")
print("Written by `make chaos` (tests/chaos/chaos_test.cc, summarized by "
      "tests/chaos/summarize.py); do not edit by hand.\n")
print(f"- when: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, commit {commit}")
print(f"- machine: {cpu or platform.machine()}, {platform.system()} {platform.release()}")
print(f"- runs: {len(runs)}, {clean} of them with every check holding\n")
print("| totals | |\n| --- | --- |")
rows = [("blocks of traffic", "blocks"), ("SIGKILLs", "kills"),
        ("faults (broker down, leaders moved, request errors, round-trip delays)", "faults"),
        ("scalings (out to 3 pods, one on an empty disk; back in)", "scalings"),
        ("blocks whose tail came after the next block (2 h late)", "late_blocks"),
        ("rule edits under load (added, renamed, removed)", "rule_edits"),
        ("bad records written", "bad_records"), ("bad records dead-lettered (distinct)", "dead_letters"),
        ("incidents in the ground truth", "expected"), ("alerts on the alerts topic", "alerts"),
        ("incidents lost", "lost"), ("incidents alerted twice", "twice"),
        ("alert ids on the topic twice", "duplicates"), ("pods that exited by themselves", "crashes"),
        ("seconds", "seconds")]
for label, key in rows:
    print(f"| {label} | {total[key]} |")
print("\n| seed | event time | blocks | kills | faults | scalings | late | rule edits | bad | "
      "dead letters | expected | alerts | lost | twice | duplicates | crashes | committed | s |")
print("| " + " | ".join(["---"] * 18) + " |")
for r in runs:
    print(f"| {r['seed']} | {r['lag']} | {r['blocks']} | {r['kills']} | {r['faults']} | "
          f"{r['scalings']} | {r.get('late_blocks', 0)} | {r.get('rule_edits', 0)} | {r['bad_records']} | {r['dead_letters']} | {r['expected']} | "
          f"{r['alerts']} | {r['lost']} | {r['twice']} | {r['duplicates']} | {r['crashes']} | "
          f"{'yes' if r['committed'] else 'no'} | {r['seconds']} |")

#!/usr/bin/python3
"""Regression guard for decode + match: instructions per event, counted by callgrind.

Wall-clock rates on shared CI machines vary by more than the regressions worth catching;
instruction counts of the same build on the same data do not. This runs `klaxon-bench`
once over a few thousand generated events under `valgrind --tool=callgrind`, counting only
inside klaxon_bench_decode_match (the measured loop), and fails when the instructions per
event exceed the committed baseline by more than the allowed margin: 25% more instructions
is 20% fewer events per instruction.

Usage: callgrind_guard.py KLAXON_BENCH [--baseline FILE] [--update]
  --update  writes the measured figure as the new baseline (after an intended change).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = 3000
MAX_GROWTH = 1.25  # instructions per event, against the baseline


def measure(bench, rules):
    with tempfile.TemporaryDirectory(prefix="klaxon-callgrind-") as work:
        out_file = os.path.join(work, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
               "--toggle-collect=klaxon_bench_decode_match", f"--callgrind-out-file={out_file}",
               bench, "--rules", rules, "--events", str(EVENTS), "--passes", "1",
               "--seconds", "0"]
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({run.returncode}):\n{run.stderr[-3000:]}")
        result = json.loads(run.stdout)
        if result["events"] != EVENTS:
            sys.exit(f"klaxon-bench processed {result['events']} events, expected {EVENTS}")
        with open(out_file) as f:
            totals = re.search(r"^(?:totals|summary):\s+(\d+)", f.read(), re.M)
        if not totals:
            sys.exit(f"no instruction total in {out_file}")
        return int(totals.group(1)) / EVENTS, result["matches"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules", "pay.yaml"))
    ap.add_argument("--baseline", default=os.path.join(ROOT, "bench", "callgrind_baseline.json"))
    ap.add_argument("--update", action="store_true")
    args = ap.parse_args()

    per_event, matches = measure(args.bench, args.rules)
    print(f"decode + match: {per_event:,.0f} instructions per event ({EVENTS} events,"
          f" {matches} matches)")
    if args.update:
        with open(args.baseline, "w") as f:
            json.dump({"instructions_per_event": round(per_event), "events": EVENTS,
                       "rules": os.path.relpath(args.rules, ROOT), "matches": matches}, f,
                      indent=2)
            f.write("\n")
        print(f"baseline written to {args.baseline}")
        return
    if not os.path.exists(args.baseline):
        sys.exit(f"FAIL: no baseline {args.baseline}; write one with --update")
    with open(args.baseline) as f:
        baseline = json.load(f)
    limit = baseline["instructions_per_event"] * MAX_GROWTH
    print(f"baseline: {baseline['instructions_per_event']:,} per event; limit {limit:,.0f}")
    if matches != baseline["matches"]:
        sys.exit(f"FAIL: {matches} matches, the baseline run found {baseline['matches']}:"
                 " the work measured changed")
    if per_event > limit:
        sys.exit(f"FAIL: {per_event / baseline['instructions_per_event']:.2f}x the baseline's"
                 f" instructions per event (allowed {MAX_GROWTH}x); profile it"
                 " (valgrind --tool=callgrind) or, if intended, run with --update")
    print(f"ok: {per_event / baseline['instructions_per_event']:.2f}x the baseline")


if __name__ == "__main__":
    main()

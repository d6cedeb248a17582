#!/usr/bin/env python3
"""Writes a rule file of N rules of the shipped kinds (YAML to stdout), for bench/run:
a quarter each of ERROR regexes with an exclude literal (any), timeout regexes (frequency),
package-name literals on stack traces (any, by fingerprint) and error-code regexes (spike),
each rule with patterns of its own, spread over four event types.

Usage: gen_rules.py N [--matching K]

With --matching K, the first K ERROR rules name a word the generated ERROR lines carry
(a channel, an error code, a key) instead of a service no line names, so those rules match:
the cost of rules that fire, beside that of rules that only have to be ruled out.
"""
import argparse
ap=argparse.ArgumentParser()
ap.add_argument("n", type=int)
ap.add_argument("--matching", type=int, default=0)
args=ap.parse_args()
n=args.n
words=["alipay","wechat","unionpay","CHANNEL_TIMEOUT","orderId","reqId","callback","refund",
       "serial","cost"]
print("rules:")
types=["pay-biz","pay-debug","order-biz","gateway"]
for i in range(n):
    k=i%4
    if k==0:
        target=words[(i//4)%len(words)] if i//4<args.matching else f"svc{i}"
        print(f"  - name: err-{i}\n    filter: {{type: {types[i%4]}}}\n    message:\n      match: ['\\bERROR\\b.*{target}\\b']\n      exclude: [literal: HealthCheck]\n    realert: 5m")
    elif k==1:
        print(f"  - name: burst-{i}\n    type: frequency\n    filter: {{type: {types[i%4]}}}\n    message: {{match: ['timeout after [0-9]+ms calling ch{i}']}}\n    num_events: 10\n    timeframe: 5m")
    elif k==2:
        print(f"  - name: stack-{i}\n    filter: {{tags: {{all: [exception_stack]}}}}\n    message: {{match: [literal: 'com.pay.mod{i}.']}}\n    group_by: fingerprint")
    else:
        print(f"  - name: code-{i}\n    type: spike\n    filter: {{type: {types[i%4]}}}\n    message: {{match: ['code=E{i}[A-Z_]*']}}\n    spike_height: 3\n    timeframe: 10m")

#!/usr/bin/python3
"""The Python peer: the original monitor's per-event work, on a Kafka consumer.

The script klaxon replaces polled Elasticsearch for ERROR lines and `exception_stack`
events, dropped known noise, kept the first 50 lines of each stack trace and a request id
for the email and WeChat summaries. This does the same work per event, reading the topic
directly with confluent_kafka (Debian's python3-confluent-kafka), json and re, so bench/run
can put klaxon beside what a Python rewrite of the script would do.

Reads every partition of TOPIC from the beginning to its end (assigned directly, as kcat
does: no group join), then prints a JSON summary: events, matched, seconds.

Usage: bench/python_peer.py BOOTSTRAP TOPIC
"""
import json
import re
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

# rules/pay.yaml's patterns.
ERROR = re.compile(r"\bERROR\b")
EXCLUDE = re.compile(r"HealthCheck|ClientAbortException|Broken pipe|test-merchant")
REQUEST_ID = re.compile(r"\[reqId=([^\]]+)\]")
ERROR_LOG_TYPES = ("pay-biz", "pay-debug")


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-peer",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    remaining = set(partitions)
    events = matched = 0
    summaries = []
    started = time.monotonic()
    while remaining:
        for m in consumer.consume(num_messages=1000, timeout=1.0):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    remaining.discard(m.partition())
                    continue
                raise SystemExit(f"consume: {m.error()}")
            events += 1
            try:
                event = json.loads(m.value())
            except ValueError:
                continue
            message = event.get("message", "")
            stack = "exception_stack" in (event.get("tags") or [])
            error_line = event.get("type") in ERROR_LOG_TYPES and ERROR.search(message)
            if not (stack or error_line) or EXCLUDE.search(message):
                continue
            matched += 1
            request_id = REQUEST_ID.search(message)
            summaries.append((event.get("@timestamp"), event.get("host"),
                              request_id.group(1) if request_id else None,
                              "\n".join(message.split("\n", 50)[:50])))
            if len(summaries) >= 1000:  # the script mailed them out per poll
                summaries.clear()
    seconds = time.monotonic() - started
    consumer.close()
    print(json.dumps({"events": events, "matched": matched, "seconds": seconds}))


if __name__ == "__main__":
    main()

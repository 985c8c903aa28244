#!/usr/bin/python3
"""results_md.py - bench/RESULTS.md from a run's results.jsonl: machine,
date, load, and every figure beside its reference: the medians of the
rounds, the median of the per-round ratios and their spread (min-max), the
goal and whether the median met it."""

import json
import os
import sys

import benchlib as B

SIZES = ("BENCH_ROUNDS", "BENCH_SECONDS", "BENCH_CONNECTIONS", "BENCH_PENDING", "BENCH_DUE",
         "BENCH_FEED_EVENTS", "BENCH_SMTP_MESSAGES", "BENCH_SMTP_SESSIONS", "BENCH_INBOUND_MESSAGES")
DEFAULTS = {"BENCH_ROUNDS": "5", "BENCH_SECONDS": "4", "BENCH_CONNECTIONS": "16 64",
            "BENCH_PENDING": "1000000", "BENCH_DUE": "10000", "BENCH_FEED_EVENTS": "10000",
            "BENCH_SMTP_MESSAGES": "5000", "BENCH_SMTP_SESSIONS": "4", "BENCH_INBOUND_MESSAGES": "1000"}


def cell(v, unit=""):
    return f"{B.fmt(v)} {unit}".strip() if v is not None else ""


def main(path):
    rows = [json.loads(x) for x in open(path) if x.strip()]
    meta = {}
    mpath = os.path.join(os.path.dirname(path), "run.json")
    if os.path.exists(mpath):
        meta = json.load(open(mpath))
    m = B.machine()
    print("# Benchmark results\n")
    print("Written by `make bench` (bench/run.sh) from one run; convened and its reference were measured")
    print("side by side in the same run, in interleaved rounds (reference, convened, reference, convened")
    print("...). Each figure gives both sides' medians, the median of the per-round ratios")
    print("(convened / reference) and their spread (min-max of the per-round ratios); the raw values of")
    print("every round are in bench/out/results.jsonl and bench/out/rounds-*.jsonl. \"met?\" judges the")
    print("median. Quote ratios, not absolutes: the machine is shared with other work.\n")
    print(f"- date: {meta.get('start', m['date'])} to {meta.get('end', m['date'])}")
    print(f"- machine: {m['nproc']} CPUs, {m['cpu']}; shared with other engineers' builds and tests")
    if meta:
        print(f"- load average (1, 5, 15 min): {meta.get('load_start', '?')} at the start, "
              f"{meta.get('load_end', '?')} at the end")
        print(f"- commit: {meta.get('commit', '?')}")
    print("- PostgreSQL: a private cluster per benchmark, fsync and synchronous_commit on")
    print("- sizes: " + ", ".join(f"{k}={os.environ.get(k, DEFAULTS[k])}" for k in SIZES))
    print()
    print("| benchmark | figure | convened (median) | reference (median) | ratio median | spread | goal | met? |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if "not_run" in r:
            print(f"| {r['bench']} | NOT RUN: {r['not_run']} | | | | | | |")
            continue
        if r["reference"] is not None:
            ref = f"{r['ref_name']}: {cell(r['reference'], r.get('ref_unit') or r['unit'])}"
        else:
            ref = r["ref_name"]
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        if r.get("rounds"):
            if r.get("ratio_min") is not None:
                spread = f"{r['ratio_min']:.2f}-{r['ratio_max']:.2f}"
            else:  # no measured reference: convened's own spread
                spread = f"convened {B.fmt(r['convened_min'])}-{B.fmt(r['convened_max'])} {r['unit']}"
            spread += f" ({r['rounds']} rounds)"
        else:
            spread = "one measurement"
        met = {True: "met", False: "**missed**", None: ""}[r.get("met")]
        name = r["name"] + (f" ({r['note']})" if r.get("note") else "")
        print(f"| {r['bench']} | {name} | {cell(r['convened'], r['unit'])} | {ref} | {ratio} | {spread} | "
              f"{r.get('goal') or ''} | {met} |")
    print("\nRaw lines:\n")
    print("```")
    for r in rows:
        print(r["line"])
    print("```")


if __name__ == "__main__":
    main(sys.argv[1])

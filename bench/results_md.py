#!/usr/bin/python3
"""results_md.py - bench/RESULTS.md from a run's results.jsonl: machine,
date, and every figure beside its reference."""

import json
import sys

import benchlib as B


def main(path):
    rows = [json.loads(x) for x in open(path) if x.strip()]
    m = B.machine()
    print("# Benchmark results\n")
    print("Written by `make bench` (bench/run.sh); every figure comes from the run below, convened and")
    print("its reference measured side by side on the same machine in the same run. Quote ratios, not")
    print("absolutes: the machine is shared.\n")
    print(f"- date: {m['date']}")
    print(f"- machine: {m['nproc']} CPUs, {m['cpu']}")
    print("- PostgreSQL: private cluster, fsync and synchronous_commit on")
    print()
    print("| benchmark | figure | convened | reference | ratio | goal | note |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if "not_run" in r:
            print(f"| {r['bench']} | NOT RUN | | | | | {r['not_run']} |")
            continue
        ref = f"{r['ref_name']}: {B.fmt(r['reference'])} {r['unit']}" if r["reference"] is not None else r["ref_name"]
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else ""
        print(f"| {r['bench']} | {r['name']} | {B.fmt(r['convened'])} {r['unit']} | {ref} | {ratio} | "
              f"{r['goal'] or ''} | {r['note']} |")
    print("\nRaw lines:\n")
    print("```")
    for r in rows:
        print(r["line"])
    print("```")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Puts the results of an ops/bench/run into docs/performance.md.

    doc.py DOC TMPDIR HEADER_FILE SCENARIO...

Each scenario owns a block between <!-- bench:NAME:begin --> and <!-- bench:NAME:end -->; a
run replaces the blocks of the scenarios it ran (from TMPDIR/block-NAME.md and the rows of
TMPDIR/rows.tsv, kept inside the block as <!-- row ... --> comments) and keeps the others as they
were. The summary table is rebuilt from the rows of every block. Blocks other programs own
(<!-- console:begin --> of ops/bench/console, any
<!-- X:begin -->) are kept as they are, after the benchmark's blocks."""
import re
import sys

ORDER = ["healthz", "intake", "read", "queue", "stats", "sla", "memory", "growth", "profile"]
BLOCK = re.compile(r"<!-- (bench:([a-z]+)|([a-z][a-z0-9_-]*)):begin.*?<!-- \1:end -->", re.S)


def main():
    doc, tmp, header_file, ran = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    try:
        old = open(doc, encoding="utf-8").read()
    except FileNotFoundError:
        old = ""
    ours, foreign = {}, []
    for m in BLOCK.finditer(old):
        if m.group(2):
            ours[m.group(2)] = m.group(0)
        else:
            foreign.append(m.group(0))
    rows = {}
    for line in open(f"{tmp}/rows.tsv", encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        rows.setdefault(f[0], []).append(f[1:])
    header = open(header_file, encoding="utf-8").read()
    stamp = re.search(r"<!-- stamp: (.*?) -->", header).group(1)
    for name in ran:
        try:
            body = open(f"{tmp}/block-{name}.md", encoding="utf-8").read().strip()
        except FileNotFoundError:
            continue  # the scenario did not finish: keep what the document had
        comments = "".join(f"<!-- row\t{chr(9).join(r)} -->\n" for r in rows.get(name, []))
        ours[name] = (f"<!-- bench:{name}:begin (written by ops/bench/run {name}) -->\n{comments}{body}\n\n"
                      f"_Measured {stamp}._\n<!-- bench:{name}:end -->")
    table = []
    for name, block in ours.items():
        for m in re.finditer(r"<!-- row\t(.*?) -->", block):
            table.append(m.group(1).split("\t"))
    table.sort(key=lambda r: r[0])
    lines = ["| what | measured | raw reference (same run) | ratio | target | |", "|---|---:|---:|---:|---|---|"]
    for key, what, measured, raw, ratio, target, met in table:
        lines.append(f"| {what} | {measured} | {raw} | {ratio} | {target} | {'**' + met + '**' if met == 'not met' else met} |")
    out = header.replace("@SUMMARY@", "\n".join(lines)).rstrip() + "\n"
    for name in ORDER + sorted(set(ours) - set(ORDER)):
        if name in ours:
            out += "\n" + ours[name] + "\n"
    for block in foreign:
        out += "\n" + block + "\n"
    open(doc + ".tmp", "w", encoding="utf-8").write(out)
    import os
    os.replace(doc + ".tmp", doc)
    print("\n".join(lines))


main()

#!/usr/bin/env python3
"""Build an out-of-sample evaluation set from labri-progress/cidiff (Apache-2.0).

Reads a checkout of the upstream repository (--src), writes
<out>/<case-id>/{fail,pass}.log (byte-exact copies) and <out>/manifest.jsonl
(default out: eval/oos/out/cidiff). Rerunnable: case folders are recreated each run.
Cases of the shared ci-logs set (../shared/ci-logs) are left out, so the set stays
out of sample.

Line numbers: CiDiff numbered lines with Java BufferedReader.readLine (a line ends at
"\n", "\r\n" or a lone "\r"); our evaluator numbers lines split on "\n" only. Every
groundtruth span is remapped: start -> "\n"-line holding the first byte of readLine line
`start`; end -> "\n"-line holding the first byte of readLine line `end`.

Usage: python3 eval/oos/cidiff.py --src <cidiff checkout> [--out DIR]
       [--in-sample ../shared/ci-logs/manifest.jsonl] [--verify]
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import sys

SPAN_RE = re.compile(r"^([EC]) (\d+)(?:-(\d+))?$")
GITHUB_LAYOUTS = {"RAW_GITHUB", "FULL_GITHUB", "GITHUB"}
HERE = os.path.dirname(os.path.abspath(__file__))


def readline_starts(b: bytes):
    """Byte offset of the first character of each java readLine() line, in order."""
    starts = []
    n = len(b)
    i = 0
    s = 0
    while i < n:
        c = b[i]
        if c == 0x0A or c == 0x0D:
            starts.append(s)
            if c == 0x0D and i + 1 < n and b[i + 1] == 0x0A:
                i += 1
            i += 1
            s = i
        else:
            i += 1
    if s < n:  # last line without terminator
        starts.append(s)
    return starts


def readline_to_nl(b: bytes):
    """List m where m[k-1] is the 1-based "\n"-line holding readLine line k (1-based)."""
    starts = readline_starts(b)
    out = []
    nl_line = 1
    pos = 0
    for s in starts:
        nl_line += b.count(b"\n", pos, s)
        pos = s
        out.append(nl_line)
    return out


def readline_texts(b: bytes):
    starts = readline_starts(b)
    texts = []
    for k, s in enumerate(starts):
        e = s
        while e < len(b) and b[e] not in (0x0A, 0x0D):
            e += 1
        texts.append(b[s:e])
    return texts


def parse_groundtruth(path):
    with open(path, "rb") as f:
        raw = f.read().decode("utf-8")
    lines = [l.strip() for l in raw.split("\n")]
    lines = [l for l in lines if l]
    layout = lines[0]
    spans = []
    bad = []
    for l in lines[1:]:
        m = SPAN_RE.match(l)
        if not m:
            bad.append(l)
            continue
        a = int(m.group(2))
        e = int(m.group(3) or a)
        spans.append(("error" if m.group(1) == "E" else "context", a, e))
    return layout, spans, bad


def detect_ci(layout, fail_bytes):
    head = fail_bytes[:4000]
    looks_jenkins = head.startswith(b"Started by") or b"Building remotely on" in head or b"[EnvInject]" in head
    looks_gha = bool(re.search(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", head)) or b"Current runner version" in head
    if layout in GITHUB_LAYOUTS:
        return "github-actions" if looks_gha or not looks_jenkins else None
    if layout == "DEFAULT":
        if looks_jenkins:
            return "jenkins"
        return None
    if layout == "JENKINS":
        return "jenkins"
    return None


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def find_cases(src):
    data = os.path.join(src, "data")
    cases = []  # (case, source_path, abs_dir)
    for top in ("breakages", "other_cases"):
        d = os.path.join(data, top)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.isdir(p):
                cases.append((name, f"data/{top}/{name}", p))
    dump = os.path.join(data, "breakages_dump")
    if os.path.isdir(dump):
        for wf in sorted(os.listdir(dump)):
            wp = os.path.join(dump, wf)
            if not os.path.isdir(wp):
                continue
            for run in sorted(os.listdir(wp), key=lambda r: (len(r), r)):
                p = os.path.join(wp, run)
                if os.path.isdir(p):
                    cases.append((f"{slug(wf)}-{run}", f"data/breakages_dump/{wf}/{run}", p))
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True, help="checkout of github.com/labri-progress/cidiff")
    ap.add_argument("--out", default=os.path.join(HERE, "out", "cidiff"))
    ap.add_argument("--in-sample", default=os.path.join(HERE, "..", "..", "..", "shared", "ci-logs", "manifest.jsonl"))
    ap.add_argument("--verify", action="store_true", help="print labelled lines under both numberings for a lone-CR log")
    args = ap.parse_args()
    if not os.path.isfile(args.in_sample):
        sys.exit(f"{args.in_sample} not found: pass --in-sample with the shared ci-logs manifest, or the set would overlap it")

    excluded_paths = set()
    in_sample_hashes = {}
    with open(args.in_sample, "rb") as f:
        for line in f.read().decode("utf-8").split("\n"):
            if not line.strip():
                continue
            r = json.loads(line)
            if r["id"].startswith("cidiff-"):
                excluded_paths.add(r["source_path"])
            lp = os.path.join(os.path.dirname(args.in_sample), r["log"])
            if os.path.isfile(lp):
                with open(lp, "rb") as g:
                    in_sample_hashes[hashlib.sha256(g.read()).hexdigest()] = r["id"]

    os.makedirs(args.out, exist_ok=True)
    rows, skipped, notes = [], [], []
    seen_hash = {}
    verify_done = False
    for case, source_path, d in find_cases(args.src):
        if source_path in excluded_paths:
            skipped.append((source_path, "in-sample (listed in shared manifest)"))
            continue
        fail = os.path.join(d, "fail.log")
        gt = os.path.join(d, "groundtruth")
        if not (os.path.isfile(fail) and os.path.isfile(gt)):
            skipped.append((source_path, "missing fail.log or groundtruth"))
            continue
        with open(fail, "rb") as f:
            fb = f.read()
        layout, spans, bad = parse_groundtruth(gt)
        if bad:
            notes.append(f"{source_path}: ignored malformed groundtruth lines {bad}")
        ci = detect_ci(layout, fb)
        if ci is None:
            skipped.append((source_path, f"cannot tell CI from layout {layout!r} and log content"))
            continue
        mapping = readline_to_nl(fb)
        n_nl = fb.count(b"\n") + (0 if fb.endswith(b"\n") else 1)
        out_spans = []
        problem = None
        for kind, a, e in spans:
            if a > e:
                problem = f"span {a}-{e} reversed"
                break
            if e > len(mapping):
                problem = f"span {a}-{e} beyond {len(mapping)} readLine lines"
                break
            out_spans.append({"kind": kind, "start": mapping[a - 1], "end": mapping[e - 1]})
        if problem:
            skipped.append((source_path, problem))
            continue
        if not out_spans:
            skipped.append((source_path, "groundtruth has no spans"))
            continue
        assert all(1 <= s["start"] <= s["end"] <= n_nl for s in out_spans)

        h = hashlib.sha256(fb).hexdigest()
        if h in in_sample_hashes:
            notes.append(f"{source_path}: fail.log byte-identical to in-sample {in_sample_hashes[h]}")
        if h in seen_hash:
            notes.append(f"{source_path}: fail.log byte-identical to {seen_hash[h]} (eval-logs will count it once)")
        seen_hash.setdefault(h, source_path)

        cid = case
        cdir = os.path.join(args.out, cid)
        if os.path.isdir(cdir):
            shutil.rmtree(cdir)
        os.makedirs(cdir)
        shutil.copyfile(fail, os.path.join(cdir, "fail.log"))
        passing = None
        if os.path.isfile(os.path.join(d, "pass.log")):
            shutil.copyfile(os.path.join(d, "pass.log"), os.path.join(cdir, "pass.log"))
            passing = f"{cid}/pass.log"
        shifted = sum(1 for (k, a, e), s in zip(spans, out_spans) if (a, e) != (s["start"], s["end"]))
        lone_cr = fb.count(b"\r") - fb.count(b"\r\n")
        if shifted:
            notes.append(f"{cid}: {shifted}/{len(spans)} spans moved by remap (lone CRs: {lone_cr})")
        rows.append({
            "id": f"oos-cidiff-{cid}",
            # The dump holds hashicorp/terraform's two workflows: one project, totalled apart as in ci-logs.
            "group": "terraform" if source_path.startswith("data/breakages_dump/") else "cidiff",
            "ci": ci,
            "log": f"{cid}/fail.log",
            "passing_log": passing,
            "error_spans": out_spans,
            "source_path": source_path,
        })

        if args.verify and shifted and not verify_done:
            verify_done = True
            texts = readline_texts(fb)
            nl = fb.split(b"\n")
            print(f"--- remap check on {source_path} ---")
            for (kind, a, e), s in list(zip(spans, out_spans))[:4]:
                print(f"{kind} readLine {a}-{e} -> \\n-lines {s['start']}-{s['end']}")
                print(f"  readLine[{a}]        : {texts[a - 1][:140]!r}")
                raw = nl[a - 1][:140] if a <= len(nl) else b"<past end of file>"
                print(f"  \\n-split[{a}] (unmapped): {raw!r}")
                print(f"  \\n-split[{s['start']}] (mapped): {nl[s['start'] - 1][-140:]!r}")
                print(f"  readLine[{e}] end    : {texts[e - 1][:140]!r}")
                print(f"  \\n-split[{s['end']}] end: {nl[s['end'] - 1][-140:]!r}")

    keep = {r["log"].split("/")[0] for r in rows}
    for name in os.listdir(args.out):
        p = os.path.join(args.out, name)
        if os.path.isdir(p) and name not in keep:
            shutil.rmtree(p)
    with open(os.path.join(args.out, "manifest.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    by_ci = {}
    for r in rows:
        by_ci[r["ci"]] = by_ci.get(r["ci"], 0) + 1
    print(f"wrote {len(rows)} cases: {by_ci}")
    print(f"skipped {len(skipped)}:")
    for p, why in skipped:
        print(f"  {p}: {why}")
    for n in notes:
        print("note:", n)
    return 0


if __name__ == "__main__":
    sys.exit(main())

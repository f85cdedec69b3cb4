#!/usr/bin/python3
"""bench/compare_report.py RAW_DIR [--json FILE] [--markdown FILE]: the table of bench/compare.sh.

Reads what compare.sh left in RAW_DIR (one file per measurement: fio and iperf3 JSON, daos_perf
JSON, `rados bench` text, the processes' memory as JSON, meta.json), prints one table with the
absolute figures, the ratios ours/limit and ours/Ceph, the memory figures and the targets with
PASS/MISS, and writes the same as JSON (--json) and as Markdown tables (--markdown).

A missing or unreadable input (a skipped step) shows as "-" and its targets as "n/a"; the exit
status is 0 whenever the table could be printed (a MISS is a result, not a failure), 1 when
RAW_DIR holds nothing usable or an output file cannot be written.

Units: MB/s are 10^6 bytes per second for every tool (rados bench prints MiB/s under the name
"MB/sec": the bytes are recomputed from its counts); memory in MiB (2^20 bytes).
"""

import argparse
import glob
import json
import math
import os
import re
import sys

MIB = 1 << 20

# What each target asks (docs/performance.md, "Comparison"): id, text, required value, sense.
TARGET_NET_RATIO = 0.70      # 1 MiB sequential >= 70% of two-stream iperf3 bandwidth
TARGET_CEPH_1M = 1.5         # 1 MiB sequential >= 1.5x Ceph's bandwidth
TARGET_CEPH_4K = 5.0         # 4 KiB random >= 5x Ceph's IOPS
TARGET_SV64_OPS = 100_000    # 64 B single-value updates per second
TARGET_ENGINE_MIB = 200      # idle engine, 4 targets, one pool: RSS below this
TARGET_CLIENT_MIB = 64       # client library: peak RSS below this


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def num(x):
    """x as a finite float, else None (a value read from a file is never trusted)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def get_(d, k):
    return d.get(k) if d else None


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


# ---- readers: each returns a dict of figures, or None ----

def read_fio(raw, name):
    d = load_json(os.path.join(raw, f"fio_{name}.json"))
    try:
        job = d["jobs"][0]
        side = job["write"] if num(job["write"]["io_bytes"]) else job["read"]
        pct = side["clat_ns"].get("percentile", {})
        out = {"mb_s": num(side["bw_bytes"]) / 1e6, "ops_s": num(side["iops"]),
               "p50_us": (num(pct.get("50.000000")) or 0) / 1e3 or None,
               "p99_us": (num(pct.get("99.000000")) or 0) / 1e3 or None,
               "max_us": (num(side["clat_ns"].get("max")) or 0) / 1e3 or None,
               "options": d.get("global options", {})}
        out["options"].update(job.get("job options", {}))
        return out
    except (TypeError, KeyError, IndexError, AttributeError):
        return None


def read_iperf3(raw, streams):
    d = load_json(os.path.join(raw, f"iperf3_{streams}.json"))
    try:
        bps = num(d["end"]["sum_received"]["bits_per_second"])
        return {"mb_s": bps / 8e6, "streams": streams} if bps else None
    except (TypeError, KeyError):
        return None


def read_daos(raw, name):
    """daos_perf -j output: raw/daos_NAME.json, or the repeated runs raw/daos_NAME.<n>.json
    merged: operations, bytes and seconds add up (rates are totals over total time); the
    latency percentiles are the runs' percentiles weighted by their operations (the runs
    are alike, so this stays close to the percentile of all operations); max is the max.
    Returns {"runs", "client_peak_rss_bytes", "phases": {phase: figures}} or None."""
    paths = [os.path.join(raw, f"daos_{name}.json")]
    paths += sorted(glob.glob(os.path.join(raw, f"daos_{name}.[0-9]*.json")),
                    key=lambda p: int(p.rsplit(".", 2)[-2]))
    runs = [d for d in map(load_json, paths)
            if isinstance(d, dict) and isinstance(d.get("results"), list)]
    if not runs:
        return None
    rss = [num(d.get("client_peak_rss_bytes")) for d in runs]
    rss = [x for x in rss if x is not None]
    acc = {}
    for d in runs:
        for r in d["results"]:
            if not isinstance(r, dict) or not isinstance(r.get("phase"), str):
                continue
            ops, secs, nbytes = num(r.get("ops")), num(r.get("seconds")), num(r.get("bytes"))
            if ops is None or secs is None or nbytes is None:
                continue
            a = acc.setdefault(r["phase"], {"ops": 0.0, "seconds": 0.0, "bytes": 0.0,
                                            "errors": 0.0, "max_us": None, "span_short": False,
                                            "_w": {"p50_us": 0.0, "p95_us": 0.0, "p99_us": 0.0}})
            a["ops"] += ops
            a["seconds"] += secs
            a["bytes"] += nbytes
            a["errors"] += num(r.get("errors")) or 0
            a["span_short"] = a["span_short"] or r.get("span_short") is True
            mx = num(r.get("max_us"))
            if mx is not None:
                a["max_us"] = mx if a["max_us"] is None else max(a["max_us"], mx)
            for k in a["_w"]:
                a["_w"][k] += (num(r.get(k)) or 0) * ops
    phases = {}
    for ph, a in acc.items():
        w = a.pop("_w")
        a["ops_per_s"] = a["ops"] / a["seconds"] if a["seconds"] else None
        a["mb_per_s"] = a["bytes"] / a["seconds"] / 1e6 if a["seconds"] else None
        for k, v in w.items():
            a[k] = v / a["ops"] if a["ops"] else None
        phases[ph] = a
    return {"runs": len(runs), "client_peak_rss_bytes": max(rss) if rss else None,
            "params": runs[0].get("params", {}), "phases": phases}


RADOS_KEYS = {
    "Total time run": "seconds", "Total writes made": "ops", "Total reads made": "ops",
    "Write size": "size", "Read size": "size", "Average Latency(s)": "avg_s",
    "Max latency(s)": "max_s", "Min latency(s)": "min_s",
}


def read_rados(raw, name):
    try:
        with open(os.path.join(raw, f"rados_{name}.txt"), encoding="utf-8",
                  errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    vals = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z][A-Za-z ()]*?):\s+([0-9.eE+-]+)\s*$", line)
        if m and m.group(1) in RADOS_KEYS:
            try:
                vals[RADOS_KEYS[m.group(1)]] = float(m.group(2))
            except ValueError:
                pass
    if not all(vals.get(k) for k in ("seconds", "ops", "size")):
        return None
    return {"ops_s": vals["ops"] / vals["seconds"],
            "mb_s": vals["ops"] * vals["size"] / vals["seconds"] / 1e6,
            "ops": vals["ops"], "seconds": vals["seconds"], "size": vals["size"],
            "avg_us": vals["avg_s"] * 1e6 if "avg_s" in vals else None,
            "max_us": vals["max_s"] * 1e6 if "max_s" in vals else None}


def read_mem(raw, name):
    """A JSON list of /proc/PID/status figures (KiB) -> list of dicts in MiB."""
    d = load_json(os.path.join(raw, f"mem_{name}.json"))
    if not isinstance(d, list):
        return None
    out = []
    for p in d:
        if not isinstance(p, dict) or num(p.get("VmRSS_kib")) is None:
            continue
        out.append({k[:-4] + "_mib": num(v) / 1024 for k, v in p.items()
                    if k.endswith("_kib") and num(v) is not None})
        out[-1]["pid"] = p.get("pid")
    return out or None


# ---- formatting ----

def fmt_rate(x, unit):
    if x is None:
        return "-"
    if unit == "MB/s":
        return f"{x:,.0f} MB/s"
    return f"{x:,.0f}/s"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}"


def fmt_us(x):
    if x is None:
        return "-"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def fmt_mib(x):
    return "-" if x is None else f"{x:.1f}"


def text_table(header, rows):
    cols = [header] + rows
    width = [max(len(str(r[i])) for r in cols) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(r, width))).rstrip() for r in cols]
    lines.insert(1, "  ".join("-" * w for w in width))
    return "\n".join(lines)


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---- the report ----

def build(raw):
    meta = load_json(os.path.join(raw, "meta.json")) or {}
    try:
        with open(os.path.join(raw, "loadavg_end"), encoding="utf-8") as f:
            meta["loadavg_end"] = f.read().strip()
    except OSError:
        pass

    fio = {n: read_fio(raw, n) for n in ("seqwrite_1M", "seqread_1M", "randwrite_4K",
                                          "randread_4K")}
    net = {s: read_iperf3(raw, s) for s in (1, 2)}
    daos = {n: read_daos(raw, n) for n in ("array_1M", "array_4K", "sv_64")}
    ceph = {n: read_rados(raw, n) for n in ("write_1M", "seq_1M", "write_4K", "rand_4K")}
    mem = {n: read_mem(raw, n) for n in ("quickstart", "quickstart_after", "4targets",
                                         "ceph_osd")}

    def ours(run, phase):
        d = daos.get(run)
        return d["phases"].get(phase) if d else None

    net2 = get_(net[2], "mb_s")
    # id, label, unit, ours figures, fio figures, uses the network limit, Ceph figures
    spec = [
        ("array_1M_write", "1 MiB seq write, S1, 16 in flight", "MB/s",
         ours("array_1M", "write"), fio["seqwrite_1M"], True, ceph["write_1M"]),
        ("array_1M_read", "1 MiB seq read, S1, 16 in flight", "MB/s",
         ours("array_1M", "read"), fio["seqread_1M"], True, ceph["seq_1M"]),
        ("array_4K_write", "4 KiB rand write, S1, 32 in flight", "ops",
         ours("array_4K", "write"), fio["randwrite_4K"], False, ceph["write_4K"]),
        ("array_4K_read", "4 KiB rand read, S1, 32 in flight", "ops",
         ours("array_4K", "read"), fio["randread_4K"], False, ceph["rand_4K"]),
        ("sv_64_update", "64 B single-value update, 64 in flight", "ops",
         ours("sv_64", "update"), None, False, None),
        ("sv_64_fetch", "64 B single-value fetch, 64 in flight", "ops",
         ours("sv_64", "fetch"), None, False, None),
    ]
    rows = []
    for rid, label, unit, o, f, use_net, c in spec:
        key_ours = "mb_per_s" if unit == "MB/s" else "ops_per_s"
        key_other = "mb_s" if unit == "MB/s" else "ops_s"
        val = get_(o, key_ours)
        row = {"id": rid, "figure": label, "unit": "MB/s" if unit == "MB/s" else "ops/s",
               "ours": val, "fio": get_(f, key_other), "iperf3_2": net2 if use_net else None,
               "ceph": get_(c, key_other)}
        row["ours_per_fio"] = ratio(val, row["fio"])
        row["ours_per_iperf3"] = ratio(val, row["iperf3_2"])
        row["ours_per_ceph"] = ratio(val, row["ceph"])
        row["ours_latency_us"] = {k: get_(o, k) for k in ("p50_us", "p95_us", "p99_us", "max_us")}
        row["ours_errors"] = get_(o, "errors")
        row["ours_span_short"] = get_(o, "span_short")
        row["fio_latency_us"] = {k: get_(f, k) for k in ("p50_us", "p99_us", "max_us")}
        row["ceph_latency_us"] = {k: get_(c, k) for k in ("avg_us", "max_us")}
        rows.append(row)
    by_id = {r["id"]: r for r in rows}

    client_rss = [d["client_peak_rss_bytes"] / MIB for d in daos.values()
                  if d and d["client_peak_rss_bytes"] is not None]
    engine4 = mem["4targets"][0]["VmRSS_mib"] if mem["4targets"] else None
    memory = {
        "quickstart_engines": mem["quickstart"],
        "quickstart_engines_after_runs": mem["quickstart_after"],
        "engine_4_targets": mem["4targets"][0] if mem["4targets"] else None,
        "client_peak_rss_mib": max(client_rss) if client_rss else None,
        "client_peak_rss_mib_per_run": {n: d["client_peak_rss_bytes"] / MIB
                                        for n, d in daos.items()
                                        if d and d["client_peak_rss_bytes"] is not None},
        "ceph_osds": mem["ceph_osd"],
    }

    def target(tid, what, measured, required, shown, ok_if):
        result = "n/a" if measured is None else ("PASS" if ok_if(measured) else "MISS")
        return {"id": tid, "target": what, "measured": measured, "required": required,
                "shown": shown(measured) if measured is not None else "-", "result": result}

    ge = lambda req: (lambda m: m >= req)   # noqa: E731
    lt = lambda req: (lambda m: m < req)    # noqa: E731
    targets = [
        target("T1", "1 MiB seq write >= 70% of iperf3 (2 streams)",
               by_id["array_1M_write"]["ours_per_iperf3"], f">= {TARGET_NET_RATIO:.2f}",
               lambda m: f"{m:.2f}", ge(TARGET_NET_RATIO)),
        target("T2", "1 MiB seq read >= 70% of iperf3 (2 streams)",
               by_id["array_1M_read"]["ours_per_iperf3"], f">= {TARGET_NET_RATIO:.2f}",
               lambda m: f"{m:.2f}", ge(TARGET_NET_RATIO)),
        target("T3", "1 MiB seq write >= 1.5x Ceph",
               by_id["array_1M_write"]["ours_per_ceph"], f">= {TARGET_CEPH_1M:.1f}x",
               lambda m: f"{m:.2f}x", ge(TARGET_CEPH_1M)),
        target("T4", "1 MiB seq read >= 1.5x Ceph",
               by_id["array_1M_read"]["ours_per_ceph"], f">= {TARGET_CEPH_1M:.1f}x",
               lambda m: f"{m:.2f}x", ge(TARGET_CEPH_1M)),
        target("T5", "4 KiB rand write (update) >= 5x Ceph IOPS",
               by_id["array_4K_write"]["ours_per_ceph"], f">= {TARGET_CEPH_4K:.0f}x",
               lambda m: f"{m:.2f}x", ge(TARGET_CEPH_4K)),
        target("T6", "4 KiB rand read (fetch) >= 5x Ceph IOPS",
               by_id["array_4K_read"]["ours_per_ceph"], f">= {TARGET_CEPH_4K:.0f}x",
               lambda m: f"{m:.2f}x", ge(TARGET_CEPH_4K)),
        target("T7", "64 B single-value updates >= 100,000/s",
               by_id["sv_64_update"]["ours"], f">= {TARGET_SV64_OPS:,}/s",
               lambda m: f"{m:,.0f}/s", ge(TARGET_SV64_OPS)),
        target("T8", "idle engine, 4 targets, 1 pool: RSS < 200 MiB", engine4,
               f"< {TARGET_ENGINE_MIB} MiB", lambda m: f"{m:.1f} MiB", lt(TARGET_ENGINE_MIB)),
        target("T9", "client peak RSS < 64 MiB", memory["client_peak_rss_mib"],
               f"< {TARGET_CLIENT_MIB} MiB", lambda m: f"{m:.1f} MiB", lt(TARGET_CLIENT_MIB)),
    ]
    limits = {"fio": fio, "iperf3": {str(k): v for k, v in net.items()}}
    return {"meta": meta, "rows": rows, "limits": limits, "ceph": ceph,
            "ours": daos, "memory": memory, "targets": targets}


def render(rep, md):
    table = md_table if md else text_table
    meta = rep["meta"]
    out = []
    title = ("ours vs the machine's limits vs Ceph RADOS: one machine, one file system"
             f" ({meta.get('fs', '?')}), {meta.get('cpus', '?')} CPUs")
    when = (f"{meta.get('date', '?')}, {meta.get('seconds', '?')} s per measurement"
            f"{' (--quick)' if meta.get('quick') else ''}, load average "
            f"{meta.get('loadavg_start', '?')} at the start, {meta.get('loadavg_end', '?')}"
            " at the end")
    out += [title if not md else f"**{title}**", when if not md else f"_{when}_", ""]

    hdr = ["figure", "ours", "fio (disk)", "ours/fio", "iperf3 x2", "ours/iperf3", "Ceph",
           "ours/Ceph"]
    rows = []
    for r in rep["rows"]:
        u = "MB/s" if r["unit"] == "MB/s" else "ops"
        rows.append([r["figure"], fmt_rate(r["ours"], u), fmt_rate(r["fio"], u),
                     fmt_ratio(r["ours_per_fio"]), fmt_rate(r["iperf3_2"], "MB/s"),
                     fmt_ratio(r["ours_per_iperf3"]), fmt_rate(r["ceph"], u),
                     fmt_ratio(r["ours_per_ceph"])])
    out += [table(hdr, rows), ""]

    hdr = ["latency (us)", "ours p50", "ours p99", "ours max", "fio p50", "fio p99",
           "Ceph avg", "Ceph max"]
    rows = []
    for r in rep["rows"]:
        o, f, c = r["ours_latency_us"], r["fio_latency_us"], r["ceph_latency_us"]
        rows.append([r["figure"], fmt_us(o["p50_us"]), fmt_us(o["p99_us"]), fmt_us(o["max_us"]),
                     fmt_us(f["p50_us"]), fmt_us(f["p99_us"]), fmt_us(c["avg_us"]),
                     fmt_us(c["max_us"])])
    out += [table(hdr, rows), ""]

    lim = rep["limits"]
    n1, n2 = lim["iperf3"]["1"], lim["iperf3"]["2"]
    out.append("limits: iperf3 over 127.0.0.1: 1 stream "
               f"{fmt_rate(n1['mb_s'] if n1 else None, 'MB/s')}, 2 streams "
               f"{fmt_rate(n2['mb_s'] if n2 else None, 'MB/s')}; fio: O_DIRECT, io_uring, "
               "writes with --fdatasync=<depth> (one fdatasync per queue depth of writes)")
    out.append("")

    m = rep["memory"]
    hdr = ["memory (MiB)", "RSS", "anon", "file", "shmem"]

    def mem_row(label, e):
        return [label] + [fmt_mib(get_(e, k)) for k in ("VmRSS_mib", "RssAnon_mib",
                                                       "RssFile_mib", "RssShmem_mib")]

    rows = [mem_row(f"quick-start engine {i} (2 targets), pool, idle", e)
            for i, e in enumerate(m["quickstart_engines"] or [])]
    rows += [mem_row(f"quick-start engine {i} after the runs (reference)", e)
             for i, e in enumerate(m["quickstart_engines_after_runs"] or [])]
    rows.append(mem_row("engine with 4 targets, pool, idle", m["engine_4_targets"]))
    rows += [[f"client (daos_perf {n}), peak", fmt_mib(v), "", "", ""]
             for n, v in sorted(m["client_peak_rss_mib_per_run"].items())]
    rows += [mem_row(f"Ceph OSD {i}, pool, idle (reference)", e)
             for i, e in enumerate(m["ceph_osds"] or [])]
    out += [table(hdr, rows), ""]

    hdr = ["target", "measured", "required", "result"]
    rows = [[f"{t['id']}: {t['target']}", t["shown"], t["required"], t["result"]]
            for t in rep["targets"]]
    out += [table(hdr, rows)]
    runs = []
    for n, d in rep["ours"].items():
        if d:
            secs = ", ".join(f"{ph} {f['seconds']:.1f} s" for ph, f in d["phases"].items()
                             if f.get("seconds") is not None)
            runs.append(f"{n}: {d['runs']} run(s), {secs}")
    if runs:
        out += ["", "daos_perf: " + "; ".join(runs)]
    notes = [r["figure"] for r in rep["rows"] if r["ours_span_short"]]
    if notes:
        out += ["", "note: these write phases covered their whole span before the time was up: "
                + "; ".join(notes)]
    errs = [r["figure"] for r in rep["rows"] if r["ours_errors"]]
    if errs:
        out += ["", "WARNING: failed operations in: " + "; ".join(errs)]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description="The table of bench/compare.sh.")
    ap.add_argument("raw", help="the raw/ directory of a compare.sh run")
    ap.add_argument("--json", help="write the report as JSON to this file")
    ap.add_argument("--markdown", help="write the tables as Markdown to this file")
    args = ap.parse_args()
    if not os.path.isdir(args.raw):
        print(f"compare_report: {args.raw} is not a directory", file=sys.stderr)
        return 1
    rep = build(args.raw)
    m = rep["memory"]
    if not any(r["ours"] is not None or r["fio"] is not None or r["ceph"] is not None
               for r in rep["rows"]) and not any(rep["limits"]["iperf3"].values()) and \
            not (m["quickstart_engines"] or m["engine_4_targets"] or m["ceph_osds"]):
        print(f"compare_report: no usable measurement in {args.raw}", file=sys.stderr)
        return 1
    sys.stdout.write(render(rep, md=False))
    try:
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(rep, f, indent=1)
                f.write("\n")
        if args.markdown:
            with open(args.markdown, "w", encoding="utf-8") as f:
                f.write(render(rep, md=True))
    except OSError as exc:
        print(f"compare_report: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

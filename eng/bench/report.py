#!/usr/bin/env python3
"""One command for the benchmark page: runs the anchors and NativeNet's benches in one run and
writes docs/benchmarks.md from the JSON lines they print.

Usage (from the repository root):
  python3 eng/bench/report.py [--suites peak gemm issue sweep conv rnn models] [--sweep 60] [--seed 1]
                              [--repeats 3] [--threads 1 2] [--chunk 1] [--batch-ms 250] [--no-dotnet]
                              [--jsonl FILE] [--out FILE]
  python3 eng/bench/report.py --render FILE.jsonl [--out FILE]      # page from an earlier run

What runs: `../shared/anchors/run.sh peak` (FMA peak), OpenBLAS and oneDNN SGEMM through
`eng/bench/sgemm_libs.c`, `run.sh torch` (PyTorch 1.13) and `run.sh dotnet` (TorchSharp/LibTorch 2.10, ONNX Runtime)
for the conv/rnn/models suites, and `nativenet bench gemm|conv|rnn|models --json`. GEMM shapes
(the anchor's ten, the shapes issue #22 lists, and `nativenet bench gemm --sweep N --seed S`) are
measured interleaved: for each shape and thread count NativeNet and the anchor run back to back,
--repeats times, and the medians are compared (the machine may be shared; only same-run ratios
mean anything). Every raw line goes to the JSONL file; the page is rendered from that file only.

GEMM timing rule, the same on both sides (`nativenet bench gemm --batch-ms B`, `sgemm_libs --batch-ms
B`): a warm-up of 2B ms (at least 2 calls; it sizes the batches), then the best of 7 batches of
min(floor(4e9 / flop) + 1, B ms worth) calls, as GFLOP/s. The default B = 250 ms is
../shared/anchors/gemm_anchor.c's rule for every shape above ~16 GFLOP/s; a sweep of 60 shapes at
1 and 2 threads then takes ~12 min a seed. `--batch-ms 40` (min of 7 batches of 40 ms after 80 ms
of warm-up) brings that to about 2.5 min; the best batch of a quiet machine is the same figure
within a few percent, and each ratio still pairs two back-to-back runs.
"""
import argparse, datetime, json, math, os, platform, re, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ANCHORS = os.path.join(os.path.dirname(ROOT), "shared", "anchors")
sys.path.insert(0, HERE)
import compare  # noqa: E402  (FLOP counts and the per-suite speed-up bars)

CLI_DLL = os.path.join(ROOT, "src", "NativeNet.Cli", "bin", "Release", "net10.0", "NativeNet.Cli.dll")
ANCHOR_DIR = os.path.join(os.environ.get("TMPDIR", "/tmp"), "nativenet-anchors")
# OpenBLAS/oneDNN SGEMM timed by the anchor's rule with each batch capped at --batch-ms (sgemm_libs.c
# says why: the uncapped rule takes minutes per tiny sweep shape).
SGEMM_LIBS = os.path.join(ANCHOR_DIR, "sgemm_libs")
# Shapes issue #22 names (bar: >= 0.95x oneDNN each).
ISSUE_SHAPES = ["48x2304x576", "32x1024x128", "96x384x192", "512x64x2048", "2256x1x48", "7x2843x1", "2x453x85",
                "6x158x1320"]
DEFAULT_SHAPES = ["64x64x64", "128x128x128", "256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
                  "64x256x784", "256x512x512", "32x1024x128", "128x4096x1024"]
# Recurrent bars against TorchSharp / LibTorch (issue #22): forward >= 1.5x faster.
TORCHSHARP_BARS = {("rnn", "fwd_ms"): 1.5, ("models", "infer_ms"): 1.5}
TORCHSHARP_BAR_CASES = {"lstm_b32t100i12h128", "lstm_b64t50i64h256", "gru_b32t100i12h128", "lstm_ecg"}


def json_lines(text):
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                pass


def run(cmd, env=None):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    full = dict(os.environ, **(env or {}))
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=full, cwd=ROOT).stdout


def ours(*args):
    return run(["dotnet", CLI_DLL, "bench", *args, "--json"])


def machine():
    info = {"kind": "machine", "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join(["python3", "eng/bench/report.py"] + sys.argv[1:]),
            "cores": os.cpu_count(), "os": platform.platform()}
    try:
        text = open("/proc/cpuinfo").read()
        for key, name in (("model name", "cpu"), ("cpu family", "family"), ("model", "model")):
            m = re.search(r"^%s\s*:\s*(.*)$" % key, text, re.M)
            if m: info[name] = m.group(1).strip()
        flags = set(re.search(r"^flags\s*:\s*(.*)$", text, re.M).group(1).split())
        info["isa"] = " ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni") if f in flags)
    except (OSError, AttributeError):
        pass
    return info


def sweep_shapes(count, seed):
    return run(["dotnet", CLI_DLL, "bench", "gemm", "--sweep", str(count), "--seed", str(seed), "--list"]).split()


def measure_gemm(shapes, threads, repeats, group, log, chunk=1, batch_ms=250):
    """Ours and the anchor back to back per chunk of shapes (one process each), alternating which
    goes first. chunk 1 pairs every shape on its own; a larger chunk saves a process start per
    shape (about a second of `dotnet` start-up), with each pair still seconds apart."""
    for first in range(0, len(shapes), chunk):
        part = shapes[first:first + chunk]
        for th in threads:
            for r in range(repeats):
                shape_args = [a for s in part for a in ("--shape", s)]
                steps = [("ours", lambda: ours("gemm", *shape_args, "--threads", str(th), "--batch-ms", str(batch_ms))),
                         ("anchor", lambda: run([SGEMM_LIBS, "--batch-ms", str(batch_ms), str(th), *part],
                                                {"OMP_NUM_THREADS": str(th)}))]
                for who, fn in (steps if r % 2 == 0 else steps[::-1]):
                    for rec in json_lines(fn()):
                        rec.update(kind="gemm", group=group, repeat=r, lib=rec.get("lib", "nativenet"), threads=th)
                        log(rec)


def measure(a, log):
    log(machine())
    if "peak" in a.suites:
        for rec in json_lines(run(["bash", os.path.join(ANCHORS, "run.sh"), "peak"])):
            rec["kind"] = "peak"
            log(rec)
    if {"gemm", "issue", "sweep"} & set(a.suites):
        os.makedirs(ANCHOR_DIR, exist_ok=True)
        run(["gcc", "-O2", os.path.join(HERE, "sgemm_libs.c"), "-o", SGEMM_LIBS,
             "-I/usr/include/x86_64-linux-gnu/openblas-pthread", "-lopenblas", "-ldnnl", "-lm"])
        # Bars first (the listed shapes, the sweep), then the anchor's default shapes.
        if {"gemm", "issue"} & set(a.suites):  # "issue": the listed shapes without the anchor's ten
            measure_gemm(ISSUE_SHAPES, a.threads, a.repeats, "issue", log, a.chunk, a.batch_ms)
        if "sweep" in a.suites:
            log({"kind": "sweep", "count": a.sweep, "seed": a.seed})
            measure_gemm(sweep_shapes(a.sweep, a.seed), a.threads, a.repeats, "sweep", log, a.chunk, a.batch_ms)
        if "gemm" in a.suites:
            measure_gemm(DEFAULT_SHAPES, a.threads, a.repeats, "default", log, a.chunk, a.batch_ms)
    layer = [s for s in ("conv", "rnn", "models") if s in a.suites]
    if layer:
        modes = ["torch"] + ([] if a.no_dotnet else ["dotnet"])
        for mode in modes:
            for rec in json_lines(run(["bash", os.path.join(ANCHORS, "run.sh"), mode])):
                if rec.get("suite") in layer:
                    rec["kind"] = "layer"
                    log(rec)
        for suite in layer:
            for th in a.threads:
                for rec in json_lines(ours(suite, "--threads", str(th))):
                    rec.update(kind="layer", lib="nativenet")
                    log(rec)


# ----------------------------------------------------------------------------------- page --

def med(values):
    return statistics.median(values) if values else None


def fmt(v, digits=4):
    return "–" if v is None else f"{v:.{digits}g}"


def render(records):
    mach = next((r for r in records if r.get("kind") == "machine"), {})
    peaks = {(r["isa"], r["threads"]): r["gflops"] for r in records if r.get("kind") == "peak"}
    out = ["# Benchmarks", "",
           f"Generated by `{mach.get('command', 'python3 eng/bench/report.py')}` (eng/bench/report.py); "
           "every figure below is from that one run.",
           "", "## Machine", "",
           f"- CPU: {mach.get('cpu', '?')}, family {mach.get('family', '?')} model {mach.get('model', '?')}, "
           f"{mach.get('cores', '?')} cores visible",
           f"- ISA: {mach.get('isa', '?')}",
           f"- Date: {mach.get('date', '?')}"]
    if peaks:
        out.append("- FP32 FMA peak (`run.sh peak`), GFLOP/s: " + ", ".join(
            f"{isa} {th} thread{'s' if th > 1 else ''} {g:.0f}" for (isa, th), g in sorted(peaks.items())))
    out.append("")
    out += render_gemm(records)
    out += render_layers(records, peaks)
    return "\n".join(out).rstrip() + "\n"


def gemm_table(records, group):
    """{(shape, threads): {lib: median GFLOP/s, "ratio_onednn"/"ratio_openblas": median of the
    per-repeat ratios}}. Each repeat's ratio pairs two back-to-back runs, so load that drifts
    during the run cancels in it; the median of those is what the bars are judged on."""
    acc = {}
    for r in records:
        if r.get("kind") == "gemm" and r.get("group") == group:
            acc.setdefault((r["case"], r["threads"]), {}).setdefault(r["lib"], {})[r.get("repeat", 0)] = r["gflops"]
    table = {}
    for key, libs in acc.items():
        row = {lib: med(list(v.values())) for lib, v in libs.items()}
        mine = libs.get("nativenet", {})
        for lib in ("onednn", "openblas"):
            other = libs.get(lib, {})
            row["ratio_" + lib] = med([mine[i] / other[i] for i in mine if other.get(i)])
        table[key] = row
    return table


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def render_gemm(records):
    out = []
    sweep = next((r for r in records if r.get("kind") == "sweep"), None)
    groups = [("default", "SGEMM: the anchor's shapes", None),
              ("issue", "SGEMM: small-M, small-N and tiny-K shapes (bar: >= 0.95x oneDNN)", 0.95),
              ("sweep", f"SGEMM: {sweep['count'] if sweep else '?'} shapes, `nativenet bench gemm --sweep "
                        f"{sweep['count'] if sweep else '?'} --seed {sweep['seed'] if sweep else '?'}` "
                        "(bar: geometric mean >= 1.0x oneDNN, every shape >= 0.85x)", 0.85)]
    reps = max((r.get("repeat", 0) for r in records if r.get("kind") == "gemm"), default=0) + 1
    for group, title, bar in groups:
        table = gemm_table(records, group)
        if not table:
            continue
        if group == "sweep" and sweep:
            measured = len({shape for shape, _ in table})
            if measured < sweep["count"]:
                title += f" — {measured} of the {sweep['count']} shapes measured (the run was stopped)"
        out += [f"## {title}", "",
                f"C = A·B, row-major, GFLOP/s, median of {reps} interleaved runs per shape and thread count; "
                "ratios are the median of the per-run ratios.", "",
                "| M×N×K | threads | NativeNet | oneDNN | OpenBLAS | vs oneDNN | vs OpenBLAS |" + (" bar met |" if bar else ""),
                "|---|---|---|---|---|---|---|" + ("---|" if bar else "")]
        ratios = {}
        for (shape, th), libs in sorted(table.items(), key=lambda kv: (kv[0][1], [int(x) for x in kv[0][0].split("x")])):
            mine, dn, ob = libs.get("nativenet"), libs.get("onednn"), libs.get("openblas")
            rd, ro = libs.get("ratio_onednn"), libs.get("ratio_openblas")
            ratios.setdefault(th, []).append(rd)
            row = f"| {shape} | {th} | {fmt(mine)} | {fmt(dn)} | {fmt(ob)} | {fmt(rd, 3)}x | {fmt(ro, 3)}x |"
            if bar:
                row += " yes |" if rd and rd >= bar else " **no** |"
            out.append(row)
        out.append("")
        for th, rs in sorted(ratios.items()):
            g = geomean(rs)
            worst = min((x for x in rs if x), default=None)
            line = f"- {th} thread{'s' if th > 1 else ''}: geometric mean {fmt(g, 3)}x oneDNN, worst {fmt(worst, 3)}x"
            if group == "sweep":
                line += " — bar " + ("met" if g and g >= 1.0 and worst and worst >= bar else "**not met**")
            out.append(line)
        out.append("")
    return out


def render_layers(records, peaks):
    out = []
    layer = {}
    for r in records:
        if r.get("kind") == "layer":
            layer.setdefault((r["suite"], r["case"], int(r["threads"])), {})[r["lib"]] = r
    anchors = [("torch", "PyTorch 1.13"), ("torchsharp", "TorchSharp (LibTorch 2.10)"), ("ort", "ONNX Runtime")]
    for suite, fields in compare.FIELDS.items():
        keys = sorted((k for k in layer if k[0] == suite and "nativenet" in layer[k]), key=lambda k: (k[2], k[1]))
        if not keys:
            continue
        present = [(lib, name) for lib, name in anchors if any(lib in layer[k] for k in keys)]
        out += [f"## {suite}", "", "Milliseconds per call (each library's own best-of-windows timing); speed-up = anchor / NativeNet.",
                "Bar: compare.py's S× PyTorch or 85% of peak" + (", and >= 1.5x TorchSharp for the recurrent forwards" if suite != "conv" else "") + ".", "",
                "| case | threads | field | NativeNet | " + " | ".join(n for _, n in present) + " | " +
                " | ".join(f"vs {n}" for _, n in present) + " | bar met |",
                "|---|---|---|---|" + "---|" * (2 * len(present)) + "---|"]
        for key in keys:
            _, case, th = key
            for field, fi, s in fields:
                mine = layer[key]["nativenet"].get(field)
                if mine is None:
                    continue
                vals = [layer[key].get(lib, {}).get(field) for lib, _ in present]
                met = bar_met(suite, case, th, field, fi, s, mine, layer[key], peaks)
                out.append(f"| {case} | {th} | {field} | {fmt(mine)} | " + " | ".join(fmt(v) for v in vals) + " | " +
                           " | ".join(f"{fmt(v / mine if v else None, 3)}x" for v in vals) + " | " +
                           {True: "yes", False: "**no**", None: "–"}[met] + " |")
        out.append("")
    return out


def bar_met(suite, case, th, field, fi, s, mine, libs, peaks):
    """None when no anchor of this run defines the bar."""
    checks = []
    torch = libs.get("torch", {}).get(field)
    if torch:
        special = compare.SPECIAL.get((case, field))
        peak = peaks.get(("avx512", th)) or peaks.get(("avx2", th))
        if special:
            checks.append(mine <= torch / special)
        elif case in compare.FLOPS and peak:
            checks.append(mine <= max(torch / s, 1e3 * compare.FLOPS[case][fi] / (0.85 * peak * 1e9)))
        else:
            checks.append(mine <= torch / s)
    ts = libs.get("torchsharp", {}).get(field)
    if ts and (suite, field) in TORCHSHARP_BARS and case in TORCHSHARP_BAR_CASES:
        checks.append(mine <= ts / TORCHSHARP_BARS[(suite, field)])
    return all(checks) if checks else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suites", nargs="+", default=["peak", "gemm", "sweep", "conv", "rnn", "models"])
    ap.add_argument("--sweep", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--chunk", type=int, default=1, help="GEMM shapes per process (ours and the anchor alternate per chunk)")
    ap.add_argument("--batch-ms", type=int, default=250,
                    help="GEMM timing: cap on each of the 7 batches, ms, on both sides (the warm-up is twice it)")
    ap.add_argument("--no-dotnet", action="store_true", help="skip run.sh dotnet (TorchSharp / ONNX Runtime)")
    ap.add_argument("--jsonl", default=os.path.join(ROOT, "artifacts", "bench", "results.jsonl"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--render", metavar="JSONL", help="only write the page from an earlier run's JSONL")
    a = ap.parse_args()
    if a.render:
        records = [json.loads(l) for l in open(a.render) if l.strip()]
    else:
        run(["dotnet", "build", "-c", "Release", "src/NativeNet.Cli", "-v", "q", "--nologo"])
        os.makedirs(os.path.dirname(a.jsonl), exist_ok=True)
        records = []
        with open(a.jsonl, "w") as f:
            def log(rec):
                records.append(rec)
                f.write(json.dumps(rec) + "\n")
                f.flush()
            measure(a, log)
    with open(a.out, "w") as f:
        f.write(render(records))
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

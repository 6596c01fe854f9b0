#!/usr/bin/env python3
"""Side-by-side table of NativeNet vs the PyTorch anchor, with each issue's bar.

Usage: compare.py TORCH.jsonl OURS.jsonl --peak1 GFLOPS --peak2 GFLOPS [--markdown]
TORCH.jsonl: `bash ../shared/anchors/run.sh torch` output; OURS.jsonl: `nativenet bench
conv|rnn|models --json --threads 1|2` output. Bar per field: time <= max(torch / S, FLOPs /
(0.85 * peak at that thread count)), S from the issues (#4 conv, #5 rnn, #6 models); mlp_small
must instead be >= 5x (train) and >= 3x (infer) faster. FLOP counts: ../shared/anchors/README.md.
"""
import argparse, json

GF = 1e9
FLOPS = {  # (forward, forward+backward / train step)
    "n32c16h56w56k32r3s1p1": (0.925 * GF, 2.774 * GF), "n32c64h28w28k64r3s1p1": (1.850 * GF, 5.549 * GF),
    "n8c3h224w224k64r3s1p1": (1.387 * GF, 4.162 * GF), "lstm_b32t100i12h128": (0.459 * GF, 1.376 * GF),
    "lstm_b64t50i64h256": (2.097 * GF, 6.291 * GF), "gru_b32t100i12h128": (0.344 * GF, 1.032 * GF),
    "mlp_small": (0.713e6, 2.14e6), "mlp_large": (478.4e6, 1.435 * GF), "lenet": (312.4e6, 0.912 * GF),
    "diabetes_cnn": (420.7e6, 1.175 * GF), "lstm_ecg": (458.8e6, 1.337 * GF),
    "resnet18": (29.03 * GF, 87.08 * GF), "mobilenet_v2": (4.812 * GF, 14.44 * GF),  # batch 8, 3x224x224
}
# (field, index into FLOPS, speed-up S) per suite
FIELDS = {"conv": [("fwd_ms", 0, 1.2), ("fwd_bwd_ms", 1, 1.5)],
          "rnn": [("fwd_ms", 0, 1.5), ("fwd_bwd_ms", 1, 2.0)],
          "models": [("infer_ms", 0, 1.5), ("train_step_ms", 1, 1.5)]}
SPECIAL = {("mlp_small", "infer_ms"): 3.0, ("mlp_small", "train_step_ms"): 5.0,
           ("n8c3h224w224k64r3s1p1", "fwd_bwd_ms"): 3.0}  # "at least S x faster", no roofline escape

def load(path, lib=None):
    out = {}
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"): continue
        r = json.loads(line)
        if lib and r.get("lib") != lib: continue
        if "suite" in r and r["suite"] in FIELDS: out[(r["suite"], r["case"], int(r["threads"]))] = r
    return out

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("torch"); ap.add_argument("ours")
    ap.add_argument("--peak1", type=float, required=True); ap.add_argument("--peak2", type=float, required=True)
    ap.add_argument("--markdown", action="store_true"); a = ap.parse_args()
    torch, ours = load(a.torch, "torch"), load(a.ours)
    peak = {1: a.peak1 * GF, 2: a.peak2 * GF}
    rows, misses = [], 0
    for key in sorted(ours, key=lambda k: (list(FIELDS).index(k[0]), k[2], k[1])):
        suite, case, th = key
        t = torch.get(key)
        if not t: continue
        for field, fi, s in FIELDS[suite]:
            mine, theirs = ours[key][field], t[field]
            special = SPECIAL.get((case, field))
            if special:
                bar, ok = theirs / special, mine <= theirs / special
            else:
                bar = max(theirs / s, 1e3 * FLOPS[case][fi] / (0.85 * peak[th]))  # FLOPs / (FLOP/s) is seconds; fields are ms
                ok = mine <= bar
            misses += not ok
            rows.append((suite, case, th, field, mine, theirs, bar, theirs / mine, ok))
    if a.markdown:
        print("| suite | case | threads | field | NativeNet ms | PyTorch ms | bar ms | speed-up | met |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:.4g} | {r[5]:.4g} | {r[6]:.4g} | {r[7]:.2f}x | {'yes' if r[8] else '**no**'} |")
    else:
        for r in rows:
            print(f"{r[0]:7} {r[1]:24} t{r[2]} {r[3]:14} ours {r[4]:9.4g} torch {r[5]:9.4g} bar {r[6]:9.4g} {r[7]:6.2f}x {'ok' if r[8] else 'MISS'}")
    print(f"{len(rows) - misses} of {len(rows)} met")

if __name__ == "__main__":
    main()

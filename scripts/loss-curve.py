#!/usr/bin/env python3
"""Draws the loss curves of `llmx train --log LOG.jsonl` as an SVG: the training loss of each
step (faint), its running mean over 25 steps, and the validation losses (dots).

    scripts/loss-curve.py LOG.jsonl OUT.svg [TITLE]
"""
import json
import math
import sys


def main(log, out, title):
    train, val = [], []
    for line in open(log):
        e = json.loads(line)
        if "val_loss" in e:
            val.append((e["step"], e["val_loss"]))
        elif "loss" in e:
            train.append((e["step"], e["loss"]))
    mean, window = [], []
    for step, loss in train:
        window = (window + [loss])[-25:]
        mean.append((step, sum(window) / len(window)))

    w, h, left, right, top, bottom = 720, 360, 56, 16, 30, 40
    steps = max(s for s, _ in train + val)
    lo = math.floor(min(l for _, l in train + val))
    hi = math.ceil(max(l for _, l in train + val))
    x = lambda s: left + (w - left - right) * s / steps
    y = lambda l: top + (h - top - bottom) * (hi - l) / (hi - lo)
    path = lambda pts: " ".join(f"{'M' if i == 0 else 'L'}{x(s):.1f},{y(l):.1f}" for i, (s, l) in enumerate(pts))

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">{title}</text>']
    for l in range(lo, hi + 1):
        svg.append(f'<line x1="{left}" x2="{w - right}" y1="{y(l):.1f}" y2="{y(l):.1f}" stroke="#ddd"/>')
        svg.append(f'<text x="{left - 8}" y="{y(l) + 4:.1f}" text-anchor="end">{l}</text>')
    tick = 10 ** math.floor(math.log10(steps)) // (2 if steps / 10 ** math.floor(math.log10(steps)) < 4 else 1)
    for s in range(0, steps + 1, max(1, tick)):
        svg.append(f'<text x="{x(s):.1f}" y="{h - bottom + 16}" text-anchor="middle">{s}</text>')
    svg.append(f'<text x="{(left + w - right) / 2}" y="{h - 6}" text-anchor="middle">step</text>')
    svg.append(f'<path d="{path(train)}" fill="none" stroke="#9ecae1" stroke-width="1"/>')
    svg.append(f'<path d="{path(mean)}" fill="none" stroke="#08519c" stroke-width="2"/>')
    for s, l in val:
        svg.append(f'<circle cx="{x(s):.1f}" cy="{y(l):.1f}" r="3.5" fill="#e6550d"/>')
    lx = w - right - 230
    svg += [f'<line x1="{lx}" x2="{lx + 24}" y1="40" y2="40" stroke="#08519c" stroke-width="2"/>',
            f'<text x="{lx + 30}" y="44">training loss (mean of 25 steps)</text>',
            f'<circle cx="{lx + 12}" cy="58" r="3.5" fill="#e6550d"/>',
            f'<text x="{lx + 30}" y="62">validation loss</text>', '</svg>']
    open(out, "w").write("\n".join(svg) + "\n")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "loss")

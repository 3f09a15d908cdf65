"""A grouped bar chart of benchmarks/train.py's median step times, drawn with pillow (a torchax dependency).

One panel per model, one bar per variant, bar height = step time relative to torch eager (or to the slowest
variant when torch eager did not run), the milliseconds written on each bar.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

COLORS = {"torch eager": (222, 100, 60), "torch.compile": (245, 170, 80), "torchax eager": (120, 160, 220),
          "torchax compiled": (40, 90, 190), "jax": (70, 160, 90)}
PANEL_W, PANEL_H, MARGIN, BAR_W = 300, 300, 40, 44


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pillow < 10.1: one fixed-size bitmap font
        return ImageFont.load_default()


def bar_chart(results: dict, variants, path: str) -> None:
    """Write `results` ({model: {variant: {"median_ms": ...}}}) as a PNG bar chart at `path`."""
    models = list(results)
    width = max(620, MARGIN + len(models) * (PANEL_W + MARGIN))
    height = PANEL_H + 3 * MARGIN + 22 * len(variants)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font, small = _font(14), _font(11)
    draw.text((MARGIN, 8), "median training-step time (bar: relative to torch eager; label: ms)", fill="black",
              font=font)
    base_y = MARGIN + PANEL_H
    for i, m in enumerate(models):
        r = results[m]
        x0 = MARGIN + i * (PANEL_W + MARGIN)
        ref = r["torch eager"]["median_ms"] if "torch eager" in r else max(d["median_ms"] for d in r.values())
        top = max(d["median_ms"] for d in r.values()) / ref
        draw.line((x0, base_y, x0 + PANEL_W, base_y), fill="black")
        y1 = base_y - (PANEL_H - 30) / top  # the torch-eager (1.0) level
        draw.line((x0, y1, x0 + PANEL_W, y1), fill=(160, 160, 160))
        draw.text((x0 - 22, y1 - 7), "1.0", fill=(120, 120, 120), font=small)
        for j, v in enumerate(v for v in variants if v in r):
            rel = r[v]["median_ms"] / ref
            bx = x0 + 8 + j * (BAR_W + 12)
            by = base_y - (PANEL_H - 30) * rel / top
            draw.rectangle((bx, by, bx + BAR_W, base_y), fill=COLORS.get(v, (128, 128, 128)))
            draw.text((bx, by - 14), f"{r[v]['median_ms']:.3g}", fill="black", font=small)
        draw.text((x0 + PANEL_W // 2 - 12, base_y + 6), m, fill="black", font=font)
    for k, v in enumerate(variants):
        y = base_y + 2 * MARGIN + 22 * k - 30
        draw.rectangle((MARGIN, y, MARGIN + 16, y + 14), fill=COLORS.get(v, (128, 128, 128)))
        draw.text((MARGIN + 24, y), v, fill="black", font=font)
    img.save(path)

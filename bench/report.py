"""Printing ``make bench``'s results: the curve (each figure's median at every size) and the
targets table ending with ``bench: N of M targets met``."""

from __future__ import annotations

from pathlib import Path

from .targets import CURVE, FIGURES


def fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.1f}ms" if value < 10 else f"{value:.1f}s"
    return f"{value:.0f}{unit}"


def _table(rows: list[tuple], left: tuple[int, ...] = (0,)) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(str(c).ljust(w) if j in left else str(c).rjust(w)
                        for j, (c, w) in enumerate(zip(row, widths, strict=True))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def print_curve(curve: dict[str, dict[int, float]], sizes: list[int]) -> None:
    """How each cost grows with the database: medians per size, and largest / smallest."""
    head = ("figure (median)", *(f"{n:,}" for n in sizes), f"{sizes[-1]:,}/{sizes[0]:,}")
    rows: list[tuple] = [head]
    for name in CURVE:
        per = curve.get(name, {})
        if not per:
            continue
        unit = "MiB" if name == "memory_home" else "s"
        first, last = per.get(sizes[0]), per.get(sizes[-1])
        growth = f"{last / first:.2f}x" if first and last else "—"
        rows.append((name, *(fmt(per.get(n), unit) for n in sizes), growth))
    print("how each figure grows with the number of claims:")
    _table(rows)
    print()


def print_targets(results: list[dict], baselines: dict, elapsed: float, out: Path) -> None:
    head = ("figure", "size", "min", "median", "max", "baseline", "base med", "ratio/abs", "target", "pass")
    rows: list[tuple] = [head]
    for r in results:
        u = r["unit"]
        absolute = FIGURES[r["name"]].kind == "absolute"
        ratio = "—" if r["ratio"] is None else (fmt(r["ratio"], u) if absolute else f"{r['ratio']:.2f}x")
        target = f"≤{fmt(r['target'], u)}" if absolute else f"≤{r['target']}x"
        rows.append((r["name"], f"{r['size']:,}", fmt(r["min"], u), fmt(r["median"], u), fmt(r["max"], u),
                     r["baseline"], fmt(r["baseline_median"], u), ratio, target,
                     {True: "PASS", False: "FAIL", None: ""}[r["pass"]]))
    _table(rows, left=(0, 5))
    notes = [f"  {r['name']}@{r['size']:,}: {r['note']}" for r in results if r["note"]]
    if notes:
        print("notes:")
        print("\n".join(notes))
    print("baselines: " + ", ".join(f"{k} {fmt(v['median'], 'MiB' if 'rss' in k else 's')}"
                                    f" [{fmt(v['min'], 'MiB' if 'rss' in k else 's')}…"
                                    f"{fmt(v['max'], 'MiB' if 'rss' in k else 's')}]" for k, v in baselines.items()))
    print(f"results: {out} · {elapsed:.0f} s")

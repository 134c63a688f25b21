"""Sizes as people read them."""

from __future__ import annotations


def human_size(size: int) -> str:
    """``512 B``, ``1.5 KB``, ``24.9 MB``, ``1.2 GB``."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"

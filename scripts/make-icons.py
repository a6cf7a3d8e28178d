#!/usr/bin/env python3
"""Draws the app's PNG icons (app/public/icon-192.png, icon-512.png) to match icon.svg.

Standard library only, so it runs anywhere; the PNGs are committed, rerun after changing the design.
"""
import math, pathlib, struct, zlib

BLUE, WHITE, GOLD = (0x1D, 0x4F, 0x91), (255, 255, 255), (0xFF, 0xD2, 0x7A)

def pixel(x, y):
    # Coordinates in the 512-unit design space of icon.svg (full-bleed square for maskable use).
    d = math.hypot(x - 256, y - 256)
    for (cx, cy, colour) in ((256, 106, GOLD), (386, 331, WHITE), (126, 331, WHITE)):
        if math.hypot(x - cx, y - cy) <= 38:
            return colour
    if abs(d - 150) <= 18:
        return WHITE
    return BLUE

def png(size):
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            row += bytes(pixel((i + 0.5) * 512 / size, (j + 0.5) * 512 / size))
        rows.append(bytes(row))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))

out = pathlib.Path(__file__).resolve().parent.parent / "app" / "public"
for size in (192, 512):
    (out / f"icon-{size}.png").write_bytes(png(size))

"""Test images made with Pillow: a 560×373 JPEG like the seed's lead image, and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib


def jpeg(width: int = 560, height: int = 373) -> bytes:
    """A deterministic picture: bands of colour (so half blocks show a shape)."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (width, height), (30, 60, 120))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(40, 140, 60))
    draw.ellipse((width // 2, height // 8, width // 2 + height // 3, height // 8 + height // 3), fill=(240, 200, 40))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width``×``height`` over a few bytes of data (a 30,000×30,000 bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _chunk(b"IEND", b""))


def animated_gif(frames: int = 3) -> bytes:
    from PIL import Image

    images = [Image.new("RGB", (60, 40), (i * 80 % 256, 40, 200)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'

"""The pixel reader the chart tests rely on: the standard library's PNG decoding (every filter,
RGB and RGBA) agrees with what was encoded, and with Pillow's."""

import io
import struct
import zlib

import pytest

from browser.pixels import decode_png, decode_png_zlib, rgb

WHITE, BLUE, RED = (255, 255, 255), (31, 95, 168), (179, 38, 30)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _filtered(kind: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, x in enumerate(line):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        corner = previous[i - bpp] if i >= bpp else 0
        if kind == 0:
            guess = 0
        elif kind == 1:
            guess = left
        elif kind == 2:
            guess = up
        elif kind == 3:
            guess = (left + up) // 2
        else:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
        out.append((x - guess) & 0xFF)
    return bytes([kind]) + bytes(out)


def _png(rows: list[list[tuple[int, ...]]], alpha: bool) -> bytes:
    """A PNG of these pixels, each scanline under a different filter (0 to 4 in turn)."""
    bpp = 4 if alpha else 3
    height, width = len(rows), len(rows[0])
    previous, raw = bytes(width * bpp), b""
    for y, row in enumerate(rows):
        line = b"".join(bytes(p[:3]) + (bytes([p[3] if len(p) > 3 else 255]) if alpha else b"")
                        for p in row)  # fmt: skip
        raw += _filtered(y % 5, line, previous, bpp)
        previous = line
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def _picture() -> list[list[tuple[int, ...]]]:
    # white, with a blue square and a red line: enough structure for every filter to matter
    rows = [[WHITE] * 12 for _ in range(10)]
    for y in range(2, 6):
        for x in range(3, 7):
            rows[y][x] = BLUE
    for x in range(12):
        rows[8][x] = RED
    return rows


@pytest.mark.parametrize("alpha", [False, True])
def test_the_zlib_decoder_reads_every_filter(alpha: bool) -> None:
    pixels = decode_png_zlib(_png(_picture(), alpha))
    assert (pixels.width, pixels.height) == (12, 10)
    assert pixels.colours == {WHITE: 120 - 16 - 12, BLUE: 16, RED: 12}
    assert pixels.count("#1f5fa8") == 16
    assert pixels.count("#b3261e") == 12
    assert pixels.count("#2e7d32") == 0
    assert not pixels.blank()
    assert decode_png_zlib(_png([[WHITE] * 12] * 10, alpha)).blank()


def test_pillow_and_zlib_agree() -> None:
    image = pytest.importorskip("PIL.Image")
    picture = image.new("RGBA", (40, 30), (255, 255, 255, 255))
    for x in range(5, 25):
        for y in range(4, 9):
            picture.putpixel((x, y), (*BLUE, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    assert decode_png(data).colours == decode_png_zlib(data).colours
    assert decode_png(data).count("#1f5fa8") == 100


def test_colours_are_read_from_hex() -> None:
    assert rgb("#1f5fa8") == BLUE
    with pytest.raises(ValueError, match="not a PNG"):
        decode_png_zlib(b"GIF89a")

"""A screenshot's pixels, so a chart test can tell a drawn chart from an empty box: the PNG
decoded by Pillow when it is installed, else by the standard library (zlib), into a histogram
of its colours."""

import struct
import zlib
from collections import Counter
from dataclasses import dataclass

RGB = tuple[int, int, int]
SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type: grey, RGB, grey+alpha, RGBA


def rgb(colour: str) -> RGB:
    """ "#1f5fa8" as (31, 95, 168)."""
    text = colour.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


@dataclass(frozen=True)
class Pixels:
    """How many pixels of each colour an image has."""

    width: int
    height: int
    colours: Counter[RGB]

    def count(self, colour: str, tolerance: int = 12) -> int:
        """Pixels within `tolerance` of `colour` in every channel (edges are anti-aliased;
        the inside of a marker, a bar or a thick line is the colour itself)."""
        want = rgb(colour)
        return sum(
            n
            for c, n in self.colours.items()
            if all(abs(a - b) <= tolerance for a, b in zip(c, want, strict=True))
        )

    def blank(self, share: float = 0.005) -> bool:
        """Whether all but a sliver (a border, say) of the image is white."""
        white = self.count("#ffffff", tolerance=6)
        return self.width * self.height - white <= share * self.width * self.height


def decode_png(data: bytes) -> Pixels:
    """The pixels of a PNG, by Pillow if it is installed, else by `decode_png_zlib`."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib here
        return decode_png_zlib(data)
    import io

    with Image.open(io.BytesIO(data)) as image:
        flat = image.convert("RGB")
        found = flat.getcolors(flat.width * flat.height) or []
        return Pixels(flat.width, flat.height, Counter({c: n for n, c in found}))


def decode_png_zlib(data: bytes) -> Pixels:
    """The pixels of an 8-bit, non-interlaced PNG (what Chromium writes), with zlib alone."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    pos, header, chunks = len(SIGNATURE), b"", []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or interlace or colour_type not in CHANNELS:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}")
    bpp = CHANNELS[colour_type]
    stride = width * bpp
    raw = zlib.decompress(b"".join(chunks))
    previous = bytearray(stride)
    rows = bytearray()
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, bpp)
        rows += line
        previous = line
    if bpp >= 3:
        r, g, b = rows[0::bpp], rows[1::bpp], rows[2::bpp]
    else:  # grey: the same value in every channel
        r = g = b = rows[0::bpp]
    return Pixels(width, height, Counter(zip(r, g, b, strict=True)))


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> bytearray:
    """Undo a scanline's PNG filter (None, Sub, Up, Average, Paeth) in place."""
    if kind == 0:
        return line
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            corner = previous[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + guess) & 0xFF
        else:
            raise ValueError(f"unknown PNG filter {kind}")
    return line

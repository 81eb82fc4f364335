"""QR codes for entry points and invitations: PNG, SVG and inline SVG for printable A4 sheets."""

from __future__ import annotations

import struct
import zlib

import qrcode
import qrcode.constants
import qrcode.image.svg
from flask import current_app

# Error correction M survives a smudged or creased poster (15 % of codewords).
_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
_BORDER = 4  # quiet zone in modules, as the QR standard asks


def entry_url(code: str) -> str:
    """The public link a QR poster points to."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/s/{code}"


def invitation_url(token: str) -> str:
    """The personal link of an invitation (shown once)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/i/{token}"


def _qr(data: str) -> qrcode.QRCode:
    if not data:
        raise ValueError("Nội dung mã QR không được trống / the QR content must not be empty.")
    code = qrcode.QRCode(error_correction=_ERROR_CORRECTION, border=_BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules (True = dark), quiet zone included."""
    return _qr(data).get_matrix()


def qr_svg(data: str) -> str:
    """A standalone SVG document (one path, scalable) encoding ``data``."""
    image = _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def qr_inline_svg(data: str, size_mm: int = 60) -> str:
    """An ``<svg>`` element for embedding in HTML (no XML declaration), ``size_mm`` wide."""
    svg = qr_svg(data)
    start = svg.index("<svg")
    svg = svg[start:]
    head, rest = svg.split(">", 1)
    for attribute in ("width", "height"):
        head = _replace_attribute(head, attribute, f"{size_mm}mm")
    return head + ' role="img" aria-label="QR">' + rest


def _replace_attribute(tag: str, name: str, value: str) -> str:
    marker = f' {name}="'
    at = tag.find(marker)
    if at < 0:
        return f'{tag} {name}="{value}"'
    end = tag.index('"', at + len(marker))
    return tag[:at] + f"{marker}{value}" + tag[end:]


def qr_png(data: str, scale: int = 10) -> bytes:
    """A black-and-white PNG of the QR code, ``scale`` pixels per module.

    Written directly (1-bit greyscale, zlib) so no imaging library is needed.
    """
    if not 1 <= scale <= 40:
        raise ValueError("scale must lie between 1 and 40 pixels per module.")
    matrix = qr_matrix(data)
    width = len(matrix) * scale
    raw = bytearray()
    for row in matrix:
        bits = []
        for dark in row:
            bits.extend([0 if dark else 1] * scale)  # greyscale: 0 = black, 1 = white
        line = bytearray(b"\x00")  # filter type 0
        for start in range(0, width, 8):
            chunk = bits[start : start + 8]
            chunk += [0] * (8 - len(chunk))
            line.append(int("".join(map(str, chunk)), 2))
        raw.extend(bytes(line) * scale)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )

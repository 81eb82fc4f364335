"""QR codes for entry points and invitations: PNG, SVG and inline SVG for printable A4 sheets."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.svg
from qrcode.image.pure import PyPNGImage
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
        raise ValueError("the QR content must not be empty")  # a bug: every link has content
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
    """A black-and-white PNG of the QR code, ``scale`` pixels per module (pypng, through qrcode)."""
    if not 1 <= scale <= 40:
        raise ValueError("scale must lie between 1 and 40 pixels per module.")
    code = _qr(data)
    code.box_size = scale
    buffer = io.BytesIO()
    code.make_image(image_factory=PyPNGImage).save(buffer)
    return buffer.getvalue()

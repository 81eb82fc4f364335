"""Media of questions and choices (XLSForm ``image``, ``big-image``, ``audio``, ``video`` and
their ``media::`` spellings), the ``trigger`` column, and the checks on media files.

A question's or a choice's ``media`` is a tuple of ``(kind, Label)``: the file name of each
kind, per language (as labels are). The files themselves are stored beside the questionnaire
version by the application; this module says which names a form references
(:func:`referenced_files`) and whether a file may be kept (:func:`check_media_file`): a
bounded size, a name the form references, and for images a known type by its magic bytes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from questionnaires.model import Label, Question, Questionnaire

__all__ = ["MEDIA_FILE_MAX_BYTES", "MEDIA_FILES_MAX", "MEDIA_KINDS", "check_media_file",
           "check_trigger", "image_type", "media_from_dict", "media_to_dict", "referenced_files"]

MEDIA_KINDS = ("image", "big-image", "audio", "video")
MEDIA_FILES_MAX = 50  # files uploaded with one form
MEDIA_FILE_MAX_BYTES = 5 * 1024 * 1024
FILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,119}$")
TRIGGER_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}(?:\s*,\s*\$\{[A-Za-z_][A-Za-z0-9_.-]*\})*$")
IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
               (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
AUDIO_MAGIC = ((b"ID3", "audio/mpeg"), (b"\xff\xfb", "audio/mpeg"), (b"\xff\xf3", "audio/mpeg"),
               (b"OggS", "audio/ogg"))
AUDIO_SUFFIXES = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4",
                  ".wav": "audio/wav"}


def media_from_dict(value: Any, label: Callable[[Any], "Label | None"],
                    problem: Callable[[str, str, str], None]) -> tuple[tuple[str, "Label"], ...]:
    """``{image: {vi: a.png} | a.png, audio: …}`` → the model's tuple; ``label`` reads a text
    per language, ``problem(key, vi, en)`` reports a wrong kind or file name."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        problem("media", "'media' phải có dạng {image: tệp, audio: tệp}.",
                "'media' must look like {image: file, audio: file}.")
        return ()
    out = []
    for kind, files in value.items():
        if kind not in MEDIA_KINDS:
            problem(f"media.{kind}", f"Loại tệp '{kind}' không có (dùng {', '.join(MEDIA_KINDS)}).",
                    f"There is no media kind '{kind}' (use {', '.join(MEDIA_KINDS)}).")
            continue
        text = label(files)
        if text is None:
            continue
        for name in (text.vi, text.en, *(name for _, name in text.other)):
            if name is not None and not FILE_NAME_RE.match(name):
                problem(f"media.{kind}", f"Tên tệp '{name}' không hợp lệ (chữ, số, . _ - và "
                        "khoảng trắng; không có thư mục).",
                        f"The file name '{name}' is not valid (letters, digits, . _ - and "
                        "spaces; no folder).")
        out.append((kind, text))
    return tuple(sorted(out, key=lambda pair: MEDIA_KINDS.index(pair[0])))


def media_to_dict(media: tuple[tuple[str, "Label"], ...]) -> dict[str, Any]:
    from questionnaires.building import label_to_dict

    return {kind: label_to_dict(files) for kind, files in media}


def referenced_files(q: "Questionnaire") -> dict[str, str]:
    """File name → media kind of every file the form's questions and choices name."""
    out: dict[str, str] = {}
    for question in q.questions:
        pairs = list(question.media) + [pair for choice in question.choices
                                        for pair in choice.media]
        for kind, files in pairs:
            for name in (files.vi, files.en, *(name for _, name in files.other)):
                if name:
                    out.setdefault(name, kind)
    return out


def image_type(content: bytes) -> str | None:
    """The MIME type of a PNG, JPEG or GIF image by its magic bytes, else ``None``."""
    for magic, kind in IMAGE_MAGIC:
        if content.startswith(magic):
            return kind
    return None


def check_media_file(q: "Questionnaire", name: str, content: bytes) -> tuple[str, str] | str:
    """The MIME type to serve the file ``name`` with, or ``(vi, en)`` saying why it is refused:
    a name the form does not reference, a file over :data:`MEDIA_FILE_MAX_BYTES`, an image
    whose bytes are not PNG, JPEG or GIF, an audio file of another type; video is refused."""
    kind = referenced_files(q).get(name)
    if kind is None:
        return (f"Tệp '{name}' không được biểu mẫu nhắc đến.",
                f"The file '{name}' is not named by the form.")
    if len(content) > MEDIA_FILE_MAX_BYTES:
        return (f"Tệp '{name}' lớn hơn 5 MB.", f"The file '{name}' is larger than 5 MB.")
    if kind in ("image", "big-image"):
        found = image_type(content)
        if found is None:
            return (f"Tệp '{name}' không phải ảnh PNG, JPEG hoặc GIF.",
                    f"The file '{name}' is not a PNG, JPEG or GIF image.")
        return found
    if kind == "audio":
        suffix = name[name.rfind("."):].lower() if "." in name else ""
        magic = next((mime for head, mime in AUDIO_MAGIC if content.startswith(head)), None)
        wav = content[:4] == b"RIFF" and content[8:12] == b"WAVE"
        mp4 = content[4:8] == b"ftyp"
        declared = AUDIO_SUFFIXES.get(suffix)
        if declared and (magic == declared or (wav and declared == "audio/wav")
                         or (mp4 and declared == "audio/mp4")):
            return declared
        return (f"Tệp '{name}' không phải âm thanh MP3, OGG, M4A hoặc WAV.",
                f"The file '{name}' is not MP3, OGG, M4A or WAV audio.")
    return (f"Tệp video '{name}' chưa được nhận (chỉ ảnh và âm thanh).",
            f"The video file '{name}' is not accepted (images and audio only).")


def check_trigger(add: Callable[[str, str, str], None], question: "Question",
                  names: set[str]) -> None:
    """A ``trigger`` is ``${a}`` or ``${a}, ${b}`` naming questions of the form."""
    if question.trigger is None:
        return
    if not TRIGGER_RE.match(question.trigger.strip()):
        add("trigger", "'trigger' phải là ${câu} hoặc ${a}, ${b}.",
            "A 'trigger' must be ${question} or ${a}, ${b}.")
        return
    for name in re.findall(r"\$\{([^}]*)\}", question.trigger):
        if name not in names:
            add("trigger", f"'trigger' nhắc câu '{name}' không có.",
                f"The 'trigger' names a question '{name}' that does not exist.")

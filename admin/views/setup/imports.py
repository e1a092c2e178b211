"""CSV import of observations, feedback and reviews, with preview and row errors.

Two steps: the upload is read (header and row shapes checked, the first rows shown)
and nothing is written; the confirmation carries the file back in a hidden field
(base64, so its bytes arrive exactly as uploaded, line breaks included) and runs
csv_import.import_records. Without "import the valid rows" one bad row means nothing
is written. No upload is kept on the server, so any app process can take step two.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import csv
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.web import _, checked_form, guarded, render, require, say, state
from service.errors import ValidationFailed
from service.models import AccessLevel, ImportChannel
from service.usecases.setup.csv_import import (
    COLUMNS,
    CsvImportReport,
    CsvRecords,
    RecordKind,
    import_records,
    read_records,
    record_refused_file,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
PREVIEW_ROWS = 10
# The confirmation carries the file base64-encoded (4 bytes per 3), plus the form.
_MAX_FIELD_BYTES = (MAX_FILE_BYTES + 2) // 3 * 4 + 1024
_MAX_REQUEST_BYTES = _MAX_FIELD_BYTES + 64 * 1024


class UploadRefused(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Preview:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line in the file, fields)


def _kinds() -> list[dict[str, Any]]:
    return [
        {
            "value": kind.value,
            "required": COLUMNS[kind].required,
            "one_of": COLUMNS[kind].one_of,
            "optional": COLUMNS[kind].optional,
        }
        for kind in RecordKind
    ]


async def _form(request: Request) -> FormData:
    """The posted form within the size limit, then the usual CSRF check."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise UploadRefused("Send the file from the form on this page.", 411)
    if int(declared) > _MAX_REQUEST_BYTES:
        raise UploadRefused("The file is larger than 5 MB; split it into smaller files.", 413)
    # Parsed here with a limit that fits the file; checked_form then checks the CSRF
    # token on this same (cached) form before anything is done with it.
    await request.form(max_part_size=_MAX_FIELD_BYTES)
    return await checked_form(request)


def _kind(form: FormData) -> RecordKind:
    try:
        return RecordKind(str(form.get("kind", "")))
    except ValueError:
        raise UploadRefused(
            "Choose what the file holds: observations, feedback or reviews."
        ) from None


def _decode(data: bytes) -> str:
    try:
        # utf-8-sig: spreadsheets put a byte-order mark in front of the header.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused(
            "The file is not UTF-8 text. Save it as \u201cCSV UTF-8\u201d and upload it again."
        ) from None


def _read(kind: RecordKind, data: bytes) -> CsvRecords:
    """csv_import reads files: hand it the upload as one, in a worker thread."""
    with tempfile.TemporaryDirectory(prefix="fairscore-import-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(data)
        return read_records(kind, path)


def _preview(text: str) -> Preview:
    reader = csv.reader(text.splitlines(keepends=True))
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for fields in reader:
            line, last_line = last_line + 1, reader.line_num
            if not header:
                header = fields
                continue
            if not fields or all(not value.strip() for value in fields):
                continue
            rows.append((line, fields))
            if len(rows) >= PREVIEW_ROWS:
                break
    except csv.Error:
        pass  # read_records names the line; the preview shows what came before it
    return Preview(header, rows)


def _issues(request: Request, failed: ValidationFailed) -> list[dict[str, str]]:
    return [{"field": i.field, "message": say(request, i)} for i in failed.issues]


def _refused(request: Request, refused: UploadRefused, kind: str = "") -> Response:
    return render(
        request,
        "imports/upload.html",
        {"kinds": _kinds(), "kind": kind, "issues": [], "error": _(request, refused.message)},
        status=refused.status,
    )


@guarded
async def upload_page(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    return render(
        request,
        "imports/upload.html",
        {"kinds": _kinds(), "kind": RecordKind.OBSERVATIONS.value, "issues": [], "error": None},
    )


@guarded
async def preview_post(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    try:
        form = await _form(request)
        kind = _kind(form)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise UploadRefused("Choose a CSV file to upload.")
        data = await upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise UploadRefused("The file is larger than 5 MB; split it into smaller files.", 413)
        text = _decode(data)
    except UploadRefused as refused:
        return _refused(request, refused)
    filename = Path(upload.filename).name
    try:
        records = await asyncio.to_thread(_read, kind, data)
    except ValidationFailed as failed:
        await record_refused_file(
            actor=actor, channel=ImportChannel.ADMIN_CSV, kind=kind, name=filename, failed=failed
        )
        return render(
            request,
            "imports/upload.html",
            {
                "kinds": _kinds(),
                "kind": kind.value,
                "issues": _issues(request, failed),
                "error": _(request, "{file} cannot be imported:", file=filename),
            },
            status=400,
        )
    return render(
        request,
        "imports/preview.html",
        {
            "kind": kind.value,
            "filename": filename,
            "payload": base64.urlsafe_b64encode(data).decode("ascii"),
            "preview": _preview(text),
            "rows": len(records.items) + len(records.problems),
            "problems": records.problems,
        },
    )


@guarded
async def run_post(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    try:
        form = await _form(request)
        kind = _kind(form)
        try:
            data = base64.urlsafe_b64decode(str(form.get("payload", "")).encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            raise UploadRefused(
                "The upload did not come back intact; upload the file again."
            ) from None
        if not data or len(data) > MAX_FILE_BYTES:
            raise UploadRefused("The upload did not come back intact; upload the file again.")
        _decode(data)
    except UploadRefused as refused:
        return _refused(request, refused)
    filename = Path(str(form.get("filename", "") or "upload.csv")).name
    keep_valid = form.get("keep_valid") == "1"
    try:
        records = await asyncio.to_thread(_read, kind, data)
        report: CsvImportReport = await import_records(
            actor=actor,
            records=records,
            keep_valid=keep_valid,
            max_clock_skew=state(request).settings.max_clock_skew,
            channel=ImportChannel.ADMIN_CSV,
            name=filename,
        )
    except ValidationFailed as failed:
        await record_refused_file(
            actor=actor, channel=ImportChannel.ADMIN_CSV, kind=kind, name=filename, failed=failed
        )
        return render(
            request,
            "imports/upload.html",
            {
                "kinds": _kinds(),
                "kind": kind.value,
                "issues": _issues(request, failed),
                "error": _(request, "{file} cannot be imported:", file=filename),
            },
            status=400,
        )
    return render(
        request,
        "imports/report.html",
        {
            "kind": kind.value,
            "filename": filename,
            "payload": form.get("payload", ""),
            "report": report,
            "rejected_rows": len({problem.line for problem in report.rejected}),
            "keep_valid": keep_valid,
        },
        status=200 if report.written else 400,
    )


routes: list[Route] = [
    Route("/imports", upload_page, methods=["GET"]),
    Route("/imports/preview", preview_post, methods=["POST"]),
    Route("/imports/run", run_post, methods=["POST"]),
]

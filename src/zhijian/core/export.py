"""Safe cell values for spreadsheet and CSV exports."""

from __future__ import annotations

from typing import Any

# A cell beginning with one of these is read as a formula by Excel/WPS (CSV included):
# =HYPERLINK(…) typed into a reason field must stay text in an export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def spreadsheet_response(
    headers: list[str], rows: Any, *, fmt: str, sheet: str, stem: str, truncated_note: str = ""
) -> Any:
    """An XLSX (streamed into a write-only workbook) or CSV (UTF-8 with BOM, which Excel opens
    correctly) download of ``rows`` (already formula-safe), with an optional closing note."""
    import csv
    import io

    from django.http import HttpResponse
    from django.utils import timezone
    from openpyxl import Workbook

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        if truncated_note:
            writer.writerow([truncated_note])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.csv"'
        return response
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if truncated_note:
        ws.append([truncated_note])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
    return response

"""Rendering: a docxtpl template and a context → .docx bytes → (LibreOffice headless) PDF bytes.

LibreOffice runs with a profile of its own per worker process
(``-env:UserInstallation=file://<tmp>/lo-profile-<pid>``), the project's fontconfig file
(``FONTCONFIG_FILE``: the official font names mapped to Noto CJK) and a timeout. One conversion
at a time per process: a profile cannot be shared by two running instances.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings

FONTCONFIG_FILE = Path(__file__).resolve().parent / "fontconfig" / "fonts.conf"
SOFFICE_MISSING = (
    "服务器未安装 LibreOffice（soffice），无法生成 PDF。"
    "请系统管理员安装 libreoffice-writer-nogui 和 fonts-noto-cjk 后重新生成。"
)
_lock = threading.Lock()


class RenderError(Exception):
    """A rendering failure, with a Chinese message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def soffice_binary() -> str | None:
    configured = getattr(settings, "ZHIJIAN_SOFFICE", "") or os.environ.get("ZHIJIAN_SOFFICE", "")
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_timeout() -> int:
    return int(
        getattr(settings, "ZHIJIAN_SOFFICE_TIMEOUT", 0) or os.environ.get("ZHIJIAN_SOFFICE_TIMEOUT") or 120
    )


def date_cn(value: dt.date) -> str:
    """``2026年11月28日``: Arabic numerals, no leading zeros (GB/T 9704)."""
    return f"{value.year}年{value.month}月{value.day}日"


CN_DIGITS = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    """1–31 in Chinese numerals as dates print them: 十, 十一, 二十, 三十一."""
    tens, units = divmod(n, 10)
    if not tens:
        return CN_DIGITS[units]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[units] if units else "")


def date_cn_upper(value: dt.date) -> str:
    """``二〇二六年十一月二十八日``: the date of a ruling (诉讼文书) in Chinese numerals, the year
    digit by digit with 〇."""
    year = "".join(CN_DIGITS[int(d)] for d in str(value.year))
    return f"{year}年{_cn_small(value.month)}月{_cn_small(value.day)}日"


def spaced_role(role: str, width: int = 5) -> str:
    """A panel role as rulings print it, spread to ``width`` characters with full-width spaces:
    审判长 → 审　判　长; 人民陪审员 stays."""
    role = (role or "").strip()
    gaps = len(role) - 1
    if gaps < 1 or len(role) >= width:
        return role
    extra = width - len(role)
    out = role[0]
    for i, char in enumerate(role[1:]):
        out += "\u3000" * (extra // gaps + (1 if i < extra % gaps else 0)) + char
    return out


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def jsonable(value: Any) -> Any:
    """The context as JSON values (dates as ISO strings), for ``OfficialDocument.context``."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def template_context(
    *,
    context: dict[str, Any],
    number: str,
    title: str,
    addressee: str,
    cc: list[str],
    issuer_name: str,
    issued_on: dt.date,
    draft: bool = False,
) -> dict[str, Any]:
    """Everything a template sees: the caller's context plus the standard placeholders."""
    result: dict[str, Any] = dict(context)
    paragraphs = result.get("paragraphs") or []
    if isinstance(paragraphs, str):
        paragraphs = [line for line in paragraphs.splitlines() if line.strip()]
    deadline = parse_date(result.get("deadline"))
    cc_items = [item.strip().rstrip("。．.，,") for item in cc if item and item.strip()]
    panel = [
        {**member, "role_spaced": spaced_role(str(member.get("role", "")))}
        for member in (result.get("panel") or [])
        if isinstance(member, dict)
    ]
    result.update(
        {
            "number": number,
            "title": title,
            "addressee": addressee,
            "issuer_name": issuer_name,
            "date_cn": date_cn(issued_on),
            "date_cn_upper": date_cn_upper(issued_on),
            "court_name": result.get("court_name") or issuer_name,
            "cc": "，".join(cc_items),
            "cc_list": cc_items,
            "paragraphs": [str(p) for p in paragraphs],
            "cases": result.get("cases") or [],
            "deadline_cn": result.get("deadline_cn") or (date_cn(deadline) if deadline else ""),
            "contact": result.get("contact") or "",
            "tasks": result.get("tasks") or [],
            "parties": result.get("parties") or [],
            "items": [str(item) for item in (result.get("items") or [])],
            "panel": panel,
            "clerk": result.get("clerk") or "",
            "holding_intro": result.get("holding_intro") or "",
            "closing": result.get("closing") or "",
            "draft": draft,
        }
    )
    return result


def render_docx(template_bytes: bytes, context: dict[str, Any]) -> bytes:
    """Fill a docxtpl template. Raises ``RenderError`` (Chinese) when the template is broken."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    try:
        template = DocxTemplate(io.BytesIO(template_bytes))
        template.render(context, autoescape=True)
        out = io.BytesIO()
        template.save(out)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"（第 {line} 处）" if line else ""
        raise RenderError(f"模板中的占位符或控制语句有错误{where}：{exc}") from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RenderError("模板不是有效的 Word（.docx）文件。") from exc
    return out.getvalue()


def template_variables(template_bytes: bytes) -> set[str]:
    from docxtpl import DocxTemplate

    return set(DocxTemplate(io.BytesIO(template_bytes)).get_undeclared_template_variables())


def _profile_dir() -> Path:
    base = Path(getattr(settings, "ZHIJIAN_SOFFICE_PROFILE_DIR", "") or tempfile.gettempdir())
    return base / f"lo-profile-{os.getpid()}"


def convert_to_pdf(docx_bytes: bytes) -> bytes:
    """.docx → PDF with LibreOffice headless. Raises ``RenderError`` with a Chinese message."""
    binary = soffice_binary()
    if not binary:
        raise RenderError(SOFFICE_MISSING)
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(FONTCONFIG_FILE),
        "HOME": str(_profile_dir().parent),
        "LANG": "zh_CN.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    timeout = soffice_timeout()
    with _lock, tempfile.TemporaryDirectory(prefix="zhijian-render-") as workdir:
        source = Path(workdir) / "document.docx"
        source.write_bytes(docx_bytes)
        command = [
            binary,
            f"-env:UserInstallation={_profile_dir().as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            workdir,
            str(source),
        ]
        try:
            completed = subprocess.run(
                command, env=env, capture_output=True, timeout=timeout, check=False, cwd=workdir
            )
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"LibreOffice 转换 PDF 超时（{timeout} 秒），请稍后重新生成。") from exc
        except OSError as exc:
            raise RenderError(f"无法启动 LibreOffice（{binary}）：{exc}") from exc
        target = Path(workdir) / "document.pdf"
        if completed.returncode != 0 or not target.exists():
            detail = (completed.stderr or completed.stdout or b"").decode("utf-8", "replace").strip()
            raise RenderError(
                f"LibreOffice 转换 PDF 失败（退出码 {completed.returncode}）"
                + (f"：{detail[:300]}" if detail else "。")
            )
        return target.read_bytes()

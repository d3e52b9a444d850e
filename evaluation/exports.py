"""Exports: the ranking and any case list as XLSX (Chinese headers, numbers
as numbers, dates as dates) and CSV (UTF-8 with a byte-order mark, so Excel
reads the Chinese), each with the definitions of its measures."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cases.kinds import kind_label
from core.clock import local
from evaluation.catalogue import all_measures, get_line, lines
from evaluation.measures import QUALITATIVE, ZH
from evaluation.periods import Period
from evaluation.scores import UnitResult

UNIT_TYPE_ZH = {"street": "街道", "community": "社区", "department": "职能部门"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The business lines' Chinese names (a line declared later without one shows its name).
LINE_ZH = {"petition": "信访诉求", "supervision": "督办件", "proposal": "议案建议提案",
           "document": "办文", "register": "出租屋和流动人口登记"}


def line_zh(name: str) -> str:
    return LINE_ZH.get(name, name)


def ranking_table(results: Sequence[UnitResult], period: Period,
                  line: str | None = None) -> tuple[list[str], list[list]]:
    """Every line's score and every measure (or one line's), by unit."""
    shown = [get_line(line)] if line else lines()
    measures = [m for each in shown for m in each.measures]
    headers = ["排名", "单位代码", "单位", "综合得分", "排名变化", "综合得分变化",
               "开始日期", "结束日期"]
    headers += [f"{line_zh(each.name)}得分" for each in shown]
    headers += [ZH[m.code][0] for m in measures] + [ZH[QUALITATIVE][0]]
    rows = []
    for r in results:
        rows.append([r.rank, r.unit.code, r.unit.name_zh, r.composite, r.rank_change,
                     r.composite_change, period.first, period.last,
                     *[r.lines.get(each.name) for each in shown],
                     *[r.values[m.code] for m in measures], r.qualitative])
    return headers, rows


def definitions() -> list[tuple[str, str]]:
    codes = ["composite", *(m.code for m in all_measures()), QUALITATIVE]
    return [ZH[c] for c in codes]


CASE_HEADERS = ["工单编号", "受理时间", "类别", "状态", "承办单位", "办结时间"]


def case_rows(cases: Iterable) -> list[list]:
    """No names, phones, addresses or free text: only what identifies the case."""
    rows = []
    for case in cases:
        lead = case.lead_assignment or (case.assignments[-1] if case.assignments else None)
        what = case.category.name_zh if case.category else kind_label(case.kind)
        rows.append([case.tracking_number, _naive(case.created_at), what,
                     case.status.value, lead.unit.name_zh if lead else None,
                     _naive(case.resolved_at)])
    return rows


def _naive(dt: datetime | None) -> datetime | None:
    """Shanghai wall-clock time: a spreadsheet cell holds no time zone."""
    return local(dt).replace(tzinfo=None) if dt else None


def to_xlsx(title: str, headers: list[str], rows: list[list], notes: list[tuple[str, str]],
            subtitle: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col, header in enumerate(headers, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(10, min(30, len(header) * 2 + 2))
        for cell in ws[letter][1:]:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, float):
                cell.number_format = "0.0#"
    ws.freeze_panes = "A2"
    info = wb.create_sheet("指标说明")
    info.append(["指标", "定义"])
    info["A1"].font = info["B1"].font = Font(bold=True)
    for name, definition in notes:
        info.append([name, definition])
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 100
    for row in info.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    if subtitle:
        info.append([])
        info.append(["说明", subtitle])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(headers: list[str], rows: list[list], notes: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else _csv_value(v) for v in row])
    writer.writerow([])
    writer.writerow(["指标", "定义"])
    for name, definition in notes:
        writer.writerow([name, definition])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(v):
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    return v

"""The statistics export through the debug route POST /api/v1/debug/export (a result document
in, its export out): a generated 20,000-row unit x month document downloaded as CSV and as XLSX
and read back (python3-openpyxl) cell by cell against the document; headers, sheets, number
formats, empty cells for null, the BOM, quoting and the formula guard, Content-Disposition and
Content-Length; errors before the first byte in the JSON shape; a client that hangs up
mid-download leaves no descriptor or temp file behind; and a 20 MB export does not raise the
server's peak memory by anything like its size."""
import csv
import io
import json
import os
import random
import socket
import sys
import time
import unittest
import urllib.parse

import openpyxl

from harness import ServerTestCase, wait_for

COUNTS = ["received", "dispatched", "signed", "signed_on_time", "replied", "replied_on_time", "overdue",
          "returned", "transferred", "extended", "supervised", "reopened", "rated", "satisfied",
          "basically_satisfied", "unsatisfied"]
RATES = ["reply_rate", "on_time_reply_rate", "on_time_sign_rate", "satisfaction_rate"]
HOURS = ["first_reply_hours_avg", "first_reply_hours_median", "first_reply_hours_p90"]
TITLES = ["受理量", "派单量", "签收量", "按时签收量", "答复量", "按时答复量", "超期量", "退单量", "转办量", "延期量",
          "督办量", "重办量", "回访量", "满意", "基本满意", "不满意", "回复率", "及时率", "按时签收率", "满意率",
          "平均首次答复时长(工作小时)", "中位数", "P90"]
METRICS = COUNTS + RATES + HOURS
BIG = 64 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DISPOSITION = ("attachment; filename=\"2026-11-01_2026-12-01.{ext}\"; "
               "filename*=UTF-8''%E7%BB%9F%E8%AE%A1_2026-11-01_2026-12-01.{ext}")
# names a spreadsheet or a CSV reader could trip on
TRICKY = ["住建局", "市场监管局, 一科", "说 \"好\" 的局", "换行\n科", "=1+1", "-减负办", "@home", "+86 热线"]


def figures(rnd, nullable=True):
    row = {c: rnd.randint(0, 5000) for c in COUNTS}
    row["reply_rate"] = row["replied"] / row["received"] if row["received"] else None
    row["on_time_reply_rate"] = row["replied_on_time"] / row["received"] if row["received"] else None
    row["on_time_sign_rate"] = (row["signed_on_time"] / row["dispatched"] if row["dispatched"] and nullable
                                else (None if nullable else 1.0))
    row["satisfaction_rate"] = None if nullable and rnd.random() < 0.2 else rnd.randint(0, 7) / 7
    row["first_reply_hours_avg"] = None if nullable and rnd.random() < 0.1 else rnd.randint(0, 10 ** 6) / 997
    row["first_reply_hours_median"] = rnd.choice([None, 0.5, 2.5, 16.0]) if nullable else 2.5
    row["first_reply_hours_p90"] = rnd.choice([None, 8.0, 80.0]) if nullable else 8.0
    return row


def make_doc(n, seed=6):
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        row = {"unit_id": str(i // 12 + 1), "unit_name": TRICKY[i % len(TRICKY)] + str(i // 12),
               "period": "2026-%02d" % (i % 12 + 1), "drilldown": {"received": "unit_id=%d" % i}}
        if i == 5:
            row.update(unit_id=None, unit_name=None)  # tickets no unit holds: "未派单"
        row.update(figures(rnd))
        rows.append(row)
    return {"rows": rows, "totals": figures(rnd, nullable=False)}


def assertXlsxNumber(tc, got, want, msg):
    """libxlsxwriter (as Debian builds it) writes numbers with %.16G: integers exactly, other
    values to 16 significant digits, finer than Excel's own 15; rounding (to a percent, to
    0.1 hours) would be caught by far."""
    if want is None or isinstance(want, int):
        tc.assertEqual(got, want, msg)
        tc.assertNotIsInstance(got, bool, msg)
    else:
        tc.assertIsInstance(got, (int, float), msg)
        tc.assertNotIsInstance(got, bool, msg)
        tc.assertLessEqual(abs(got - want), abs(want) * 1e-15, msg)


def csv_cell_expected(value, kind):
    if value is None:
        return ""
    if kind == "key":
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
    return str(value)


class Export(ServerTestCase):
    server_env = {"WZ_HTTP_BODY_LIMIT": BIG, "WZ_HTTP_UPLOAD_LIMIT": BIG}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.doc = make_doc(20000)
        cls.body = json.dumps(cls.doc).encode()

    def export(self, fmt, body=None, query="group_by=unit,month", timeout=120):
        return self.server.request("POST", f"/api/v1/debug/export?format={fmt}&{query}",
                                   body=self.body if body is None else body,
                                   headers={"Content-Type": "application/json"}, timeout=timeout)

    def expected_key(self, row, i):
        if i == 5:
            return "未派单"
        return row["unit_name"]

    def test_csv(self):
        status, headers, data = self.export("csv")
        self.assertEqual(status, 200, data[:300])
        self.assertEqual(headers["content-type"], "text/csv; charset=utf-8")
        self.assertEqual(headers["content-disposition"], DISPOSITION.format(ext="csv"))
        self.assertEqual(int(headers["content-length"]), len(data))
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"), "the BOM")
        self.assertIn(b"\r\n", data)
        text = data[3:].decode("utf-8")
        lines = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(lines[0], ["单位", "时段"] + TITLES)
        self.assertEqual(len(lines), 1 + 20000 + 1)
        for i, (row, line) in enumerate(zip(self.doc["rows"], lines[1:])):
            want = [csv_cell_expected(self.expected_key(row, i), "key"), row["period"]]
            for m in COUNTS:
                want.append(str(row[m]))
            got_numbers = line[2 + len(COUNTS):]
            self.assertEqual(line[:2 + len(COUNTS)], want, f"row {i}")
            for m, cell in zip(RATES + HOURS, got_numbers):
                if row[m] is None:
                    self.assertEqual(cell, "", f"row {i} {m}: null is an empty cell")
                else:
                    self.assertEqual(float(cell), row[m], f"row {i} {m}: the exact fraction")
        totals = lines[-1]
        self.assertEqual(totals[:2], ["合计", ""])
        self.assertEqual(totals[2], str(self.doc["totals"]["received"]))
        # quoting as written, not only as parsed back
        self.assertIn('\r\n"市场监管局, 一科0",2026-02,'.encode(), data)
        self.assertIn('\r\n"说 ""好"" 的局0",2026-03,'.encode(), data)
        self.assertIn('\r\n"换行\n科0",2026-04,'.encode(), data)
        self.assertIn("\r\n'=1+10,2026-05,".encode(), data)
        self.assertIn("\r\n未派单,2026-06,".encode(), data)
        self.assertIn("\r\n'-减负办1,2026-02,".encode(), data)

    def test_xlsx(self):
        status, headers, data = self.export("xlsx")
        self.assertEqual(status, 200, data[:300])
        self.assertEqual(headers["content-type"], XLSX_TYPE)
        self.assertEqual(headers["content-disposition"], DISPOSITION.format(ext="xlsx"))
        self.assertEqual(int(headers["content-length"]), len(data))
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        self.assertEqual(wb.sheetnames, ["单位×时段", "合计"])
        ws = wb["单位×时段"]
        rows = ws.iter_rows()
        header = [c.value for c in next(rows)]
        self.assertEqual(header, ["单位", "时段"] + TITLES)
        n = 0
        for i, (row, cells) in enumerate(zip(self.doc["rows"], rows)):
            n += 1
            values = {}
            for col, cell in enumerate(cells):
                values[col] = cell
            self.assertEqual(values[0].value, self.expected_key(row, i), f"row {i}: text as it is, not guarded")
            self.assertEqual(values[1].value, row["period"])
            for k, m in enumerate(METRICS):
                cell = values.get(2 + k)
                got = None if cell is None else cell.value
                assertXlsxNumber(self, got, row[m], f"row {i} {m}")
                if got is not None and m in RATES:
                    self.assertEqual(cell.number_format, "0.0%")
                if got is not None and m in HOURS:
                    self.assertEqual(cell.number_format, "0.0")
        self.assertEqual(n, 20000)
        self.assertIsNone(next(rows, None), "no rows after the document's")
        trows = list(wb["合计"].iter_rows(values_only=True))
        self.assertEqual(len(trows), 2)
        self.assertEqual(trows[1][0], "合计")
        for got, m in zip(trows[1][2:], METRICS):
            assertXlsxNumber(self, got, self.doc["totals"][m], f"totals {m}")
        self.assertEqual(len(trows[1]), 2 + len(METRICS))
        wb.close()

    def test_xlsx_formatting(self):
        doc = make_doc(30, seed=9)
        status, _, data = self.export("xlsx", body=json.dumps(doc).encode(), query="group_by=account,type")
        self.assertEqual(status, 200, data[:300])
        wb = openpyxl.load_workbook(io.BytesIO(data))  # full mode: panes, fonts, widths
        self.assertEqual(wb.sheetnames, ["账号×类型", "合计"])
        ws = wb["账号×类型"]
        self.assertEqual(ws.freeze_panes, "C2", "the header row and the key columns are frozen")
        self.assertTrue(all(c.font.b for c in ws[1]), "the header is bold")
        self.assertEqual([c.value for c in ws[1]][:2], ["账号", "类型"])
        self.assertGreater(ws.column_dimensions["A"].width, 20)
        self.assertGreater(ws.column_dimensions["W"].width, 20)  # 平均首次答复时长(工作小时)
        # the rows have no account_name / type: the key cells are empty, the figures are there
        self.assertIsNone(ws["A2"].value)
        self.assertEqual(ws["C2"].value, doc["rows"][0]["received"])
        self.assertEqual(ws["C2"].number_format, "0")
        rate_col = openpyxl.utils.get_column_letter(3 + len(COUNTS))
        for r, row in enumerate(doc["rows"], start=2):
            cell = ws[f"{rate_col}{r}"]
            assertXlsxNumber(self, cell.value, row["reply_rate"], f"row {r}")
            if row["reply_rate"] is None:
                self.assertIsNone(cell.value)

    def test_one_level_and_named_sheet_limits(self):
        doc = {"rows": [{"channel": "wechat", "received": 1}, {"channel": "douyin", "received": 2}], "totals": None}
        status, headers, data = self.export("xlsx", body=json.dumps(doc).encode(), query="group_by=channel")
        self.assertEqual(status, 200, data[:300])
        wb = openpyxl.load_workbook(io.BytesIO(data))
        self.assertEqual(wb.sheetnames, ["渠道"], "no totals, no totals sheet")
        self.assertEqual([c.value for c in wb["渠道"][2]][:2], ["wechat", 1], "an unknown code as it is")
        self.assertEqual([c.value for c in wb["渠道"][3]][:2], ["抖音", 2], "a known channel by its name")

    def test_errors_before_the_first_byte(self):
        status, headers, body = self.server.json("POST", "/api/v1/debug/export?format=xlsx&group_by=unit",
                                                 {"rows": [{"unit_name": "a", "received": "many"}]})
        self.assertError(status, body, 500, "internal_error")
        self.assertIn("row 1: received is not a number", body["error"]["message"])
        self.assertEqual(headers["content-type"], "application/json; charset=utf-8")
        status, _, body = self.server.json("POST", "/api/v1/debug/export?format=csv&group_by=unit",
                                           {"rows": [3]})
        self.assertError(status, body, 500, "internal_error")
        status, _, body = self.server.json("POST", "/api/v1/debug/export?format=pdf", {"rows": []})
        self.assertError(status, body, 422, "validation_failed")
        status, _, body = self.server.json("POST", "/api/v1/debug/export?format=csv&group_by=unit,unit",
                                           {"rows": []})
        self.assertError(status, body, 422, "validation_failed")

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.server.proc.pid}/fd"))

    def temp_files(self):
        return [f for f in os.listdir(self.data_dir) if f.startswith("wz-export-")]

    def test_client_gone_mid_download(self):
        small = json.dumps(make_doc(1000, seed=3)).encode()
        for fmt in ("csv", "xlsx"):
            # warm up: the worker's pools and the thread pool exist before the count
            status, _, _ = self.export(fmt, body=small, query="group_by=unit,month")
            self.assertEqual(status, 200)
            before = self.open_fds()
            s = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
            s.sendall((f"POST /api/v1/debug/export?format={fmt}&group_by=unit,month&repeat=200 HTTP/1.1\r\n"
                       f"Host: x\r\nContent-Type: application/json\r\nContent-Length: {len(small)}\r\n\r\n"
                       ).encode() + small)
            got = b""
            while b"\r\n\r\n" not in got or len(got) < 200000:
                chunk = s.recv(65536)
                self.assertTrue(chunk, "the server closed early")
                got += chunk
            head = got.split(b"\r\n\r\n", 1)[0].decode()
            self.assertIn("200 OK", head)
            length = int([h for h in head.split("\r\n") if h.lower().startswith("content-length:")][0].split(":")[1])
            self.assertGreater(length, len(got))
            s.close()  # mid-download
            self.assertTrue(wait_for(lambda: self.open_fds() <= before, 10),
                            f"{fmt}: descriptors left open: {self.open_fds()} > {before}")
            self.assertEqual(self.temp_files(), [])
        status, _, _ = self.server.request("GET", "/healthz")
        self.assertEqual(status, 200)

    def test_no_temp_file_is_left(self):
        status, _, _ = self.export("csv", body=json.dumps(make_doc(10)).encode())
        self.assertEqual(status, 200)
        self.assertEqual(self.temp_files(), [])


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


class ExportMemory(ServerTestCase):
    """A server of its own, so its peak memory is this test's."""

    def test_a_large_export_is_not_held_in_memory(self):
        doc = make_doc(500, seed=4)
        body = json.dumps(doc).encode()
        pid = self.server.proc.pid
        with open(f"/proc/{pid}/maps") as f:
            # AddressSanitizer's quarantine keeps freed memory resident: peaks mean nothing there
            sanitized = "libasan" in f.read()
        for fmt in ("csv", "xlsx"):
            status, _, _ = self.server.request("POST", f"/api/v1/debug/export?format={fmt}&group_by=unit,month",
                                               body=body, headers={"Content-Type": "application/json"})
            self.assertEqual(status, 200)
        sizes = {}
        for fmt, repeat in (("csv", 300), ("xlsx", 300)):
            before = vm_hwm_kib(pid)
            status, headers, data = self.server.request(
                "POST", f"/api/v1/debug/export?format={fmt}&group_by=unit,month&repeat={repeat}", body=body,
                headers={"Content-Type": "application/json"}, timeout=300)
            self.assertEqual(status, 200)
            self.assertEqual(int(headers["content-length"]), len(data))
            grew = (vm_hwm_kib(pid) - before) * 1024
            sizes[fmt] = len(data)
            print(f"{fmt}: {len(data)} bytes, the peak grew by {grew} bytes", file=sys.stderr)
            # generous: the export's size would show up whole; 150,000 row pointers and the
            # library's buffers are a few MB
            if not sanitized:
                self.assertLess(grew, len(data) // 2, f"{fmt}: peak memory grew by {grew} for {len(data)} bytes")
        self.assertGreater(sizes["csv"], 20 * 1024 * 1024, "the CSV is a 20 MB export")
        self.assertGreater(sizes["xlsx"], 5 * 1024 * 1024)
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        self.assertEqual(wb["单位×时段"].max_row, 1 + 500 * 300)
        wb.close()


if __name__ == "__main__":
    unittest.main()

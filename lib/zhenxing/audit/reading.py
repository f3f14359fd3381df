"""Reading a summary: lines of a .txt/.md file, paragraphs (and tables) of a .docx."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class AuditReadError(Exception):
    """The file cannot be read (message in Chinese)."""



# --- reading ------------------------------------------------------------------------

@dataclass
class Table:
    """A table of a .docx: its cells as text, shown after the paragraphs as lines of their
    own (`row_lines[r]` is the line of row r), placed after paragraph `after_line`."""

    number: int
    rows: list[list[str]]
    after_line: int
    row_lines: list[int] = field(default_factory=list)

    def line_text(self, r: int) -> str:
        return f"【表{self.number}·第{r + 1}行】" + " | ".join(self.rows[r])


def read_document(path: Path) -> tuple[list[str], list[Table]]:
    """Lines of a text file, paragraphs of a .docx; a .docx's tables follow its paragraphs,
    one line per row (so the paragraphs keep the numbers a person counts)."""
    path = Path(path)
    lines = read_lines(path)
    if path.suffix.lower() != ".docx":
        return lines, []
    doc = _open_docx(path)
    tables = []
    body = doc.element.body
    par_seen = 0
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            par_seen += 1
        elif tag == "tbl":
            from docx.table import Table as DocxTable
            t = DocxTable(child, doc)
            rows = []
            for row in t.rows:
                cells, last = [], None
                for c in row.cells:        # a merged cell repeats: keep its text once per row
                    cells.append("" if c._tc is last else c.text.strip())
                    last = c._tc
                rows.append(cells)
            if rows:
                tables.append(Table(len(tables) + 1, rows, par_seen))
    for t in tables:
        for r in range(len(t.rows)):
            lines.append(t.line_text(r))
            t.row_lines.append(len(lines))
    return lines, tables


def _open_docx(path: Path):
    try:
        import docx
        return docx.Document(str(path))
    except Exception:
        raise AuditReadError(f"无法读取 Word 文件“{path.name}”（文件已损坏或不是 .docx 格式）[unreadable_docx]") from None


def read_lines(path: Path) -> list[str]:
    """Lines of a text file, paragraphs of a .docx; a clear Chinese error otherwise."""
    path = Path(path)
    if not path.exists():
        raise AuditReadError(f"文件“{path.name}”不存在 [file_not_found]")
    if path.is_dir():
        raise AuditReadError(f"“{path.name}”是目录，不是文件 [not_a_file]")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return [p.text for p in _open_docx(path).paragraphs]
    if suffix not in (".txt", ".md", ".markdown", ".text", ""):
        raise AuditReadError(f"不支持的文件类型“{suffix}”：请提供 .txt、.md 或 .docx 文件 [unsupported_type]")
    try:
        data = path.read_bytes()
    except OSError:
        raise AuditReadError(f"无法读取文件“{path.name}”（没有读取权限或磁盘错误）[unreadable_file]") from None
    if b"\x00" in data[:4096]:
        raise AuditReadError(f"“{path.name}”不是文本文件 [not_text]")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise AuditReadError(f"无法识别“{path.name}”的文字编码（应为 UTF-8 或 GBK）[bad_encoding]")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

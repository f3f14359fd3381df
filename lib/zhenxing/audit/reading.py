"""Reading a summary: lines of a .txt/.md file, paragraphs (and tables) of a .docx."""
from __future__ import annotations

from pathlib import Path

class AuditReadError(Exception):
    """The file cannot be read (message in Chinese)."""



# --- reading ------------------------------------------------------------------------

def read_lines(path: Path) -> list[str]:
    """Lines of a text file, paragraphs of a .docx; a clear Chinese error otherwise."""
    path = Path(path)
    if not path.exists():
        raise AuditReadError(f"文件“{path.name}”不存在 [file_not_found]")
    if path.is_dir():
        raise AuditReadError(f"“{path.name}”是目录，不是文件 [not_a_file]")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        try:
            import docx
            doc = docx.Document(str(path))
        except Exception:
            raise AuditReadError(f"无法读取 Word 文件“{path.name}”（文件已损坏或不是 .docx 格式）[unreadable_docx]") from None
        return [p.text for p in doc.paragraphs]
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

"""Every path of the project, derived from this file — never from the working directory
(papermill, nbval and Quarto each run notebooks in a different one)."""
from pathlib import Path

LIB = Path(__file__).resolve().parent.parent
ROOT = LIB.parent.parent
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"
DATA = ROOT / "data"
SAMPLE = DATA / "sample"
OUTPUTS = ROOT / "outputs"
TEMPLATES = LIB / "report" / "templates"

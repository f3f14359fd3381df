"""The options of one run that change what a report contains (--charts, --signed-on), passed
to the processes that build reports as environment variables (workers inherit them)."""
from __future__ import annotations

import os

CHARTS_ENV = "ZHENXING_CHARTS"          # "1": charts in the PDF and DOCX too (--charts)
SIGNED_ON_ENV = "ZHENXING_SIGNED_ON"    # the 落款's date for this run (--signed-on)
PNG_ENV = "ZHENXING_CHART_PNG"          # "1": notebooks store each chart's PNG too (a DOCX with charts)


def options() -> dict:
    """This run's options, as the code fingerprint and the report assembly read them."""
    return {"charts": os.environ.get(CHARTS_ENV, "") == "1",
            "signed_on": os.environ.get(SIGNED_ON_ENV, "").strip() or None}

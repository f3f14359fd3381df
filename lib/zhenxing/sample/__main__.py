"""``python -m zhenxing.sample OUT …``: write a synthetic dataset (see :mod:`zhenxing.sample.generator`)."""
from zhenxing.sample.generator import main

raise SystemExit(main())

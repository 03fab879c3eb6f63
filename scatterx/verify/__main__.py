"""``python -m scatterx.verify --examples DIR``: the worked examples (``scatterx.verify.examples.main``)."""

from .examples import main

raise SystemExit(main())

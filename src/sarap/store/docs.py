"""Print the data-model page: ``python -m sarap.store.docs > docs/data-model.md``."""

from __future__ import annotations

import sys

from sarap.store._schema import data_model_markdown

if __name__ == "__main__":
    sys.stdout.write(data_model_markdown())

"""NLP extractors: pure functions from text (or a spaCy Doc) to frozen records.

``EXTRACTOR_VERSION`` changes whenever the extractor code or its data tables
change, so stored rows can be compared with the current extractor and
reprocessed when stale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

RULES_MAJOR = "1"


def _fingerprint() -> str:
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([*root.glob("*.py"), *root.glob("data/*")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


EXTRACTOR_VERSION = f"{RULES_MAJOR}.{_fingerprint()}"

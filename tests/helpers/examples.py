"""How many examples a Hypothesis property test runs in the suite.

``FEEDREADER_PROPERTY_EXAMPLES`` (default 150) is the unit; a test asks for a multiple of it.
The suite keeps it small so ``.ci/run`` stays within its time; a longer search is
``FEEDREADER_PROPERTY_EXAMPLES=3000 .venv/bin/python -m pytest tests/core/feeds`` (or fuzz/).
"""

from __future__ import annotations

import os

EXAMPLES = int(os.environ.get("FEEDREADER_PROPERTY_EXAMPLES", "150"))

"""Hugging Face: the crawler (crawler.py) over its hub calls (client.py), the Hub's JSON as our
records (parse.py), the bookkeeping of a family walk (walk.py), undeclared derivatives
(discovery.py over the reads of reader.py) and the sweep's listing rows (sweep.py).

No module is imported here, so reading `parse` or `sweep` does not load huggingface_hub.
"""

import os

# huggingface_hub reads these once, at import: no telemetry, and no call to huggingface.co's
# agent-harness registry when the tracker points at another endpoint. Set here, as the package
# is entered, so it holds whichever of its modules imports huggingface_hub first.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

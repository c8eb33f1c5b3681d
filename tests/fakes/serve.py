"""Serve a fake Hugging Face Hub from the command line, to try the tracker offline.

    python -m tests.fakes.serve --port 8765            # the Grok test world
    python -m tests.fakes.serve --family 10000         # a synthetic declared family

Then `HF_ENDPOINT=http://127.0.0.1:8765 tracker crawl --hub huggingface`. Stop with Ctrl-C.
"""

from __future__ import annotations

import argparse
import threading

from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import World, synthetic_family


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--family",
        type=int,
        default=0,
        help="serve a synthetic family of this size instead of the Grok world",
    )
    args = parser.parse_args(argv)
    world = World(synthetic_family(args.family)) if args.family else grok_world.fake_repos()
    with FakeHub(world, port=args.port) as hub:
        print(hub.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

"""``python -m abm_warehouse.tooling.bench``: the floor's child process (``--floor-only``)."""

import argparse
import sys

from abm_warehouse.tooling.bench.cli import add_arguments, run

if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="abm_warehouse.tooling.bench")
    add_arguments(p)
    sys.exit(run(p.parse_args()))

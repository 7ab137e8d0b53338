"""Replay every page on another platform and write reports/NAME.json.

    python -m lessonkit.platforms arm64     # make test-arm64: aarch64 under qemu (NEON, SVE256)
    python -m lessonkit.platforms latest    # make test-latest: the newest torch pip offers
    python -m lessonkit.platforms python    # make test-python: Python 3.13
"""

import argparse
import sys

from lessonkit.platforms import common, registry


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lessonkit.platforms", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    platforms = registry()
    parser.add_argument("kind", choices=platforms)
    for platform in platforms.values():
        platform.add_arguments(parser)
    args = parser.parse_args(argv)
    platform = platforms[args.kind]
    try:
        record, text = common.replay(args.kind, platform.interpreters(args))
    except common.SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report = common.write(args.kind, record)
    failed = common.failures(record, strict=platform.STRICT)
    print(text)
    print(f"{args.kind}: {common.counts(record)} in {record['seconds']} s; report in {report}"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

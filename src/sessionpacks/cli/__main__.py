"""``python -m sessionpacks.cli``, for when the console script is not on the PATH."""

from __future__ import annotations

from sessionpacks.cli.app import main

# Guarded, so that importing every module of the package (as a test of the core does) runs nothing.
if __name__ == "__main__":
    main()

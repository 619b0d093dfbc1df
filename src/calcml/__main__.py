"""``python -m calcml``: the same as the ``calcml`` command."""

from calcml.cli import main

if __name__ == "__main__":
    main()

"""``python -m priocli``: the same as the ``priocli`` command."""

from priocli.cli import main

main()

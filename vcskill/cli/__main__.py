"""``python -m vcskill.cli``."""

from vcskill.cli import main

main()

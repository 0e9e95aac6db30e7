"""`python -m briefing` runs the command-line interface."""

from .cli import main

main()

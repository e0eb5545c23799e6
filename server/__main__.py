"""`python -m server` runs the `xiaowai` command."""

from server.cli import main

main(prog_name="xiaowai")

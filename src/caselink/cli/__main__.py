"""`python -m caselink.cli` runs the caselink command."""

from caselink.cli.app import main

if __name__ == "__main__":
    main()

"""`python -m crisiscli` runs the same command line as the `crisiscli` script."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="crisiscli")

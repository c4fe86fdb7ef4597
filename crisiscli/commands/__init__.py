"""One module per command (or family of commands); cli.py loads them on demand."""

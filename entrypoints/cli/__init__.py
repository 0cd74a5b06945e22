from entrypoints.cli.main import cli, main

__all__ = ["cli", "main"]

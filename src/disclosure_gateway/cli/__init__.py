"""The `dgw` command line: thin commands that parse, call one service function, render."""

"""The one exception type for mistakes a user can make (bad path, bad file, bad option).

The command line and the app catch it and show its message; anything else is a bug and keeps its traceback."""


class UserError(Exception):
    """An error caused by user input, with a message that says what is wrong and what is expected."""

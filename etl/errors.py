"""The one exception type the loader turns into a clear message instead of a traceback."""


class InputError(Exception):
    """Input that cannot be loaded: `code` is stable for machines, `message` is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

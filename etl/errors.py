"""The exceptions the loader turns into a clear message instead of a traceback."""


class InputError(Exception):
    """Input that cannot be loaded: `code` is stable for machines, `message` is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def exception_reason(exc: BaseException) -> str:
    """The first line of what an exception says, or its type's name when it says nothing."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class DatabaseWriteError(Exception):
    """The database could not take a file (disk full, out of memory): not the file's fault, so
    nothing is recorded against it; its transaction was rolled back, and the files committed
    before it stay. `reason` says what the database reported (a path, never claim data)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

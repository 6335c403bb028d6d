"""Errors that carry a user-facing one-line message (the CLI exits with code 2)."""


class MslearnInputError(ValueError):
    """Bad user input: a config field, a file, a name. The message names the problem."""


class SolverFailure(RuntimeError):
    """A solver gave up (e.g. Newton after the maximum number of step cuts)."""


class MaterialUnavailable(SolverFailure):
    """The material cannot answer at all (a lost worker), so no step cut can help."""

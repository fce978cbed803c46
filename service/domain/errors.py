"""The domain's own errors. Domain code raises them; service/api/problems.py turns them into
problem+json and service/web/errors.py into Chinese pages, each in one place, by class and code."""


class DomainError(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """A resource that does not exist, or no longer does, or not for this caller (404). `what`
    names it ("notice", "article", …), so that a page can say so in its own words."""

    def __init__(self, what: str, detail: str):
        super().__init__(detail)
        self.what = what


class Conflict(DomainError):
    """A request that is well formed but not allowed in the resource's current state (409)."""


class Forbidden(DomainError):
    """The caller may not do this to this resource (403)."""


class Invalid(DomainError, ValueError):
    """Input the rules refuse (422). `errors` maps each field's path ("roster.3.name") to its
    messages; `code` names the rule that was broken, so that a caller explaining it in its own
    words (the Chinese pages) never depends on the English message."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code, self.message = field, code, message
        self.errors = {field: [message]}

    summary: str | None = None  # what the problem's detail says, if more than the fields' names

    @classmethod
    def of(cls, errors: dict[str, list[str]], code: str = "invalid") -> "Invalid":
        """One error for several fields (`errors` as in the attribute)."""
        field = next(iter(errors))
        error = cls(field, code, errors[field][0])
        error.errors = {key: list(messages) for key, messages in errors.items()}
        return error

    @classmethod
    def collected(cls, problems: dict[str, "Invalid"]) -> "Invalid":
        """One error for many: each of `problems` re-rooted under its key (an entry's path)."""
        return cls.of({f"{key}.{field}": messages for key, error in problems.items()
                       for field, messages in error.errors.items()})

    def under(self, prefix: str) -> "Invalid":
        """The same error with every field path inside `prefix` ("window" → "window.end")."""
        moved = Invalid.of({f"{prefix}.{field}": messages
                            for field, messages in self.errors.items()}, self.code)
        moved.field = f"{prefix}.{self.field}"
        return moved

    def renamed(self, field: str) -> "Invalid":
        """The same error said of `field` (a query parameter named for its route, say)."""
        return Invalid(field, self.code, self.message)

"""The many-to-many links between notices and the articles printed beside them."""

from service.domain.errors import Invalid
from service.domain.models import Article, Notice, NoticeArticle


def existing_ids(model, ids: list[int], field: str, visible=None) -> list[int]:
    """`ids` without repeats, or Invalid naming each position that does not exist (or that the
    SQL condition `visible` hides from the caller)."""
    unique = list(dict.fromkeys(ids))
    condition = model.id.in_(unique) if visible is None else model.id.in_(unique) & visible
    found = {row.id for row in model.select(model.id).where(condition)}
    missing = {f"{field}.{i}": [f"no such {model._meta.table_name}"]
               for i, id_ in enumerate(ids) if id_ not in found}
    if missing:
        raise Invalid.of(missing, "missing")
    return unique


def set_links(*, notice: Notice | None = None, article: Article | None = None,
              ids: list[int]) -> None:
    """Make `ids` the articles of `notice`, or the notices of `article`, replacing the old links."""
    if notice is not None:
        NoticeArticle.delete().where(NoticeArticle.notice == notice).execute()
        rows = [{"notice": notice.id, "article": other} for other in ids]
    else:
        NoticeArticle.delete().where(NoticeArticle.article == article).execute()
        rows = [{"notice": other, "article": article.id} for other in ids]
    if rows:
        NoticeArticle.insert_many(rows).execute()

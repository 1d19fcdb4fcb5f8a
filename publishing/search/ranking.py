"""A match of a search, and the grouping of rows into matches (both engines)."""

from dataclasses import dataclass, field

# How many of the newest matches of each group and kind a search ranks at
# most (see the module's docstring): ranking 200 cost 15 ms on PostgreSQL
# at 10,000 documents, 100 cost 10.
CANDIDATES = 100


@dataclass
class Match:
    """A publication found: whether one of its versions in the visitor's
    language matched, whether the title of its best version matched, that
    version's score (higher is better) and the languages of its versions
    that matched, best match first."""

    publication_id: int
    score: float
    languages: list[str] = field(default_factory=list)
    in_title: bool = False
    in_language: bool = False

    @property
    def order(self) -> tuple[bool, bool, float]:
        """Publications found in the visitor's language first, then title matches, then by score."""
        return (self.in_language, self.in_title, self.score)


def _group(rows, language: str) -> list[Match]:
    """Publications of rows (publication id, language, in title, score), best
    first, each represented by its best version, one in `language` if any."""
    found: dict[int, Match] = {}
    for publication_id, row_language, in_title, score in sorted(
        rows, key=lambda row: (row[1] == language, row[2], row[3]), reverse=True
    ):
        match = found.setdefault(
            publication_id, Match(publication_id, score, in_title=in_title, in_language=row_language == language)
        )
        match.languages.append(row_language)
    return list(found.values())

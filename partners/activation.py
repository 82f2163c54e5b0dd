"""How a segment is described to the buyers a partner activates it with (IO-free).

Every segment has its own id in artaud's taxonomy: its segment key (`art-et-essai`,
`film/<film reference>`, `region/FR-IDF`, `categorie/A`), stable for as long as the definition
exists, and distinct from every other. The IAB Audience Taxonomy 1.1 id of its definition says, more
coarsely, what kind of audience it is (467 Movies, 477 Indie and Arthouse Movies, 787 Cinemas and
Movie Events): many segments share one, so it is given beside artaud's id, never instead of it.

IAB Seller Defined Audiences (OpenRTB `user.data`): with a configured seller domain
(`partners.seller_domain`), each segment carries one object naming artaud's id under the
vendor-specific taxonomy number the SCARE registered with the IAB Tech Lab (`partners.segtax`; the
object is left out until one is registered: an id without its taxonomy means nothing to a buyer),
and one naming its IAB Audience Taxonomy ids under `segtax` 4. A region segment carries its ISO
3166-2 code and the region's name; a film segment its film reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pycountry

from artaud.segments.definitions import Segment

IAB_AUDIENCE_TAXONOMY_1_1 = 4  # OpenRTB segtax of the IAB Audience Taxonomy 1.1
# the CNC's Art et Essai categories, by the size of the cinema's urban unit
CATEGORY_NAMES = {
    "A": "grandes villes",
    "B": "grandes villes",
    "C": "villes de plus de 100 000 habitants",
    "D": "villes de 20 000 à 100 000 habitants",
    "E": "petites villes, rural et itinérants",
}


def region_name(code: str) -> str:
    """The name of an ISO 3166-2 subdivision (`FR-IDF`: Île-de-France), or the code when unknown."""
    sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    return str(sub.name) if sub is not None else code


class Activation:
    def __init__(
        self, definitions: Sequence[Segment], seller_domain: str = "", segtax: int | None = None
    ) -> None:
        self.definitions = {d.id: d for d in definitions}
        self.seller_domain = seller_domain
        self.segtax = segtax

    def iab(self, segment_id: str) -> tuple[int, ...]:
        d = self.definitions.get(segment_id)
        return d.iab if d is not None else ()

    def describe(self, key: str) -> dict[str, Any]:
        """title, taxonomy id, IAB ids, geography, film and SDA descriptors of a segment key."""
        segment_id, _, value = key.partition("/")
        d = self.definitions.get(segment_id)
        per = d.per if d is not None else ""
        base = d.title if d is not None else segment_id
        geo = None
        film = None
        title = base
        if per == "region" and value:
            geo = {"iso_3166_2": value, "name": region_name(value)}
            title = f"{base} : {geo['name']}"
        elif per == "film" and value:
            film = {"ref": value}
            title = f"{base} : {value}"
        elif per == "category" and value:
            title = f"{base} : {value} ({CATEGORY_NAMES.get(value, value)})"
        iab = list(self.iab(segment_id))
        return {
            "segment": key,
            "segment_id": segment_id,
            "title": title,
            "taxonomy_id": key,
            "iab_audience_taxonomy": iab,
            "geo": geo,
            "film": film,
            "sda_user_data": self.sda_user_data(key, iab),
        }

    def sda_user_data(self, key: str, iab: list[int]) -> list[dict[str, Any]]:
        if not self.seller_domain:
            return []
        out: list[dict[str, Any]] = []
        if self.segtax is not None:
            out.append({"name": self.seller_domain, "ext": {"segtax": self.segtax}, "segment": [{"id": key}]})
        if iab:
            out.append(
                {
                    "name": self.seller_domain,
                    "ext": {"segtax": IAB_AUDIENCE_TAXONOMY_1_1},
                    "segment": [{"id": str(i)} for i in iab],
                }
            )
        return out

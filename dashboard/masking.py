"""Identities as the person asking may see them: unless their role sees identities, member ids,
names and birth dates become pseudonyms, in the frames about claims and in free text. Data
(data.py) holds unmasked data in its caches, shared by everyone, and masks on the way out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl

from ..access.pseudonyms import identities_scrubbed, identity_words, masked, scrubbed
from ..access.roles import Viewer
from ..queries.packet import Packet


class Masking:
    """Masking for Data: needs its viewer, pseudonym_key, rows() and cached()."""

    viewer: Callable[[], Viewer | None] | None
    pseudonym_key: bytes | None

    def shown(self, frames: dict[str, pl.DataFrame],
              claim_ids: list[int]) -> dict[str, pl.DataFrame]:  # fmt: skip
        """Frames about these claims as the person asking may see them: unless their role sees
        identities, member ids, names and birth dates become pseudonyms, and so do the claims'
        patient names wherever free text (notes, remarks, evidence) mentions them."""
        if self.viewer is None:
            return frames
        viewer = self.viewer()
        if viewer is not None and viewer.sees_identities:
            return frames
        names = self.rows("claim/patient_names", claim_ids=claim_ids)["name"].to_list()
        key = self.pseudonym_key
        words = self.identity_words().lazy().filter(pl.col("claim_id").is_in(claim_ids))
        return {part: masked(identities_scrubbed(scrubbed(frame, names, key).lazy(), words,
                                                 any_claim=True).collect(), key)
                for part, frame in frames.items()}  # fmt: skip

    def identity_words(self) -> pl.DataFrame:
        """Every claim's identities as words free text must not show (pseudonyms.py), held
        while the data stays the same."""
        return self.cached(("identity words",), lambda: identity_words(
            self.rows("claim/identities"), self.pseudonym_key))  # fmt: skip

    def private(self, frame):
        """Free text (SV101-7 narratives, notes, remarks) as the person asking may see it: for
        roles that see pseudonyms, the claim's member ids, names and birth dates written in it
        become their pseudonyms and phone numbers "[phone]". A DataFrame or a LazyFrame, as
        given."""
        if self.viewer is None:
            return frame
        viewer = self.viewer()
        if viewer is not None and viewer.sees_identities:
            return frame
        lazy = isinstance(frame, pl.LazyFrame)
        out = identities_scrubbed(frame.lazy(), self.identity_words().lazy())
        return out if lazy else out.collect()

    def shown_packet(self, made: Packet) -> Packet:
        """An audit packet as the person asking may see it (see shown())."""
        ids = pl.concat([made.frame["claim_id"], made.lines["claim_id"]]).unique().to_list()
        parts = self.shown({"frame": made.frame, "lines": made.lines,
                            "findings": made.findings}, ids)  # fmt: skip
        return replace(made, **parts)

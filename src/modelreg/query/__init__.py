"""Query primitives shared by every listing: paging and cursors (later the filter language)."""

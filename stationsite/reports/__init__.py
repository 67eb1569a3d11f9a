"""Union usage summaries: rollups, figures, charts, exports and the periodic report.

`figures.build_report(scope)` computes every figure once; the page, the XLSX/CSV/PDF exports
and the `report` command all render the same `Report`, so they can never disagree.
"""

"""The raw layer's input side: what a raw extract is and how it gets into DuckDB.

- ``contract`` — the raw contract as data: every raw table, its columns, types and defects;
- ``contract_render`` — the sources YAML, seed properties and staging models rendered from it
  (``abm-warehouse contract``);
- ``generator`` — deterministic raw extracts, the committed sample or at scale
  (``abm-warehouse generate``);
- ``load`` — land an extracts folder in a DuckDB database with dlt (``abm-warehouse load``).
"""

"""Reading a built warehouse.

- ``sql_shell`` — a read-only SQL shell on the warehouse (``abm-warehouse sql``);
- ``summary`` — row counts per layer and headline KPIs (``abm-warehouse summary``).
"""

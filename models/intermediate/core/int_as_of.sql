{{ config(materialized='table') }}

-- The as-of date of this build (macros/utils/as_of.sql): the Python models read it here, and
-- the summary and the refresh report it.

select {{ as_of_date() }} as as_of_date

{#- The police's cameras and case months carry the units of their date: a case month has a
    district until 2025-06 and none from 2025-07 (the province's row), a district of the month
    (the 2024 arrangement's from 2024-11); a camera connected from 2025-07-01 has no district and
    lies in a commune of the new province. Rows returned are violations. -#}
select 'case month' as kind, district_code as code, month_start as on_date
from {{ ref('fct_camera_case_month') }}
where (month_start >= '2025-07-01') <> (district_code is null)
    or (district_code is not null and district_unit_key is null)

union all

select 'camera', district_code, connected_date
from {{ ref('dim_camera') }}
where connected_date >= '2025-07-01'
    and (district_code is not null or commune_unit_key is null)

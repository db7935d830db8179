-- where each health facility lies over time (macro health_facility_locations): the facts and the
-- indicators join the location of their own day; a mart, so that the analyst's range function
-- (indicator_values_between), which runs with the analyst's rights, never reads staging
with

locations as (

    {{ health_facility_locations() }}

)

select * from locations

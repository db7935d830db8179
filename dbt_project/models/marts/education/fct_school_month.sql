with

reports as (

    select * from {{ ref('stg_education__school_reports') }}

),

schools as (

    select * from {{ ref('dim_school') }}

),

-- The registry version in force in the report's month: of the versions not ended by the month,
-- the earliest (a month before the first registry loaded takes the school's first version).
matched as (

    select
        reports.*,
        schools.school_key,
        schools.school_level as registry_level,
        schools.province_code,
        schools.district_code,
        schools.commune_code,
        row_number() over (
            partition by reports.school_code, reports.month_start
            order by schools.valid_from
        ) as version_rank
    from reports
    left join schools
        on reports.school_code = schools.school_code
        and (schools.valid_to is null or reports.month_start < schools.valid_to)

),

final as (

    select
        school_code,
        month_start,
        (month_start + interval '1 month - 1 day')::date as month_end,
        school_key,
        coalesce(registry_level, school_level) as school_level,
        coalesce(registry_level, school_level) <> 'preschool' as is_e_record_level,
        coalesce(province_code, '{{ var("dti_province_code") }}') as province_code,
        district_code,
        commune_code,
        students,
        teachers,
        coalesce(uses_e_records, false) as uses_e_records,
        digital_record_books_signed,
        coalesce(online_classrooms, 0) as online_classrooms,
        coalesce(online_classrooms, 0) > 0 as has_online_classroom,
        online_participants,
        coalesce(tuition_payments, 0) as tuition_payments,
        coalesce(tuition_amount_vnd, 0) as tuition_amount_vnd,
        coalesce(cashless_payments, 0) as cashless_payments,
        coalesce(cashless_amount_vnd, 0) as cashless_amount_vnd,
        source_file,
        loaded_at

    from matched
    where version_rank = 1

)

select * from final

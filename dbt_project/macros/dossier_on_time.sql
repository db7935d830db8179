{#- The on-time rule of indicator DVC_ON_TIME_RATE (Decision 766 indicator 2.1), judged at one
    instant `judged_at` (a timestamp expression): the dossier's end for an ended dossier, the start
    of the day after the period for a dossier still open at the period's end.

    int_dossier_lifecycle reduces the rule to one instant per dossier, `on_time_until`: the last
    instant at which the dossier is still on time (more than one supplement request = late from
    the second request; the time waiting for the supplement does not count), null when it can
    never become late (no due time, or a supplement requested before the due time still open).
    So the verdict at any instant is a comparison. -#}
{% macro dossier_on_time_at(judged_at, prefix='') -%}
    coalesce({{ judged_at }} <= {{ prefix }}on_time_until, true)
{%- endmacro %}


{#- The on-time verdict of a dossier for a period ending on `period_end` (a date expression,
    inclusive): a dossier ended by the period's end is judged at its end (is_on_time), one still
    open at the period's end is judged at the start of the next day. `prefix` qualifies the
    columns ended_at, is_on_time and on_time_until (e.g. 'dossiers.'). The one definition used
    by indicator_values, service_index and service_index_dossier_detail. -#}
{% macro dossier_on_time_in_period(period_end, prefix='') -%}
    case
        when {{ prefix }}ended_at < ({{ period_end }} + 1)::timestamp
            then {{ prefix }}is_on_time
        else {{ dossier_on_time_at('(' ~ period_end ~ ' + 1)::timestamp', prefix) }}
    end
{%- endmacro %}

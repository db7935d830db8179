{#- The on-time rule of indicator DVC_ON_TIME_RATE (Decision 766 indicator 2.1), judged at one
    instant `judged_at` (a timestamp expression): the dossier's end for an ended dossier, the start
    of the day after the period for a dossier still open at the period's end.

    int_dossier_lifecycle reduces the rule to one instant per dossier, `on_time_until`: the last
    instant at which the dossier is still on time (more than one supplement request = late from
    the second request; the time waiting for the supplement does not count), null when it can
    never become late (no due time, or a supplement requested before the due time still open).
    So the verdict at any instant is a comparison. -#}
{% macro dossier_on_time_at(judged_at) -%}
    coalesce({{ judged_at }} <= on_time_until, true)
{%- endmacro %}

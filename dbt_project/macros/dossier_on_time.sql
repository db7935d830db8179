{#- The on-time rule of indicator DVC_ON_TIME_RATE (Decision 766 indicator 2.1), judged at one
    instant `judged_at` (a timestamp expression): the dossier's end for an ended dossier, the start
    of the day after the period for a dossier still open at period end. Only what happened strictly
    before that instant counts.

    - more than one supplement request = late;
    - the time spent waiting for the (single) supplement, from its request until it was received
      (or until the judged instant while it is still open), does not count;
    - on time when judged_at minus that waiting time is not after the due time;
    - a dossier with no due time at all (no NgayHenTra and no legal processing time) cannot be late.

    Expects the columns due_at, first_supplement_requested_at, first_supplement_received_at and
    second_supplement_requested_at (of int_dossier_lifecycle / fct_dossier). -#}
{% macro dossier_on_time_at(judged_at) -%}
    (
        not coalesce(second_supplement_requested_at < {{ judged_at }}, false)
        and coalesce(
            {{ judged_at }} - case
                when first_supplement_requested_at < {{ judged_at }}
                    then greatest(
                        least(coalesce(first_supplement_received_at, {{ judged_at }}), {{ judged_at }})
                        - first_supplement_requested_at,
                        interval '0 seconds'
                    )
                else interval '0 seconds'
            end <= due_at,
            true
        )
    )
{%- endmacro %}

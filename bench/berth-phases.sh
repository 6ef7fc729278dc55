#!/bin/bash
# Where the time of `berthctl run --rm --image busybox -- /bin/true` goes: runs the same work as separate verbs
# inside the test host and prints the median of each step, so a slow end-to-end number can be traced to create,
# start, the container's exit, or remove. Run it through the test host:
#   tests/testhost/testhost run --build DIR -- bench/berth-phases.sh [N]
# bench/run adds its table to RESULTS.md. The steps add berthctl start-ups and polling of their own, so they are
# for finding the slow step, not for comparison with the end-to-end number.
set -u
n=${1:-10}
ctl=$(command -v berthctl) || { echo "berthctl not found" >&2; exit 1; }

now() { date +%s%N; }
declare -A samples=()
record() { samples[$1]+="$(( ($3 - $2) / 1000 )) "; }   # microseconds

"$ctl" run --rm --image busybox -- /bin/true || { echo "berthctl run fails; nothing to break down" >&2; exit 1; }
# A running container for the exec step, removed again at the end.
"$ctl" create phase-exec --ephemeral --image busybox --boot >/dev/null && "$ctl" start phase-exec ||
    { echo "cannot start a container for the exec step" >&2; exit 1; }
trap '"$ctl" remove --force phase-exec >/dev/null 2>&1' EXIT
for ((i = 0; i < n; i++)); do
    name=phase-$i
    t0=$(now)
    # run --rm makes its container ephemeral (an overlay of the image, nothing copied): do the same here.
    "$ctl" create "$name" --ephemeral --image busybox -- /bin/true || exit 1
    t1=$(now)
    "$ctl" start "$name" || exit 1
    t2=$(now)
    # The command exits at once; poll until the daemon reports it stopped.
    until "$ctl" status "$name" --json 2>/dev/null | grep -q '"State": *"stopped"'; do
        (( $(now) - t2 > 10000000000 )) && { echo "$name did not stop in 10 s" >&2; exit 1; }
    done
    t3=$(now)
    "$ctl" remove "$name" || exit 1
    t4=$(now)
    t5=$(now); "$ctl" run --rm --image busybox -- /bin/true; t6=$(now)
    t7=$(now); "$ctl" list >/dev/null; t8=$(now)
    t9=$(now); "$ctl" run --rm --image busybox --network none -- /bin/true; t10=$(now)
    t11=$(now); "$ctl" exec phase-exec -- /bin/true; t12=$(now)
    record "1 create --ephemeral" "$t0" "$t1"
    record "2 start (returns when PID 1 runs)" "$t1" "$t2"
    record "3 start -> seen stopped (polling status)" "$t2" "$t3"
    record "4 remove" "$t3" "$t4"
    record "5 run --rm end to end" "$t5" "$t6"
    record "6 list (berthctl + one bus call)" "$t7" "$t8"
    record "7 run --rm --network none" "$t9" "$t10"
    record "8 exec into a running container" "$t11" "$t12"
done
printf '%-42s %10s %10s %10s\n' step median_ms min_ms max_ms
for key in "${!samples[@]}"; do
    # shellcheck disable=SC2086  # word-split the samples on purpose
    printf '%s\t%s\n' "$key" "$(printf '%s\n' ${samples[$key]} | sort -n | paste -sd' ')"
done | sort | awk -F'\t' '{
    n = split($2, v, " ")   # already sorted (mawk has no asort)
    med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    printf "%-42s %10.2f %10.2f %10.2f\n", $1, med / 1000, v[1] / 1000, v[n] / 1000
}'

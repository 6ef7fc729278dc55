# shellcheck shell=bash
# podman as a peer of bench/run: `podman run --rm` with crun and with runc, and conmon's memory per idle container.
# Sourced by bench/run; also executed by it (`podman.sh --enter ...`) as the first program of each podman namespace.
#
# Why podman runs in namespaces of its own (TESTHOST.md, "Peer tools"):
# - crun 1.8 refuses hybrid cgroups ("cgroups in hybrid mode not supported"), and this machine's are hybrid. So every
#   podman command runs in a private mount namespace where /sys/fs/cgroup is a fresh tmpfs with the v1 hierarchies
#   mounted again and, for crun, no cgroup2 at `unified` (runc gets it back, as on the host). The machine's own
#   cgroup mounts are never touched.
# - podman's cgroupfs manager and crun take cgroup paths as absolute (crun even a relative --cgroup-parent), so on
#   the host they would create `libpod_parent` at the hierarchy roots, outside the session's memory cgroup. The
#   namespace is also a cgroup namespace made inside bench/run's private subtree (`.../berth-bench-PID/podman`),
#   and the hierarchies mounted in it are rooted there: podman's default `/libpod_parent` lands inside the subtree.
# - containers/image keeps its blob-info cache in /var/lib/containers/cache for root whatever --root says: /var/lib
#   is a tmpfs in the namespace, so `podman import` leaves nothing there.
# Storage, run root, tmpdir and network configuration live in bench/run's work directory (CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF name files written there); `--network none`, so no CNI plugin, iptables rule or sysctl is
# touched. Every mount podman makes is in a namespace that dies with its last process.

# --- inside the namespace: podman.sh --enter PODDIR RUNTIME CMD... ----------------------------------------------
podman_enter() {
    local dir=$1 runtime=$2 target fstype opts
    shift 2
    if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
        # cgroup2 only (a host with systemd): a fresh cgroup2 rooted at the namespace, and this process in a leaf,
        # since cgroup2 gives no controllers to the children of a cgroup that has processes of its own.
        # (over a tmpfs: the kernel refuses the same cgroup2 superblock mounted on its own root)
        mount -t tmpfs -o mode=0755,nosuid,nodev,noexec tmpfs /sys/fs/cgroup &&
            mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup || return 1
        mkdir -p /sys/fs/cgroup/bench && echo $$ > /sys/fs/cgroup/bench/cgroup.procs || return 1
    else
        local -a v1=()
        local unified=0 entry
        while read -r target fstype opts; do
            [[ $fstype == cgroup ]] && v1+=("$target $opts")
            [[ $fstype == cgroup2 && $target == /sys/fs/cgroup/unified ]] && unified=1
        done < <(findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,OPTIONS)
        mount -t tmpfs -o mode=0755,nosuid,nodev,noexec tmpfs /sys/fs/cgroup || return 1
        for entry in "${v1[@]}"; do
            target=${entry%% *} opts=${entry#* }
            mkdir -p "$target" && mount -t cgroup -o "$opts" cgroup "$target" || return 1
        done
        # Hybrid: runc gets cgroup2 back at `unified`, as on the host; crun refuses it.
        if (( unified )) && [[ $runtime != crun ]]; then
            mkdir -p /sys/fs/cgroup/unified &&
                mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup/unified || return 1
        fi
    fi
    mount -t tmpfs -o mode=0755 tmpfs /var/lib || return 1
    export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
    exec "$@"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    [[ $1 == --enter && $# -ge 4 ]] || { echo "usage: podman.sh --enter PODDIR RUNTIME CMD..." >&2; exit 2; }
    shift
    podman_enter "$@"
    exit 1
fi

# --- in bench/run ---------------------------------------------------------------------------------------------
podman_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/podman.sh
podman_bin=/usr/bin/podman
podman_image=localhost/berth-bench-busybox
# podman's default rlimits fail here (no CAP_SYS_RESOURCE, nofile capped at 20000).
podman_run_flags="--network none --ulimit nofile=20000:20000 --ulimit nproc=4096:4096"

# podman_setup WORK DRIVER: the configuration files and directories under WORK/podman, and the cgroup directories
# of the podman namespaces (children "podman" of bench/run's private subtree, cg_paths).
podman_setup() {
    pod_dir=$1/podman
    mkdir -p "$pod_dir"/{root,run,tmp,net}
    cat > "$pod_dir/containers.conf" <<EOF
# podman for bench/run: everything in the work directory, no events journal, no network backend state.
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "$pod_dir/tmp"
[network]
network_backend = "cni"
network_config_dir = "$pod_dir/net"
EOF
    cat > "$pod_dir/storage.conf" <<EOF
[storage]
driver = "$2"
graphroot = "$pod_dir/root"
runroot = "$pod_dir/run"
EOF
    pod_cg=()
    local p
    # shellcheck disable=SC2154  # cg_paths: bench/run's private cgroup subtree (cg_dirs)
    for p in "${cg_paths[@]}"; do pod_cg+=("$p/podman"); done
}

# podman_prepare WORK ROOT: set up podman under WORK and import ROOT, with the overlay storage driver (podman's
# default, and faster here: vfs copies the image for every container) or, where overlay fails, vfs. Sets
# pod_driver (so call it in this shell, not in $(...)); podman's errors go to stderr, non-zero when neither works.
podman_prepare() {
    local driver
    for driver in overlay vfs; do
        podman_setup "$1" "$driver"
        if podman_import "$2" >/dev/null; then
            pod_driver=$driver
            return 0
        fi
        echo "(with the $driver storage driver)" >&2
        rm -rf "$pod_dir"
    done
    return 1
}

# One line for the report's machine section.
podman_versions() {
    local v
    v="$("$podman_bin" --version 2>/dev/null | sed 's/^podman version /podman /')"
    v+=", $(crun --version 2>/dev/null | head -n1 | sed 's/ version / /')"
    v+=", $(runc --version 2>/dev/null | head -n1 | sed 's/ version / /')"
    v+=", $(conmon --version 2>/dev/null | head -n1 | sed 's/ version / /')"
    echo "$v; ${pod_driver:-no} storage driver"
}

# podman_ns RUNTIME CMD...: run CMD in a podman namespace for RUNTIME (crun or runc), inside the private subtree.
podman_ns() {
    local runtime=$1
    shift
    ( cg_enter "${pod_cg[@]}" &&
        PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/unshare -m -C --propagation private \
            /bin/bash "$podman_lib" --enter "$pod_dir" "$runtime" "$@" )
}

# podman_cmd RUNTIME ARGS...: the podman command line (words) the benchmark runs.
podman_cmd() {
    local runtime=$1
    shift
    echo "$podman_bin --runtime $runtime $*"
}

# podman_import ROOT: the busybox tree as image $podman_image (`podman import` of a tar stream of it).
podman_import() {
    tar -C "$1" -c . | podman_ns crun "$podman_bin" import -q - "$podman_image"
}

# The PIDs of the conmon processes of this run's containers (their command lines name our run root). An exited
# conmon waits as a zombie until this machine's PID 1 reaps it: it has no command line and is not counted.
podman_conmons() {
    local pid
    for pid in $(pgrep -x conmon); do
        { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$pod_dir/" && echo "$pid"
    done
    return 0
}

# "FOUND PSS_KB" of this run's conmon processes.
podman_conmon_pss() {
    local pid total=0 found=0 pss
    for pid in $(podman_conmons); do
        pss=$(awk '$1 == "Pss:" {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)
        total=$(( total + ${pss:-0} ))
        found=$(( found + 1 ))
    done
    echo "$found $total"
}

# podman_density COUNTS OUT.jsonl: `podman run -d` of busybox init (crun), accumulating up to each count; conmon's
# PSS summed per container at each count. Returns non-zero (with the reason on stdout) when a start fails.
podman_density() {
    local counts=$1 out=$2 have=0 n t0 t1 found pss
    for n in ${counts//,/ }; do
        log "podman density: $n idle busybox containers (crun)"
        t0=$(date +%s%N)
        # One namespace starts this count's containers (one unshare instead of one per container).
        # shellcheck disable=SC2016  # the loop's $1.. are the inner shell's arguments
        if ! podman_ns crun /bin/bash -c 'for (( i = $1; i < $2; i++ )); do
                "$3" --runtime crun run -d --name "berth-bench-d-$i" $4 "$5" /bin/init >/dev/null || exit 1
            done' _ "$have" "$n" "$podman_bin" "$podman_run_flags" "$podman_image" 2>"$pod_dir/density.err"; then
            echo "podman run -d failed: $(tail -n 2 "$pod_dir/density.err" | tr '\n' ' ' | cut -c1-200)"
            return 1
        fi
        have=$n
        t1=$(date +%s%N)
        sleep 2  # the same settle as berth's and LXC's
        read -r found pss < <(podman_conmon_pss)
        printf '{"kind": "podman-density", "count": %d, "conmons": %d, "pss_kb_per_container": %s, "start_all_s": %s}\n' \
            "$n" "$found" "$(awk -v p="$pss" -v n="$n" 'BEGIN {printf "%.1f", p / n}')" \
            "$(awk -v d=$(( t1 - t0 )) 'BEGIN {printf "%.2f", d / 1e9}')" >> "$out"
    done
}

# podman_cleanup: every container of this run removed (conmon exits with it), a conmon that survives killed by
# PID, the storage removed. Safe to call more than once and before anything was set up.
podman_cleanup() {
    [[ -n ${pod_dir:-} && -d $pod_dir ]] || return 0
    local rc=0 pid runtime procs
    # A container's OCI runtime is recorded with it; crun needs its own namespace kind, runc the other.
    if [[ -n $(ls -A "$pod_dir/root" 2>/dev/null) ]]; then
        for runtime in crun runc; do
            podman_ns "$runtime" "$podman_bin" rm -a -f -t 0 >/dev/null 2>&1 || true
        done
    fi
    # conmon exits shortly after its container is removed: give it a few seconds.
    local tries
    for (( tries = 0; tries < 50; tries++ )); do
        [[ -z $(podman_conmons) ]] && break
        sleep 0.1
    done
    # Whatever podman could not stop: conmon, then the containers' processes (everything left in our subtree).
    for pid in $(podman_conmons); do
        echo "bench: podman left conmon $pid running; killing it" >&2
        kill -KILL "$pid" 2>/dev/null
        rc=1
    done
    procs=$(find "${pod_cg[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
    for pid in $procs; do
        echo "bench: a podman container process $pid is still running; killing it" >&2
        kill -KILL "$pid" 2>/dev/null
        rc=1
    done
    [[ -n $procs ]] && sleep 0.2  # let the killed processes leave their cgroups before cg_remove
    rm -rf "$pod_dir"
    if grep -qF -- " $pod_dir" /proc/self/mountinfo; then
        echo "bench: mounts under $pod_dir are left on the host" >&2
        rc=1
    fi
    return $rc
}

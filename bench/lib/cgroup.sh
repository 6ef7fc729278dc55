# shellcheck shell=bash
# Sourced by bench/run. A private cgroup subtree for the peer tools.
#
# This machine's PID 1 is not systemd and its cgroups are hybrid (v1 controllers + name=systemd + cgroup2 without
# controllers). LXC and systemd-nspawn both create cgroups of their own; started at the top of the session's cgroups
# they would put containers at the hierarchy roots, outside the session's memory cgroup. So every peer runs inside
# a child cgroup NAME of the current cgroup, in every mounted hierarchy, and the whole subtree is removed afterwards.

# The mount point of the hierarchy named by a /proc/self/cgroup controller field ("" = cgroup2, "memory",
# "cpu,cpuacct", "name=systemd"). Empty output when it is not mounted.
cg_mountpoint() {
    local ctrls=$1 target fstype opts
    while read -r target fstype opts; do
        if [[ -z $ctrls ]]; then
            [[ $fstype == cgroup2 ]] && { echo "$target"; return; }
            continue
        fi
        [[ $fstype == cgroup ]] || continue
        local all=1 c
        for c in ${ctrls//,/ }; do
            [[ ,$opts, == *,$c,* ]] || { all=0; break; }
        done
        (( all )) && { echo "$target"; return; }
    done < <(findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,OPTIONS)
}

# Print the directories of cgroup NAME, one per hierarchy, as children of this process's current cgroups.
cg_dirs() {
    local name=$1 ctrls path mnt
    while IFS=: read -r _ ctrls path; do
        mnt=$(cg_mountpoint "$ctrls")
        [[ -n $mnt && -d $mnt ]] || continue
        echo "$mnt${path%/}/$name"
    done < /proc/self/cgroup
}

# Create the cgroup directories DIR... (from cg_dirs) and move the calling (sub)shell into them.
cg_enter() {
    local dir parent f
    for dir in "$@"; do
        mkdir -p "$dir" || return 1
        parent=${dir%/*}
        # A new cpuset cgroup starts with no cpus and mems: copy the parent's, or no task can join it.
        for f in cpuset.cpus cpuset.mems; do
            if [[ -f $dir/$f && -z $(cat "$dir/$f") ]]; then
                cat "$parent/$f" > "$dir/$f" || return 1
            fi
        done
        echo "$BASHPID" > "$dir/cgroup.procs" || return 1
    done
}

# Remove the cgroup directories DIR... and everything the peers left below them (LXC leaves empty lxc.pivot,
# nspawn its payload/supervisor groups). The caller must already have left them (run the tools in a subshell
# that entered them). Gives up on a group that still has processes and says so, rather than killing anything.
cg_remove() {
    local dir sub rc=0
    for dir in "$@"; do
        [[ -d $dir ]] || continue
        while read -r sub; do
            rmdir "$sub" 2>/dev/null || { echo "bench: cannot remove cgroup $sub (still in use?)" >&2; rc=1; }
        done < <(find "$dir" -depth -type d)
    done
    return $rc
}

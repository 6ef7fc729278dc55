#!/bin/bash
# A minimal private systemd host (see ../shared TESTHOST.md) for checking the sd-bus unit manager on a machine
# whose PID 1 is not systemd, until/unless tests/testhost/testhost is available:
#
#   tests/systemd/testhost-lite.sh CMD [ARGS...]
#
# Boots systemd as PID 1 of fresh namespaces on a read-only view of the host, runs CMD inside as a service
# (systemd-run --wait -P), prints its output, powers the host off, removes the cgroups it made and exits with
# CMD's status. CMD must live on a path visible read-only inside (not /tmp, which is a fresh tmpfs there).
set -euo pipefail

[[ $(id -u) == 0 ]] || { echo "testhost-lite: needs root" >&2; exit 77; }
(( $# > 0 )) || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

name=berth-sdcheck-$$
scratch=$(mktemp -d /tmp/berth-sdcheck.XXXXXX)
cgdirs=()

# The cgroup of this process in every mounted hierarchy, plus a child NAME to run the host in.
while IFS=: read -r _ ctrls path; do
    case $ctrls in
        "") base=/sys/fs/cgroup/unified ;;
        name=systemd) base=/sys/fs/cgroup/systemd ;;
        *) base=/sys/fs/cgroup/${ctrls%%,*} ;;
    esac
    [[ -d $base$path ]] || continue
    dir=$base${path%/}/$name
    mkdir "$dir"
    cgdirs+=("$dir")
    if [[ $ctrls == cpuset ]]; then
        cat "$base$path/cpuset.cpus" > "$dir/cpuset.cpus"
        cat "$base$path/cpuset.mems" > "$dir/cpuset.mems"
    fi
done < /proc/self/cgroup

cleanup() {
    set +e
    if [[ -s $scratch/pid ]]; then
        pid=$(cat "$scratch/pid")
        kill -RTMIN+4 "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null
    fi
    if [[ -n ${launcher:-} ]]; then
        for _ in $(seq 100); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.05; done
        kill -0 "$launcher" 2>/dev/null && echo "testhost-lite: launcher $launcher still running" >&2 \
            || wait "$launcher" 2>/dev/null
    fi
    # systemd leaves its own sub-cgroups in the v1 hierarchies: remove depth first.
    for dir in "${cgdirs[@]}"; do
        find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
        [[ -d $dir ]] && echo "testhost-lite: could not remove $dir" >&2
    done
    rm -rf "$scratch"
}
trap cleanup EXIT

# PID 1 of the new namespaces: private mounts, then systemd.
cat > "$scratch/inner" <<'INNER'
#!/bin/bash
set -euo pipefail
# The host's /proc is still mounted, and bash itself opens /proc/self/stat: this is our host-side pid.
read -r hostpid _ < /proc/self/stat
echo "$hostpid" > "$SCRATCH/pid.tmp"
mv "$SCRATCH/pid.tmp" "$SCRATCH/pid"
console=$(readlink -f /proc/self/fd/0)
mount --make-rprivate /
mount -t tmpfs -o mode=755 sdcheck-run /run
for m in $(awk '{print $5}' /proc/self/mountinfo); do
    case $m in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/run|/run/*) continue ;; esac
    mount -o bind,remount,ro "$m" 2>/dev/null || true
done
for d in /tmp /var/tmp; do mount -t tmpfs -o mode=1777 sdcheck-tmp "$d"; done
mount -t tmpfs -o mode=755 sdcheck-lib /var/lib/systemd
mount -t tmpfs -o mode=755 sdcheck-log /var/log
mount -t proc proc /proc

# /dev: safe nodes only, the pty as console, kmsg to /dev/null.
nd=/run/dev.new
mkdir -p $nd
mount -t tmpfs -o mode=755,nosuid sdcheck-dev $nd
mkdir -p $nd/net $nd/pts $nd/shm $nd/mqueue
for n in null zero full random urandom tty net/tun fuse loop-control; do
    [[ -e /dev/$n ]] || continue
    touch "$nd/$n"; mount --bind "/dev/$n" "$nd/$n"
done
touch $nd/console; mount --bind "$console" $nd/console
touch $nd/kmsg; mount --bind /dev/null $nd/kmsg
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts $nd/pts
ln -s pts/ptmx $nd/ptmx
mount -t tmpfs -o mode=1777 shm $nd/shm
mount -t mqueue mqueue $nd/mqueue
ln -s /proc/self/fd $nd/fd
ln -s /proc/self/fd/0 $nd/stdin; ln -s /proc/self/fd/1 $nd/stdout; ln -s /proc/self/fd/2 $nd/stderr
mount --move $nd /dev

# sysfs read-only, cgroup hierarchies fresh (rooted at our cgroup namespace).
mount -t sysfs -o ro sysfs /sys
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
    mkdir /sys/fs/cgroup/$c; mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c
done
mkdir /sys/fs/cgroup/systemd; mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
mkdir /sys/fs/cgroup/unified; mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified

# A target that brings up the bus, and masks for units that would touch host state.
u=/run/systemd/system
mkdir -p $u
cat > $u/sdcheck.target <<EOF
[Unit]
Description=berth sd-bus check host
Wants=basic.target dbus.socket
After=basic.target dbus.socket
EOF
for m in systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.service \
         systemd-tmpfiles-clean.timer systemd-sysctl.service systemd-remount-fs.service systemd-sysusers.service \
         systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
         systemd-timesyncd.service systemd-random-seed.service systemd-pstore.service \
         systemd-journal-flush.service systemd-firstboot.service systemd-update-utmp.service \
         sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-security.mount \
         dev-hugepages.mount dev-mqueue.mount kmod-static-nodes.service systemd-modules-load.service \
         ldconfig.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer man-db.timer \
         e2scrub_all.timer fstrim.timer getty.target systemd-logind.service postgresql.service; do
    ln -sf /dev/null $u/$m
done
exec env -i container=sdcheck PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd --system --unit=sdcheck.target
INNER
chmod +x "$scratch/inner"

# Launcher: join the new cgroups, then script(1) gives systemd a pty for /dev/console.
(
    for dir in "${cgdirs[@]}"; do echo "$BASHPID" > "$dir/cgroup.procs"; done
    exec setsid script -qfec "env SCRATCH=$scratch unshare --fork --kill-child --pid --mount --uts --ipc --net \
        --cgroup --propagation private $scratch/inner" "$scratch/console.log" < /dev/null > /dev/null 2>&1
) &
launcher=$!

# Wait for the bus (about 0.3 s).
for _ in $(seq 200); do
    [[ -s $scratch/pid ]] && [[ -S /proc/$(cat "$scratch/pid")/root/run/dbus/system_bus_socket ]] && break
    kill -0 "$launcher" 2>/dev/null || { echo "testhost-lite: host died; console:" >&2; cat "$scratch/console.log" >&2; exit 1; }
    sleep 0.05
done
pid=$(cat "$scratch/pid")
[[ -S /proc/$pid/root/run/dbus/system_bus_socket ]] || { echo "testhost-lite: no bus after 10 s" >&2; exit 1; }

set +e
nsenter -t "$pid" -a systemd-run --wait -P -q --collect -- "$@"
rc=$?
exit $rc

# shellcheck shell=bash
# Sourced by bench/run. The busybox tree the peers run in.
#
# berthd builds its built-in image "busybox" from the same static binary (Debian's busybox-static, /bin/busybox),
# so every tool starts the same program from an equivalent tree. systemd-nspawn refuses a directory without /usr
# ("doesn't look like it has an OS tree"), so the tree has an empty /usr as well as the usual skeleton.

# make_busybox_root DIR [BUSYBOX]
make_busybox_root() {
    local root=$1 busybox=${2:-/bin/busybox} applet
    if ! file_is_static "$busybox"; then
        echo "bench: $busybox is not a static busybox (install busybox-static)" >&2
        return 1
    fi
    mkdir -p "$root"/{bin,sbin,etc,dev,proc,sys,run,tmp,root,var/log,usr/bin,usr/sbin}
    chmod 1777 "$root/tmp"
    install -m 0755 "$busybox" "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
        [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
    done
    cat > "$root/etc/os-release" <<'EOF'
NAME="busybox"
ID=busybox
PRETTY_NAME="busybox (berth benchmark tree)"
EOF
    echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
    echo 'root:x:0:' > "$root/etc/group"
    echo bench > "$root/etc/hostname"
    # The same inittab as berth's built-in image: busybox init starts nothing and waits (the idle container of the
    # exec and density measurements; lxc-execute and nspawn never read it).
    echo '::shutdown:/bin/sync' > "$root/etc/inittab"
}

# True when the file is an executable that ldd(1) (always present: libc-bin) calls "not a dynamic executable".
file_is_static() {
    [[ -x $1 ]] || return 1
    local out
    out=$(LC_ALL=C ldd "$1" 2>&1) || true  # ldd exits 1 for a static binary
    [[ $out == *"not a dynamic executable"* ]]
}

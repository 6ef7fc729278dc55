# shellcheck shell=bash
# The storage suite (storage_suite.sh) on a loop-backed `btrfs` pool made by berthd, plus what only btrfs does:
# CoW clones whose time does not grow with the image.
STORAGE_DRIVER=btrfs
source "$(dirname "${BASH_SOURCE[0]}")/storage_suite.sh"

test_storage_btrfs_pool_lifecycle() { suite_pool_lifecycle; }
test_storage_btrfs_snapshots() { suite_snapshots; }
test_storage_btrfs_clone() { suite_clone; }
test_storage_btrfs_quota_enforced() { suite_quota; }
test_storage_btrfs_bad_names() { suite_bad_names; }
test_storage_btrfs_restart_keeps_pools() { suite_restart; }

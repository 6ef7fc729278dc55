# shellcheck shell=bash
# The storage suite (storage_suite.sh) on a `dir` pool.
STORAGE_DRIVER=dir
source "$(dirname "${BASH_SOURCE[0]}")/storage_suite.sh"

test_storage_dir_pool_lifecycle() { suite_pool_lifecycle; }
test_storage_dir_snapshots() { suite_snapshots; }
test_storage_dir_clone() { suite_clone; }
test_storage_dir_quota_unsupported() { suite_quota; }
test_storage_dir_bad_names() { suite_bad_names; }
test_storage_dir_restart_keeps_pools() { suite_restart; }

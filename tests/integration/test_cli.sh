# shellcheck shell=bash
# berthctl as a command-line program: --help on every verb, usage errors, and that it needs no daemon-side
# state to explain itself.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# Every verb of issue 2, as typed by a user.
_VERBS=(list create start poweroff stop reboot terminate kill remove rm status set-limits exec shell run
    "image list" "image import" "image remove")

test_help_on_every_verb() {
    local v out
    out=$(bctl --help)
    for v in list create start poweroff reboot terminate kill remove status set-limits exec shell run image; do
        assert_contains "$out" "$v" "berthctl --help"
    done
    for v in "${_VERBS[@]}"; do
        # shellcheck disable=SC2086 # "image list" is two words
        expect_status 0 bctl $v --help
        [[ -n "$H_STDOUT" ]] || h_fail "berthctl $v --help printed nothing on stdout"
        assert_contains "${H_STDOUT,,}" usage "berthctl $v --help"
    done
}

test_usage_errors() {
    local n
    new_container n cli-usage
    # Unknown verbs and options, missing arguments: exit status 2 and a message on stderr.
    expect_status 2 bctl no-such-verb
    [[ -n "$H_STDERR" ]] || h_fail "an unknown verb gave no message"
    expect_status 2 bctl create
    [[ -n "$H_STDERR" ]] || h_fail "create without a name gave no message"
    expect_status 2 bctl create "$n" --no-such-option
    assert_contains "$H_STDERR" no-such-option "error for an unknown option"
    expect_status 2 bctl exec "$n"
    expect_status 2 bctl image import
    ! container_exists "$n" || h_fail "a usage error created $n"
}

test_list_json_is_valid_when_empty_or_not() {
    local n
    # Always a JSON array, whatever is defined.
    bctl list --json | jq -e 'type == "array"' >/dev/null || h_fail "list --json is not a JSON array"
    new_container n cli-json
    bctl create "$n"
    bctl list --all --json | jq -e --arg n "$n" 'map(select(.name == $n)) | length == 1' >/dev/null ||
        h_fail "list --all --json does not hold $n exactly once"
    bctl list --all --json | jq -e 'all(.[]; has("name") and has("state") and has("image") and has("mode") and
        has("leader") and has("object"))' >/dev/null || h_fail "list --json objects lack keys"
    bctl image list --json | jq -e 'all(.[]; has("name") and has("origin") and has("size") and has("created"))' \
        >/dev/null || h_fail "image list --json objects lack keys"
}

// The verb table: every berthctl verb with its arguments, options, handler and help. main.cc parses the options
// of the chosen verb, checks the argument count, handles --help and calls the handler; the verb files
// (verbs_*.cc) only do their work.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "ctl/options.h"

namespace berth::ctl {

struct Verb;

struct Invocation {
    const Verb& verb;
    ParsedArgs args;
};

// Returns the exit code (0, or a command's status for exec/run), or an error for report_error().
using VerbHandler = Result<int> (*)(const Invocation&);

inline constexpr size_t kAnyNumber = static_cast<size_t>(-1);

struct Verb {
    std::string_view name;                    // "list", or "image list" for the image group
    std::vector<std::string_view> aliases;    // "stop" for poweroff
    std::string_view synopsis;                // arguments after the verb: "NAME... [--force]"
    size_t min_args = 0;                      // positionals
    size_t max_args = 0;
    std::optional<size_t> command_after;      // words after this many positionals are a command (no "--" needed)
    std::vector<OptionSpec> options;
    VerbHandler handler = nullptr;
    std::string_view summary;                 // one line for `berthctl --help`
    std::string_view description;             // paragraphs for `berthctl VERB --help`
};

// One list per verb file.
std::vector<Verb> container_verbs();   // list, create, status, set-limits, remove
std::vector<Verb> lifecycle_verbs();   // start, poweroff, reboot, terminate, kill
std::vector<Verb> exec_verbs();        // exec, run
std::vector<Verb> shell_verbs();       // shell
std::vector<Verb> login_verbs();       // login (verbs_login.cc)
std::vector<Verb> console_verbs();     // console (verbs_console.cc)
std::vector<Verb> image_verbs();       // image list, image import, image remove
std::vector<Verb> volume_verbs();      // bind, unbind, volume ... (verbs_volumes.cc)
std::vector<Verb> export_verbs();      // export, import, volume export, volume import (verbs_export.cc)
std::vector<Verb> build_verbs();       // image build
std::vector<Verb> copy_verbs();        // copy-to, copy-from (verbs_copy.cc)
std::vector<Verb> network_verbs();     // network create, list, status, remove, attach, detach (verbs_network.cc)
std::vector<Verb> port_verbs();        // port add, port list, port remove (verbs_ports.cc)
std::vector<Verb> pool_verbs();        // pool create, list, status, remove (verbs_pools.cc)
std::vector<Verb> snapshot_verbs();    // snapshot create, list, restore, remove; clone (verbs_snapshots.cc)
std::vector<Verb> apply_verbs();       // apply, show, profile list/show, enable, disable (verbs_apply.cc)

class Bus;
// start --wait (verbs_boot.cc): returns when the container's State is running or degraded; an error when it
// stopped or the timeout passed. parse_wait_timeout: seconds > 0, or a usage error.
Result<> wait_until_ready(Bus& bus, const std::string& name, double timeout_sec);
Result<double> parse_wait_timeout(const std::string& text);

// All verbs, in the order `berthctl --help` shows them.
const std::vector<Verb>& all_verbs();
// By name or alias ("image rm" finds "image remove").
const Verb* find_verb(std::string_view name);

std::string verb_help(const Verb& verb);
std::string global_help();

}  // namespace berth::ctl

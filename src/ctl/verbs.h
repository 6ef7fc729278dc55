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
std::vector<Verb> image_verbs();       // image list, image import, image remove

// All verbs, in the order `berthctl --help` shows them.
const std::vector<Verb>& all_verbs();
// By name or alias ("image rm" finds "image remove").
const Verb* find_verb(std::string_view name);

std::string verb_help(const Verb& verb);
std::string global_help();

}  // namespace berth::ctl

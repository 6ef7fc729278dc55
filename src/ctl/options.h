// Command-line option parsing for berthctl verbs. Bus-free, so it is unit-tested on its own.
//
// Options and positionals may be mixed (`create web --image x`), "--" ends options, and a verb can say that after
// N positionals the rest of the line is a command (`exec web ls -l`), like getopt's "+" mode after the name.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::ctl {

struct OptionSpec {
    std::string_view long_name;   // without the leading "--"
    char short_name = 0;          // 0: none
    bool takes_value = false;
    bool repeatable = false;      // may be given more than once (values are collected in order)
    std::string_view value_name;  // shown in help: "SIZE", "K=V"
    std::string_view help;        // one line
};

struct ParsedArgs {
    std::vector<std::string> positionals;
    std::vector<std::string> rest;   // words after "--", or after the positional limit
    bool dashdash = false;           // "--" was given (even with nothing after it)
    std::map<std::string, std::vector<std::string>, std::less<>> options;   // long name -> values ("" for flags)

    bool has(std::string_view name) const { return options.find(name) != options.end(); }
    // The last value of an option, if it was given.
    std::optional<std::string> value(std::string_view name) const;
    std::vector<std::string> values(std::string_view name) const;
};

// Parses `args` (the words after the verb). `--help`/`-h` is always accepted and recorded as option "help".
// When `command_after` is set, the first positional beyond that many starts `rest` (options after it are
// part of the command). Errors are ErrorKind::InvalidArgument with a message naming the option.
Result<ParsedArgs> parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                              std::optional<size_t> command_after = std::nullopt);

// "  -i, --image IMG     image to create from" lines for --help output.
std::string format_option_help(const std::vector<OptionSpec>& specs);

}  // namespace berth::ctl

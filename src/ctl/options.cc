#include "ctl/options.h"

#include <algorithm>

namespace berth::ctl {

namespace {

const OptionSpec kHelpSpec{"help", 'h', false, false, "", "show this help"};

const OptionSpec* find_long(const std::vector<OptionSpec>& specs, std::string_view name)
{
    if (name == kHelpSpec.long_name)
        return &kHelpSpec;
    for (const auto& s : specs)
        if (s.long_name == name)
            return &s;
    return nullptr;
}

const OptionSpec* find_short(const std::vector<OptionSpec>& specs, char c)
{
    if (c == kHelpSpec.short_name)
        return &kHelpSpec;
    for (const auto& s : specs)
        if (s.short_name != 0 && s.short_name == c)
            return &s;
    return nullptr;
}

Result<> record(ParsedArgs& out, const OptionSpec& spec, std::string value)
{
    // A repeated single-value option: the last one wins, as with getopt, so scripts can override a default.
    auto& values = out.options[std::string(spec.long_name)];
    if (!spec.repeatable)
        values.clear();
    values.push_back(std::move(value));
    return {};
}

}  // namespace

std::optional<std::string> ParsedArgs::value(std::string_view name) const
{
    auto it = options.find(name);
    if (it == options.end() || it->second.empty())
        return std::nullopt;
    return it->second.back();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const
{
    auto it = options.find(name);
    return it == options.end() ? std::vector<std::string>{} : it->second;
}

Result<ParsedArgs> parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                              std::optional<size_t> command_after)
{
    ParsedArgs out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            out.dashdash = true;
            out.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            return out;
        }
        if (arg.size() > 2 && arg.starts_with("--")) {
            const std::string_view body = std::string_view(arg).substr(2);
            const size_t eq = body.find('=');
            const std::string_view name = body.substr(0, eq);
            const OptionSpec* spec = find_long(specs, name);
            if (!spec)
                return fail(ErrorKind::InvalidArgument, "unknown option '--" + std::string(name) + "'");
            std::string value;
            if (spec->takes_value) {
                if (eq != std::string_view::npos)
                    value = std::string(body.substr(eq + 1));
                else if (i + 1 < args.size())
                    value = args[++i];
                else
                    return fail(ErrorKind::InvalidArgument,
                                "option '--" + std::string(name) + "' needs a value (" +
                                    std::string(spec->value_name) + ")");
            } else if (eq != std::string_view::npos) {
                return fail(ErrorKind::InvalidArgument, "option '--" + std::string(name) + "' takes no value");
            }
            BERTH_TRY(record(out, *spec, std::move(value)));
            continue;
        }
        if (arg.size() > 1 && arg[0] == '-') {
            // A cluster of short options: "-fh", or one short option with its value "-sKILL" / "-s KILL".
            for (size_t j = 1; j < arg.size(); ++j) {
                const OptionSpec* spec = find_short(specs, arg[j]);
                if (!spec)
                    return fail(ErrorKind::InvalidArgument, "unknown option '-" + std::string(1, arg[j]) + "'");
                if (!spec->takes_value) {
                    BERTH_TRY(record(out, *spec, ""));
                    continue;
                }
                std::string value;
                if (j + 1 < arg.size())
                    value = arg.substr(j + 1);
                else if (i + 1 < args.size())
                    value = args[++i];
                else
                    return fail(ErrorKind::InvalidArgument,
                                "option '-" + std::string(1, arg[j]) + "' needs a value (" +
                                    std::string(spec->value_name) + ")");
                BERTH_TRY(record(out, *spec, std::move(value)));
                break;
            }
            continue;
        }
        if (command_after && out.positionals.size() >= *command_after) {
            out.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
            return out;
        }
        out.positionals.push_back(arg);
    }
    return out;
}

std::string format_option_help(const std::vector<OptionSpec>& specs)
{
    std::vector<std::pair<std::string, std::string_view>> rows;
    size_t width = 0;
    for (const auto& s : specs) {
        std::string left = s.short_name ? std::string("-") + s.short_name + ", " : std::string("    ");
        left += "--" + std::string(s.long_name);
        if (s.takes_value)
            left += " " + std::string(s.value_name);
        width = std::max(width, left.size());
        rows.emplace_back(std::move(left), s.help);
    }
    rows.emplace_back("-h, --help", kHelpSpec.help);
    width = std::max<size_t>(width, rows.back().first.size());
    std::string out;
    for (const auto& [left, help] : rows)
        out += "  " + left + std::string(width - left.size() + 3, ' ') + std::string(help) + "\n";
    return out;
}

}  // namespace berth::ctl

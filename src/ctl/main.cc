// berthctl: the command-line client of berthd. It only talks D-Bus; see verbs.h for the verb table.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "berth-config.h"
#include "ctl/errors.h"
#include "ctl/verbs.h"

using namespace berth;
using namespace berth::ctl;

namespace {

// The name of positional number `index` in a synopsis ("NAME", "FILE"): its words that are not options.
std::string missing_argument_name(std::string_view synopsis, size_t index)
{
    size_t seen = 0;
    size_t pos = 0;
    while (pos < synopsis.size()) {
        const size_t end = std::min(synopsis.find(' ', pos), synopsis.size());
        std::string_view word = synopsis.substr(pos, end - pos);
        pos = end + 1;
        if (word.empty() || word[0] == '[' || word[0] == '-' || word[0] == '|')
            continue;
        if (word.ends_with("..."))
            word.remove_suffix(3);
        if (seen++ == index)
            return std::string(word);
    }
    return "argument";
}

int run_verb(const Verb& verb, const std::vector<std::string>& words)
{
    auto parsed = parse_args(words, verb.options, verb.command_after);
    if (!parsed)
        return report_error(parsed.error(), verb.name);
    if (parsed->has("help")) {
        std::fputs(verb_help(verb).c_str(), stdout);
        return 0;
    }
    const size_t n = parsed->positionals.size();
    if (n < verb.min_args) {
        return report_usage("missing " + missing_argument_name(verb.synopsis, n), verb.name);
    }
    if (verb.max_args != kAnyNumber && n > verb.max_args)
        return report_usage(("unexpected argument '" + parsed->positionals[verb.max_args] + "'"),
                            verb.name);
    // Only verbs that run a command take words after "--".
    if (!verb.command_after && !parsed->rest.empty())
        return report_usage("unexpected argument '" + parsed->rest.front() + "'", verb.name);

    auto result = verb.handler(Invocation{verb, std::move(*parsed)});
    if (!result)
        return report_error(result.error(), verb.name);
    return *result;
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs(global_help().c_str(), stderr);
        return kExitUsage;
    }
    const std::string& first = args[0];
    if (first == "--help" || first == "-h" || first == "help") {
        if (first == "help" && args.size() > 1) {
            std::string name = args[1];
            if (!find_verb(name) && args.size() > 2)   // a group: "help network create"
                name += " " + args[2];
            if (const Verb* verb = find_verb(name)) {
                std::fputs(verb_help(*verb).c_str(), stdout);
                return 0;
            }
        }
        std::fputs(global_help().c_str(), stdout);
        return 0;
    }
    if (first == "--version") {
        std::printf("berthctl %s\n", BERTH_VERSION);
        return 0;
    }
    if (first.starts_with("-"))
        return report_usage("unknown option '" + first + "' (options go after the verb)", "");

    // Groups ("image", "network", "port", ...): a word that starts verb names but is no verb itself. The verb is
    // then its first two words.
    auto is_group = [](const std::string& word) {
        if (find_verb(word))
            return false;
        for (const auto& verb : all_verbs())
            if (verb.name.starts_with(word + " "))
                return true;
        return false;
    };
    std::string name = first;
    size_t consumed = 1;
    const bool group = is_group(first);
    if (group) {
        if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
            std::string help = "Usage: berthctl " + first + " VERB [ARGS...]\n\n" + first + " verbs:\n";
            std::string names;
            for (const auto& verb : all_verbs())
                if (verb.name.starts_with(first + " ")) {
                    help += "  berthctl " + std::string(verb.name) + " " + std::string(verb.synopsis) + "\n";
                    names += (names.empty() ? "" : ", ") + std::string(verb.name.substr(first.size() + 1));
                }
            if (args.size() < 2) {
                std::fputs(help.c_str(), stderr);
                return report_usage("missing " + first + " verb (" + names + ")", first);
            }
            std::fputs(help.c_str(), stdout);
            return 0;
        }
        name += " " + args[1];
        consumed = 2;
    }
    const Verb* verb = find_verb(name);
    if (!verb)
        return report_usage("unknown verb '" + name + "'", group ? first : "");
    return run_verb(*verb, std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(consumed), args.end()));
}

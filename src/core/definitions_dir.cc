#include "core/definitions_dir.h"

#include <algorithm>

#include "base/fs.h"

namespace berth {

std::vector<std::string> apply_definitions_dir(Manager& manager, const std::string& dir)
{
    std::vector<std::string> log;
    if (dir.empty() || !path_exists(dir))
        return log;
    auto entries = list_dir(dir);
    if (!entries) {
        log.push_back("definitions: " + entries.error().describe());
        return log;
    }
    std::sort(entries->begin(), entries->end());
    const DefinitionContext context = manager.definition_context();
    for (const auto& entry : *entries) {
        if (!entry.ends_with(".toml") || entry.starts_with("."))
            continue;
        const std::string path = dir + "/" + entry;
        auto text = read_file(path);
        if (!text) {
            log.push_back("definition " + path + " skipped: " + text.error().describe());
            continue;
        }
        auto spec = load_definition(*text, path, context);
        if (!spec) {
            log.push_back("definition skipped: " + spec.error().describe());
            continue;
        }
        auto outcome = manager.apply(std::move(*spec));
        if (!outcome) {
            log.push_back("definition " + path + " not applied: " + outcome.error().describe());
            continue;
        }
        std::string line = "definition " + path + ": container " + outcome->name + " " + outcome->action;
        for (const auto& note : outcome->notes)
            line += "; " + note;
        log.push_back(line);
    }
    return log;
}

}  // namespace berth

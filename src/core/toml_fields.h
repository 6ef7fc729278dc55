// Typed, checked reads of one TOML table for the spec and config parsers. Internal to src/core (header only, so
// toml++ stays out of every other header). Every error names where it is, "<origin>:<line>:<col>: <reason>", and
// the key as the user wrote it ("limits.memory_max"), so a hand-edited file can be fixed from the message alone.
// A reader remembers which keys were asked for; finish() refuses the rest, so a typo is an error, not a default.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "base/error.h"
#include "base/size.h"
#include "core/limits.h"

namespace berth::toml_fields {

// "<origin>:<line>:<col>" when the node came from parsed text, "<origin>" otherwise.
inline std::string location(std::string_view origin, const toml::source_region& where)
{
    std::string out(origin);
    if (where.begin.line > 0)
        out += ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
    return out;
}

inline tl::unexpected<Error> invalid_at(std::string_view origin, const toml::source_region& where,
                                        const std::string& reason)
{
    return fail(ErrorKind::InvalidArgument, location(origin, where) + ": " + reason);
}

class TableReader {
public:
    // `prefix` is how the table's keys are shown: "" at the top, "limits." inside [limits].
    TableReader(const toml::table& table, std::string_view origin, std::string prefix = {})
        : table_(table), origin_(origin), prefix_(std::move(prefix))
    {
    }

    std::string shown(std::string_view key) const { return prefix_ + std::string(key); }

    tl::unexpected<Error> invalid(const toml::node& node, const std::string& reason) const
    {
        return invalid_at(origin_, node.source(), reason);
    }

    tl::unexpected<Error> missing(std::string_view key) const
    {
        return invalid_at(origin_, table_.source(), "missing key '" + shown(key) + "'");
    }

    const toml::node* node(std::string_view key)
    {
        known_.emplace(key);
        return table_.get(key);
    }

    Result<std::optional<std::string>> string(std::string_view key)
    {
        const toml::node* n = node(key);
        if (!n)
            return std::nullopt;
        if (!n->is_string())
            return invalid(*n, "'" + shown(key) + "' must be a string");
        return std::optional<std::string>(n->as_string()->get());
    }

    Result<std::optional<bool>> boolean(std::string_view key)
    {
        const toml::node* n = node(key);
        if (!n)
            return std::nullopt;
        if (!n->is_boolean())
            return invalid(*n, "'" + shown(key) + "' must be true or false");
        return std::optional<bool>(n->as_boolean()->get());
    }

    // An integer in [min, max] (toml++ integers are int64; wider unsigned values go through size()).
    Result<std::optional<int64_t>> integer(std::string_view key, int64_t min, int64_t max)
    {
        const toml::node* n = node(key);
        if (!n)
            return std::nullopt;
        const std::string range = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
        if (!n->is_integer())
            return invalid(*n, "'" + shown(key) + "' must be " + range);
        const int64_t v = n->as_integer()->get();
        if (v < min || v > max)
            return invalid(*n, "'" + shown(key) + "' must be " + range + ", got " + std::to_string(v));
        return std::optional<int64_t>(v);
    }

    // A float; an integer is accepted too, since "cpus = 2" is what people write.
    Result<std::optional<double>> number(std::string_view key)
    {
        const toml::node* n = node(key);
        if (!n)
            return std::nullopt;
        if (n->is_floating_point())
            return std::optional<double>(n->as_floating_point()->get());
        if (n->is_integer())
            return std::optional<double>(static_cast<double>(n->as_integer()->get()));
        return invalid(*n, "'" + shown(key) + "' must be a number");
    }

    // A uint64 quantity: a non-negative integer, or a string parse_size understands ("1G", "infinity", or the
    // decimal digits of a value above INT64_MAX, which a TOML integer cannot hold).
    Result<std::optional<uint64_t>> size(std::string_view key)
    {
        const toml::node* n = node(key);
        if (!n)
            return std::nullopt;
        if (n->is_integer()) {
            const int64_t v = n->as_integer()->get();
            if (v < 0)
                return invalid(*n, "'" + shown(key) + "' must not be negative, got " + std::to_string(v));
            return std::optional<uint64_t>(static_cast<uint64_t>(v));
        }
        if (n->is_string()) {
            auto parsed = parse_size(n->as_string()->get());
            if (!parsed)
                return invalid(*n, "'" + shown(key) + "': " + parsed.error().message);
            return std::optional<uint64_t>(*parsed);
        }
        return invalid(*n, "'" + shown(key) + "' must be an integer or a string like \"64M\" or \"infinity\"");
    }

    Result<std::optional<std::vector<std::string>>> strings(std::string_view key)
    {
        const toml::node* n = node(key);
        if (!n)
            return std::nullopt;
        const toml::array* array = n->as_array();
        if (!array)
            return invalid(*n, "'" + shown(key) + "' must be an array of strings");
        std::vector<std::string> out;
        for (const toml::node& item : *array) {
            if (!item.is_string())
                return invalid(item, "'" + shown(key) + "' must contain only strings");
            out.push_back(item.as_string()->get());
        }
        return std::optional<std::vector<std::string>>(std::move(out));
    }

    // A sub-table, or nullptr when absent.
    Result<const toml::table*> table(std::string_view key)
    {
        const toml::node* n = node(key);
        if (!n)
            return nullptr;
        if (!n->is_table())
            return invalid(*n, "'" + shown(key) + "' must be a table ([" + shown(key) + "])");
        return n->as_table();
    }

    // Refuses every key nobody asked for, naming the keys that are allowed here.
    Result<> finish() const
    {
        for (const auto& [key, value] : table_) {
            if (known_.count(std::string(key.str())))
                continue;
            std::string list;
            for (const auto& k : known_)
                list += (list.empty() ? "" : ", ") + k;
            return invalid_at(origin_, key.source().begin.line > 0 ? key.source() : value.source(),
                              "unknown key '" + shown(key.str()) + "'" +
                                  (list.empty() ? std::string() : "; known keys here: " + list));
        }
        return {};
    }

private:
    const toml::table& table_;
    std::string origin_;
    std::string prefix_;
    std::set<std::string, std::less<>> known_;
};

// Parse a document; a syntax error becomes InvalidArgument "<origin>:<line>:<col>: <reason>".
inline Result<toml::table> parse_document(std::string_view text, std::string_view origin)
{
    try {
        return toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        return invalid_at(origin, e.source(), std::string(e.description()));
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidArgument, std::string(origin) + ": " + e.what());
    }
}

// The limit keys shared by a definition's [limits] and the daemon's [defaults]: memory_max, memory_high (sizes),
// cpus, cpu_weight, tasks_max, io_weight. Keys that are absent leave `limits` as it is.
inline Result<> read_limit_keys(TableReader& r, Limits& limits)
{
    if (auto v = BERTH_TRY(r.size("memory_max")))
        limits.memory_max = *v;
    if (auto v = BERTH_TRY(r.size("memory_high")))
        limits.memory_high = *v;
    if (auto v = BERTH_TRY(r.number("cpus")))
        limits.cpus = *v;
    if (auto v = BERTH_TRY(r.integer("cpu_weight", 0, 10000)))
        limits.cpu_weight = static_cast<uint64_t>(*v);
    if (auto v = BERTH_TRY(r.size("tasks_max")))
        limits.tasks_max = *v;
    if (auto v = BERTH_TRY(r.integer("io_weight", 0, 10000)))
        limits.io_weight = static_cast<uint64_t>(*v);
    // bits/s, 0 = no limit (validate_limits checks the range)
    if (auto v = BERTH_TRY(r.integer("net_rate_in", 0, std::numeric_limits<int64_t>::max())))
        limits.net_rate_in = static_cast<uint64_t>(*v);
    if (auto v = BERTH_TRY(r.integer("net_rate_out", 0, std::numeric_limits<int64_t>::max())))
        limits.net_rate_out = static_cast<uint64_t>(*v);
    if (auto v = BERTH_TRY(r.size("disk")))  // bytes of the root volume, 0 = no quota
        limits.disk = *v == kUnlimited ? 0 : *v;
    return {};
}

}  // namespace berth::toml_fields

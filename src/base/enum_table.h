// to_string/from_string for enums from one table, so a round-trip test covers every value.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace berth {

template <typename E, size_t N>
struct EnumTable {
    std::pair<E, std::string_view> entries[N];

    constexpr std::string_view to_string(E value) const
    {
        for (const auto& [e, name] : entries)
            if (e == value)
                return name;
        return "unknown";
    }
    constexpr std::optional<E> from_string(std::string_view name) const
    {
        for (const auto& [e, text] : entries)
            if (text == name)
                return e;
        return std::nullopt;
    }
    constexpr size_t size() const { return N; }
};

}  // namespace berth

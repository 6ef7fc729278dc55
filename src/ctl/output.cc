#include "ctl/output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace berth::ctl {

Json& Json::push(Json v)
{
    std::get<Array>(value_).push_back(std::move(v));
    return *this;
}

Json& Json::set(std::string key, Json v)
{
    std::get<Object>(value_).emplace_back(std::move(key), std::move(v));
    return *this;
}

std::string Json::dump(bool pretty) const
{
    std::string out;
    write(out, pretty, 0);
    return out;
}

void Json::write(std::string& out, bool pretty, int depth) const
{
    const auto newline = [&](int level) {
        if (pretty) {
            out += '\n';
            out.append(static_cast<size_t>(level) * 2, ' ');
        }
    };
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                out += "null";
            } else if constexpr (std::is_same_v<T, bool>) {
                out += v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
                out += std::to_string(v);
            } else if constexpr (std::is_same_v<T, double>) {
                // JSON has no NaN or infinity; null is what most encoders write for them.
                if (!std::isfinite(v)) {
                    out += "null";
                } else {
                    char buf[32];
                    std::snprintf(buf, sizeof buf, "%.17g", v);
                    // Use the shortest form that reads back the same value.
                    for (int precision = 1; precision <= 17; ++precision) {
                        char shorter[32];
                        std::snprintf(shorter, sizeof shorter, "%.*g", precision, v);
                        if (std::strtod(shorter, nullptr) == v) {
                            std::snprintf(buf, sizeof buf, "%s", shorter);
                            break;
                        }
                    }
                    out += buf;
                }
            } else if constexpr (std::is_same_v<T, std::string>) {
                out += json_quote(v);
            } else if constexpr (std::is_same_v<T, Array>) {
                if (v.empty()) {
                    out += "[]";
                    return;
                }
                out += '[';
                for (size_t i = 0; i < v.size(); ++i) {
                    if (i)
                        out += ',';
                    newline(depth + 1);
                    v[i].write(out, pretty, depth + 1);
                }
                newline(depth);
                out += ']';
            } else {
                if (v.empty()) {
                    out += "{}";
                    return;
                }
                out += '{';
                for (size_t i = 0; i < v.size(); ++i) {
                    if (i)
                        out += ',';
                    newline(depth + 1);
                    out += json_quote(v[i].first);
                    out += pretty ? ": " : ":";
                    v[i].second.write(out, pretty, depth + 1);
                }
                newline(depth);
                out += '}';
            }
        },
        value_);
}

std::string json_quote(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += ch;   // UTF-8 bytes pass through; D-Bus strings are valid UTF-8 already
            }
        }
    }
    out += '"';
    return out;
}

std::string Table::render() const
{
    std::vector<size_t> width(header_.size(), 0);
    const auto measure = [&](const std::vector<std::string>& row) {
        for (size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    };
    measure(header_);
    for (const auto& row : rows_)
        measure(row);

    std::string out;
    const auto emit = [&](const std::vector<std::string>& row) {
        std::string line;
        for (size_t i = 0; i < width.size(); ++i) {
            const std::string& cell = i < row.size() ? row[i] : std::string();
            line += cell;
            if (i + 1 < width.size())
                line.append(width[i] - cell.size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + '\n';
    };
    emit(header_);
    for (const auto& row : rows_)
        emit(row);
    return out;
}

}  // namespace berth::ctl

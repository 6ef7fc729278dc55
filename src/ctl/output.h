// Output for berthctl: a small JSON value (enough for listings and status: null, bool, signed and unsigned
// integers, doubles, strings, arrays, objects with keys in insertion order) and a table writer whose columns are
// sized to their content. Bus-free, so both are unit-tested.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace berth::ctl {

class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;   // keeps the order fields were added

    Json() = default;   // null
    Json(bool v) : value_(v) {}
    Json(int v) : value_(static_cast<int64_t>(v)) {}
    Json(int64_t v) : value_(v) {}
    Json(uint32_t v) : value_(static_cast<uint64_t>(v)) {}
    Json(uint64_t v) : value_(v) {}
    Json(double v) : value_(v) {}
    Json(const char* v) : value_(std::string(v)) {}
    Json(std::string_view v) : value_(std::string(v)) {}
    Json(std::string v) : value_(std::move(v)) {}
    Json(Array v) : value_(std::move(v)) {}
    Json(Object v) : value_(std::move(v)) {}

    static Json array() { return Json(Array{}); }
    static Json object() { return Json(Object{}); }

    // Append to an array / add a field to an object (the value must already be of that kind).
    Json& push(Json v);
    Json& set(std::string key, Json v);

    // Compact ("[1,2]") or indented by two spaces per level, as `jq` prints.
    std::string dump(bool pretty = true) const;

private:
    void write(std::string& out, bool pretty, int depth) const;

    std::variant<std::nullptr_t, bool, int64_t, uint64_t, double, std::string, Array, Object> value_ = nullptr;
};

// A JSON string literal with quotes: escapes ", \, control characters (\n, \t, ..., \u00XX) and passes UTF-8 on.
std::string json_quote(std::string_view text);

// Rows of cells printed under a header; each column is as wide as its widest cell, the last one is not padded.
class Table {
public:
    explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
    void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    size_t size() const { return rows_.size(); }
    std::string render() const;

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace berth::ctl

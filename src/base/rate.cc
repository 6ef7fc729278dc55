#include "base/rate.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace berth {

namespace {
constexpr uint64_t kMinRate = 8000;
constexpr double kMaxRate = 1e12;
}  // namespace

Result<uint64_t> parse_rate(std::string_view text)
{
    const std::string original(text);
    if (text == "0" || text == "none" || text == "off")
        return uint64_t{0};
    auto bad = [&](const std::string& why) {
        return fail(ErrorKind::InvalidArgument,
                    "invalid rate '" + original + "': " + why + " (use bits per second, e.g. 800k, 10M or 1G)");
    };
    for (std::string_view unit : {"bit/s", "bit"}) {
        if (text.size() > unit.size() && text.ends_with(unit)) {
            text.remove_suffix(unit.size());
            break;
        }
    }
    double scale = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 'k': case 'K': scale = 1e3; break;
        case 'M': scale = 1e6; break;
        case 'G': scale = 1e9; break;
        case 'T': scale = 1e12; break;
        default: break;
        }
        if (scale != 1)
            text.remove_suffix(1);
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value) || value < 0)
        return bad("not a number with an optional k, M, G or T suffix");
    const double bits = value * scale;
    if (bits == 0)
        return uint64_t{0};
    if (bits < kMinRate)
        return bad("below the smallest rate, 8k");
    if (bits > kMaxRate)
        return bad("above 1T");
    return static_cast<uint64_t>(std::llround(bits));
}

std::string format_rate(uint64_t bits)
{
    if (bits == 0)
        return "0";
    static constexpr std::pair<uint64_t, const char*> units[] = {
        {1'000'000'000'000, "T"}, {1'000'000'000, "G"}, {1'000'000, "M"}, {1'000, "k"}};
    for (const auto& [scale, suffix] : units) {
        if (bits >= scale) {
            char buf[48];
            std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(bits) / static_cast<double>(scale));
            std::string s(buf);
            while (s.back() == '0')
                s.pop_back();
            if (s.back() == '.')
                s.pop_back();
            // Only when it reads back exactly; otherwise plain bits.
            auto back = parse_rate(s + suffix);
            if (back && *back == bits)
                return s + suffix;
            break;
        }
    }
    return std::to_string(bits);
}

}  // namespace berth

#include "base/size.h"

#include <cmath>
#include <cstdio>

namespace berth {

Result<uint64_t> parse_size(std::string_view text)
{
    if (text == "infinity" || text == "max")
        return kUnlimited;
    const std::string shown(text);
    size_t i = 0;
    uint64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
        if (value > (kUnlimited - digit) / 10)
            return fail(ErrorKind::InvalidArgument, "size '" + shown + "' is too large");
        value = value * 10 + digit;
        ++i;
    }
    if (i == 0)
        return fail(ErrorKind::InvalidArgument,
                    "size '" + shown + "' is not a number (use e.g. 512M, 2G or infinity)");
    std::string_view suffix = text.substr(i);
    uint64_t factor = 1;
    if (!suffix.empty()) {
        switch (suffix[0]) {
        case 'K': case 'k': factor = 1ULL << 10; break;
        case 'M': case 'm': factor = 1ULL << 20; break;
        case 'G': case 'g': factor = 1ULL << 30; break;
        case 'T': case 't': factor = 1ULL << 40; break;
        case 'B': case 'b': factor = 1; break;
        default:
            return fail(ErrorKind::InvalidArgument,
                        "size '" + shown + "' has an unknown unit (use K, M, G or T)");
        }
        std::string_view rest = suffix.substr(1);
        if (suffix[0] == 'B' || suffix[0] == 'b')
            rest = suffix.substr(1);
        if (!(rest.empty() || rest == "B" || rest == "iB" || (suffix[0] == 'B' && rest.empty())))
            return fail(ErrorKind::InvalidArgument,
                        "size '" + shown + "' has an unknown unit (use K, M, G or T)");
    }
    if (value > kUnlimited / factor || value * factor == kUnlimited)
        return fail(ErrorKind::InvalidArgument, "size '" + shown + "' is too large");
    return value * factor;
}

std::string format_size(uint64_t bytes)
{
    if (bytes == kUnlimited)
        return "infinity";
    static const char units[] = {'B', 'K', 'M', 'G', 'T', 'P'};
    double v = static_cast<double>(bytes);
    int unit = 0;
    while (v >= 1024.0 && unit < 5) {
        v /= 1024.0;
        ++unit;
    }
    char buf[32];
    if (unit == 0)
        std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(bytes));
    else if (std::fabs(v - std::round(v)) < 0.05)
        std::snprintf(buf, sizeof buf, "%.0f%c", v, units[unit]);
    else
        std::snprintf(buf, sizeof buf, "%.1f%c", v, units[unit]);
    return buf;
}

}  // namespace berth

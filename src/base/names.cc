#include "base/names.h"

#include <string>

namespace berth {

namespace {
bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

Result<> validate_name(std::string_view name, std::string_view what)
{
    const std::string label(what);
    if (name.empty())
        return fail(ErrorKind::InvalidArgument, label + " must not be empty");
    if (name.size() > 63)
        return fail(ErrorKind::InvalidArgument, label + " '" + std::string(name.substr(0, 70)) +
                                                    "' is longer than 63 characters");
    if (!is_alnum(name[0]))
        return fail(ErrorKind::InvalidArgument,
                    label + " '" + std::string(name) + "' must start with a letter or digit");
    for (char c : name)
        if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
            return fail(ErrorKind::InvalidArgument, label + " '" + std::string(name) +
                                                        "' may contain only letters, digits, '_', '.' and '-'");
    if (name.find("..") != std::string_view::npos)
        return fail(ErrorKind::InvalidArgument, label + " '" + std::string(name) + "' must not contain '..'");
    return {};
}

std::string escape_object_path_label(std::string_view name)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : name) {
        if (is_alnum(static_cast<char>(c))) {
            out += static_cast<char>(c);
        } else {
            out += '_';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out.empty() ? "_" : out;
}

}  // namespace berth

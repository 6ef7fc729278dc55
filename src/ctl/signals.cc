#include "ctl/signals.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <tuple>

namespace berth::ctl {

namespace {

struct SignalName {
    std::string_view name;
    int number;
};

// Linux numbers (all architectures we build for); SIGRTMIN/SIGRTMAX are read at run time because glibc reserves
// the first real-time signals for itself.
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},       {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},     {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

constexpr int kMaxSignal = 64;

std::optional<int> to_int(std::string_view text)
{
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size())
        return std::nullopt;
    return value;
}

Result<int> invalid(std::string_view text)
{
    return fail(ErrorKind::InvalidArgument,
                "unknown signal '" + std::string(text) +
                    "' (use a name like TERM, KILL, RTMIN+3 or a number from 1 to 64)");
}

}  // namespace

Result<int> parse_signal(std::string_view text)
{
    if (text.empty())
        return invalid(text);
    if (std::isdigit(static_cast<unsigned char>(text[0]))) {
        auto n = to_int(text);
        if (!n || *n < 1 || *n > kMaxSignal)
            return invalid(text);
        return *n;
    }
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    std::string_view name = upper;
    if (name.starts_with("SIG"))
        name.remove_prefix(3);
    for (const auto& s : kSignals)
        if (s.name == name)
            return s.number;
    // RTMIN, RTMIN+N, RTMAX, RTMAX-N
    for (auto [prefix, base, sign] : {std::tuple{std::string_view("RTMIN"), SIGRTMIN, +1},
                                      std::tuple{std::string_view("RTMAX"), SIGRTMAX, -1}}) {
        if (!name.starts_with(prefix))
            continue;
        std::string_view offset = name.substr(prefix.size());
        int n = 0;
        if (!offset.empty()) {
            if (offset[0] != (sign > 0 ? '+' : '-'))
                return invalid(text);
            auto v = to_int(offset.substr(1));
            if (!v || *v < 0)
                return invalid(text);
            n = *v;
        }
        const int number = base + sign * n;
        if (number < SIGRTMIN || number > SIGRTMAX)
            return invalid(text);
        return number;
    }
    return invalid(text);
}

std::string signal_name(int signal)
{
    for (const auto& s : kSignals)
        if (s.number == signal)
            return std::string(s.name);
    if (signal == SIGRTMIN)
        return "RTMIN";
    if (signal > SIGRTMIN && signal <= SIGRTMAX)
        return "RTMIN+" + std::to_string(signal - SIGRTMIN);
    return std::to_string(signal);
}

}  // namespace berth::ctl

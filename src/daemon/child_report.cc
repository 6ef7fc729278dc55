#include "daemon/child_report.h"

#include <unistd.h>

#include <cstdlib>

#include "base/fs.h"

namespace berth::daemon {

namespace {

ErrorKind kind_from_string(const std::string& name)
{
    for (int k = 0; k <= static_cast<int>(ErrorKind::NotSupported); ++k)
        if (error_kind_to_string(static_cast<ErrorKind>(k)) == name)
            return static_cast<ErrorKind>(k);
    return ErrorKind::Failed;
}

}  // namespace

void write_child_report(int fd, const Error& error)
{
    std::string text = std::string(error_kind_to_string(error.kind)) + "\n" + std::to_string(error.code) + "\n" +
                       error.message;
    (void)!write(fd, text.data(), text.size());
}

void write_child_payload(int fd, const std::string& payload)
{
    (void)!write(fd, payload.data(), payload.size());
}

Result<std::string> read_child_result(int report_fd, const siginfo_t& info, const std::string& what)
{
    const std::string report = read_to_end(report_fd);
    if (info.si_code == CLD_EXITED && info.si_status == 0)
        return report;
    if (report.empty() || info.si_code != CLD_EXITED)
        return fail(ErrorKind::Failed, what + " ended abnormally (status " + std::to_string(info.si_status) + ")");
    auto first = report.find('\n');
    auto second = report.find('\n', first + 1);
    return tl::unexpected(Error{kind_from_string(report.substr(0, first)),
                                std::atoi(report.substr(first + 1, second - first - 1).c_str()),
                                second == std::string::npos ? std::string() : report.substr(second + 1)});
}

Result<> read_child_outcome(int report_fd, const siginfo_t& info, const std::string& what)
{
    BERTH_TRY(read_child_result(report_fd, info, what));
    return {};
}

}  // namespace berth::daemon

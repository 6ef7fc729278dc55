// image build debian: berthd bootstraps the image in a child process and streams its output through a pipe we
// pass over D-Bus; berthctl shows it as a progress display (one updating line on a terminal, every line else).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "base/unique_fd.h"
#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

constexpr const char* kManagerInterface = org::berth1::Manager_proxy::INTERFACE_NAME;

// debootstrap's per-package chatter ("I: Retrieving libc6 2.36-9", "I: Unpacking ...") is progress, not news.
bool is_progress_line(const std::string& line)
{
    for (const char* p : {"I: Retrieving ", "I: Validating ", "I: Extracting ", "I: Unpacking ", "I: Configuring "})
        if (line.rfind(p, 0) == 0)
            return true;
    return false;
}

// Copies the builder's output from `fd` to stderr until EOF.
void show_progress(int fd, bool tty)
{
    std::string pending;
    bool status_shown = false;
    char buf[4096];
    auto emit = [&](const std::string& line) {
        if (!tty) {
            std::fprintf(stderr, "%s\n", line.c_str());
            return;
        }
        if (is_progress_line(line)) {
            std::string shown = line.substr(0, 100);
            std::fprintf(stderr, "\r\033[K%s", shown.c_str());
            status_shown = true;
        } else {
            std::fprintf(stderr, "%s%s\n", status_shown ? "\r\033[K" : "", line.c_str());
            status_shown = false;
        }
        std::fflush(stderr);
    };
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        pending.append(buf, static_cast<size_t>(n));
        for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
            emit(pending.substr(0, nl));
            pending.erase(0, nl + 1);
        }
    }
    if (!pending.empty())
        emit(pending);
    if (tty && status_shown)
        std::fprintf(stderr, "\r\033[K");
}

std::vector<std::string> split_commas(const std::vector<std::string>& values)
{
    std::vector<std::string> out;
    for (const auto& v : values) {
        std::istringstream in(v);
        for (std::string item; std::getline(in, item, ',');)
            if (!item.empty())
                out.push_back(item);
    }
    return out;
}

Result<int> do_image_build(const Invocation& inv)
{
    const std::string& distribution = inv.args.positionals[0];
    const std::string& name = inv.args.positionals[1];
    if (distribution != "debian")
        return fail(ErrorKind::InvalidArgument,
                    "cannot build '" + distribution + "' images; try: berthctl image build debian NAME");
    std::map<std::string, sdbus::Variant> options;
    if (auto suite = inv.args.value("suite"))
        options["Suite"] = sdbus::Variant(*suite);
    if (auto mirror = inv.args.value("mirror"))
        options["Mirror"] = sdbus::Variant(*mirror);
    if (inv.args.has("include"))
        options["Include"] = sdbus::Variant(split_commas(inv.args.values("include")));

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return fail_errno("create pipe");
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    auto bus = BERTH_TRY(Bus::connect());
    const bool tty = isatty(STDERR_FILENO) && !inv.args.has("quiet");
    std::thread reader;
    if (!inv.args.has("quiet"))
        reader = std::thread([fd = read_end.get(), tty] { show_progress(fd, tty); });
    // A build takes a minute or more: no D-Bus timeout. The daemon closes its end of the pipe when it is done.
    auto r = bus_call([&] {
        bus.manager()
            .getProxy()
            .callMethod("BuildImage")
            .onInterface(kManagerInterface)
            .withTimeout(kNoTimeout)
            .withArguments(distribution, name, options, sdbus::UnixFd(write_end.get()));
    });
    write_end.reset();
    if (reader.joinable())
        reader.join();
    if (!r)
        return fail(r.error());
    std::printf("Built image %s.\n", name.c_str());
    return 0;
}

}  // namespace

std::vector<Verb> build_verbs()
{
    return {
        {"image build", {}, "debian NAME [--suite SUITE] [--include PKG,...] [--mirror URL] [--quiet]", 2, 2,
         std::nullopt,
         {{"suite", 0, true, false, "SUITE", "Debian suite (default: bookworm)"},
          {"include", 0, true, true, "PKG,...", "extra packages (repeatable, comma-separated)"},
          {"mirror", 0, true, false, "URL", "Debian mirror (default: the machine's apt sources)"},
          {"quiet", 'q', false, false, "", "do not show the builder's output"}},
         do_image_build, "Build a bootable Debian image",
         "Builds image NAME by debootstrap (minbase with systemd, systemd-sysv, dbus and iproute2, plus the\n"
         "--include packages) from the Debian mirror of the machine's apt sources (/etc/apt/sources.list and\n"
         "sources.list.d/), or --mirror URL. berthd runs the build; its output is shown as it goes (one updating\n"
         "line on a terminal). The image is made ready to boot as a guest: every container gets a fresh\n"
         "machine-id at its first start and its name as hostname; berth configures eth0 and resolv.conf; units\n"
         "that fail in a container are masked; getty runs on the console. Nothing is left behind on failure.\n"
         "berthd reaches the mirror through http_proxy/https_proxy in its environment when they are set."},
    };
}

}  // namespace berth::ctl

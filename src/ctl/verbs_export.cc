// export / import of containers and volumes. The archive flows through a pipe: berthd's archive process writes
// (export) or reads (import) one end, a thread here copies between the other end and FILE, counting bytes for
// the progress line shown on a terminal.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "base/unique_fd.h"
#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

constexpr const char* kManager = "org.berth1.Manager";

double now_sec()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string megabytes(uint64_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return buf;
}

// Copies `from` to `to` until EOF, counting; shows "bytes[/total], MB/s" on stderr when it is a terminal.
class Copier {
public:
    Copier(int from, int to, uint64_t total) : from_(from), to_(to), total_(total) {}
    void run()
    {
        const bool tty = isatty(STDERR_FILENO);
        const double start = now_sec();
        double shown = 0;
        std::vector<char> buf(256 * 1024);
        for (;;) {
            ssize_t n = read(from_, buf.data(), buf.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                error_ = n < 0 ? errno : 0;
                break;
            }
            for (ssize_t off = 0; off < n;) {
                ssize_t w = write(to_, buf.data() + off, static_cast<size_t>(n - off));
                if (w < 0 && errno == EINTR)
                    continue;
                if (w < 0) {
                    error_ = errno;
                    goto done;
                }
                off += w;
            }
            bytes_ += static_cast<uint64_t>(n);
            if (tty && now_sec() - shown > 0.2) {
                shown = now_sec();
                progress(start);
            }
        }
    done:
        if (tty) {
            progress(start);
            std::fputc('\n', stderr);
        }
    }
    uint64_t bytes() const { return bytes_; }
    int error() const { return error_; }

private:
    void progress(double start) const
    {
        const double secs = std::max(now_sec() - start, 1e-3);
        std::string line = megabytes(bytes_);
        if (total_)
            line += " / " + megabytes(total_);
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.1f MB/s", static_cast<double>(bytes_) / 1e6 / secs);
        std::fprintf(stderr, "\r%s  %s   ", line.c_str(), rate);
    }
    int from_;
    int to_;
    uint64_t total_;
    std::atomic<uint64_t> bytes_{0};
    int error_ = 0;
};

// "--format", else the file name's suffix, else tar.zst.
Result<std::string> format_for(const Invocation& inv, const std::string& file)
{
    if (auto f = inv.args.value("format")) {
        for (const char* known : {"tar", "tar.gz", "tar.xz", "tar.zst"})
            if (*f == known)
                return *f;
        return usage_error("invalid --format '" + *f + "' (use tar, tar.gz, tar.xz or tar.zst)");
    }
    auto ends = [&](const char* suffix) {
        const std::string s = suffix;
        return file.size() >= s.size() && file.compare(file.size() - s.size(), s.size(), s) == 0;
    };
    if (ends(".tar.gz") || ends(".tgz"))
        return std::string("tar.gz");
    if (ends(".tar.xz") || ends(".txz"))
        return std::string("tar.xz");
    if (ends(".tar"))
        return std::string("tar");
    return std::string("tar.zst");
}

Result<int> run_export(const Invocation& inv, const char* method, const std::string& what, const std::string& file)
{
    const std::string format = BERTH_TRY(format_for(inv, file));
    const bool to_stdout = file == "-";
    UniqueFd out(to_stdout ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
                           : open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644));
    if (!out)
        return fail_errno("open " + file);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return fail_errno("create a pipe");
    UniqueFd read_end(p[0]), write_end(p[1]);
    auto bus = BERTH_TRY(Bus::connect());
    Copier copier(read_end.get(), out.get(), 0);
    std::thread thread([&copier] { copier.run(); });
    std::map<std::string, sdbus::Variant> options{{"Format", sdbus::Variant(format)}};
    if (inv.args.has("snapshots"))
        options["Snapshots"] = sdbus::Variant(true);
    auto r = bus_call([&] {
        bus.manager().getProxy().callMethod(method).onInterface(kManager).withTimeout(kNoTimeout)
            .withArguments(what, sdbus::UnixFd(write_end.get()), options);
    });
    write_end.reset();   // the daemon's process is done with it too: the copier sees EOF
    thread.join();
    if (r && copier.error())
        r = fail_errno(copier.error(), "write " + file);
    if (!r) {
        if (!to_stdout)
            unlink(file.c_str());   // nothing half-written left behind
        return fail(r.error());
    }
    if (!to_stdout)
        std::fprintf(stderr, "Exported %s to %s (%s, %s).\n", what.c_str(), file.c_str(),
                     megabytes(copier.bytes()).c_str(), format.c_str());
    return 0;
}

Result<int> run_import(const char* method, const std::string& file, const std::string& name, bool print_name,
                       std::map<std::string, sdbus::Variant> options = {})
{
    const bool from_stdin = file == "-";
    UniqueFd in(from_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
                           : open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!in)
        return fail_errno("open " + file);
    struct stat st;
    const uint64_t total = fstat(in.get(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return fail_errno("create a pipe");
    UniqueFd read_end(p[0]), write_end(p[1]);
    signal(SIGPIPE, SIG_IGN);   // a daemon that refuses the archive closes the pipe early: an error, not a kill
    auto bus = BERTH_TRY(Bus::connect());
    Copier copier(in.get(), write_end.get(), total);
    std::thread thread([&copier, &write_end] {
        copier.run();
        write_end.reset();   // EOF for the daemon
    });
    sdbus::ObjectPath object;
    auto r = bus_call([&] {
        bus.manager().getProxy().callMethod(method).onInterface(kManager).withTimeout(kNoTimeout)
            .withArguments(sdbus::UnixFd(read_end.get()), name, options).storeResultsTo(object);
    });
    read_end.reset();
    thread.join();
    if (!r)
        return fail(r.error());
    std::string shown = name;
    if (shown.empty()) {
        // The name the archive recorded: ask the new object.
        auto container = bus.container_at(object);
        if (container)
            shown = bus_call([&] { return (*container)->Name(); }).value_or(std::string(object));
    }
    if (print_name)
        std::fprintf(stderr, "Imported %s from %s (%s).\n", shown.c_str(), file.c_str(),
                     megabytes(copier.bytes()).c_str());
    return 0;
}

Result<int> do_export(const Invocation& inv)
{
    return run_export(inv, "ExportContainer", inv.args.positionals[0], inv.args.positionals[1]);
}

Result<int> do_import(const Invocation& inv)
{
    const auto& p = inv.args.positionals;
    std::map<std::string, sdbus::Variant> options;
    if (auto pool = inv.args.value("pool"))
        options["Pool"] = sdbus::Variant(*pool);
    return run_import("ImportContainer", p[0], p.size() > 1 ? p[1] : "", true, options);
}

Result<int> do_volume_export(const Invocation& inv)
{
    return run_export(inv, "ExportVolume", inv.args.positionals[0], inv.args.positionals[1]);
}

Result<int> do_volume_import(const Invocation& inv)
{
    std::map<std::string, sdbus::Variant> options;
    if (inv.args.has("ignore-size"))
        options["IgnoreSize"] = sdbus::Variant(true);
    return run_import("ImportVolume", inv.args.positionals[0], inv.args.positionals[1], true, options);
}

const OptionSpec kFormat{"format", 'f', true, false, "FORMAT",
                         "tar.zst (default), tar.gz, tar.xz or tar; else taken from FILE's suffix"};

}  // namespace

std::vector<Verb> export_verbs()
{
    return {
        {"export", {}, "NAME FILE [--format FORMAT] [--snapshots]", 2, 2, std::nullopt,
         {kFormat, {"snapshots", 0, false, false, "", "the container's snapshots too (import recreates them)"}},
         do_export,
         "Write a stopped container to an archive",
         "Writes container NAME (stopped; not ephemeral) to FILE ('-': stdout) as a tar archive: its definition\n"
         "(berth/definition.toml) and its root file system under rootfs/, owners as the container sees them\n"
         "(numeric), modes, times, xattrs, ACLs and hard links kept. Shows progress on a terminal. A failed\n"
         "export removes FILE. With --snapshots the archive also holds each snapshot under snapshots/NAME/;\n"
         "import makes them read-only snapshots again."},
        {"import", {}, "FILE [NAME] [--pool POOL]", 1, 2, std::nullopt,
         {{"pool", 0, true, false, "POOL", "the pool of the container's root (default: as recorded, else default)"}},
         do_import, "Create a container from an archive",
         "Creates the container recorded in FILE ('-': stdin; written by 'berthctl export'; compression detected)\n"
         "under NAME (default: the recorded name), with the recorded settings and a new id range. A corrupt or\n"
         "truncated archive, or a full pool, leaves nothing behind."},
        {"volume export", {}, "POOL/NAME FILE [--format FORMAT]", 2, 2, std::nullopt, {kFormat}, do_volume_export,
         "Write a custom volume to an archive",
         "As export, for a volume: berth/volume.toml and its data under data/. Export a volume while no container\n"
         "writes to it, or the archive may mix old and new files."},
        {"volume import", {}, "FILE POOL/NAME [--ignore-size]", 2, 2, std::nullopt,
         {{"ignore-size", 0, false, false, "", "do not limit the volume to its recorded size"}}, do_volume_import,
         "Create a custom volume from an archive",
         "Creates volume POOL/NAME with the data of FILE (written by 'berthctl volume export'). Nothing is left\n"
         "behind when the archive is corrupt or the pool is full. The volume's recorded size limit (--size) is\n"
         "applied again; a pool that cannot limit sizes (dir) refuses such an archive unless --ignore-size."},
    };
}

}  // namespace berth::ctl
